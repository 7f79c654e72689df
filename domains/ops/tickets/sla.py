"""SLA clocks of a ticket: first-response and resolution deadlines on the business calendar, the moments at
which the escalation rules warn (yellow) before them, pauses while waiting on the requester, and the figures
the ticket page shows (remaining or overdue time, paused time).

Deadlines:
- from the contract's SLA term for the ticket's kind and fault level (domains.ops.contracts.services.deadlines:
  limits in hours on the term's schedule, 7×24 for seed 004's faults, or the consultation cut-off rule
  "before 15:00 the same working day, after it the next");
- an upgrade whose planned release date is agreed (signed requirement): resolution due at the end of that day
  (seed 004: the resolution time of a requirement is agreed with the users before development starts);
- a data-maintenance request under a contract without a data term: resolution due at the end of the week it
  was raised (Sunday 24:00), the period of the weekly data-processing completion rate;
- these fixed dates move by the wall-clock time the ticket spent paused.
While the ticket is paused, its open deadlines are empty (no clock runs, nothing is warned).

Warning moments: `*_warn_at` is when the yellow share (the escalation rule's yellow threshold, a percentage of
the limit, default 80 %) of the clock time between raising and the deadline has elapsed, counted on the same
schedule and pauses as the deadline. They are stored next to the deadlines so that the scan is one indexed
SQL query; a change of the threshold recomputes them for the tickets whose clock runs (alerts.py)."""
import datetime

from django.db.models import Count, Q
from django.utils import timezone

from domains.ops.contracts import services as contracts
from kernel.calendar.services import Pause, deadline, elapsed, schedule, working_seconds_between
from kernel.core.cache import cached_figures

from .workflows import CLOCK_STATES

DEFAULT_WARN_PERCENT = 80
RESPONSE_RULE, RESOLUTION_RULE = "ops_ticket_response_sla", "ops_ticket_resolution_sla"


def find_term(contract, kind, level=None):
    """The contract's SLA term for a kind of ticket (and a fault's level), or None."""
    return (contract.terms.filter(kind=kind, level=level if kind == "fault" else None)
            .select_related("schedule").first())


def schedule_of(ticket):
    return schedule(ticket.sla_term.schedule.code if ticket.sla_term_id else "always")


def pauses_of(ticket):
    if ticket.pk is None:
        return []
    return [Pause(p.started_at, p.ended_at) for p in ticket.pauses.order_by("started_at", "pk")]


def warn_percent(rule_code):
    """The yellow threshold of an escalation rule, in percent of the limit (1-99)."""
    from kernel.alerts.registry import definition

    try:
        levels = definition(rule_code).ensure_rule().levels
    except KeyError:
        return DEFAULT_WARN_PERCENT
    for entry in levels:
        if entry.get("level") == "yellow":
            try:
                return min(max(float(entry["threshold"]), 1), 99)
            except (TypeError, ValueError, KeyError):
                break
    return DEFAULT_WARN_PERCENT


def _end_of_day(day):
    tz = timezone.get_current_timezone()
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), tzinfo=tz)


def _paused_wall_seconds(pauses, now=None):
    now = now or timezone.now()
    return sum(((p.end or now) - p.start).total_seconds() for p in pauses)


def _fixed_due(ticket, pauses):
    """An agreed date instead of a term's hours: the upgrade's planned release date, or the end of the data
    request's week; moved by the time paused. None when there is none or while paused."""
    if ticket.kind == "upgrade" and ticket.planned_release_on:
        base = _end_of_day(ticket.planned_release_on)
    elif ticket.kind == "data" and not (ticket.sla_term_id and (ticket.sla_term.resolution_hours or ticket.sla_term.cutoff)):
        raised = timezone.localtime(ticket.raised_at).date()
        base = _end_of_day(raised + datetime.timedelta(days=6 - raised.weekday()))
    else:
        return None
    if any(p.end is None for p in pauses):
        return None
    return base + datetime.timedelta(seconds=_paused_wall_seconds(pauses))


def compute(ticket, pauses):
    """(response_due, resolution_due) of a ticket under its term and pauses."""
    response = resolution = None
    if ticket.sla_term_id:
        d = contracts.deadlines(ticket.sla_term, ticket.raised_at, pauses)
        response, resolution = d.response, d.resolution
    fixed = _fixed_due(ticket, pauses)
    if fixed is not None or (ticket.kind == "upgrade" and ticket.planned_release_on):
        resolution = fixed
    return response, resolution


def warn_at(start, due, sched, pauses, percent):
    """When `percent` of the clock time from `start` to `due` has run (pauses not counted)."""
    if due is None:
        return None
    budget = elapsed(start, due, sched, pauses)
    if budget <= 0:
        return due
    return deadline(start, budget * percent / 100, sched, pauses)


def refresh(ticket, pauses=None, percents=None):
    """Recompute the deadlines (and warning moments) whose clock has not stopped yet. `percents`: the rules'
    yellow thresholds (response, resolution) when the caller has read them already."""
    pauses = pauses_of(ticket) if pauses is None else pauses
    response, resolution = compute(ticket, pauses)
    sched = schedule_of(ticket)
    response_pct, resolution_pct = percents or (warn_percent(RESPONSE_RULE), warn_percent(RESOLUTION_RULE))
    if ticket.responded_at is None:
        ticket.response_due = response
        ticket.response_warn_at = warn_at(ticket.raised_at, response, sched, pauses, response_pct)
    if ticket.resolved_at is None:
        ticket.resolution_due = resolution
        ticket.resolution_warn_at = warn_at(ticket.raised_at, resolution, sched, pauses, resolution_pct)
    return ticket


