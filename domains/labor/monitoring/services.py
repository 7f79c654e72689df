"""Business operations and read models of the supervision-database pages (agency entrance).

Writes: the differentiated-storage registry (差异化存储企业备案库, §A3 (1)) is kept by inspectors by
hand; every create, change and (soft) delete goes through save_differentiated / delete_differentiated,
which check the permission, the jurisdiction and the rules, and leave an audit row (BusinessModel.save).
The bulk data (projects, workers, attendance, payroll, flows, deposits, guarantees) arrives by Excel
import and by the signed push interfaces (imports.py, push.py) and is only read here.

Reads: the portrait of a project and of a worker, the ledger of a deposit, the expiry state of a
guarantee. Every query starts from Model.objects.visible_to(user); the lean tables (attendance,
payroll, flows, reminders) are reached through a record the user may see."""
import calendar
import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kernel.org.forms import restrict_regions
from kernel.org.models import Organisation, Region

from .models import (
    AccountFlow,
    Attendance,
    Contract,
    DepositFlow,
    DifferentiatedEnterprise,
    Guarantee,
    Payroll,
    Project,
    WageAccount,
    WageDeposit,
)

ZERO = Decimal("0")
EXPIRING_SOON_DAYS = 30  # certificates (施工许可证, 资质) shown orange this many days before they lapse
ATTENDANCE_DAYS = 60  # the worker portrait's attendance calendar
PORTRAIT_ROWS = 50  # rows of each table on a portrait page; the full list is one click away


# -- dates ------------------------------------------------------------------------------------------
def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months later, clamped to the month's end (1-31 → 2-28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def guarantee_window(today=None):
    """[today, today + 1 month]: a guarantee whose expiry falls inside is 即将到期 (seed §A1 d, §A3 (3):
    "到期前1个月")."""
    today = today or timezone.localdate()
    return today, add_months(today, 1)


def guarantee_state(guarantee, today=None):
    """("expired" | "expiring" | "valid", label) of a guarantee on a day."""
    start, end = guarantee_window(today)
    if guarantee.valid_until < start:
        return "expired", "已过期"
    if guarantee.valid_until <= end:
        return "expiring", "即将到期"
    if guarantee.valid_from > start:
        return "pending", "未生效"
    return "valid", "有效"


def expiring_guarantees(qs, today=None):
    start, end = guarantee_window(today)
    return qs.filter(valid_until__gte=start, valid_until__lte=end)


def certificate_state(valid_until, today=None):
    """Validity of a permit or qualification: ("missing" | "expired" | "expiring" | "valid", label)."""
    today = today or timezone.localdate()
    if valid_until is None:
        return "missing", "未登记有效期"
    if valid_until < today:
        return "expired", "已过期"
    if valid_until <= today + datetime.timedelta(days=EXPIRING_SOON_DAYS):
        return "expiring", "即将到期"
    return "valid", "有效"


def differentiated_state(entry, today=None):
    today = today or timezone.localdate()
    if entry.valid_from > today:
        return "pending", "未生效"
    if entry.valid_until is not None and entry.valid_until < today:
        return "expired", "已失效"
    return "valid", "有效"


# -- scoping of the lean tables ---------------------------------------------------------------------
def visible_projects(user):
    return Project.objects.visible_to(user)


def with_current_project(qs, user):
    """Workers annotated with the project of their latest active contract the user may see."""
    latest = (Contract.objects.visible_to(user)
              .filter(worker=OuterRef("pk"), status=Contract.Status.ACTIVE)
              .order_by("-start_on", "-id"))
    return qs.annotate(current_project=Subquery(latest.values("project__name")[:1]),
                       current_project_id=Subquery(latest.values("project_id")[:1]))


# -- project portrait -------------------------------------------------------------------------------
def project_units(project):
    """(role, organisation or None) of the units on a project, in the seed's order."""
    return [("建设单位", project.construction_unit), ("施工总承包单位", project.general_contractor),
            ("监理单位", project.supervising_unit)] + [
        ("劳务分包单位", sub) for sub in project.subcontractors.all().order_by("name")]


def project_people(project):
    return [("项目经理", project.project_manager, project.project_manager_phone),
            ("项目负责人", project.project_lead, ""),
            ("劳资专管员", project.wage_officer, project.wage_officer_phone),
            ("行业主管部门", project.industry_authority, ""),
            ("监管部门", project.supervising_department, "")]


def project_certificates(project, today=None):
    """The seed's key checks (施工许可证 valid, contractor qualified) with their state."""
    out = []
    for label, number, until in (("施工许可证", project.permit_no, project.permit_valid_until),
                                 ("总包单位资质证书", project.contractor_qualification_no,
                                  project.contractor_qualification_valid_until)):
        state, state_label = certificate_state(until, today)
        if not number:
            state, state_label = "missing", "未登记"
        out.append({"label": label, "number": number, "valid_until": until, "state": state,
                    "state_label": state_label})
    return out


