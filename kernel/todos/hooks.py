"""Workflow -> to-dos: entering a state with a task opens a to-do; leaving it closes it."""
import datetime

from django.utils import timezone

from . import services


def due_at_end_of(day: datetime.date):
    tz = timezone.get_current_timezone()
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=tz)


def on_transition(obj, workflow, transition, source, log):
    services.close(obj, key=f"workflow:{source}", by=log.actor)
    open_state_task(obj, workflow, transition.target)


def open_state_task(obj, workflow, state_code):
    """Open the to-do of the state a record is in (also used for records created in their first state)."""
    task = workflow.state(state_code).task
    if task is None:
        return None
    due = None
    if task.due is not None:
        day = task.due(obj)
        due = due_at_end_of(day) if day else None
    elif task.due_working_days is not None:
        from kernel.calendar.services import add_working_days

        due = due_at_end_of(add_working_days(timezone.localdate(), task.due_working_days))
    return services.create(
        obj, task.title.format(obj=obj), key=f"workflow:{state_code}",
        url=task.url(obj) if task.url else "", assignee=task.assignee(obj) if task.assignee else None,
        role_code=task.role, region=task.region(obj) if task.region else None, due_at=due,
    )
