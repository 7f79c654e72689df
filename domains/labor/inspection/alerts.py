"""The wage-arrears analysis model (欠薪分析模型, seed 000 §A1 (1) 1) and (3) 1)): eleven warning rules
on the kernel alert engine, one per risk the seed lists, all in the category 欠薪预警.

Each rule is a RuleDefinition whose matches() is one SQL query over its whole subject table (projects,
wage accounts, deposits, guarantees, units): correlated sub-queries and EXISTS probes on the indexed
lean tables (attendance, payroll, flows), never a Python loop per record, so a full scan of the
Guangxi volume (20,000 projects, 500,000 workers, 15 million attendance rows a month) stays a handful
of statements. Where the measure is expensive, a set-based candidate filter (pk IN ...) first keeps
only the subjects that can match, and the measure is computed for those alone.

What administrators tune on the rule page (kernel.alerts, audited): the thresholds of the three levels
(黄/橙/红, `levels`) and the condition parameters (`params`), whether the rule is enabled, the highest
level assigned automatically to the grid owner by territory (orange) and the lowest level that needs
leadership approval before dispatch (red, 一级). A unit or project hitting several rules gets one
warning per rule (the engine keeps one open warning per rule and subject); a condition that clears
releases its automatic warning on the next scan (条件消除自动解除).

Dates: "today" is the local date of the scan; every date boundary is computed once in Python and
compared in SQL, so the same query runs on PostgreSQL and SQLite. Months are calendar months; the
wages of month M are due by the grace day of month M+1 (params.grace_day)."""
import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Abs, Cast, Coalesce, Concat, ExtractMonth, ExtractYear, Greatest, Least, NullIf
from django.utils import timezone

from kernel.alerts.registry import ManualRule, RuleDefinition, annotate_level, register
from kernel.calendar.services import add_working_days

from .reference import WARNING_CATEGORY

CATEGORY = WARNING_CATEGORY
MONEY = DecimalField(max_digits=20, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=MONEY)


# -- helpers ------------------------------------------------------------------------------------------
def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month `months` calendar months from the month of `day` (months may be negative)."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def due_months(today: datetime.date, grace_day: int, count: int) -> list[datetime.date]:
    """The last `count` wage months whose payment is due by now, newest first.

    The wages of month M are due by day `grace_day` of M+1 (clamped to 1..28); M is due once that day
    has passed. On 20 March with grace day 15: February, January, December; on 10 March: January,
    December, November."""
    grace_day = min(max(int(grace_day), 1), 28)
    newest = add_months(today, -1) if today.day > grace_day else add_months(today, -2)
    return [add_months(newest, -i) for i in range(max(int(count), 1))]


def recent_months(today: datetime.date, count: int) -> list[datetime.date]:
    """The last `count` complete calendar months before the current one, newest first."""
    return [add_months(today, -i) for i in range(1, max(int(count), 1) + 1)]


def start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def earliest_excused_day(today: datetime.date, working_days: int) -> datetime.date:
    """The earliest day D whose deadline D + N working days (kernel business calendar) is still today or later:
    a deposit transfer booked on or after D is within its top-up period."""
    day = today
    while add_working_days(day - datetime.timedelta(days=1), int(working_days)) >= today:
        day -= datetime.timedelta(days=1)
    return day


def param(rule, name, default):
    value = (rule.params or {}).get(name, default)
    return default if isinstance(value, bool) or not isinstance(value, (int, float)) else value


def level_by_dates(rule, condition):
    """alert_level: the worst level whose threshold `condition(threshold)` (a Q) holds, NULL when none."""
    whens = [When(condition(entry["threshold"]), then=Value(entry["level"])) for entry in reversed(rule.levels)]
    return Case(*whens, default=Value(None), output_field=CharField())


def money_text(expression):
    return Cast(expression, CharField())


def whole_text(expression):
    """A number as text without its fraction (cast to an integer first)."""
    return Cast(Cast(expression, IntegerField()), CharField())


def _whole(queryset):
    """`queryset` as one group: SELECT aggregate FROM ... WHERE ... without GROUP BY, so the sub-query always
    returns exactly one row. (A bare Subquery, unlike one wrapped in Coalesce, also lets an enclosing grouped
    query group by the columns it refers to instead of by the sub-query itself.)"""
    return queryset.order_by().annotate(_whole=Value(1)).values("_whole")


