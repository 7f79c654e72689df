"""SLA deadlines of a ticket under a contract's terms (issue 8 point 1), on the business calendar.

- Faults: first response and resolution within the level's hours, counted on the term's schedule (7×24 for
  faults under seed 004, office hours for 5×8 service), the clock not running while the ticket waits on the
  requester (pauses).
- Consultations with a cut-off (seed 004: "15:00前提出的当日解决，15:00后提出的次一工作日解决"): due at the end
  of that working day's service hours, or of the next working day's.
Holidays and make-up working days come from the kernel calendar."""
import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from kernel.calendar.services import Pause, deadline, due_by_cutoff, schedule, working_seconds_between  # noqa: F401 (Pause: for callers)

from .models import SlaTerm


@dataclass(frozen=True)
class Deadlines:
    response: datetime.datetime | None
    resolution: datetime.datetime | None


def term_for(contract, kind, level=None) -> SlaTerm:
    term = contract.terms.filter(kind=kind, level=level if kind == SlaTerm.Kind.FAULT else None).first()
    if term is None:
        label = SlaTerm.Kind(kind).label + (f"{level}级" if level else "")
        raise ValidationError({"kind": f"合同{contract.contract_no}没有{label}的SLA条款"})
    return term


def _end_of_service_day(day, sched):
    """The end of `day`'s last clock period under the schedule (17:30 for office hours, midnight for all-day)."""
    tz = timezone.get_current_timezone()
    end = sched.parsed_periods()[-1][1]
    if end == datetime.time.max:
        return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), tzinfo=tz)
    return datetime.datetime.combine(day, end, tzinfo=tz)


def deadlines(term, raised_at, pauses=()) -> Deadlines:
    """The first-response and resolution deadlines of a ticket raised at `raised_at` under `term`. A deadline
    is None while the clock is paused (waiting on the requester) or when the term sets no such limit."""
    sched = schedule(term.schedule.code)
    response = resolution = None
    if term.response_hours is not None:
        response = deadline(raised_at, float(term.response_hours) * 3600, sched, pauses)
    if term.resolution_hours is not None:
        resolution = deadline(raised_at, float(term.resolution_hours) * 3600, sched, pauses)
    if term.cutoff is not None:
        # the end of that working day's service hours; time spent waiting on the requester moves it on by the
        # clock time the pauses took (the clock time from raising to that end is the ticket's budget)
        end = _end_of_service_day(due_by_cutoff(raised_at, term.cutoff), sched)
        resolution = deadline(raised_at, working_seconds_between(raised_at, end, sched), sched, pauses)
    return Deadlines(response, resolution)


def save_term(term):
    """Create or change an SLA term (validated; audited by the kernel's change rows)."""
    term.full_clean()
    term.save()
    return term
