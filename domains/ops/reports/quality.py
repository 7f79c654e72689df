"""Quality figures of the O&M service (issue 8 point 7; seed 004 §2.2 "维护效率与质量") over a month, computed
with SQL aggregates over the (scoped) ticket table:

| figure                                        | target | definition here                                                  |
|-----------------------------------------------|--------|------------------------------------------------------------------|
| 每月维护响应率 (response rate)                 | ≥ 90%  | tickets raised in the month whose response is settled (answered, or |
|                                               |        | its deadline passed): share answered within the response limit    |
| 每周数据处理完成率 (data processing completion) | ≥ 90%  | per week (Mon–Sun) of the month: data-maintenance tickets raised  |
|                                               |        | that week, share resolved before the week ended                   |
| 每月代码修改类维护按时完成率 (on-time changes)  | ≥ 85%  | upgrades whose deadline (end of the agreed release date, moved by |
|                                               |        | pauses) falls in the month, settled (released, or the deadline    |
|                                               |        | passed): share released by the deadline                           |
| 每月数据处理错误率 (data error rate)            | ≤ 2%   | data tickets raised in the month and resolved at least once: the  |
|                                               |        | share reopened                                                    |
| 一个月内软件交付错误率 (delivery error rate)     | ≤ 10%  | upgrades released in the month that were reopened                 |
| SLA达成率 per contract and level               |        | tickets raised in the month and settled: share with neither clock |
|                                               |        | breached (a clock still running past its deadline is breached)    |

A ticket whose clock is still running inside its limit is not yet counted either way; a cancelled ticket never."""
import calendar
import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from domains.ops.tickets.models import Kind, Ticket
from domains.ops.tickets.sla import attention_counts
from domains.ops.tickets.workflows import OPEN_STATES, TICKET
from kernel.org.scope import restrict

TARGETS = {  # code: (label, target %, "min" = at least / "max" = at most)
    "response": ("每月维护响应率", 90, "min"),
    "data_completion": ("每周数据处理完成率", 90, "min"),
    "on_time_change": ("代码修改类维护按时完成率", 85, "min"),
    "data_error": ("数据处理错误率", 2, "max"),
    "delivery_error": ("软件交付错误率", 10, "max"),
}


@dataclass
class Figure:
    code: str
    numerator: int
    denominator: int
    label: str = ""
    target: int = 0
    sense: str = "min"

    def __post_init__(self):
        self.label, self.target, self.sense = TARGETS[self.code]

    @property
    def rate(self):
        """The percentage with one decimal, or None when nothing was counted."""
        if not self.denominator:
            return None
        return round(100 * self.numerator / self.denominator, 1)

    @property
    def met(self):
        if self.rate is None:
            return None
        return self.rate >= self.target if self.sense == "min" else self.rate <= self.target

    @property
    def target_text(self):
        return f"{'≥' if self.sense == 'min' else '≤'}{self.target}%"

    @property
    def rate_text(self):
        return "—" if self.rate is None else f"{self.rate}%"

    @property
    def verdict(self):
        return {True: "达标", False: "未达标", None: "无数据"}[self.met]


@dataclass
class Week:
    start: datetime.date
    end: datetime.date
    raised: int
    completed: int
    finished: bool  # the week is over (else its figure may still rise)

    @property
    def rate(self):
        return round(100 * self.completed / self.raised, 1) if self.raised else None

    @property
    def met(self):
        return None if self.rate is None else self.rate >= TARGETS["data_completion"][1]


@dataclass
class SlaLine:
    contract_no: str
    contract: str
    kind: str
    level: int | None
    settled: int
    attained: int
    response_breached: int
    resolution_breached: int

    @property
    def kind_label(self):
        return Kind(self.kind).label + (f"{self.level}级" if self.level else "")

    @property
    def rate(self):
        return round(100 * self.attained / self.settled, 1) if self.settled else None


