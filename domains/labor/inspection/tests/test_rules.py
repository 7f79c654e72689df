"""The wage-arrears warning rules (alerts.py) with the seed's figures and the defaults' boundaries: each
rule fires on its anomaly and stays quiet on clean data; a re-scan does not duplicate; a fixed anomaly
releases automatically; red warnings go to leadership approval; a county inspector sees their county
only; the demo plants a warning of every rule.

Projects come from the demo generator (monitoring/demo.py Builder): clean by construction, with the
anomaly planted by a knob or by changing the rows afterwards. Boundaries are checked on the rule's query
(matches) for a given day; the lifecycle through the kernel scanner."""
import datetime
import io
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from domains.labor.inspection.alerts import LABOUR_CODES, add_months, due_months, earliest_excused_day
from domains.labor.inspection.models import Complaint
from domains.labor.monitoring import demo
from domains.labor.monitoring.models import (
    AccountFlow,
    Attendance,
    Contract,
    DepositFlow,
    Guarantee,
    Payroll,
    Project,
    WageAccount,
    WageDeposit,
)
from kernel.alerts import scanner
from kernel.alerts import services as alert_services
from kernel.alerts.models import OPEN_STATES, AlertRule, Territory, Warning, WarningEvent
from kernel.alerts.registry import definition
from kernel.core.testing import make_enterprise, make_staff
from kernel.org.models import Region
from kernel.workflow.engine import TransitionError

pytestmark = pytest.mark.django_db
_seq = itertools.count(1)
QINGXIU, XINGNING, LZ_CHENGZHONG = "450103", "450102", "450202"
INSPECTOR = ["alerts.view_warning", "alerts.review_warning", "alerts.release_warning", "alerts.assign_warning"]
LEADER = INSPECTOR + ["alerts.approve_warning"]


# -- helpers ----------------------------------------------------------------------------------------------
def today():
    return timezone.localdate()


def plan(county=QINGXIU, **knobs):
    n = next(_seq)
    knobs.setdefault("workers", 2)
    knobs.setdefault("attendance_days", 90)
    return demo.Plan(code=f"TST{n:06d}", name=f"测试项目{n}", region=Region.objects.get(code=county), **knobs)


def build(*plans, day=None):
    """Generate the plans; returns their projects in the same order."""
    ids = demo.Builder(today=day).build(list(plans))
    return [Project.all_objects.get(pk=ids[p.code]) for p in plans]


def levels(code, day=None):
    """{subject pk: level} of what the rule matches on a day."""
    d = definition(code)
    rule = d.ensure_rule()
    return dict(d.matches(rule, day).filter(alert_level__isnull=False).values_list("pk", "alert_level"))


def open_warning(code, subject):
    return Warning.objects.filter(rule__code=code, subject_id=subject.pk, status__in=OPEN_STATES).first()


@pytest.fixture
def scan(django_capture_on_commit_callbacks):
    def run(code):
        with django_capture_on_commit_callbacks(execute=True):
            return scanner.scan(code)
    return run


def account(project):
    return WageAccount.all_objects.get(project=project)


def deposit(project):
    return WageDeposit.all_objects.get(project=project)


def guarantee(project):
    return Guarantee.all_objects.get(project=project)


def paid_lines(project, month):
    return Payroll.objects.filter(project=project, month=month).order_by("worker_id")


# -- the rule definitions -----------------------------------------------------------------------------------
def test_every_rule_is_a_labour_rule_with_three_levels_and_red_approval():
    assert len(LABOUR_CODES) == 11
    for code in LABOUR_CODES:
        rule = definition(code).ensure_rule()
        assert rule.category == "欠薪预警" and rule.level_codes() == ["yellow", "orange", "red"]
        assert rule.auto_assign_max_level == "orange" and rule.approval_min_level == "red"
        assert rule.needs_approval("red") and not rule.needs_approval("orange")
        assert rule.description


def test_ensure_rule_keeps_what_the_rule_page_changed():
    rule = definition("labor_permit_invalid").ensure_rule()
    AlertRule.objects.filter(pk=rule.pk).update(approval_min_level="", params={"x": 1})
    again = definition("labor_permit_invalid").ensure_rule()
    assert again.pk == rule.pk and again.approval_min_level == "" and again.params == {"x": 1}


@pytest.mark.parametrize("day, grace, expected", [
    ("2026-03-15", 15, ["2026-01-01", "2025-12-01", "2025-11-01"]),
    ("2026-03-16", 15, ["2026-02-01", "2026-01-01", "2025-12-01"]),
    ("2026-01-31", 15, ["2025-12-01", "2025-11-01", "2025-10-01"]),
    ("2026-03-16", 20, ["2026-01-01", "2025-12-01", "2025-11-01"]),
])
def test_due_months_follow_the_grace_day(day, grace, expected):
    assert due_months(datetime.date.fromisoformat(day), grace, 3) == [datetime.date.fromisoformat(d) for d in expected]