def sum_of(queryset, field):
    """A correlated SUM(field) over `queryset` (filtered on OuterRef), 0 when there are no rows."""
    return Subquery(_whole(queryset).annotate(s=Coalesce(Sum(field), ZERO, output_field=MONEY)).values("s"),
                    output_field=MONEY)


def count_of(queryset):
    return Subquery(_whole(queryset).annotate(n=Count("pk")).values("n"), output_field=IntegerField())


def count_level(queryset, rule):
    """The level of COUNT(*) over `queryset` (filtered on OuterRef) by the rule's thresholds (count >= threshold),
    computed inside one sub-query: the count is evaluated once, not once per level."""
    whens = [When(_n__gte=entry["threshold"], then=Value(entry["level"])) for entry in reversed(rule.levels)]
    return Subquery(_whole(queryset).annotate(_n=Count("pk"))
                    .annotate(_level=Case(*whens, default=Value(None), output_field=CharField())).values("_level"),
                    output_field=CharField())


def deviation(a, b):
    """|a - b| x 100 / the larger of a and b, as a float; NULL when both are 0."""
    larger = NullIf(Greatest(a, b, output_field=MONEY), ZERO)
    return Cast(Abs(a - b, output_field=MONEY), FloatField()) * 100.0 / Cast(larger, FloatField())


class LabourRule(RuleDefinition):
    """A wage-arrears rule: low levels (yellow, orange) go to the grid owner by territory, a red (一级)
    warning needs leadership approval before command dispatch."""

    category = CATEGORY
    auto_assign_max_level = "orange"
    approval_min_level = "red"

    def project_subjects(self):
        return self.subjects().annotate(alert_region=F("region_id"), alert_org=F("general_contractor_id"),
                                        alert_repr=F("name"))

    def open_account_subjects(self):
        """The open wage accounts of live projects, in the project's region, charged to the opener."""
        return (self.subjects().filter(status="open", project__is_deleted=False)
                .annotate(alert_region=F("project__region_id"), alert_org=F("opener_id"),
                          alert_repr=Concat(F("project__name"), Value(" "), F("account_no"), output_field=CharField())))


def same_project(guarantees):
    """`guarantees` limited to those of the outer row's project: both without a project (an enterprise-wide
    guarantee) or both on the same one."""
    return guarantees.annotate(_p=Coalesce("project_id", Value(0))).filter(_p=Coalesce(OuterRef("project_id"), Value(0)))


def _models():
    from domains.labor.inspection import models as inspection
    from domains.labor.monitoring import models as monitoring

    return monitoring, inspection


# == a. construction projects ==========================================================================
@register
class PermitOrQualification(LabourRule):
    code = "labor_permit_invalid"
    name = "施工许可证无效或施工单位资质不符"
    description = ("在建项目的施工许可证缺失或过期、施工总承包单位资质证书缺失或过期。按失效天数分级（过期次日起算；"
                   "缺失的自开工日期起算，无开工日期视为已失效很久）：满黄色阈值天（默认1天）黄色，满橙色阈值天"
                   "（默认30天）橙色，满红色阈值天（默认90天）红色。")
    subject = "labor_monitoring.Project"
    default_levels = [{"level": "yellow", "threshold": 1}, {"level": "orange", "threshold": 30},
                      {"level": "red", "threshold": 90}]

    def matches(self, rule, today=None):
        today = today or timezone.localdate()
        permit_missing = Q(permit_no="") | Q(permit_valid_until__isnull=True)
        qual_missing = Q(contractor_qualification_no="") | Q(contractor_qualification_valid_until__isnull=True)

        def invalid_for(threshold):
            cutoff = today - datetime.timedelta(days=max(int(threshold), 1))
            long_started = Q(start_date__isnull=True) | Q(start_date__lte=cutoff)
            return ((permit_missing & long_started) | Q(permit_valid_until__lte=cutoff)
                    | (qual_missing & long_started) | Q(contractor_qualification_valid_until__lte=cutoff))

        permit_bad = permit_missing | Q(permit_valid_until__lt=today)
        qual_bad = qual_missing | Q(contractor_qualification_valid_until__lt=today)
        permit_text = Case(
            When(permit_missing, then=Value("无施工许可证")),
            When(permit_valid_until__lt=today,
                 then=Concat(Value("施工许可证"), Cast("permit_valid_until", CharField()), Value("到期"))),
            default=Value(""), output_field=CharField())
        separator = Case(When(permit_bad & qual_bad, then=Value("；")), default=Value(""), output_field=CharField())
        qual_text = Case(
            When(qual_missing, then=Value("总包单位无资质证书")),
            When(contractor_qualification_valid_until__lt=today,
                 then=Concat(Value("资质"), Cast("contractor_qualification_valid_until", CharField()), Value("到期"))),
            default=Value(""), output_field=CharField())
        return (self.project_subjects().filter(status="building")
                .annotate(alert_level=level_by_dates(rule, invalid_for),
                          alert_value=Concat(permit_text, separator, qual_text, output_field=CharField())))


