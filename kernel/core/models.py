"""Abstract bases shared by every business record.

BusinessModel gives timestamps, creator, soft delete and jurisdiction scoping:
- `Model.objects` hides soft-deleted rows; `Model.all_objects` shows them.
- `Model.objects.visible_to(user)` is the one door to data shown to a person
  (see kernel/org/scope.py); every list, detail, export, count and API uses it.
- `delete()` is soft and leaves an audit row (kernel/audit listens to saves).
"""
from django.conf import settings
from django.db import models
from django.utils import timezone

from . import context


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, action="view"):
        from kernel.org.scope import restrict

        return restrict(self, user, action)


class SoftDeleteQuerySet(ScopedQuerySet):
    def delete(self):  # bulk soft delete keeps the rows and audits each one
        count = 0
        for obj in self:
            obj.delete()
            count += 1
        return count, {self.model._meta.label: count}


class ActiveManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(is_deleted=False)


class AllManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    pass


class BusinessModel(models.Model):
    """Base of business records: audited, soft-deleted, scoped."""

    audit_enabled = True
    audit_exclude = {"updated_at"}  # noise in every change row
    # How kernel/org/scope.py limits rows of this model; a model overrides what applies.
    # region: path to a Region FK; organisation: path to an Organisation FK; owner: path to a User FK.
    scope_fields = {"region": "region", "organisation": "organisation", "owner": "created_by"}

    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True, editable=False,
        on_delete=models.SET_NULL, related_name="+", db_index=False,  # models that list by creator add an index
    )
    is_deleted = models.BooleanField("已删除", default=False, editable=False)
    deleted_at = models.DateTimeField("删除时间", null=True, blank=True, editable=False)

    objects = ActiveManager()
    all_objects = AllManager()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    def save(self, *args, **kwargs):
        if self._state.adding and self.created_by_id is None:
            user = context.current_user()
            if user is not None:
                self.created_by_id = user.pk
        super().save(*args, **kwargs)

    def delete(self, using=None, keep_parents=False):
        """Soft delete: the row stays, marked, and the audit trail records a delete."""
        self.is_deleted = True
        self.deleted_at = timezone.now()
        self._audit_action = "delete"
        self.save(update_fields=["is_deleted", "deleted_at", "updated_at"])
        return 1, {self._meta.label: 1}

    def hard_delete(self):
        return super().delete()
