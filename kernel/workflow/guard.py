"""Reject any save that changes a workflow state outside Workflow.apply()."""
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .engine import TransitionError, WorkflowModel


@receiver(pre_save)
def _guard_state(sender, instance, raw=False, **kwargs):
    if raw or not isinstance(instance, WorkflowModel) or getattr(instance, "_workflow_in_transition", False):
        return
    wf = sender.workflow
    state = getattr(instance, wf.state_field)
    if instance._state.adding:
        allowed = {wf.initial, *sender.initial_states}
        if state not in allowed:
            raise TransitionError({wf.state_field: [f"新记录的状态只能是“{wf.state(wf.initial).label}”"]})
        return
    if state != getattr(instance, "_workflow_loaded_state", state):
        raise TransitionError({wf.state_field: ["状态只能通过流程操作变更"]})


@receiver(post_save)
def _remember(sender, instance, created, **kwargs):
    if isinstance(instance, WorkflowModel):
        instance._workflow_loaded_state = getattr(instance, sender.workflow.state_field)