# == b. real-name: attendance and wages ================================================================
@register
class AttendanceStale(LabourRule):
    code = "labor_attendance_stale"
    name = "考勤未及时更新"
    description = ("在建且在岗农民工不少于“最少在岗人数”（参数 min_workers，默认1）的项目，自最近一次考勤（无考勤的"
                   "自最早在岗人员进场日期、再无则自开工日期）起连续N天没有考勤数据：N为各等级阈值，满7天黄色、"
                   "满15天橙色、满30天红色（默认）。")
    subject = "labor_monitoring.Project"
    default_levels = [{"level": "yellow", "threshold": 7}, {"level": "orange", "threshold": 15},
                      {"level": "red", "threshold": 30}]
    default_params = {"min_workers": 1}

    def matches(self, rule, today=None):
        m, _ = _models()
        today = today or timezone.localdate()
        active = m.Contract.objects.filter(project=OuterRef("pk"), status="active", is_deleted=False)
        last = Subquery(m.Attendance.objects.filter(project=OuterRef("pk")).order_by("-work_date")
                        .values("work_date")[:1])
        first_entry = Subquery(active.order_by("start_on").values("start_on")[:1])

        def stale_for(threshold):
            return Q(_since__lte=today - datetime.timedelta(days=max(int(threshold), 1)))

        return (self.project_subjects().filter(status="building")
                .annotate(_workers=count_of(active))
                .filter(_workers__gte=max(int(param(rule, "min_workers", 1)), 1))
                .annotate(_last=last)
                .annotate(_since=Coalesce("_last", first_entry, "start_date"))
                .annotate(alert_level=level_by_dates(rule, stale_for),
                          alert_value=Case(When(_last__isnull=False, then=Concat(Value("最近考勤"), Cast("_last", CharField()))),
                                           default=Value("无考勤记录"), output_field=CharField())))


@register
class WagesUnpaid(LabourRule):
    code = "labor_wages_unpaid"
    name = "工资未按月足额支付"
    description = ("有农民工出勤（当月有考勤）的月份，到次月发薪宽限日（参数 grace_day，默认15日）后仍没有任何已发放"
                   "工资记录的，为欠薪月份。在最近 months 个（默认3个）已到期的工资月份中，欠薪月份数满1个黄色、"
                   "满2个橙色、满3个红色（默认阈值）。补发后下次扫描自动解除。")
    subject = "labor_monitoring.Project"
    default_levels = [{"level": "yellow", "threshold": 1}, {"level": "orange", "threshold": 2},
                      {"level": "red", "threshold": 3}]
    default_params = {"grace_day": 15, "months": 3}

    def matches(self, rule, today=None):
        m, _ = _models()
        today = today or timezone.localdate()
        months = due_months(today, param(rule, "grace_day", 15), min(param(rule, "months", 3), 12))
        unpaid_terms, texts = [], []
        for month in months:
            worked = Exists(m.Attendance.objects.filter(project=OuterRef("pk"), work_date__gte=month,
                                                        work_date__lt=add_months(month, 1)))
            paid = Exists(m.Payroll.objects.filter(project=OuterRef("pk"), month=month, amount_paid__gt=0))
            unpaid = worked & ~paid
            unpaid_terms.append(Case(When(unpaid, then=Value(1)), default=Value(0), output_field=IntegerField()))
            texts.append(Case(When(unpaid, then=Value(f" {month:%Y-%m}")), default=Value(""), output_field=CharField()))
        total = unpaid_terms[0]
        for term in unpaid_terms[1:]:
            total = total + term
        value = Concat(Value("欠薪月份"), *texts, output_field=CharField()) if len(texts) > 1 else \
            Concat(Value("欠薪月份"), texts[0], output_field=CharField())
        return annotate_level(self.project_subjects(), ExpressionWrapper(total, output_field=IntegerField()),
                              rule, "gte").annotate(alert_value=value)


