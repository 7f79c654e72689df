"""Case supervision (案件督办): the overdue prompt as a warning rule on the alert engine.

An open case is governed by one statutory limit: accept_due while it waits for acceptance (5 working
days from receipt), finish_due while it is filed or its extension is being decided (60 working days
from filing, +30 once). The levels are thresholds in working days, editable on the rule page:

* yellow: the limit falls within N working days (default 3; today counts as 0);
* red: the limit is past by more than N working days (default 0: past the limit at all).

The calendar dates these thresholds mean are computed once in Python on the business calendar (holidays
and make-up days, kernel.calendar), and the comparison runs in SQL over the whole table, so a scan is one
query whatever the number of cases. Each new or changed level reminds the case's supervisor (督办责任人):
an in-app message, the SMS labor_case_overdue and a to-do (services.overdue_notices)."""
from django.db.models import Case, CharField, DateField, F, Value, When
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from kernel.alerts.registry import RuleDefinition, register
from kernel.calendar.services import add_working_days

CODE = "labor_case_overdue"
CASE_LEVELS = [{"level": "yellow", "threshold": 3}, {"level": "red", "threshold": 0}]
OVERDUE_LEVELS = ("red",)  # levels whose threshold counts working days past the limit; the others, days before


def governing_due():
    """The limit that governs an open case now (NULL for cases without one)."""
    return Case(When(status="registered", then=F("accept_due")),
                When(status__in=("filed", "extension"), then=F("finish_due")),
                default=Value(None), output_field=DateField())


def level_whens(levels, today):
    """When clauses on the annotated `_due`, the worst level first."""
    from .services import working_days_before

    whens = []
    for entry in reversed(levels):  # levels are ordered mildest first
        n = int(entry["threshold"])
        if entry["level"] in OVERDUE_LEVELS:
            # past the limit by more than n working days: due < the nth working day before today
            whens.append(When(_due__lt=working_days_before(today, max(n, 0)), then=Value(entry["level"])))
        else:
            # within n working days: due <= the nth working day from today
            whens.append(When(_due__lte=add_working_days(today, max(n, 0)), then=Value(entry["level"])))
    return whens


@register
class CaseOverdue(RuleDefinition):
    code = CODE
    name = "投诉举报案件办理期限预警"
    category = "案件督办"
    description = ("未受理的投诉举报按受理期限（收到后5个工作日），已立案、延期审批中的案件按办结期限（立案后60个工作日，"
                   "批准延期再加30个工作日）：距期限不超过阈值个工作日黄色（默认3个），超过期限阈值个工作日以上红色（默认0，"
                   "即超期即红色）。产生或升级时提醒督办责任人（站内消息、待办和短信）。")
    subject = "labor_inspection.Complaint"
    default_levels = CASE_LEVELS
    # The level follows the limit both ways: an approved extension moves finish_due and the warning drops
    # (or is released); acceptance or closing ends the case's limit and releases it.
    only_rise = False

    def matches(self, rule, today=None):
        today = today or timezone.localdate()
        level = Case(*level_whens(rule.levels, today), default=Value(None), output_field=CharField())
        what = Case(When(status="registered", then=Value("受理期限 ")), default=Value("办结期限 "),
                    output_field=CharField())
        return (self.subjects().filter(status__in=("registered", "filed", "extension"))
                .annotate(_due=governing_due()).filter(_due__isnull=False)
                .annotate(alert_level=level, alert_region=F("region_id"), alert_org=F("respondent_id"),
                          alert_repr=Concat(F("no"), Value(" "), F("respondent_name"), output_field=CharField()),
                          alert_value=Concat(what, Cast("_due", CharField()), output_field=CharField())))

    def on_scan(self, rule, raised, changed):
        from kernel.alerts.models import Warning

        from .services import overdue_notices

        ids = sorted(set(raised.values_list("pk", flat=True)) | set(changed.values_list("pk", flat=True)))
        for start in range(0, len(ids), 2000):
            overdue_notices(list(Warning.objects.filter(pk__in=ids[start:start + 2000])))