def _close_sla_todos(ticket, phase, status="done"):
    """The escalation to-dos of a clock that has stopped (see alerts.py)."""
    from kernel.todos.services import open_for_object

    return open_for_object(ticket).filter(key__startswith=f"sla:{phase}:").update(status=status,
                                                                                   done_at=timezone.now())


# -- the transitions' clock work (called from workflows.py inside the transition) ------------------------------
def mark_responded(ticket, now):
    ticket.responded_at = now
    ticket.response_breached = bool(ticket.response_due and now > ticket.response_due)
    _close_sla_todos(ticket, "response")


def mark_resolved(ticket, now):
    ticket.resolved_at = now
    ticket.resolution_breached = bool(ticket.resolution_due and now > ticket.resolution_due)
    if ticket.kind == "upgrade":
        ticket.released_at = now
    _close_sla_todos(ticket, "resolution")


def pause(ticket, now, note=""):
    from .models import TicketPause

    TicketPause.objects.create(ticket=ticket, reason=TicketPause.Reason.WAITING, note=(note or "")[:500],
                               started_at=now)
    refresh(ticket)
    _close_sla_todos(ticket, "resolution", status="cancelled")


def resume(ticket, now):
    for p in ticket.pauses.filter(ended_at__isnull=True):
        p.ended_at = now
        p.save(update_fields=["ended_at"])
    refresh(ticket)


def reopen(ticket, now):
    from .models import TicketPause

    if ticket.resolved_at is not None:  # waiting for the requester's confirmation did not count
        TicketPause.objects.create(ticket=ticket, reason=TicketPause.Reason.CONFIRMING, started_at=ticket.resolved_at,
                                   ended_at=now, note="已解决待确认期间不计时")
    ticket.reopen_count += 1
    ticket.resolved_at = None
    ticket.closed_at = None
    ticket.resolution_breached = False
    refresh(ticket)


# -- what the page shows --------------------------------------------------------------------------------------
def human(seconds):
    """3725 -> "1小时2分"; 90000 -> "1天1小时"."""
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(f"{days}天")
    if hours:
        parts.append(f"{hours}小时")
    if minutes and not days:
        parts.append(f"{minutes}分")
    return "".join(parts) or "不足1分钟"


def clock(label, due, done_at, breached, paused, now, sched):
    if done_at is not None:
        late = bool(due and done_at > due)
        return {"label": label, "due": due, "done_at": done_at, "state": "late" if (late or breached) else "met",
                "text": (f"超时{human((done_at - due).total_seconds())}完成" if late else "按时完成") if due else "已完成"}
    if paused:
        return {"label": label, "due": None, "done_at": None, "state": "paused", "text": "暂停计时（待用户反馈）"}
    if due is None:
        return {"label": label, "due": None, "done_at": None, "state": "none", "text": "无时限要求"}
    if now >= due:
        return {"label": label, "due": due, "done_at": None, "state": "overdue",
                "text": f"已超时{human((now - due).total_seconds())}"}
    return {"label": label, "due": due, "done_at": None, "state": "running",
            "text": f"剩余{human(working_seconds_between(now, due, sched))}（按{sched.name}计时）"}


def clocks(ticket, now=None):
    """The two SLA clocks and the paused time, for the ticket page and the API."""
    now = now or timezone.now()
    pauses = list(ticket.pauses.order_by("started_at", "pk")) if ticket.pk else []
    paused = any(p.ended_at is None for p in pauses)
    sched = schedule_of(ticket)
    closed = ticket.status in ("closed", "cancelled")
    response = clock("首次响应", ticket.response_due, ticket.responded_at, ticket.response_breached, False, now, sched)
    if ticket.status == "cancelled" and ticket.responded_at is None:
        response = {**response, "state": "none", "text": "已撤销"}
    resolution = clock("解决", ticket.resolution_due, ticket.resolved_at, ticket.resolution_breached, paused, now,
                       sched)
    if closed and ticket.resolved_at is None:
        resolution = {**resolution, "state": "none", "text": "已撤销"}
    paused_seconds = sum(((p.ended_at or now) - p.started_at).total_seconds() for p in pauses)
    return {"response": response, "resolution": resolution, "pauses": pauses, "paused": paused,
            "paused_text": human(paused_seconds) if paused_seconds else "无", "paused_seconds": int(paused_seconds),
            "schedule": sched.name, "term": ticket.sla_term}


# -- the clocks' states in queries (list filters, the list's and the dashboard's counts) ---------------------
def overdue_q(now):
    """A running clock past its deadline."""
    return Q(status__in=CLOCK_STATES) & (Q(responded_at__isnull=True, response_due__lte=now)
                                         | Q(resolved_at__isnull=True, resolution_due__lte=now))


def near_q(now):
    """A running clock past its warning moment (the rule's share of the limit), not yet at its deadline."""
    near = (Q(responded_at__isnull=True, response_warn_at__lte=now, response_due__gt=now)
            | Q(resolved_at__isnull=True, resolution_warn_at__lte=now, resolution_due__gt=now))
    return Q(status__in=CLOCK_STATES) & near


def attention_counts(queryset, now=None):
    """{"near": n, "overdue": n} of a (scoped) ticket queryset, as of the current minute: one aggregate over the
    tickets whose clock runs, shared by every request of the same scope within the minute and recomputed when a
    ticket is written."""
    minute = (now or timezone.now()).replace(second=0, microsecond=0)

    def compute(qs):
        return qs.aggregate(near=Count("pk", filter=near_q(minute) & ~overdue_q(minute)),
                            overdue=Count("pk", filter=overdue_q(minute)))

    return cached_figures("ops_ticket_attention", queryset.filter(status__in=CLOCK_STATES), compute,
                          bucket=f"{minute:%Y%m%d%H%M}")