@register
class WageAmountAbnormal(LabourRule):
    code = "labor_wage_abnormal"
    name = "工资发放金额与考勤不符"
    description = ("核对最近 months 个（默认2个）自然月的工资表：应发工资低于“出勤天数×劳动合同约定日工资”超过 "
                   "deviation_pct%（默认30%）的；已发放但实发低于该数超过同一比例的；或实发大于0而出勤天数为0、"
                   "当月在该项目没有任何考勤记录的（疑似虚报冒领）。按异常工资记录条数分级：满1条黄色、满5条橙色、"
                   "满10条红色（默认）。")
    subject = "labor_monitoring.Project"
    default_levels = [{"level": "yellow", "threshold": 1}, {"level": "orange", "threshold": 5},
                      {"level": "red", "threshold": 10}]
    default_params = {"deviation_pct": 30, "months": 2}

    def abnormal_lines(self, rule, today):
        m, _ = _models()
        months = recent_months(today, min(param(rule, "months", 2), 12))
        factor = Decimal(str(max(0.0, 1 - float(param(rule, "deviation_pct", 30)) / 100))).quantize(Decimal("0.0001"))
        wage = Subquery(m.Contract.objects.filter(project=OuterRef("project"), worker=OuterRef("worker"),
                                                  is_deleted=False).order_by().values("daily_wage")[:1],
                        output_field=MONEY)
        floor = ExpressionWrapper(F("days_worked") * wage * Value(factor, output_field=MONEY), output_field=MONEY)
        no_attendance = Q()
        for month in months:
            no_attendance |= Q(month=month) & ~Exists(m.Attendance.objects.filter(
                project=OuterRef("project"), worker=OuterRef("worker"), work_date__gte=month,
                work_date__lt=add_months(month, 1)))
        return (m.Payroll.objects.filter(month__in=months).annotate(_floor=floor)
                .filter(Q(amount_payable__lt=F("_floor")) | Q(paid_on__isnull=False, amount_paid__lt=F("_floor"))
                        | (Q(amount_paid__gt=0) & (Q(days_worked=0) | no_attendance))))

    def matches(self, rule, today=None):
        today = today or timezone.localdate()
        lines = self.abnormal_lines(rule, today)
        mine = lines.filter(project=OuterRef("pk"))
        return (self.project_subjects().filter(pk__in=lines.values("project"))
                .annotate(alert_level=count_level(mine, rule),
                          alert_value=Concat(Value("异常工资记录"), Cast(count_of(mine), CharField()), Value("条"),
                                             output_field=CharField())))


# == c. wage special accounts ==========================================================================
class AccountRule(LabourRule):
    """A wage special-account rule (§A1 (1) c): "warnings are generated synchronously, and regulators and
    enterprises are notified": the regulators by the review to-do, the enterprise (the warning's unit: the
    general contractor, or the account's opener) by SMS to its contact phone at each new or higher level."""

    def on_scan(self, rule, raised, changed):
        from kernel.notify import services as notify

        if not rule.notify_sms:
            return
        for w in (raised | changed).filter(organisation__isnull=False).select_related("organisation", "region"):
            phone = w.organisation.contact_phone
            if not notify.PHONE.match((phone or "").strip()):
                continue  # no mobile number on file: the to-do and the unit's page still show it
            notify.send_sms(phone, "labor_account_warning",
                            {"unit": w.organisation.name, "subject": w.subject_repr, "rule": rule.name,
                             "level": w.level_label},
                            key=f"labor_account_warning:{w.pk}:{w.level}", region=w.region,
                            related=f"alerts.warning:{w.pk}")