# -- 1. permit invalid or contractor unqualified ---------------------------------------------------------------
def test_permit_and_qualification_levels_by_days_invalid():
    cases = {  # knobs: expected level (defaults: yellow >= 1 day invalid, orange >= 30, red >= 90)
        (("permit_days_left", 0),): None,  # valid through today
        (("permit_days_left", -1),): "yellow",
        (("permit_days_left", -29),): "yellow",
        (("permit_days_left", -30),): "orange",
        (("permit_days_left", -89),): "orange",
        (("permit_days_left", -90),): "red",
        (("qualification_days_left", -30),): "orange",
        (("permit_days_left", None), ("start_days_ago", 0)): None,  # no permit, started today
        (("permit_days_left", None), ("start_days_ago", 1)): "yellow",
        (("qualification_days_left", None), ("start_days_ago", 120)): "red",
        (("permit_days_left", -5), ("qualification_days_left", -40)): "orange",  # the worse one counts
    }
    plans = {key: plan(**dict(key)) for key in cases}
    projects = dict(zip(plans, build(*plans.values()), strict=True))
    got = levels("labor_permit_invalid")
    assert {key: got.get(p.pk) for key, p in projects.items()} == cases
    both = projects[(("permit_days_left", -5), ("qualification_days_left", -40))]
    value = dict(definition("labor_permit_invalid").matches(definition("labor_permit_invalid").ensure_rule())
                 .values_list("pk", "alert_value"))[both.pk]
    assert value.startswith("施工许可证") and "；资质" in value


def test_permit_rule_watches_projects_under_construction_only():
    lapsed, suspended = build(plan(permit_days_left=-100), plan(permit_days_left=-100))
    Project.objects.filter(pk=suspended.pk).update(status="suspended")
    assert levels("labor_permit_invalid") == {lapsed.pk: "red"}


# -- 2. attendance not updated -----------------------------------------------------------------------------------
def test_attendance_stale_levels_at_7_15_30_days():
    cases = {1: None, 6: None, 7: "yellow", 14: "yellow", 15: "orange", 29: "orange", 30: "red"}
    plans = {days: plan(stale_days=days, attendance_days=20) for days in cases}
    projects = dict(zip(plans, build(*plans.values()), strict=True))
    got = levels("labor_attendance_stale")
    assert {days: got.get(p.pk) for days, p in projects.items()} == cases


def test_attendance_stale_needs_workers_on_site_and_counts_from_entry_without_attendance():
    gone, never, completed = build(plan(stale_days=40, attendance_days=10), plan(), plan(stale_days=40))
    Contract.objects.filter(project=gone).update(status="left")
    Attendance.objects.filter(project=never).delete()
    Contract.objects.filter(project=never).update(start_on=today() - datetime.timedelta(days=20))
    Project.objects.filter(pk=completed.pk).update(status="completed")
    assert levels("labor_attendance_stale") == {never.pk: "orange"}  # 20 days since the workers entered
    rule = definition("labor_attendance_stale").ensure_rule()
    rule.params = {"min_workers": 3}  # the plans have two workers each
    rule.save()
    assert levels("labor_attendance_stale") == {}


# -- 3. wages not paid for a month ----------------------------------------------------------------------------
def test_wages_unpaid_after_the_grace_day_by_months():
    day = datetime.date(2026, 3, 20)
    one, two, three, clean = build(plan(unpaid_due_month=True), plan(unpaid_due_month=True),
                                   plan(unpaid_due_month=True), plan(), day=day)
    for project, months in ((two, ["2026-01-01"]), (three, ["2026-01-01", "2025-12-01"])):
        Payroll.objects.filter(project=project, month__in=months).update(amount_paid=0, paid_on=None)
    # 15 March: February's wages are not due yet (grace day 15), January's were paid except for two and three
    assert levels("labor_wages_unpaid", datetime.date(2026, 3, 15)) == {two.pk: "yellow", three.pk: "orange"}
    # 16 March: February is due too
    assert levels("labor_wages_unpaid", datetime.date(2026, 3, 16)) == {
        one.pk: "yellow", two.pk: "orange", three.pk: "red"}
    rule = definition("labor_wages_unpaid").ensure_rule()
    rule.params = {"grace_day": 20, "months": 3}
    rule.save()
    assert levels("labor_wages_unpaid", datetime.date(2026, 3, 16)) == {two.pk: "yellow", three.pk: "orange"}