def project_contracts(project, user):
    """The contracts on the project the user may see, with each worker's last attendance here."""
    last = (Attendance.objects.filter(project_id=project.pk, worker_id=OuterRef("worker_id"))
            .order_by("-work_date").values("work_date")[:1])
    return (Contract.objects.visible_to(user).filter(project=project)
            .select_related("worker", "employer")
            .annotate(last_attendance=Subquery(last))
            .order_by("status", "-start_on", "-id"))


def project_headcount(project, user):
    contracts = Contract.objects.visible_to(user).filter(project=project)
    return contracts.aggregate(total=Count("id"), active=Count("id", filter=Q(status=Contract.Status.ACTIVE)))


def last_attendance(project):
    return Attendance.objects.filter(project_id=project.pk).aggregate(day=Max("work_date"))["day"]


def payroll_summary(project, months=12):
    """Per month (newest first): headcount, attendance days on the payroll, attendance days recorded,
    payable, paid and the gap, over the last `months` months that have a payroll or attendance. A past
    month with attendance and no payroll is flagged (the current month's payroll is not due yet)."""
    rows = {r["month"]: r for r in Payroll.objects.filter(project_id=project.pk).values("month").annotate(
        headcount=Count("worker_id", distinct=True), days=Sum("days_worked"), payable=Sum("amount_payable"),
        paid=Sum("amount_paid")).order_by("-month")[:months]}
    this_month = timezone.localdate().replace(day=1)
    oldest = min([add_months(this_month, 1 - months)] + list(rows))
    recorded = dict(Attendance.objects.filter(project_id=project.pk, work_date__gte=oldest)
                    .annotate(m=TruncMonth("work_date")).values("m").annotate(n=Count("id")).values_list("m", "n"))
    recorded = {(m.date() if hasattr(m, "date") else m): n for m, n in recorded.items()}
    out = []
    for month in sorted(set(rows) | set(recorded), reverse=True)[:months]:
        row = rows.get(month, {})
        payable, paid = row.get("payable") or ZERO, row.get("paid") or ZERO
        out.append({"month": month, "headcount": row.get("headcount", 0), "days": row.get("days") or 0,
                    "recorded_days": recorded.get(month, 0), "payable": payable, "paid": paid,
                    "unpaid": payable - paid, "has_payroll": month in rows,
                    "missing_payroll": month not in rows and month < this_month})
    return out


def project_accounts(project, user, flows=10):
    """The project's wage special accounts with their latest flows."""
    accounts = list(WageAccount.objects.visible_to(user).filter(project=project).select_related("opener"))
    for account in accounts:
        account.recent_flows = list(account.flows.select_related("worker")[:flows])
        account.opener_is_contractor = account.opener_id == project.general_contractor_id
    return accounts


def project_deposits(project, user):
    return list(WageDeposit.objects.visible_to(user).filter(project=project).select_related("enterprise", "region"))


def project_guarantees(project, user):
    out = list(Guarantee.objects.visible_to(user).filter(project=project).select_related("enterprise"))
    for g in out:
        g.state, g.state_label = guarantee_state(g)
    return out


def project_warnings(project, user, accounts=(), deposits=(), guarantees=(), limit=PORTRAIT_ROWS):
    """Warnings the user may see whose subject is the project (or its account, deposit or guarantee)
    or whose unit is the project's general contractor."""
    from kernel.alerts.models import Warning

    def subject(model, pks):
        return Q(subject_type=ContentType.objects.get_for_model(model), subject_id__in=list(pks))

    q = subject(Project, [project.pk]) | Q(organisation_id=project.general_contractor_id)
    for model, objs in ((WageAccount, accounts), (WageDeposit, deposits), (Guarantee, guarantees)):
        if objs:
            q |= subject(model, [o.pk for o in objs])
    return list(Warning.objects.visible_to(user).filter(q).select_related("rule").order_by("-first_seen", "-id")[:limit])


# -- worker portrait --------------------------------------------------------------------------------
def worker_contracts(worker, user):
    return (Contract.objects.visible_to(user).filter(worker=worker)
            .select_related("project", "employer").order_by("status", "-start_on", "-id"))


def worker_attendance(worker, user, days=ATTENDANCE_DAYS, today=None):
    """The attendance calendar of the last `days` days: weeks (Monday first) of day cells, each with
    the day's records on projects the user may see; and the number of days attended."""
    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    records = {}
    for a in (Attendance.objects.filter(worker_id=worker.pk, work_date__gte=first, work_date__lte=today,
                                        project__in=visible_projects(user))
              .select_related("project").order_by("work_date")):
        records.setdefault(a.work_date, []).append(a)
    start = first - datetime.timedelta(days=first.weekday())
    weeks, day = [], start
    while day <= today:
        week = []
        for _ in range(7):
            week.append({"date": day, "in_range": first <= day <= today, "records": records.get(day, []),
                         "weekend": day.weekday() >= 5})
            day += datetime.timedelta(days=1)
        weeks.append(week)
    return {"weeks": weeks, "first": first, "last": today, "days_attended": len(records),
            "records": [a for day in sorted(records, reverse=True) for a in records[day]]}