@register
class PayrollFlowMismatch(AccountRule):
    code = "labor_payroll_flow_mismatch"
    name = "工资表与专用账户代发流水不符"
    description = ("逐月比较工资表实发合计与该项目工资专用账户“工资代发”流水（按工资所属月份）合计，偏差率=|两者之差|÷"
                   "两者中较大者×100%。在最近 months 个（默认2个）已到期（次月 grace_day 日后，默认15日）的工资月份中取"
                   "最大偏差率：满10%黄色、满30%橙色、满50%红色（默认）。")
    subject = "labor_monitoring.Project"
    default_levels = [{"level": "yellow", "threshold": 10}, {"level": "orange", "threshold": 30},
                      {"level": "red", "threshold": 50}]
    default_params = {"grace_day": 15, "months": 2}

    def matches(self, rule, today=None):
        m, _ = _models()
        today = today or timezone.localdate()
        months = due_months(today, param(rule, "grace_day", 15), min(param(rule, "months", 2), 12))
        wage_flows = m.AccountFlow.objects.filter(kind=m.AccountFlow.Kind.WAGE, wage_month__in=months,
                                                  account__is_deleted=False)
        # Candidates, set-based: a (project, month) whose payroll total differs from its flow total, seen from
        # either side (a month with flows and no payroll, or payroll and no flows, differs too).
        by_payroll = (m.Payroll.objects.filter(month__in=months).order_by().values("project", "month")
                      .annotate(paid=Sum("amount_paid"))
                      .annotate(flows=sum_of(wage_flows.filter(account__project=OuterRef("project"),
                                                               wage_month=OuterRef("month")), "amount"))
                      .exclude(paid=F("flows")).values("project"))
        by_flows = (wage_flows.order_by().values("account__project", "wage_month").annotate(total=Sum("amount"))
                    .annotate(paid=sum_of(m.Payroll.objects.filter(project=OuterRef("account__project"),
                                                                   month=OuterRef("wage_month")), "amount_paid"))
                    .exclude(total=F("paid")).values("account__project"))
        # The measure, for the candidates only: the worst month's deviation, from either side.
        payroll_side = (m.Payroll.objects.filter(project=OuterRef("pk"), month__in=months).order_by().values("month")
                        .annotate(_p=Sum("amount_paid"))
                        .annotate(_dev=deviation(F("_p"), sum_of(wage_flows.filter(
                            account__project=OuterRef("project"), wage_month=OuterRef("month")), "amount")))
                        .order_by(F("_dev").desc(nulls_last=True)).values("_dev")[:1])
        flow_side = (wage_flows.filter(account__project=OuterRef("pk")).order_by().values("wage_month")
                     .annotate(_f=Sum("amount"))
                     .annotate(_dev=deviation(sum_of(m.Payroll.objects.filter(
                         project=OuterRef("account__project"), month=OuterRef("wage_month")), "amount_paid"), F("_f")))
                     .order_by(F("_dev").desc(nulls_last=True)).values("_dev")[:1])
        worst = Greatest(Coalesce(Subquery(payroll_side, output_field=FloatField()), Value(0.0)),
                         Coalesce(Subquery(flow_side, output_field=FloatField()), Value(0.0)), output_field=FloatField())
        qs = self.project_subjects().filter(Q(pk__in=by_payroll) | Q(pk__in=by_flows)).annotate(_worst=worst)
        return annotate_level(qs, F("_worst"), rule, "gte").annotate(
            alert_value=Concat(Value("最大偏差率"), whole_text("_worst"), Value("%"),
                               output_field=CharField()))


@register
class AccountOpener(AccountRule):
    code = "labor_account_opener"
    name = "专用账户开户单位不是施工总承包单位"
    description = ("正常状态的农民工工资专用账户，开户单位不是项目的施工总承包单位。按风险分值分级：开户单位是本项目的"
                   "劳务分包单位记1分、是建设单位或监理单位记2分、与本项目无关的单位记3分；满1分黄色、满2分橙色、"
                   "满3分红色（默认阈值，提高黄色阈值可不再预警分包单位开户）。")
    subject = "labor_monitoring.WageAccount"
    default_levels = [{"level": "yellow", "threshold": 1}, {"level": "orange", "threshold": 2},
                      {"level": "red", "threshold": 3}]

    def matches(self, rule, today=None):
        m, _ = _models()
        through = m.Project.subcontractors.through
        subcontractor = Exists(through.objects.filter(project_id=OuterRef("project_id"),
                                                      organisation_id=OuterRef("opener_id")))
        score = Case(When(subcontractor, then=Value(1)),
                     When(Q(opener_id=F("project__construction_unit_id")) | Q(opener_id=F("project__supervising_unit_id")),
                          then=Value(2)),
                     default=Value(3), output_field=IntegerField())
        qs = self.open_account_subjects().exclude(opener_id=F("project__general_contractor_id"))
        return annotate_level(qs, score, rule, "gte").annotate(
            alert_value=Concat(Value("开户单位："), F("opener__name"), output_field=CharField()))