def test_a_month_without_attendance_owes_no_wages():
    quiet = build(plan(unpaid_due_month=True), day=datetime.date(2026, 3, 20))[0]
    Attendance.objects.filter(project=quiet, work_date__gte=datetime.date(2026, 2, 1),
                              work_date__lt=datetime.date(2026, 3, 1)).delete()
    assert levels("labor_wages_unpaid", datetime.date(2026, 3, 16)) == {}


def test_paying_releases_the_unpaid_warning(scan):
    project = build(plan(unpaid_due_month=True))[0]
    assert scan("labor_wages_unpaid")["raised"] == 1
    assert open_warning("labor_wages_unpaid", project).level == "yellow"
    assert scan("labor_wages_unpaid")["raised"] == 0  # a second scan adds nothing
    due = demo.latest_due_month(today())
    Payroll.objects.filter(project=project, month=due).update(amount_paid=Decimal("1"), paid_on=today())
    stats = scan("labor_wages_unpaid")
    assert stats["released"] == 1
    w = Warning.objects.get(rule__code="labor_wages_unpaid", subject_id=project.pk)
    assert (w.status, w.release_type) == ("released", "auto")
    assert list(w.events.values_list("kind", flat=True)) == ["raised", "released"]


# -- 4. wage amount abnormal against attendance ------------------------------------------------------------------
def test_wage_abnormal_against_contract_wage_and_attendance():
    projects = build(*[plan(workers=10) for _ in range(8)])
    month = add_months(today(), -2)  # paid on the 10th of last month, inside the rule's two months

    def set_line(line, **values):
        Payroll.objects.filter(pk=line.pk).update(**values)

    def floor(line):  # 70 % of days worked x the contract's daily wage (deviation 30 %)
        wage = Contract.objects.get(project_id=line.project_id, worker_id=line.worker_id).daily_wage
        return (line.days_worked * wage * Decimal("0.7")).quantize(Decimal("0.01"))

    at_floor, below, five, ten, no_days, no_rows, paid_less, unpaid = projects
    line = paid_lines(at_floor, month).first()
    set_line(line, amount_payable=floor(line), amount_paid=floor(line))
    line = paid_lines(below, month).first()
    set_line(line, amount_payable=floor(line) - Decimal("0.01"), amount_paid=floor(line) - Decimal("0.01"))
    for project, n in ((five, 5), (ten, 10)):
        for line in paid_lines(project, month)[:n]:
            set_line(line, amount_payable=floor(line) / 2)
    set_line(paid_lines(no_days, month).first(), days_worked=0, amount_payable=0)
    line = paid_lines(no_rows, month).first()
    Attendance.objects.filter(project=no_rows, worker_id=line.worker_id, work_date__gte=month,
                              work_date__lt=add_months(month, 1)).delete()
    line = paid_lines(paid_less, month).first()
    set_line(line, amount_paid=line.amount_payable / 2)
    paid_lines(unpaid, month).update(amount_paid=0, paid_on=None)  # not paid yet: rule 3's business
    assert levels("labor_wage_abnormal") == {below.pk: "yellow", five.pk: "orange", ten.pk: "red",
                                             no_days.pk: "yellow", no_rows.pk: "yellow", paid_less.pk: "yellow"}


def test_wage_abnormal_watches_the_recent_months_only():
    project = build(plan(workers=3, attendance_days=150))[0]
    old = add_months(today(), -3)
    paid_lines(project, old).update(amount_payable=1)
    assert levels("labor_wage_abnormal") == {}
    rule = definition("labor_wage_abnormal").ensure_rule()
    rule.params = {"deviation_pct": 30, "months": 3}
    rule.save()
    assert levels("labor_wage_abnormal") == {project.pk: "yellow"}


# -- 5. payroll sheet against the account's wage flows -------------------------------------------------------------
def test_payroll_against_flows_levels_at_10_30_50_percent():
    due = demo.latest_due_month(today())
    shares = {"0.9": "yellow", "0.9+": None, "0.7": "orange", "0.7+": "yellow", "0.5": "red", "1.2": "yellow",
              "1": None, "0": "red"}
    projects = dict(zip(shares, build(*[plan(workers=3) for _ in shares]), strict=True))
    for share, project in projects.items():
        paid = sum(paid_lines(project, due).values_list("amount_paid", flat=True))
        assert paid % 10 == 0 and paid > 0
        factor = Decimal(share.rstrip("+"))
        amount = paid * factor + (10 if share.endswith("+") else 0)
        flows = AccountFlow.objects.filter(account__project=project, kind="wage", wage_month=due)
        flows.delete()
        if amount:
            AccountFlow.objects.create(account=account(project), serial_no="X1", booked_at=timezone.now(),
                                       kind="wage", amount=amount, wage_month=due)
    got = levels("labor_payroll_flow_mismatch")
    assert {share: got.get(p.pk) for share, p in projects.items()} == shares