@dataclass
class Report:
    month: datetime.date
    start: datetime.datetime
    end: datetime.datetime
    figures: list = field(default_factory=list)
    weeks: list = field(default_factory=list)
    sla: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)

    @property
    def title(self):
        return f"{self.month:%Y年%m月}运维服务月报"

    def figure(self, code):
        return next(f for f in self.figures if f.code == code)

    @property
    def sla_total(self):
        settled = sum(line.settled for line in self.sla)
        attained = sum(line.attained for line in self.sla)
        return attained, settled, (round(100 * attained / settled, 1) if settled else None)


def month_bounds(month):
    tz = timezone.get_current_timezone()
    start = datetime.datetime(month.year, month.month, 1, tzinfo=tz)
    days = calendar.monthrange(month.year, month.month)[1]
    return start, start + datetime.timedelta(days=days)


def parse_month(text):
    """'2026-11' -> date(2026, 11, 1); None when it is not a month."""
    try:
        return datetime.datetime.strptime((text or "").strip(), "%Y-%m").date()
    except ValueError:
        return None


def tickets_for(user, contract=None):
    """The user's tickets that count: a cancelled one (raised by mistake) counts nowhere."""
    qs = restrict(Ticket.objects.exclude(status="cancelled"), user)
    return qs.filter(contract=contract) if contract is not None else qs


def _failed(now):
    """Q of a ticket whose response or resolution clock is breached: flagged at the step, or still running
    past its deadline now."""
    response = Q(response_breached=True) | Q(responded_at__isnull=True, response_due__lt=now)
    resolution = Q(resolution_breached=True) | Q(resolved_at__isnull=True, resolution_due__lt=now)
    return response, resolution


def _ratio(qs, numerator_q, denominator_q=None):
    agg = qs.aggregate(n=Count("pk", filter=numerator_q & (denominator_q or Q())),
                       d=Count("pk", filter=denominator_q) if denominator_q is not None else Count("pk"))
    return agg["n"], agg["d"]


def weeks_of(month):
    """The Monday-to-Sunday weeks that start in the month (the week running into the next month belongs to the
    month it starts in; the first days before the first Monday belong to the previous month's last week)."""
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    monday = first + datetime.timedelta(days=(7 - first.weekday()) % 7)
    out = []
    while monday <= last:
        out.append((monday, monday + datetime.timedelta(days=6)))
        monday += datetime.timedelta(days=7)
    return out