@register
class AppropriationShort(AccountRule):
    code = "labor_appropriation_short"
    name = "人工费用拨付不足"
    description = ("应拨人工费用 = 中标合同价（万元）×10000 × 约定人工费用比例 × 工期进度，工期进度 = min(1, "
                   "（自开工月份起已满月数 − 宽限月数 grace_months，默认1）÷ 计划工期月数 duration_months（默认24）)；"
                   "实拨 = 项目专用账户“人工费用拨付”流水合计。拨付缺口率 =（应拨 − 实拨）÷ 应拨 ×100%：满20%黄色、"
                   "满50%橙色、满80%红色（默认）。仅核对在建、停工项目。")
    subject = "labor_monitoring.Project"
    default_levels = [{"level": "yellow", "threshold": 20}, {"level": "orange", "threshold": 50},
                      {"level": "red", "threshold": 80}]
    default_params = {"duration_months": 24, "grace_months": 1}

    def matches(self, rule, today=None):
        m, _ = _models()
        today = today or timezone.localdate()
        duration = max(float(param(rule, "duration_months", 24)), 1.0)
        grace = float(param(rule, "grace_months", 1))
        elapsed = ExpressionWrapper((Value(today.year) - ExtractYear("start_date")) * 12
                                    + (Value(today.month) - ExtractMonth("start_date")), output_field=IntegerField())
        progress = Least(Value(1.0), (Cast(F("_elapsed"), FloatField()) - Value(grace)) / Value(duration),
                         output_field=FloatField())
        expected = ExpressionWrapper(Cast("contract_price", FloatField()) * 10000.0
                                     * Cast("labour_cost_share", FloatField()) / 100.0 * progress,
                                     output_field=FloatField())
        appropriated = sum_of(m.AccountFlow.objects.filter(account__project=OuterRef("pk"), account__is_deleted=False,
                                                           kind=m.AccountFlow.Kind.APPROPRIATION), "amount")
        qs = (self.project_subjects()
              .filter(status__in=("building", "suspended"), start_date__isnull=False, start_date__lte=today,
                      contract_price__gt=0, labour_cost_share__gt=0)
              .annotate(_elapsed=elapsed).filter(_elapsed__gt=grace)
              .annotate(_expected=expected, _appropriated=Cast(appropriated, FloatField())))
        shortfall = Case(When(_expected__gt=0, then=(F("_expected") - F("_appropriated")) * 100.0 / F("_expected")),
                         default=Value(None), output_field=FloatField())
        return annotate_level(qs, shortfall, rule, "gte").annotate(
            alert_value=Concat(Value("应拨"), whole_text("_expected"), Value("元，实拨"),
                               whole_text("_appropriated"), Value("元"),
                               output_field=CharField()))