def test_payroll_flows_of_a_month_not_yet_due_are_not_compared():
    project = build(plan(workers=2))[0]
    # this month's payroll, paid early and not (yet) in the bank's flows: not due, so not compared
    Payroll.objects.create(project=project, worker_id=Contract.objects.filter(project=project).first().worker_id,
                           month=today().replace(day=1), days_worked=1, amount_payable=300, amount_paid=300,
                           paid_on=today())
    assert levels("labor_payroll_flow_mismatch") == {}


# -- 6. account opener ---------------------------------------------------------------------------------------------
def test_account_opener_not_the_general_contractor():
    general, sub, builder_unit, unrelated, supervisor, closed = build(
        plan(), plan(opener="subcontractor"), plan(opener="construction_unit"), plan(opener="unrelated"), plan(),
        plan(opener="unrelated"))
    WageAccount.objects.filter(project=supervisor).update(opener_id=supervisor.supervising_unit_id)
    WageAccount.objects.filter(project=closed).update(status="closed")
    got = levels("labor_account_opener")
    assert got == {account(sub).pk: "yellow", account(builder_unit).pk: "orange", account(supervisor).pk: "orange",
                   account(unrelated).pk: "red"}
    rule = definition("labor_account_opener").ensure_rule()
    rule.levels = [{"level": "yellow", "threshold": 2}, {"level": "orange", "threshold": 3},
                   {"level": "red", "threshold": 4}]
    rule.save()
    assert levels("labor_account_opener") == {account(builder_unit).pk: "yellow", account(supervisor).pk: "yellow",
                                              account(unrelated).pk: "orange"}


# -- 7. labour-cost appropriation --------------------------------------------------------------------------------
def test_appropriation_shortfall_levels_at_20_50_80_percent():
    shares = {"0.8": "yellow", "0.8+": None, "0.5": "orange", "0.5+": "yellow", "0.2": "red", "0": "red", "1": None}
    projects = dict(zip(shares, build(*[plan() for _ in shares]), strict=True))
    for share, project in projects.items():
        # started 13 months ago: progress (13 - 1 grace month) / 24 = one half of 20 % of the contract price
        Project.objects.filter(pk=project.pk).update(start_date=add_months(today(), -13).replace(
            day=min(today().day, 28)))
        expected = project.contract_price * 10000 * Decimal("0.2") / 2
        amount = expected * Decimal(share.rstrip("+")) + (1 if share.endswith("+") else 0)
        AccountFlow.objects.filter(account__project=project, kind="appropriation").delete()
        if amount:
            AccountFlow.objects.create(account=account(project), serial_no="A1", booked_at=timezone.now(),
                                       kind="appropriation", amount=amount)
    got = levels("labor_appropriation_short")
    assert {share: got.get(p.pk) for share, p in projects.items()} == shares


def test_appropriation_is_not_expected_in_the_first_month_nor_of_completed_projects():
    new, completed = build(plan(start_days_ago=0), plan(appropriation_share=0))
    AccountFlow.objects.filter(account__project=new, kind="appropriation").delete()
    Project.objects.filter(pk=completed.pk).update(status="completed")
    assert levels("labor_appropriation_short") == {}


# -- 8. special-account balance --------------------------------------------------------------------------------
def test_account_balance_against_next_months_payroll():
    factors = {"1": None, "1-": "yellow", "0.5": "yellow", "0.5-": "orange", "0": "orange", "-": "red"}
    projects = dict(zip(factors, build(*[plan(workers=3) for _ in factors]), strict=True))
    for key, project in projects.items():
        latest = Payroll.objects.filter(project=project).order_by("-month").first().month
        estimate = sum(Payroll.objects.filter(project=project, month=latest).values_list("amount_payable", flat=True))
        base = estimate * Decimal(key.rstrip("-") or "0")
        balance = base - Decimal("0.01") if key.endswith("-") else base
        WageAccount.objects.filter(project=project).update(balance=balance)
    got = levels("labor_account_balance")
    assert {key: got.get(account(p).pk) for key, p in projects.items()} == factors


def test_account_balance_without_payroll_is_only_checked_for_a_negative_balance():
    empty, negative, closed = build(plan(), plan(), plan())
    Payroll.objects.filter(project__in=[empty, negative, closed]).delete()
    WageAccount.objects.filter(project=empty).update(balance=0)
    WageAccount.objects.filter(project__in=[negative, closed]).update(balance=-1)
    WageAccount.objects.filter(project=closed).update(status="closed")
    assert levels("labor_account_balance") == {account(negative).pk: "red"}


