"""Every save or delete of a model with `audit_enabled = True` leaves a change row.

pre_save reads the stored row (one query, writes only) so that the row keeps
before/after JSON; a soft delete (BusinessModel.delete) is recorded as a delete.
"""
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .models import ChangeLog
from .services import record_change, snapshot


def _audited(sender):
    return getattr(sender, "audit_enabled", False)


@receiver(pre_save)
def _remember_before(sender, instance, raw=False, **kwargs):
    if raw or not _audited(sender):
        return
    instance._audit_before = None
    if instance.pk is not None and not instance._state.adding:
        manager = getattr(sender, "all_objects", sender._base_manager)
        old = manager.filter(pk=instance.pk).first()
        if old is not None:
            instance._audit_before = snapshot(old)


@receiver(post_save)
def _record_save(sender, instance, created, raw=False, **kwargs):
    if raw or not _audited(sender):
        return
    action = getattr(instance, "_audit_action", None)
    if action is None:
        action = ChangeLog.Action.CREATE if created else ChangeLog.Action.UPDATE
    before = None if created else getattr(instance, "_audit_before", None)
    record_change(instance, action, before, snapshot(instance))
    instance._audit_action = None
    instance._audit_before = None


@receiver(post_delete)
def _record_delete(sender, instance, **kwargs):
    if not _audited(sender):
        return
    record_change(instance, ChangeLog.Action.DELETE, snapshot(instance), None)