@register
class AccountBalance(AccountRule):
    code = "labor_account_balance"
    name = "专用账户余额异常"
    description = ("正常状态的工资专用账户余额不足以支付下月工资：以项目最近一个月工资表应发合计为下月工资估算，"
                   "余额覆盖率 = 余额 ÷ 估算 ×100%，低于100%黄色、低于50%橙色、余额为负（低于0）红色（默认阈值）。"
                   "项目没有工资表时只核对余额是否为负。（一个项目只设一个专用账户，按账户核对。）")
    subject = "labor_monitoring.WageAccount"
    default_levels = [{"level": "yellow", "threshold": 100}, {"level": "orange", "threshold": 50},
                      {"level": "red", "threshold": 0}]

    def matches(self, rule, today=None):
        m, _ = _models()
        latest = Subquery(m.Payroll.objects.filter(project=OuterRef(OuterRef("project_id"))).order_by("-month")
                          .values("month")[:1])
        estimate = sum_of(m.Payroll.objects.filter(project=OuterRef("project_id"), month=latest), "amount_payable")
        qs = self.open_account_subjects().annotate(_estimate=estimate)
        coverage = Case(When(balance__lt=0, then=Value(-1.0)),
                        When(_estimate__gt=0, then=Cast("balance", FloatField()) * 100.0 / Cast("_estimate", FloatField())),
                        default=Value(None), output_field=FloatField())
        return annotate_level(qs, coverage, rule, "lt").annotate(
            alert_value=Concat(Value("余额"), money_text("balance"), Value("元，月工资约"),
                               whole_text("_estimate"), Value("元"),
                               output_field=CharField()))


# == d. deposits and guarantees ========================================================================
@register
class DepositShort(LabourRule):
    code = "labor_deposit_short"
    name = "工资保证金未存储、未足额或未及时补足"
    description = ("实存额（现金存储为账户余额；保函形式另加该企业本项目有效保函的担保金额）低于应存金额，且已过应存期限，"
                   "或被划拨后超过补足期限（参数 topup_working_days，默认10个工作日）仍未补足的（划拨后补足期限内"
                   "暂不预警）。按缺口率 =（应存 − 实存）÷ 应存 ×100% 分级：满1%黄色、满50%橙色、满100%（分文未存）红色。")
    subject = "labor_monitoring.WageDeposit"
    default_levels = [{"level": "yellow", "threshold": 1}, {"level": "orange", "threshold": 50},
                      {"level": "red", "threshold": 100}]
    default_params = {"topup_working_days": 10}

    def matches(self, rule, today=None):
        m, _ = _models()
        today = today or timezone.localdate()
        excused_from = start_of_day(earliest_excused_day(today, max(int(param(rule, "topup_working_days", 10)), 0)))
        transfers = m.DepositFlow.objects.filter(deposit=OuterRef("pk"), kind=m.DepositFlow.Kind.TRANSFER)
        guarantees = same_project(m.Guarantee.objects.filter(enterprise=OuterRef("enterprise_id"), is_deleted=False,
                                                             valid_from__lte=today, valid_until__gte=today))
        stored = Case(When(form="cash", then=F("balance")),
                      default=F("balance") + sum_of(guarantees, "amount"), output_field=MONEY)
        qs = (self.subjects().filter(required_amount__gt=0)
              .filter(Q(due_on__lt=today) | Exists(transfers.filter(booked_at__lt=excused_from)))
              .exclude(Exists(transfers.filter(booked_at__gte=excused_from)))
              .annotate(_stored=stored).filter(_stored__lt=F("required_amount"))
              .annotate(alert_region=F("region_id"), alert_org=F("enterprise_id"),
                        alert_repr=Concat(F("enterprise__name"), Value(" 工资保证金"), output_field=CharField())))
        shortfall = ExpressionWrapper(Cast(F("required_amount") - Greatest(F("_stored"), ZERO), FloatField()) * 100.0
                                      / Cast("required_amount", FloatField()), output_field=FloatField())
        return annotate_level(qs, shortfall, rule, "gte").annotate(
            alert_value=Concat(Value("应存"), money_text("required_amount"), Value("元，实存"), money_text("_stored"),
                               Value("元"), output_field=CharField()))


@register
class GuaranteeExpiry(LabourRule):
    code = "labor_guarantee_expiry"
    name = "保函即将到期或已到期"
    description = ("保险保函、银行保函按距到期日的天数分级：不足60天黄色、不足30天（1个月内）橙色、已过到期日红色"
                   "（默认阈值）。已由同一企业同一项目到期更晚的保函接续的、项目已竣工的不再预警；续期后下次扫描自动解除。")
    subject = "labor_monitoring.Guarantee"
    default_levels = [{"level": "yellow", "threshold": 60}, {"level": "orange", "threshold": 30},
                      {"level": "red", "threshold": 0}]

    def matches(self, rule, today=None):
        m, _ = _models()
        today = today or timezone.localdate()
        renewed = Exists(same_project(m.Guarantee.objects.filter(enterprise=OuterRef("enterprise_id"), is_deleted=False,
                                                                 valid_until__gt=OuterRef("valid_until"))))

        def within(threshold):  # fewer than `threshold` days left: valid_until < today + threshold
            return Q(valid_until__lt=today + datetime.timedelta(days=int(threshold)))

        return (self.subjects().exclude(renewed).exclude(project__status="completed")
                .annotate(alert_level=level_by_dates(rule, within), alert_region=F("region_id"),
                          alert_org=F("enterprise_id"),
                          alert_repr=Concat(F("enterprise__name"), Value(" "), F("guarantee_no"), output_field=CharField()),
                          alert_value=Concat(Value("到期日"), Cast("valid_until", CharField()), output_field=CharField())))