# -- 9. wage deposit ----------------------------------------------------------------------------------------------
def test_deposit_not_stored_or_not_in_full_after_the_due_date():
    shares = {1.0: None, 0.991: None, 0.99: "yellow", 0.5: "orange", 0.0: "red"}
    projects = dict(zip(shares, build(*[plan(deposit_stored_share=s) for s in shares]), strict=True))
    not_due, due_today = build(plan(deposit_stored_share=0), plan(deposit_stored_share=0))
    WageDeposit.objects.filter(project=not_due).update(due_on=today() + datetime.timedelta(days=1))
    WageDeposit.objects.filter(project=due_today).update(due_on=today())
    got = levels("labor_deposit_short")
    assert {s: got.get(deposit(p).pk) for s, p in projects.items()} == shares
    assert deposit(not_due).pk not in got and deposit(due_today).pk not in got


def test_deposit_not_topped_up_within_10_working_days_of_a_transfer():
    first_excused = earliest_excused_day(today(), 10)
    within, late = build(plan(transfer_days_ago=(today() - first_excused).days, transfer_share=0.4),
                         plan(transfer_days_ago=(today() - first_excused).days + 1, transfer_share=0.4))
    # the deposit was due long ago: only the top-up period of the transfer excuses the shortfall
    assert levels("labor_deposit_short") == {deposit(late).pk: "yellow"}
    DepositFlow.objects.create(deposit=deposit(late), serial_no="B1", booked_at=timezone.now(), kind="top_up",
                               amount=deposit(late).required_amount * Decimal("0.4"))
    WageDeposit.objects.filter(pk=deposit(late).pk).update(balance=deposit(late).required_amount)
    assert levels("labor_deposit_short") == {}


def test_guarantee_deposit_counts_the_valid_guarantees():
    covered, lapsed = build(plan(deposit_form="insurance_guarantee"),
                            plan(deposit_form="bank_guarantee", guarantee_until=today() - datetime.timedelta(days=1)))
    assert levels("labor_deposit_short") == {deposit(lapsed).pk: "red"}
    # a guarantee counts for its own enterprise and project only
    Guarantee.objects.filter(project=covered).update(project=lapsed)
    assert levels("labor_deposit_short") == {deposit(covered).pk: "red", deposit(lapsed).pk: "red"}


# -- 10. guarantee expiring or expired --------------------------------------------------------------------------
def test_guarantee_expiry_levels_at_60_30_and_0_days():
    cases = {60: None, 59: "yellow", 30: "yellow", 29: "orange", 0: "orange", -1: "red"}
    plans = {d: plan(deposit_form="insurance_guarantee", guarantee_until=today() + datetime.timedelta(days=d))
             for d in cases}
    projects = dict(zip(plans, build(*plans.values()), strict=True))
    got = levels("labor_guarantee_expiry")
    assert {d: got.get(guarantee(p).pk) for d, p in projects.items()} == cases


def test_guarantee_renewed_or_of_a_completed_project_is_not_warned(scan):
    renewed, completed, extended = build(
        *[plan(deposit_form="bank_guarantee", guarantee_until=today() + datetime.timedelta(days=10)) for _ in range(3)])
    assert scan("labor_guarantee_expiry")["raised"] == 3
    old = guarantee(renewed)
    Guarantee.objects.create(kind="bank", guarantee_no="YHNEW1", enterprise=old.enterprise, project=renewed,
                             region=old.region, issuer=old.issuer, amount=old.amount, valid_from=old.valid_until,
                             valid_until=old.valid_until + datetime.timedelta(days=365))
    Project.objects.filter(pk=completed.pk).update(status="completed")
    Guarantee.objects.filter(project=extended).update(valid_until=today() + datetime.timedelta(days=400))
    stats = scan("labor_guarantee_expiry")
    assert (stats["raised"], stats["released"]) == (0, 3)
    assert set(Warning.objects.filter(rule__code="labor_guarantee_expiry").values_list("release_type", flat=True)) == {"auto"}


# -- 11. complaints rising ------------------------------------------------------------------------------------------
def complaints(unit, days_ago, channel="phone"):
    for n, days in enumerate(days_ago):
        day = today() - datetime.timedelta(days=days)
        Complaint.objects.create(no=f"T{unit.pk}-{n}-{next(_seq)}", channel=channel, region=unit.region,
                                 respondent=unit, respondent_name=unit.name, facts="拖欠工资", received_on=day,
                                 accept_due=day + datetime.timedelta(days=7))


