"""The intake services both channels call: parsing, the rules of a row, the upserts of business records
(audited, unchanged records not saved again) and the bulk upserts of the lean tables (replaced, never
duplicated), with wage-account and deposit balances settled from the flows."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from domains.labor.monitoring import intake
from domains.labor.monitoring.models import (
    AccountFlow,
    Attendance,
    Contract,
    DepositFlow,
    Payroll,
    Project,
    WageAccount,
    WageDeposit,
    Worker,
)
from kernel.audit.services import history_for
from kernel.core.testing import make_enterprise, make_staff
from kernel.org.models import Region
from kernel.org.validators import id_check_char

pytestmark = pytest.mark.django_db
D = Decimal
ZERO = Decimal("0")


def id_number(n, region="450103", born="19900101"):
    """A valid 18-digit ID number (GB 11643 check digit)."""
    body = f"{region}{born}{n % 1000:03d}"
    return body + id_check_char(body)


def bad_checksum(number):
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


class World:
    """A Nanning county (青秀区 450103) with its units, a project, a worker and a contract; Liuzhou
    (450202) is the other city."""

    def __init__(self):
        self.county = Region.objects.get(code="450103")
        self.other_city_county = Region.objects.get(code="450202")
        self.builder = make_enterprise("450103", "青秀城投建设有限公司")
        self.contractor = make_enterprise("450103", "广西某建工集团有限公司")
        self.supervisor = make_enterprise("450103", "南宁某监理有限公司")
        self.subcontractor = make_enterprise("450102", "兴宁某劳务有限公司")
        self.liuzhou_unit = make_enterprise("450202", "柳州某劳务有限公司")

    def project(self, code="GX450103-001", region=None, **over):
        values = {"name": "青秀区安置房项目", "region": region or self.county, "construction_unit": self.builder,
                  "general_contractor": self.contractor, "supervising_unit": self.supervisor}
        values.update(over)
        return Project.objects.create(code=code, **values)

    def worker(self, n=1, region=None, **over):
        return Worker.objects.create(id_number=id_number(n), name=f"农民工{n}", region=region or self.county, **over)

    def contract(self, worker, project, employer=None, start_on=None, **over):
        return Contract.objects.create(worker=worker, project=project, employer=employer or self.contractor,
                                       start_on=start_on or days(-60), daily_wage=D("300"), **over)

    def account(self, project, no="45001604051050000001", balance=ZERO):
        return WageAccount.objects.create(project=project, account_no=no, account_name="农民工工资专用账户",
                                          bank="中国建设银行南宁民族支行", opener=self.contractor,
                                          opened_on=days(-90), balance=balance)

    def deposit(self, no="45001604051059000001", balance=ZERO, project=None):
        return WageDeposit.objects.create(enterprise=self.contractor, project=project, region=self.county,
                                          required_amount=D("300000"), balance=balance, account_no=no)


@pytest.fixture
def world():
    return World()


# -- parsing -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("2024-05", datetime.date(2024, 5, 1)), ("2024/5", datetime.date(2024, 5, 1)),
    ("2024年5月", datetime.date(2024, 5, 1)), ("202405", datetime.date(2024, 5, 1)),
    ("2024-05-01", datetime.date(2024, 5, 1)), (datetime.datetime(2024, 5, 1), datetime.date(2024, 5, 1)),
])
def test_months_in_the_forms_people_type(text, expected):
    assert intake.parse_month(text) == expected


@pytest.mark.parametrize("text", ["2024-13", "2024-05-15", "五月", "", "1899-12"])
def test_bad_months_are_refused_in_chinese(text):
    with pytest.raises(ValidationError) as exc:
        intake.parse_month(text)
    assert exc.value.messages == [f"“{text}”不是有效的月份，格式应如 2024-05"]


def test_booking_times_are_beijing_time_unless_an_offset_is_given():
    local = intake.parse_datetime("2024-05-31 16:20:00")
    assert timezone.is_aware(local) and timezone.localtime(local).hour == 16
    assert intake.parse_datetime("2024-05-31T08:20:00+00:00") == local
    assert timezone.localtime(intake.parse_datetime("2024-05-31")).hour == 0
    with pytest.raises(ValidationError, match="不是有效的时间"):
        intake.parse_datetime("昨天下午")


def test_credit_code_lists_split_on_any_separator():
    assert intake.split_usccs(" 91a；91B, 91c、91d ;") == ["91A", "91B", "91C", "91D"]


def test_gender_follows_the_17th_digit():
    assert intake.gender_of("11010519491231002X") == "女"
    assert intake.gender_of("450103199001010119") == "男"


# -- the rules -------------------------------------------------------------------------------------------------

def errors_of(rule, *args):
    with pytest.raises(ValidationError) as exc:
        rule(*args)
    return exc.value.message_dict


def test_project_rules(world):
    city = Region.objects.get(code="450100")
    project = Project(code="X", name="X", region=city, construction_unit=world.builder,
                      general_contractor=world.contractor, supervising_unit=world.contractor,
                      permit_valid_until=days(300), contractor_qualification_valid_until=days(300),
                      labour_cost_share=D("120"))
    assert errors_of(intake.check_project, project, [world.contractor]) == {
        "region": ["项目所在区划应为县（市、区）、乡镇或网格，请填写县级及以下的区划代码"],
        "permit_no": ["填写了施工许可证有效期，请同时填写施工许可证号"],
        "contractor_qualification_no": ["填写了资质有效期，请同时填写总包单位资质证书编号"],
        "labour_cost_share": ["约定人工费用比例不能大于100"],
        "supervising_unit": ["监理单位不能与施工总承包单位为同一单位"],
        "subcontractors": ["劳务分包单位不能包含施工总承包单位本身"],
    }
    project.region, project.supervising_unit = world.county, world.supervisor
    project.permit_no, project.contractor_qualification_no, project.labour_cost_share = "P1", "Q1", D("20")
    intake.check_project(project, [world.subcontractor])  # an expired permit is data for the warnings, not an error


def test_lean_row_rules(world):
    assert errors_of(intake.check_attendance, Attendance(work_date=days(1), hours=D("25"))) == {
        "work_date": ["考勤日期不能晚于今天"], "hours": ["工时应大于0且不超过24"]}
    month = datetime.date(2024, 2, 1)
    assert errors_of(intake.check_payroll, Payroll(month=month, days_worked=30, amount_payable=D("-1"),
                                                   amount_paid=D("100"))) == {
        "days_worked": ["出勤天数不能超过当月天数（29天）"], "amount_payable": ["应发工资不能为负数"],
        "paid_on": ["实发工资大于0时请填写发放日期"]}
    assert errors_of(intake.check_contract, Contract(start_on=days(-5), end_on=days(-6), daily_wage=D("1"))) == {
        "end_on": ["合同终止日期不能早于进场日期"]}
    assert errors_of(intake.check_contract, Contract(start_on=days(-5), status="left", daily_wage=D("1"))) == {
        "end_on": ["用工状态为已退场时请填写合同终止日期"]}
    assert errors_of(intake.check_worker, Worker(gender="M", bank_card="6228-48")) == {
        "gender": ["性别应为“男”或“女”"], "bank_card": ["工资卡号应为12至30位数字"]}


# -- business records ----------------------------------------------------------------------------------------------

def test_prepare_and_commit_save_only_what_changed(world):
    staff = make_staff("450103")
    from kernel.core.context import acting_as

    with acting_as(staff):
        project = world.project()
        same, changed = intake.prepare(Project, {"code": project.code}, {"name": project.name,
                                                                          "general_contractor": world.contractor})
        assert not changed and intake.commit(same, changed) == "unchanged"
        moved, changed = intake.prepare(Project, {"code": project.code}, {"name": "改名项目"})
        assert changed and intake.commit(moved, changed) == "updated"
        assert [c.action for c in history_for(project)] == ["update", "create"]
        new, changed = intake.prepare(Project, {"code": "NEW-1"}, {
            "name": "新项目", "region": world.county, "construction_unit": world.builder,
            "general_contractor": world.contractor})
        assert intake.commit(new, changed) == "created" and new.created_by == staff


def test_subcontractor_list_is_replaced_and_audited(world):
    project = world.project()
    assert intake.set_subcontractors(project, [world.subcontractor, world.liuzhou_unit])
    assert not intake.set_subcontractors(project, [world.liuzhou_unit, world.subcontractor])
    assert intake.set_subcontractors(project, [world.subcontractor])
    assert list(project.subcontractors.all()) == [world.subcontractor]
    change = history_for(project).filter(changed_fields=["subcontractors"]).first()
    assert change.before == {"subcontractors": sorted([world.subcontractor.pk, world.liuzhou_unit.pk])}
    assert change.after == {"subcontractors": [world.subcontractor.pk]}


def test_a_worker_is_registered_where_their_latest_active_contract_is(world):
    nanning = world.project()
    liuzhou = world.project("GX450202-001", region=world.other_city_county)
    worker = world.worker()
    world.contract(worker, nanning, start_on=days(-100))
    assert intake.follow_latest_contracts([worker.pk]) == 1  # the contract gives the worker an employer
    worker.refresh_from_db()
    assert (worker.region, worker.employer) == (world.county, world.contractor)
    world.contract(worker, liuzhou, employer=world.liuzhou_unit, start_on=days(-10))
    assert intake.follow_latest_contracts([worker.pk]) == 1
    worker.refresh_from_db()
    assert (worker.region, worker.employer) == (world.other_city_county, world.liuzhou_unit)
    assert history_for(worker).filter(action="update").exists()
    Contract.objects.filter(project=liuzhou).update(status="left", end_on=days(-1))
    intake.follow_latest_contracts([worker.pk])
    worker.refresh_from_db()
    assert worker.region == world.county


# -- lean tables ---------------------------------------------------------------------------------------------------

def test_attendance_is_replaced_by_project_day_and_worker(world):
    project, worker, other = world.project(), world.worker(1), world.worker(2)
    rows = [Attendance(project=project, worker=worker, work_date=days(-2), hours=D("8")),
            Attendance(project=project, worker=worker, work_date=days(-1), hours=D("8")),
            Attendance(project=project, worker=other, work_date=days(-1), hours=D("9.5"))]
    assert intake.write_attendance(rows, "guixinbao").as_dict() == {"created": 3, "updated": 0, "unchanged": 0}
    again = [Attendance(project=project, worker=worker, work_date=days(-2), hours=D("8.0")),
             Attendance(project=project, worker=worker, work_date=days(-1), hours=D("4")),
             Attendance(project=project, worker=other, work_date=days(-3), hours=D("8"))]
    assert intake.write_attendance(again, "guixinbao").as_dict() == {"created": 1, "updated": 1, "unchanged": 1}
    stored = {(a.worker_id, a.work_date): a.hours for a in Attendance.objects.all()}
    assert stored == {(worker.pk, days(-2)): D("8"), (worker.pk, days(-1)): D("4"),
                      (other.pk, days(-1)): D("9.5"), (other.pk, days(-3)): D("8")}
    assert set(Attendance.objects.values_list("source", flat=True)) == {"guixinbao"}


def test_payroll_lines_are_replaced_by_project_month_and_worker(world):
    project, worker = world.project(), world.worker()
    month = today().replace(day=1)
    line = dict(project=project, worker=worker, month=month, days_worked=20, amount_payable=D("6000"))
    assert intake.write_payroll([Payroll(**line, amount_paid=D("0"))]).created == 1
    counts = intake.write_payroll([Payroll(**line, amount_paid=D("6000"), paid_on=today())])
    assert counts.as_dict() == {"created": 0, "updated": 1, "unchanged": 0}
    assert intake.write_payroll([Payroll(**line, amount_paid=D("6000.00"), paid_on=today())]).unchanged == 1
    assert Payroll.objects.get().amount_paid == D("6000")


NOW = timezone.now().replace(microsecond=0)


def flow(account, serial, kind, amount, hours_ago=1, **over):
    return AccountFlow(account=account, serial_no=serial, kind=kind, amount=D(amount),
                       booked_at=NOW - datetime.timedelta(hours=hours_ago), **over)


def test_account_balance_moves_by_the_flows_and_is_not_counted_twice(world):
    account = world.account(world.project(), balance=D("1000"))
    rows = [flow(account, "S1", "appropriation", "50000", 3), flow(account, "S2", "wage", "6000", 2)]
    assert intake.write_account_flows(rows).created == 2
    account.refresh_from_db()
    assert account.balance == D("45000")
    # the same flows again: nothing changes
    rows = [flow(account, "S1", "appropriation", "50000", 3), flow(account, "S2", "wage", "6000", 2)]
    assert intake.write_account_flows(rows).as_dict() == {"created": 0, "updated": 0, "unchanged": 2}
    account.refresh_from_db()
    assert account.balance == D("45000") and AccountFlow.objects.count() == 2
    # the bank corrects S2 (6000 -> 5000): the balance moves by the difference only
    intake.write_account_flows([flow(account, "S2", "wage", "5000", 2)])
    account.refresh_from_db()
    assert account.balance == D("46000")
    assert history_for(account).filter(action="update").count() == 2


def test_the_balance_the_bank_reports_on_the_latest_flow_wins(world):
    account = world.account(world.project(), balance=D("1000"))
    intake.write_account_flows([flow(account, "S1", "appropriation", "50000", 5, balance_after=D("80000")),
                                flow(account, "S2", "wage", "6000", 1, balance_after=D("74000"))])
    account.refresh_from_db()
    assert account.balance == D("74000")
    # an older flow arriving late does not override the latest reported balance
    intake.write_account_flows([flow(account, "S0", "other_in", "10", 9, balance_after=D("30000"))])
    account.refresh_from_db()
    assert account.balance == D("74000")


def test_deposit_balance_moves_by_its_flows(world):
    deposit = world.deposit(balance=D("0"))
    rows = [DepositFlow(deposit=deposit, serial_no="B1", kind="store", amount=D("300000"),
                        booked_at=NOW - datetime.timedelta(days=30)),
            DepositFlow(deposit=deposit, serial_no="B2", kind="transfer", amount=D("50000"),
                        booked_at=NOW - datetime.timedelta(days=2))]
    assert intake.write_deposit_flows(rows).created == 2
    deposit.refresh_from_db()
    assert deposit.balance == D("250000")
    assert intake.write_deposit_flows(rows).unchanged == 2
    deposit.refresh_from_db()
    assert deposit.balance == D("250000") and DepositFlow.objects.count() == 2
    assert history_for(deposit).filter(action="update").count() == 1