def monthly(user, month, contract=None, now=None) -> Report:
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    start, end = month_bounds(month)
    qs = tickets_for(user, contract)
    raised = qs.filter(raised_at__gte=start, raised_at__lt=end)
    response_failed, resolution_failed = _failed(now)
    report = Report(month=month, start=start, end=end)

    # response rate
    responded = Q(responded_at__isnull=False)
    settled = Q(response_due__isnull=False) & (responded | Q(response_due__lt=now))
    n, d = _ratio(raised, responded & Q(response_breached=False), settled)
    report.figures.append(Figure("response", n, d))

    # weekly data-processing completion
    completed_total = raised_total = 0
    data = qs.filter(kind=Kind.DATA)
    for monday, sunday in weeks_of(month):
        week_start = datetime.datetime.combine(monday, datetime.time(0), tzinfo=tz)
        week_end = week_start + datetime.timedelta(days=7)
        n, d = _ratio(data.filter(raised_at__gte=week_start, raised_at__lt=week_end),
                      Q(resolved_at__isnull=False, resolved_at__lt=week_end))
        report.weeks.append(Week(monday, sunday, d, n, finished=week_end <= now))
        completed_total += n
        raised_total += d
    report.figures.append(Figure("data_completion", completed_total, raised_total))

    # on-time code changes: upgrades whose deadline (the end of the agreed release date, moved on by the time
    # spent waiting on the requester) falls in the month, settled (released, or the deadline passed)
    upgrades = qs.filter(kind=Kind.UPGRADE, resolution_due__gte=start, resolution_due__lt=end)
    n, d = _ratio(upgrades, Q(released_at__isnull=False, released_at__lte=F("resolution_due")),
                  Q(released_at__isnull=False) | Q(resolution_due__lt=now))
    report.figures.append(Figure("on_time_change", n, d))

    # data error rate: data tickets raised in the month and resolved at least once (a reopened one may be open
    # again, its resolved_at cleared), the reopened ones
    n, d = _ratio(data.filter(raised_at__gte=start, raised_at__lt=end), Q(reopen_count__gt=0),
                  Q(resolved_at__isnull=False) | Q(reopen_count__gt=0))
    report.figures.append(Figure("data_error", n, d))

    # delivery error rate: upgrades released in the month, reopened
    n, d = _ratio(qs.filter(kind=Kind.UPGRADE, released_at__gte=start, released_at__lt=end), Q(reopen_count__gt=0))
    report.figures.append(Figure("delivery_error", n, d))

    # SLA attainment per contract and level
    any_failed = response_failed | resolution_failed
    rows = (raised.filter(Q(resolved_at__isnull=False) | any_failed)
            .annotate(_failed=Case(When(any_failed, then=Value(1)), default=Value(0), output_field=IntegerField()))
            .values("contract__contract_no", "contract__name", "kind", "level")
            .annotate(settled=Count("pk"), attained=Count("pk", filter=Q(_failed=0)),
                      response_breached=Count("pk", filter=response_failed),
                      resolution_breached=Count("pk", filter=resolution_failed))
            .order_by("contract__contract_no", "kind", "level"))
    report.sla = [SlaLine(r["contract__contract_no"], r["contract__name"], r["kind"], r["level"], r["settled"],
                          r["attained"], r["response_breached"], r["resolution_breached"]) for r in rows]

    # volumes of the month
    by_kind = dict(raised.values_list("kind").annotate(n=Count("pk")).order_by())
    report.counts = {
        "raised": sum(by_kind.values()),
        "by_kind": [(Kind(k).label, by_kind.get(k, 0)) for k in Kind.values],
        "resolved": qs.filter(resolved_at__gte=start, resolved_at__lt=end).count(),
        "closed": qs.filter(closed_at__gte=start, closed_at__lt=end).count(),
        "open": qs.filter(status__in=OPEN_STATES).count(),
    }
    return report


def month_tickets(user, month, contract=None):
    """The tickets raised in the month, for the report's list sheet."""
    start, end = month_bounds(month)
    return (tickets_for(user, contract).filter(raised_at__gte=start, raised_at__lt=end)
            .select_related("contract", "assignee").order_by("raised_at"))


def daily_counts(user, month, contract=None):
    """[(day, raised, resolved)] of the month, for the dashboard's trend."""
    tz = timezone.get_current_timezone()
    start, end = month_bounds(month)
    qs = tickets_for(user, contract)
    raised = dict(qs.filter(raised_at__gte=start, raised_at__lt=end)
                  .annotate(_d=TruncDate("raised_at", tzinfo=tz)).values_list("_d").annotate(n=Count("pk")).order_by())
    resolved = dict(qs.filter(resolved_at__gte=start, resolved_at__lt=end)
                    .annotate(_d=TruncDate("resolved_at", tzinfo=tz)).values_list("_d").annotate(n=Count("pk"))
                    .order_by())
    days = (end - start).days
    out = []
    for i in range(days):
        day = start.date() + datetime.timedelta(days=i)
        out.append((day, raised.get(day, 0), resolved.get(day, 0)))
    return out


def status_counts(user, contract=None):
    counts = dict(tickets_for(user, contract).values_list("status").annotate(n=Count("pk")).order_by())
    return [(state.label, counts[state.code]) for state in TICKET.states if counts.get(state.code)]


def clock_counts(user, now=None):
    """Open tickets near their deadline (warning moment passed) and past it, for the dashboard: the ticket list's
    own counts (domains.ops.tickets.sla.attention_counts)."""
    counts = attention_counts(tickets_for(user), now)
    return {"near": counts["near"], "past": counts["overdue"]}