def test_complaints_rising_against_the_previous_30_days():
    cases = {  # (previous window, recent window): level
        (1, 3): "yellow", (0, 2): None, (2, 3): "yellow", (3, 4): None, (3, 5): "orange", (0, 10): "red",
        (5, 5): None,
    }
    units = {}
    for (before, recent) in cases:
        unit = make_enterprise(QINGXIU)
        complaints(unit, [40] * before + [3] * recent)
        units[(before, recent)] = unit
    edge_in, edge_out, from_warnings = make_enterprise(QINGXIU), make_enterprise(QINGXIU), make_enterprise(QINGXIU)
    complaints(edge_in, [29, 29, 29])  # 29 days ago: inside the last 30 days
    complaints(edge_out, [30, 30, 30])  # 30 days ago: the previous window
    complaints(from_warnings, [1, 2, 3], channel="warning")  # converted from warnings: not complaints received
    got = levels("labor_complaints_rising")
    assert {key: got.get(unit.pk) for key, unit in units.items()} == cases
    assert got.get(edge_in.pk) == "yellow" and edge_out.pk not in got and from_warnings.pk not in got


def test_complaints_rising_ratio_is_a_parameter():
    unit = make_enterprise(QINGXIU)
    complaints(unit, [40, 40, 5, 5, 5])  # 3 against 2: 1.5 times, the default ratio
    assert levels("labor_complaints_rising") == {unit.pk: "yellow"}
    rule = definition("labor_complaints_rising").ensure_rule()
    rule.params = {"window_days": 30, "growth_ratio": 2}
    rule.save()
    assert levels("labor_complaints_rising") == {}


# -- the lifecycle through the scanner ------------------------------------------------------------------------------
def test_one_project_hitting_several_rules_gets_one_warning_per_rule(scan):
    project = build(plan(permit_days_left=-40, stale_days=10, opener="unrelated"))[0]
    for code in LABOUR_CODES:
        scan(code)
    for code in LABOUR_CODES:
        scan(code)  # re-scan: no duplicates
    by_rule = dict(Warning.objects.filter(status__in=OPEN_STATES).values_list("rule__code", "level"))
    assert by_rule == {"labor_permit_invalid": "orange", "labor_attendance_stale": "yellow",
                       "labor_account_opener": "red"}
    assert Warning.objects.count() == 3
    assert Warning.objects.get(rule__code="labor_account_opener").subject_id == account(project).pk


def test_fixed_anomalies_release_automatically(scan):
    permit, opener, balance = build(plan(permit_days_left=-3), plan(opener="subcontractor"), plan(balance_factor=0.2))
    for code in ("labor_permit_invalid", "labor_account_opener", "labor_account_balance"):
        assert scan(code)["raised"] == 1
    Project.objects.filter(pk=permit.pk).update(permit_valid_until=today() + datetime.timedelta(days=365))
    WageAccount.objects.filter(project=opener).update(opener_id=opener.general_contractor_id)
    WageAccount.objects.filter(project=balance).update(balance=10 ** 8)
    for code in ("labor_permit_invalid", "labor_account_opener", "labor_account_balance"):
        assert scan(code)["released"] == 1
    assert not Warning.objects.filter(status__in=OPEN_STATES).exists()
    assert WarningEvent.objects.filter(kind="released").count() == 3
    # the condition comes back: a new warning, the released one kept as record
    Project.objects.filter(pk=permit.pk).update(permit_valid_until=today() - datetime.timedelta(days=3))
    assert scan("labor_permit_invalid")["raised"] == 1
    assert Warning.objects.filter(rule__code="labor_permit_invalid", subject_id=permit.pk).count() == 2


def test_worsening_raises_the_level_of_the_open_warning(scan):
    project = build(plan(stale_days=8, attendance_days=20))[0]
    scan("labor_attendance_stale")
    Attendance.objects.filter(project=project, work_date__gt=today() - datetime.timedelta(days=31)).delete()
    assert scan("labor_attendance_stale")["changed"] == 1
    w = open_warning("labor_attendance_stale", project)
    assert w.level == "red" and w.events.filter(kind="level", from_level="yellow", to_level="red").exists()


def test_thresholds_edited_on_the_rule_apply_at_the_next_scan(scan):
    project = build(plan(stale_days=10, attendance_days=20))[0]
    scan("labor_attendance_stale")
    rule = AlertRule.objects.get(code="labor_attendance_stale")
    rule.levels = [{"level": "yellow", "threshold": 12}, {"level": "orange", "threshold": 20},
                   {"level": "red", "threshold": 40}]
    rule.save()
    assert scan("labor_attendance_stale")["released"] == 1
    assert open_warning("labor_attendance_stale", project) is None