def worker_payroll(worker, user, limit=24):
    return list(Payroll.objects.filter(worker_id=worker.pk, project__in=visible_projects(user))
                .select_related("project").order_by("-month", "-id")[:limit])


# -- deposits ---------------------------------------------------------------------------------------
def deposit_ledger(deposit):
    """The 台账 of a deposit: its flows oldest first with the running balance (存储/补存 in,
    划拨/退还 out) and the totals per kind."""
    totals = {kind: ZERO for kind, _ in DepositFlow.Kind.choices}
    running, rows = ZERO, []
    for flow in deposit.flows.order_by("booked_at", "id"):
        signed = flow.amount if flow.kind in DepositFlow.INCOMING else -flow.amount
        running += signed
        totals[flow.kind] += flow.amount
        rows.append({"flow": flow, "incoming": flow.kind in DepositFlow.INCOMING, "signed": signed,
                     "running": running})
    labels = dict(DepositFlow.Kind.choices)
    return {"rows": rows, "totals": [(labels[k], k, v) for k, v in totals.items()], "running": running,
            "matches_balance": running == deposit.balance,
            "shortfall": max(deposit.required_amount - deposit.balance, ZERO)}


def account_flow_totals(account):
    rows = dict(account.flows.values("kind").annotate(total=Sum("amount")).values_list("kind", "total"))
    incoming = sum((rows.get(k, ZERO) for k in AccountFlow.INCOMING), ZERO)
    outgoing = sum((v for k, v in rows.items() if k not in AccountFlow.INCOMING), ZERO)
    labels = dict(AccountFlow.Kind.choices)
    return {"by_kind": [(labels[k], rows.get(k, ZERO)) for k, _ in AccountFlow.Kind.choices],
            "incoming": incoming, "outgoing": outgoing}


# -- differentiated-storage registry (§A3 (1)) ------------------------------------------------------
def regions_for_registry(user):
    """Regions a registry entry may be filed under: the user's jurisdiction, region to county level."""
    return restrict_regions(Region.objects.filter(level__lte=Region.Level.COUNTY), user).order_by("path")


def enterprises():
    return Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE)


def validate_differentiated(user, entry):
    """Field-level Chinese errors: the region inside the jurisdiction, the enterprise an existing
    enterprise, the ratio not negative, the dates in order, one entry per enterprise and region."""
    errors = {}
    if entry.region_id and not regions_for_registry(user).filter(pk=entry.region_id).exists():
        errors["region"] = "该区划不在您的管辖范围内（备案区划须为本级或下级的自治区、市、县（市、区））"
    if entry.enterprise_id and not enterprises().filter(pk=entry.enterprise_id).exists():
        errors["enterprise"] = "该施工企业不存在或不是企业类机构"
    if entry.ratio is not None and entry.ratio < 0:
        errors["ratio"] = "存储比例不能为负数"
    if entry.valid_from and entry.valid_until and entry.valid_until < entry.valid_from:
        errors["valid_until"] = "失效日期不能早于生效日期"
    if entry.enterprise_id and entry.region_id and "enterprise" not in errors and "region" not in errors:
        duplicate = DifferentiatedEnterprise.objects.filter(enterprise_id=entry.enterprise_id,
                                                            region_id=entry.region_id).exclude(pk=entry.pk)
        if duplicate.exists():
            errors["enterprise"] = "该企业在此备案区划已有差异化存储备案，请修改原备案记录"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_differentiated(user, entry):
    """Create or update one registry entry (audited through its save)."""
    perm = "labor_monitoring.change_differentiatedenterprise" if entry.pk else \
        "labor_monitoring.add_differentiatedenterprise"
    if not user.has_perm(perm):
        raise PermissionDenied("您没有维护差异化存储企业备案的权限")
    if entry.pk and not DifferentiatedEnterprise.objects.visible_to(user).filter(pk=entry.pk).exists():
        raise PermissionDenied("该备案记录不存在或不在您的管辖范围内")
    validate_differentiated(user, entry)
    entry.full_clean()
    entry.save()
    return entry


def create_differentiated(user, **fields):
    return save_differentiated(user, DifferentiatedEnterprise(**fields))


@transaction.atomic
def delete_differentiated(user, entry):
    """Soft delete (the row stays, marked, with an audit row)."""
    if not user.has_perm("labor_monitoring.delete_differentiatedenterprise"):
        raise PermissionDenied("您没有删除差异化存储企业备案的权限")
    if not DifferentiatedEnterprise.objects.visible_to(user).filter(pk=entry.pk).exists():
        raise PermissionDenied("该备案记录不存在或不在您的管辖范围内")
    entry.delete()
    return entry

