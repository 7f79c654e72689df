"""Working-day and working-time arithmetic on the business calendar.

Day counting follows Chinese administrative practice: the day of the event is not counted;
"within N working days" ends on the Nth working day after it.
"""
import datetime
from dataclasses import dataclass

from django.utils import timezone

from kernel.core.cache import versioned

from .models import CalendarDay, Schedule

MAX_SCAN_DAYS = 3 * 366  # a bound on every loop over days


def _exceptions() -> dict[datetime.date, str]:
    return versioned("calendar:days", ["bizcalendar_calendarday"],
                     lambda: dict(CalendarDay.objects.values_list("date", "kind")))


def is_working_day(day: datetime.date) -> bool:
    kind = _exceptions().get(day)
    if kind == CalendarDay.Kind.HOLIDAY:
        return False
    if kind == CalendarDay.Kind.WORKDAY:
        return True
    return day.weekday() < 5


def next_working_day(day: datetime.date, include_today=False) -> datetime.date:
    current = day if include_today else day + datetime.timedelta(days=1)
    for _ in range(MAX_SCAN_DAYS):
        if is_working_day(current):
            return current
        current += datetime.timedelta(days=1)
    raise ValueError("工作日历中连续三年没有工作日，请检查节假日设置")


def add_working_days(day: datetime.date, n: int) -> datetime.date:
    """The Nth working day after `day` (n = 0: `day` itself if it is a working day, else the next one)."""
    if n < 0:
        raise ValueError("n must not be negative")
    if n == 0:
        return next_working_day(day, include_today=True)
    current = day
    for _ in range(n):
        current = next_working_day(current)
    return current


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days in (start, end]: how many of the allowed days have been used on `end`."""
    if end <= start:
        return 0
    days = (end - start).days
    if days > MAX_SCAN_DAYS * 4:
        raise ValueError("区间过长")
    return sum(is_working_day(start + datetime.timedelta(days=i)) for i in range(1, days + 1))


def due_by_cutoff(moment: datetime.datetime, cutoff: datetime.time) -> datetime.date:
    """Raised before the cutoff on a working day: due the same day; otherwise the next working day
    (e.g. seed 004: consultations before 15:00 are solved the same working day)."""
    local = timezone.localtime(moment)
    if is_working_day(local.date()) and local.time() < cutoff:
        return local.date()
    return next_working_day(local.date())


def schedule(code: str) -> Schedule:
    return versioned(f"calendar:schedule:{code}", ["bizcalendar_schedule"], lambda: Schedule.objects.get(code=code))


def _windows(day: datetime.date, sched: Schedule):
    """The aware datetime windows in which the clock runs on `day`."""
    if sched.working_days_only and not is_working_day(day):
        return []
    tz = timezone.get_current_timezone()
    out = []
    for start, end in sched.parsed_periods():
        a = datetime.datetime.combine(day, start, tzinfo=tz)
        b = (datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), tzinfo=tz)
             if end == datetime.time.max else datetime.datetime.combine(day, end, tzinfo=tz))
        out.append((a, b))
    return out


def working_seconds_between(start: datetime.datetime, end: datetime.datetime, sched: Schedule) -> int:
    """Seconds of clock time between two moments under a schedule."""
    if end <= start:
        return 0
    start, end = timezone.localtime(start), timezone.localtime(end)
    total = 0
    day = start.date()
    for _ in range(MAX_SCAN_DAYS * 4):
        if day > end.date():
            break
        for a, b in _windows(day, sched):
            lo, hi = max(a, start), min(b, end)
            if hi > lo:
                total += int((hi - lo).total_seconds())
        day += datetime.timedelta(days=1)
    return total


def add_working_time(start: datetime.datetime, seconds: float, sched: Schedule) -> datetime.datetime:
    """The moment when `seconds` of clock time have run after `start` under a schedule."""
    remaining = datetime.timedelta(seconds=seconds)
    start = timezone.localtime(start)
    day = start.date()
    for _ in range(MAX_SCAN_DAYS):
        for a, b in _windows(day, sched):
            lo = max(a, start)
            if b <= lo:
                continue
            if lo + remaining <= b:
                return lo + remaining
            remaining -= b - lo
        day += datetime.timedelta(days=1)
    raise ValueError("计时超出三年范围，请检查计时方案")


@dataclass(frozen=True)
class Pause:
    start: datetime.datetime
    end: datetime.datetime | None = None  # None: still paused


def elapsed(start, now, sched: Schedule, pauses=()) -> int:
    """Clock seconds used between start and now, not counting paused intervals
    (e.g. an SLA waiting on the requester, a case waiting for 补正 materials)."""
    used = working_seconds_between(start, now, sched)
    for p in pauses:
        used -= working_seconds_between(max(p.start, start), min(p.end or now, now), sched)
    return max(used, 0)


def deadline(start, budget_seconds: float, sched: Schedule, pauses=()):
    """When the budget runs out, counting paused time as not elapsed. None while paused."""
    if any(p.end is None for p in pauses):
        return None
    paused = sum(working_seconds_between(max(p.start, start), p.end, sched) for p in pauses if p.end > start)
    return add_working_time(start, budget_seconds + paused, sched)