def test_red_needs_leadership_approval_before_dispatch(scan):
    project = build(plan(opener="unrelated"))[0]
    owner = make_staff(QINGXIU, ["alerts.view_warning"], phone="13977120001")
    Territory.objects.create(region=Region.objects.get(code=QINGXIU), user=owner)
    scan("labor_account_opener")
    w = open_warning("labor_account_opener", account(project))
    assert (w.level, w.status, w.assignee) == ("red", "generated", None)  # red is never auto-assigned
    inspector, leader = make_staff(QINGXIU, INSPECTOR), make_staff(QINGXIU, LEADER)
    alert_services.review(w, inspector, comment="属实")
    w.refresh_from_db()
    assert w.status == "approving"
    with pytest.raises(TransitionError):
        alert_services.assign(w, leader, owner)
    w.refresh_from_db()
    assert w.status == "approving" and w.assignee is None
    with pytest.raises(TransitionError):
        Warning.workflow.apply(w, "review", inspector)  # cannot skip the approval either
    alert_services.approve(w, leader, comment="同意，指挥调度")
    alert_services.assign(w, leader, owner)
    w.refresh_from_db()
    assert (w.status, w.assignee) == ("assigned", owner)
    assert [log.transition for log in w.workflow_history()] == ["submit", "approve", "assign"]


def test_low_levels_go_to_the_grid_owner_by_territory(scan):
    yellow, orange = build(plan(opener="subcontractor"), plan(opener="construction_unit"))
    owner = make_staff(QINGXIU, ["alerts.view_warning"], phone="13977120002")
    Territory.objects.create(region=Region.objects.get(code=QINGXIU), user=owner)
    scan("labor_account_opener")
    for project in (yellow, orange):
        w = open_warning("labor_account_opener", account(project))
        assert (w.status, w.assignee) == ("assigned", owner)


def test_a_county_inspector_sees_only_their_county(scan, client):
    qx, xn, lz = build(plan(QINGXIU, permit_days_left=-2), plan(XINGNING, permit_days_left=-2),
                       plan(LZ_CHENGZHONG, permit_days_left=-2))
    scan("labor_permit_invalid")
    by_project = {w.subject_id: w for w in Warning.objects.all()}
    qx_inspector = make_staff(QINGXIU, INSPECTOR)
    city = make_staff("450100", INSPECTOR)
    liuzhou = make_staff("450200", INSPECTOR)
    assert set(Warning.objects.visible_to(qx_inspector).values_list("subject_id", flat=True)) == {qx.pk}
    assert set(Warning.objects.visible_to(city).values_list("subject_id", flat=True)) == {qx.pk, xn.pk}
    assert set(Warning.objects.visible_to(liuzhou).values_list("subject_id", flat=True)) == {lz.pk}
    client.force_login(qx_inspector)
    assert client.get(reverse("gov:warning_detail", args=[by_project[qx.pk].pk])).status_code == 200
    assert client.get(reverse("gov:warning_detail", args=[by_project[xn.pk].pk])).status_code == 404
    client.force_login(liuzhou)
    assert client.get(reverse("gov:warning_detail", args=[by_project[qx.pk].pk])).status_code == 404


def test_clean_projects_raise_nothing(scan):
    build(*[plan(workers=4, absence=0.1, deposit_form=form) for form in
            ("cash", "bank_guarantee", "insurance_guarantee", "cash")])
    for code in LABOUR_CODES:
        assert scan(code)["matched"] == 0, code


# -- the demo -----------------------------------------------------------------------------------------------
EXPECTED = {  # scenario: {rule: level}
    "01": {"labor_permit_invalid": "orange"},
    "02": {"labor_permit_invalid": "red"},
    "03": {"labor_attendance_stale": "yellow"},
    "04": {"labor_attendance_stale": "red"},
    "05": {"labor_wages_unpaid": "yellow"},
    "06": {"labor_wage_abnormal": "orange"},
    "07": {"labor_payroll_flow_mismatch": "orange"},
    "08": {"labor_account_opener": "yellow"},
    "09": {"labor_account_opener": "red"},
    "10": {"labor_appropriation_short": "orange", "labor_account_balance": "orange"},
    "11": {"labor_account_balance": "red"},
    "12": {"labor_deposit_short": "red"},
    "13": {"labor_deposit_short": "yellow"},
    "14": {"labor_guarantee_expiry": "orange"},
    "15": {"labor_guarantee_expiry": "red", "labor_deposit_short": "red"},
    "16": {"labor_guarantee_expiry": "yellow"},
}


def subject_project(w):
    model = w.subject_type.model_class()
    if model is Project:
        return w.subject_id
    if model is Complaint or w.rule.code == "labor_complaints_rising":
        return None
    return model.all_objects.filter(pk=w.subject_id).values_list("project_id", flat=True).first()


