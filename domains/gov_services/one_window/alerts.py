"""E-supervision (电子监察) of case time limits as a warning rule on the alert engine.

An open case (accepted, dispatched, in correction or accepted by the department) is watched against its
promised completion date (承诺办结日期) and its statutory one (法定办结日期), both in working days:

* yellow (黄牌预警): the promised date falls within N working days (level threshold, default 2; today is 0);
* orange (橙牌): past the promised date by more than N working days (default 0: past it at all);
* red (红牌): past the statutory date by more than N working days (default 0).

The thresholds are data (the rule's levels, editable on the rule page). The calendar dates they mean are
computed once in Python on the business calendar (kernel.calendar), and the comparison runs in SQL over
the whole table: one query whatever the number of cases."""
from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from kernel.alerts.registry import RuleDefinition, register
from kernel.calendar.services import add_working_days

CODE = "gs_case_time_limit"
CATEGORY = "电子监察"
WATCHED_STATES = ("accepted", "dispatched", "correction", "dept_accepted")
DEFAULT_LEVELS = [{"level": "yellow", "threshold": 2}, {"level": "orange", "threshold": 0},
                  {"level": "red", "threshold": 0}]
LEVEL_LABELS = {"yellow": "黄牌预警", "orange": "橙牌（超承诺期限）", "red": "红牌（超法定期限）"}


def working_days_before(day, n):
    """The nth working day before `day` (n = 0: `day` itself)."""
    import datetime

    from kernel.calendar.services import is_working_day

    current = day
    for _ in range(n):
        current -= datetime.timedelta(days=1)
        while not is_working_day(current):
            current -= datetime.timedelta(days=1)
    return current


def level_whens(levels, today):
    """When clauses, the worst level first: red on statutory_due, orange and yellow on promised_due."""
    by_level = {entry["level"]: max(int(entry["threshold"]), 0) for entry in levels}
    whens = []
    if "red" in by_level:  # past the statutory date by more than n working days
        whens.append(When(statutory_due__lt=working_days_before(today, by_level["red"]), then=Value("red")))
    if "orange" in by_level:
        whens.append(When(promised_due__lt=working_days_before(today, by_level["orange"]), then=Value("orange")))
    if "yellow" in by_level:  # within n working days: due <= the nth working day from today
        limit = add_working_days(today, by_level["yellow"]) if by_level["yellow"] else today
        whens.append(When(promised_due__lte=limit, then=Value("yellow")))
    return whens


def level_case(levels, today):
    return Case(*level_whens(levels, today), default=Value(None), output_field=CharField())


@register
class CaseTimeLimit(RuleDefinition):
    code = CODE
    name = "办件办理时限电子监察"
    category = CATEGORY
    description = ("受理后未办结的办件按承诺办结日期和法定办结日期（工作日，节假日以工作日历为准）监察："
                   "距承诺办结日期不超过阈值个工作日为黄牌预警（默认2个），超过承诺办结日期为橙牌，"
                   "超过法定办结日期为红牌。")
    subject = "gs_window.Case"
    default_levels = DEFAULT_LEVELS
    only_rise = False  # completion releases it; a recomputed date may lower it

    def matches(self, rule, today=None):
        today = today or timezone.localdate()
        return (self.subjects().filter(status__in=WATCHED_STATES, promised_due__isnull=False)
                .annotate(alert_level=level_case(rule.levels, today), alert_region=F("region_id"),
                          alert_org=F("matter__department_id"),
                          alert_repr=Concat(F("no"), Value(" "), F("matter__name"), output_field=CharField()),
                          alert_value=Concat(Value("承诺 "), Cast("promised_due", CharField()), Value(" 法定 "),
                                             Cast("statutory_due", CharField()), output_field=CharField())))


def colour_counts(queryset, today=None):
    """{"yellow": n, "orange": n, "red": n} of a (scoped) case queryset, as the rule computes them now."""
    from django.db.models import Count

    from kernel.alerts.registry import definition

    today = today or timezone.localdate()
    rule = definition(CODE).ensure_rule()
    rows = (queryset.filter(status__in=WATCHED_STATES, promised_due__isnull=False)
            .annotate(_level=level_case(rule.levels, today)).values("_level").annotate(n=Count("pk")).order_by())
    counts = {r["_level"]: r["n"] for r in rows}
    return {level: counts.get(level, 0) for level in ("yellow", "orange", "red")}


def level_filter(queryset, level, today=None):
    from kernel.alerts.registry import definition

    today = today or timezone.localdate()
    rule = definition(CODE).ensure_rule()
    return (queryset.filter(status__in=WATCHED_STATES, promised_due__isnull=False)
            .annotate(_level=level_case(rule.levels, today)).filter(_level=level))