# == e. complaint cases ================================================================================
@register
class ComplaintsRising(LabourRule):
    code = "labor_complaints_rising"
    name = "单位投诉举报数量异常上升"
    description = ("按被投诉单位统计近 window_days 天（默认30天，含今天）与此前同样天数内登记的投诉举报（不含由预警转入的），"
                   "近期件数不少于前期件数 × growth_ratio（默认1.5）且多于前期的为异常上升；按近期件数分级：满3件黄色、"
                   "满5件橙色、满10件红色（默认阈值，黄色阈值即最低件数）。")
    subject = "org.Organisation"
    default_levels = [{"level": "yellow", "threshold": 3}, {"level": "orange", "threshold": 5},
                      {"level": "red", "threshold": 10}]
    default_params = {"window_days": 30, "growth_ratio": 1.5}

    def matches(self, rule, today=None):
        _, inspection = _models()
        today = today or timezone.localdate()
        window = max(int(param(rule, "window_days", 30)), 1)
        recent_from = today - datetime.timedelta(days=window - 1)
        previous_from = recent_from - datetime.timedelta(days=window)
        ratio = float(param(rule, "growth_ratio", 1.5))
        complaints = (inspection.Complaint.objects.filter(respondent=OuterRef("pk"))
                      .exclude(channel=inspection.Complaint.Channel.WARNING))
        recent = count_of(complaints.filter(received_on__gte=recent_from, received_on__lte=today))
        previous = count_of(complaints.filter(received_on__gte=previous_from, received_on__lt=recent_from))
        candidates = (inspection.Complaint.objects.filter(received_on__gte=recent_from, received_on__lte=today,
                                                          respondent__isnull=False, is_deleted=False)
                      .exclude(channel=inspection.Complaint.Channel.WARNING).values("respondent"))
        qs = (self.subjects().filter(pk__in=candidates).annotate(_recent=recent, _previous=previous)
              .filter(_recent__gt=F("_previous"),
                      _recent__gte=ExpressionWrapper(F("_previous") * ratio, output_field=FloatField()))
              .annotate(alert_region=F("region_id"), alert_org=F("pk"), alert_repr=F("name")))
        return annotate_level(qs, F("_recent"), rule, "gte").annotate(
            alert_value=Concat(Value("近"), Value(str(window)), Value("天"), Cast("_recent", CharField()),
                               Value("件，前期"), Cast("_previous", CharField()), Value("件"), output_field=CharField()))


@register
class ManualClue(ManualRule):
    """人工登记: a wage-arrears clue an inspector or grid worker registers about a unit (grid warnings from
    workers' reports, inspection windows, grassroots units); the scan never raises or releases it."""

    code = "labor_manual_clue"
    name = "欠薪线索（人工/网格登记）"
    category = CATEGORY
    description = "劳动保障监察员或网格员根据群众反映、窗口接待、基层上报等人工登记的欠薪预警，系统不自动产生或解除。"
    default_levels = [{"level": "yellow", "threshold": 1}, {"level": "orange", "threshold": 2},
                      {"level": "red", "threshold": 3}]
    auto_assign_max_level = "orange"
    approval_min_level = "red"


LABOUR_RULES = [PermitOrQualification, AttendanceStale, WagesUnpaid, WageAmountAbnormal, PayrollFlowMismatch,
                AccountOpener, AppropriationShort, AccountBalance, DepositShort, GuaranteeExpiry, ComplaintsRising]
LABOUR_CODES = [rule.code for rule in LABOUR_RULES]