def test_demo_plants_a_warning_of_every_rule(django_capture_on_commit_callbacks):
    from kernel.org.demo import seed_towns

    from .. import demo as inspection_demo

    seed_towns()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(1, out)
        inspection_demo.seed(1, out)
    warnings = list(Warning.objects.filter(rule__category="欠薪预警").select_related("rule", "subject_type"))
    assert {w.rule.code for w in warnings} == set(LABOUR_CODES)  # every rule fired
    codes = dict(Project.objects.values_list("pk", "code"))
    got = {}
    for w in warnings:
        pid = subject_project(w)
        if pid is not None:
            got.setdefault(codes[pid].removeprefix(demo.SCENARIO_PREFIX), {})[w.rule.code] = w.level
    expected = {k: dict(v) for k, v in EXPECTED.items()}
    until = Guarantee.objects.get(project__code=demo.scenario_code("16")).valid_until
    if (until - today()).days < 30:  # one calendar month from a 31st can be shorter than 30 days
        expected["16"]["labor_guarantee_expiry"] = "orange"
    assert got == expected  # and nothing on the volume projects
    rising = Warning.objects.get(rule__code="labor_complaints_rising")
    assert rising.level == "orange" and rising.value == "近30天5件，前期1件"
    assert rising.subject_id == Project.objects.get(code=demo.scenario_code("05")).general_contractor_id
    # 青秀区 is in grids owned by qx_grid: its yellow and orange warnings are with the grid owner, red ones wait
    for w in warnings:
        in_qingxiu = w.region is not None and w.region.path.startswith("450000.450100.450103.") and \
            w.region.level == Region.Level.GRID
        if in_qingxiu and w.level != "red":
            assert (w.status, w.assignee.username) == ("assigned", "qx_grid"), w
        elif w.level == "red":
            assert w.status == "generated" and w.assignee is None
    # the one-month guarantee has its reminder
    from domains.labor.monitoring.models import GuaranteeReminder

    assert GuaranteeReminder.objects.filter(guarantee__project__code=demo.scenario_code("16")).count() == 1
    # the grids the demo made are audited writes by the administrator
    from kernel.audit.models import ChangeLog

    from ..models import Grid

    grid_logs = ChangeLog.objects.filter(content_type__model="grid", action="create")
    assert grid_logs.count() == Grid.objects.count() > 0
    assert set(grid_logs.values_list("actor__username", flat=True)) == {"gx_labor_admin"}
    # seeding again adds nothing
    with django_capture_on_commit_callbacks(execute=True):
        summary = inspection_demo.seed(1, out)
    assert "扫描新增0条" in summary and Warning.objects.filter(rule__category="欠薪预警").count() == len(warnings)


# -- the command and bad parameters -----------------------------------------------------------------------------
def test_labor_scan_command_scans_every_rule_once(capsys):
    from django.core.management import CommandError, call_command

    build(plan(permit_days_left=-2))
    call_command("labor_scan")
    out = capsys.readouterr().out
    assert all(code in out for code in LABOUR_CODES) and "labor_permit_invalid: 匹配1 新增1" in out
    call_command("labor_scan", "--rule", "labor_permit_invalid")
    assert "labor_permit_invalid: 匹配1 新增0" in capsys.readouterr().out
    with pytest.raises(CommandError, match="没有编码为 se_hazard_deadline 的欠薪预警规则"):
        call_command("labor_scan", "--rule", "se_hazard_deadline")
    AlertRule.objects.filter(code="labor_permit_invalid").update(enabled=False)
    call_command("labor_scan", "--rule", "labor_permit_invalid")
    assert "已停用" in capsys.readouterr().out


def test_a_malformed_parameter_falls_back_to_its_default():
    stale = build(plan(stale_days=8, attendance_days=20))[0]
    rule = definition("labor_attendance_stale").ensure_rule()
    for bad in ("3", None, True, [3]):  # the rule page only saves numbers; a hand-edited row may hold anything
        rule.params = {"min_workers": bad}
        rule.save()
        assert levels("labor_attendance_stale") == {stale.pk: "yellow"}


def test_special_account_warnings_are_sent_to_the_enterprise_once_per_level(django_capture_on_commit_callbacks):
    """§A1 (1) c: account warnings notify the enterprise (SMS to the unit's contact) at each new or higher level."""
    from domains.labor.inspection.reference import load
    from kernel.notify.models import SmsMessage

    load()  # the SMS template
    unrelated, = build(plan(opener="unrelated"))
    opener = account(unrelated).opener
    opener.contact_phone = "13977100088"
    opener.save()
    with django_capture_on_commit_callbacks(execute=True):
        scanner.scan("labor_account_opener")
    with django_capture_on_commit_callbacks(execute=True):
        scanner.scan("labor_account_opener")  # nothing new: no second SMS
    sms = SmsMessage.objects.filter(phone="13977100088")
    assert sms.count() == 1
    assert opener.name in sms.get().content and "红色" in sms.get().content
