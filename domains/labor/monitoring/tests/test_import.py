"""Excel imports of the supervision database: a good file is written in one go (audited, counted), a bad
file names every bad cell by Excel row in Chinese and writes nothing; regions and projects must be in the
importer's jurisdiction; attendance, payroll and flows are replaced, never duplicated."""
import datetime
import time
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from domains.labor.monitoring import imports
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
    Worker,
)
from kernel.audit.models import ChangeLog, OperationLog
from kernel.audit.services import history_for
from kernel.core.testing import make_staff
from kernel.exports.importing import build_template, run_import
from kernel.exports.tests.helpers import xlsx_upload
from kernel.org.demo import make_uscc

from .test_intake import D, World, bad_checksum, days, id_number, today

pytestmark = pytest.mark.django_db
ALL_PERMS = [f"labor_monitoring.{p}" for p in (
    "import_project", "add_project", "change_project", "view_project", "add_worker", "change_worker",
    "add_contract", "change_contract", "add_attendance", "add_payroll", "add_wageaccount", "change_wageaccount",
    "add_accountflow", "add_wagedeposit", "change_wagedeposit", "add_depositflow", "add_guarantee",
    "change_guarantee")]


@pytest.fixture
def world():
    w = World()
    w.importer = make_staff("450103", ALL_PERMS)  # a county (青秀区) inspector
    return w


def upload(spec, rows, name="导入.xlsx"):
    """An .xlsx of the spec's template with rows given as {field: cell}."""
    headers = [("*" if c.required else "") + c.header for c in spec.columns]
    return xlsx_upload([[row.get(c.field) for c in spec.columns] for row in rows], headers=headers, name=name)


def run(spec, rows, user, **kw):
    return run_import(spec, upload(spec, rows), user, **kw)


def errors_of(result):
    return [(e.row, e.column, e.message) for e in result.errors]


def project_row(world, n=1, **over):
    row = {"code": f"GX450103-{n:03d}", "name": f"青秀区安置房{n}期", "region": "450103",
           "construction_unit": world.builder.uscc, "general_contractor": world.contractor.uscc,
           "supervising_unit": world.supervisor.uscc, "subcontractor_usccs": world.subcontractor.uscc,
           "project_type": "房屋建筑工程", "funding_source": "政府投资", "start_date": "2024-03-01",
           "contract_price": "12800.50", "labour_cost_share": "22", "status": "在建", "permit_no": "450103202403010101",
           "permit_valid_until": "2026-03-01", "project_manager": "黄工", "project_manager_phone": "13877110001"}
    row.update(over)
    return row


# -- templates -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", sorted(imports.IMPORTS))
def test_every_template_downloads_from_the_import_page(client, world, key):
    client.force_login(world.importer)
    spec = imports.IMPORTS[key][0]
    page = client.get(reverse("gov:exports_import", args=[key]))
    assert page.status_code == 200 and spec.title in page.content.decode()
    response = client.get(reverse("gov:exports_import_template", args=[key]))
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.content)).active
    assert [c.value for c in ws[1]] == [("*" if c.required else "") + c.header for c in spec.columns]


def test_the_instructions_list_the_importers_regions_only(world):
    rows = list(load_workbook(BytesIO(build_template(imports.PROJECT_IMPORT, world.importer)))["填写说明"]
                .iter_rows(values_only=True))
    codes = {r[2] for r in rows if r[2]}
    assert "450103" in codes and "450202" not in codes
    assert any("劳务分包单位可填写多个" in str(r[0]) for r in rows)


def test_import_page_needs_the_permission(client, world):
    client.force_login(make_staff("450103", ["labor_monitoring.add_project"]))
    assert client.get(reverse("gov:exports_import", args=["labor_attendance"])).status_code == 403
    assert client.get(reverse("gov:exports_import", args=["labor_projects"])).status_code == 403


# -- projects ------------------------------------------------------------------------------------------------------

def test_good_project_file_is_imported_with_units_and_subcontractors(world):
    creates = ChangeLog.objects.filter(action="create", content_type__model="project")
    rows = [project_row(world, 1, subcontractor_usccs=f"{world.subcontractor.uscc}；{world.liuzhou_unit.uscc}"),
            project_row(world, 2, supervising_unit=None, subcontractor_usccs=None, project_type=None, status="未开工")]
    result = run(imports.PROJECT_IMPORT, rows, world.importer)
    assert result.ok, errors_of(result)
    assert (result.created, result.updated) == (2, 0)
    first, second = Project.objects.get(code="GX450103-001"), Project.objects.get(code="GX450103-002")
    assert (first.region, first.construction_unit, first.general_contractor, first.supervising_unit) == (
        world.county, world.builder, world.contractor, world.supervisor)
    assert set(first.subcontractors.all()) == {world.subcontractor, world.liuzhou_unit}
    assert (first.contract_price, first.labour_cost_share, first.funding_source) == (D("12800.50"), D("22"), "government")
    assert first.permit_valid_until == datetime.date(2026, 3, 1) and first.project_manager_phone == "13877110001"
    assert (second.project_type, second.status, second.supervising_unit) == ("housing", "preparing", None)
    assert not second.subcontractors.exists()
    assert creates.count() == 2 and set(creates.values_list("actor", flat=True)) == {world.importer.pk}
    op = OperationLog.objects.get(action="import")
    assert op.success and op.detail["title"] == "工程建设项目" and op.detail["created"] == 2


def test_bad_project_file_names_every_bad_cell_and_writes_nothing(world):
    unknown = make_uscc("91", "450103", 999_001)
    rows = [project_row(world, 1, construction_unit=unknown),
            project_row(world, 2, region="450202"),
            project_row(world, 3, contract_price="-5"),
            project_row(world, 4, permit_valid_until="2026-02-30"),
            project_row(world, 5, subcontractor_usccs=f"{world.subcontractor.uscc};{bad_checksum(unknown)}"),
            project_row(world, 6, supervising_unit=world.contractor.uscc, permit_no=None),
            project_row(world, 7)]
    changes = ChangeLog.objects.count()
    result = run(imports.PROJECT_IMPORT, rows, world.importer)
    assert errors_of(result) == [
        (2, "建设单位统一社会信用代码", f"“{unknown}”不存在，请填写正确的建设单位统一社会信用代码"),
        (3, "项目所在区划代码", "“450202”不在您的管辖范围内"),
        (4, "中标合同价（万元）", "不能小于0"),
        (5, "施工许可证有效期至", "“2026-02-30”不是有效的日期，格式应如 2024-01-31"),
        (6, "劳务分包单位统一社会信用代码", f"“{bad_checksum(unknown)}”统一社会信用代码校验位错误"),
        (7, "监理单位统一社会信用代码", "监理单位不能与施工总承包单位为同一单位"),
        (7, "施工许可证号", "填写了施工许可证有效期，请同时填写施工许可证号"),
    ]
    assert result.summary() == "导入未执行：发现7处错误，文件中的数据均未导入，请修改后重新上传"
    assert not Project.objects.exists() and ChangeLog.objects.count() == changes
    assert not OperationLog.objects.get(action="import").success


def test_a_county_importer_cannot_import_a_project_into_another_city(world):
    result = run(imports.PROJECT_IMPORT, [project_row(world, 1, region="450202")], world.importer)
    assert errors_of(result) == [(2, "项目所在区划代码", "“450202”不在您的管辖范围内")]
    # nor into the city above the county
    result = run(imports.PROJECT_IMPORT, [project_row(world, 1, region="450100")], world.importer)
    assert errors_of(result) == [(2, "项目所在区划代码", "“450100”不在您的管辖范围内")]
    assert not Project.objects.exists()
    # a city importer may file under its counties, not under the city itself
    city = make_staff("450100", ALL_PERMS)
    result = run(imports.PROJECT_IMPORT, [project_row(world, 1, region="450100")], city)
    assert errors_of(result) == [(2, "项目所在区划代码", "项目所在区划应为县（市、区）、乡镇或网格，请填写县级及以下的区划代码")]
    assert run(imports.PROJECT_IMPORT, [project_row(world, 1, region="450102")], city).ok


def test_projects_are_updated_by_code_in_update_mode_only(world):
    assert run(imports.PROJECT_IMPORT, [project_row(world, 1)], world.importer).ok
    again = [project_row(world, 1, name="青秀区安置房一期（调整）", subcontractor_usccs=None, start_date=None)]
    result = run(imports.PROJECT_IMPORT, again, world.importer)
    assert errors_of(result) == [(2, "项目编码", "“GX450103-001”已存在；如需更新已有记录，请勾选“更新已存在的记录”后导入")]
    result = run(imports.PROJECT_IMPORT, again, world.importer, update=True)
    assert result.ok and (result.created, result.updated) == (0, 1)
    project = Project.objects.get()
    assert project.name == "青秀区安置房一期（调整）" and project.start_date == datetime.date(2024, 3, 1)
    assert list(project.subcontractors.all()) == [world.subcontractor]  # an empty cell keeps the list
    # a project of another city cannot be updated from here
    liuzhou = world.project("GX450202-001", region=world.other_city_county)
    result = run(imports.PROJECT_IMPORT, [project_row(world, 9, code=liuzhou.code)], world.importer, update=True)
    assert "不在您可以更新的范围内" in errors_of(result)[0][2]


# -- workers and contracts ------------------------------------------------------------------------------------------

def worker_row(n, **over):
    row = {"name": f"韦{n}", "id_number": id_number(n), "phone": "13877112233", "bank_card": "6228480000000000001",
           "bank_name": "中国农业银行南宁分行", "region": "450103", "registered_on": "2024-03-05"}
    row.update(over)
    return row


def test_workers_good_and_bad(world):
    bad = bad_checksum(id_number(3))
    rows = [worker_row(1), worker_row(2, id_number=id_number(1)), worker_row(3, id_number=bad),
            worker_row(4, bank_card="6228-48", gender="未知"), worker_row(5, employer="91450103MA00000000")]
    result = run(imports.WORKER_IMPORT, rows, world.importer)
    assert errors_of(result) == [
        (3, "身份证号码", f"“{id_number(1)}”与第2行重复"),
        (4, "身份证号码", "身份证号码校验位错误"),
        (5, "性别", "“未知”不是有效的选项，可选：男、女"),
        (5, "工资卡号", "工资卡号应为12至30位数字"),
        (6, "用工单位统一社会信用代码", "“91450103MA00000000”不存在，请填写正确的用工单位统一社会信用代码"),
    ]
    assert not Worker.objects.exists()
    result = run(imports.WORKER_IMPORT, [worker_row(1), worker_row(2, gender="女", employer=world.contractor.uscc)],
                 world.importer)
    assert result.ok and result.created == 2
    first, second = Worker.objects.get(id_number=id_number(1)), Worker.objects.get(id_number=id_number(2))
    assert first.gender == "男" and first.region == world.county  # from the ID number
    assert (second.gender, second.employer) == ("女", world.contractor)
    # upsert by ID number (update mode): the name is corrected, nothing duplicated
    result = run(imports.WORKER_IMPORT, [worker_row(1, name="韦一一"), worker_row(3)], world.importer, update=True)
    assert result.ok and (result.created, result.updated) == (1, 1)
    assert Worker.objects.get(id_number=id_number(1)).name == "韦一一" and Worker.objects.count() == 3


def contract_row(world, person, project, **over):
    row = {"worker": person.id_number, "project": project.code, "employer": world.subcontractor.uscc,
           "team": "钢筋班", "job_type": "钢筋工", "start_on": str(days(-30)), "daily_wage": "320"}
    row.update(over)
    return row


def test_contracts_are_upserted_by_worker_and_project_and_move_the_worker(world):
    project = world.project()
    worker = world.worker(1, region=world.other_city_county)  # last worked in Liuzhou
    result = run(imports.CONTRACT_IMPORT, [contract_row(world, worker, project)], world.importer)
    assert result.ok, errors_of(result)
    contract = Contract.objects.get()
    assert (contract.employer, contract.daily_wage, contract.status) == (world.subcontractor, D("320"), "active")
    worker.refresh_from_db()
    assert (worker.region, worker.employer) == (world.county, world.subcontractor)
    # the same worker on the same project again: the contract is updated, not duplicated
    left = contract_row(world, worker, project, status="已退场", end_on=str(days(-1)), team=None)
    assert run(imports.CONTRACT_IMPORT, [left], world.importer).ok
    contract.refresh_from_db()
    assert Contract.objects.count() == 1 and (contract.status, contract.team) == ("left", "钢筋班")
    assert history_for(contract).filter(action="update").exists()
    # without the change permission an existing contract is refused
    adder = make_staff("450103", ["labor_monitoring.add_contract"])
    result = run(imports.CONTRACT_IMPORT, [contract_row(world, worker, project)], adder)
    assert errors_of(result) == [(2, "整行", "该农民工在该项目已有劳动合同，您没有更新劳动合同的权限")]


def test_contract_errors(world):
    project = world.project()
    liuzhou = world.project("GX450202-001", region=world.other_city_county)
    worker = world.worker(1)
    rows = [contract_row(world, worker, liuzhou),
            contract_row(world, worker, project, worker=id_number(77)),
            contract_row(world, worker, project, end_on=str(days(-40))),
            contract_row(world, worker, project, daily_wage="-1")]
    result = run(imports.CONTRACT_IMPORT, rows, world.importer)
    assert errors_of(result) == [
        (2, "项目编码", "“GX450202-001”不在您的管辖范围内"),
        (3, "身份证号码", f"“{id_number(77)}”不存在，请填写正确的身份证号码"),
        (4, "合同终止日期", "合同终止日期不能早于进场日期"),
        (5, "约定日工资（元）", "不能小于0"),
    ]
    assert not Contract.objects.exists()


# -- attendance and payroll -------------------------------------------------------------------------------------------

def test_attendance_import_replaces_rather_than_duplicates(world):
    project = world.project()
    a, b = world.worker(1), world.worker(2)
    rows = [{"project": project.code, "worker": a.id_number, "work_date": str(days(-2)), "hours": "8"},
            {"project": project.code, "worker": a.id_number, "work_date": str(days(-1))},
            {"project": project.code, "worker": b.id_number, "work_date": str(days(-1)), "hours": "10.5"}]
    result = run(imports.ATTENDANCE_IMPORT, rows, world.importer)
    assert result.ok and result.created == 3, errors_of(result)
    assert Attendance.objects.get(worker=a, work_date=days(-1)).hours == D("8")  # an empty 工时 is 8 hours
    rows[1]["hours"] = "4"
    assert run(imports.ATTENDANCE_IMPORT, rows, world.importer).ok
    assert Attendance.objects.count() == 3
    assert Attendance.objects.get(worker=a, work_date=days(-1)).hours == D("4")
    assert set(Attendance.objects.values_list("source", flat=True)) == {"import"}
    assert OperationLog.objects.filter(action="import", success=True).count() == 2


def test_bad_attendance_rows_write_nothing(world):
    project, worker = world.project(), world.worker(1)
    liuzhou = world.project("GX450202-001", region=world.other_city_county)
    rows = [{"project": project.code, "worker": worker.id_number, "work_date": str(days(-1))},
            {"project": project.code, "worker": worker.id_number, "work_date": str(days(1))},
            {"project": project.code, "worker": id_number(55), "work_date": str(days(-1))},
            {"project": liuzhou.code, "worker": worker.id_number, "work_date": str(days(-1))},
            {"project": project.code, "worker": worker.id_number, "work_date": "昨天", "hours": "25"}]
    result = run(imports.ATTENDANCE_IMPORT, rows, world.importer)
    assert errors_of(result) == [
        (3, "考勤日期", "考勤日期不能晚于今天"),
        (4, "身份证号码", f"“{id_number(55)}”不存在，请填写正确的身份证号码"),
        (5, "项目编码", "“GX450202-001”不在您的管辖范围内"),
        (6, "考勤日期", "“昨天”不是有效的日期，格式应如 2024-01-31"),
        (6, "工时", "不能大于24"),
    ]
    assert not Attendance.objects.exists()


def test_attendance_rows_are_written_in_batches(world, django_assert_max_num_queries):
    """2,050 rows: written 1000 at a time (and the last 50 after the last row), not row by row."""
    project = world.project()
    people = [world.worker(n) for n in range(1, 51)]
    rows = [{"project": project.code, "worker": w.id_number, "work_date": str(days(-d))}
            for d in range(1, 42) for w in people]
    file = upload(imports.ATTENDANCE_IMPORT, rows)
    started = time.monotonic()
    with django_assert_max_num_queries(150):
        result = run_import(imports.ATTENDANCE_IMPORT, file, world.importer)
    assert result.ok and result.created == 2050 and Attendance.objects.count() == 2050
    assert time.monotonic() - started < 60


def test_a_failing_batch_rolls_the_whole_file_back(world, monkeypatch):
    from django.db import IntegrityError

    project = world.project()
    people = [world.worker(n) for n in range(1, 51)]
    rows = [{"project": project.code, "worker": w.id_number, "work_date": str(days(-d))}
            for d in range(1, 42) for w in people]
    write = imports.intake.write_attendance
    calls = []

    def second_batch_fails(batch, source):
        calls.append(len(batch))
        if len(calls) == 2:
            raise IntegrityError("simulated")
        return write(batch, source)

    monkeypatch.setattr(imports.intake, "write_attendance", second_batch_fails)
    result = run(imports.ATTENDANCE_IMPORT, rows, world.importer)
    assert errors_of(result) == [(2001, "整行", "保存失败：与系统中已有数据冲突（可能刚被他人录入），请重新导入")]
    assert calls == [1000, 1000] and not Attendance.objects.exists()
    # the next file does not carry rows of the aborted one
    monkeypatch.setattr(imports.intake, "write_attendance", write)
    assert run(imports.ATTENDANCE_IMPORT, rows[:3], world.importer).ok
    assert Attendance.objects.count() == 3


def test_payroll_import(world):
    project, worker, other = world.project(), world.worker(1), world.worker(2)
    month = today().replace(day=1) - datetime.timedelta(days=1)
    label = f"{month:%Y-%m}"
    rows = [{"project": project.code, "month": label, "worker": worker.id_number, "days_worked": 22,
             "amount_payable": "6600", "amount_paid": "6600", "paid_on": str(today())},
            {"project": project.code, "month": label, "worker": other.id_number, "amount_payable": "3000"}]
    result = run(imports.PAYROLL_IMPORT, rows, world.importer)
    assert result.ok, errors_of(result)
    line = Payroll.objects.get(worker=worker)
    assert (line.month, line.amount_paid, line.days_worked) == (month.replace(day=1), D("6600"), 22)
    assert Payroll.objects.get(worker=other).amount_paid == D("0")
    rows[1].update(amount_paid="3000", paid_on=str(today()))
    assert run(imports.PAYROLL_IMPORT, rows, world.importer).ok
    assert Payroll.objects.count() == 2 and Payroll.objects.get(worker=other).amount_paid == D("3000")
    bad = [{"project": project.code, "month": "2024-13", "worker": worker.id_number, "amount_payable": "-1"},
           {"project": project.code, "month": label, "worker": worker.id_number, "amount_payable": "1",
            "amount_paid": "100"}]
    result = run(imports.PAYROLL_IMPORT, bad, world.importer)
    assert errors_of(result) == [(2, "工资月份", "“2024-13”不是有效的月份，格式应如 2024-05"),
                                 (2, "应发工资（元）", "不能小于0"),
                                 (3, "发放日期", "实发工资大于0时请填写发放日期")]
    assert Payroll.objects.get(worker=worker).amount_payable == D("6600")


# -- accounts, deposits, guarantees -------------------------------------------------------------------------------

def test_accounts_and_their_flows_with_balances(world):
    project = world.project()
    worker = world.worker(1)
    account = {"account_no": "45001604051050000001", "account_name": "广西某建工集团有限公司农民工工资专用账户",
               "bank": "中国建设银行南宁民族支行", "project": project.code, "opener": world.contractor.uscc,
               "opened_on": "2024-03-01", "balance": "1000"}
    result = run(imports.ACCOUNT_IMPORT, [account], world.importer)
    assert result.ok, errors_of(result)
    flows = [{"account": account["account_no"], "serial_no": "S1", "booked_at": "2024-05-01 09:00:00",
              "kind": "人工费用拨付", "amount": "50000", "counterparty": "青秀城投"},
             {"account": account["account_no"], "serial_no": "S2", "booked_at": "2024-05-31 16:20", "kind": "工资代发",
              "amount": "6600", "worker": worker.id_number, "wage_month": "2024-05"}]
    result = run(imports.ACCOUNT_FLOW_IMPORT, flows, world.importer)
    assert result.ok, errors_of(result)
    stored = WageAccount.objects.get()
    assert stored.balance == D("44400")
    wage = AccountFlow.objects.get(serial_no="S2")
    assert (wage.worker, wage.wage_month, wage.kind) == (worker, datetime.date(2024, 5, 1), "wage")
    assert run(imports.ACCOUNT_FLOW_IMPORT, flows, world.importer).ok  # the same file again
    stored.refresh_from_db()
    assert stored.balance == D("44400") and AccountFlow.objects.count() == 2
    bad = [{**flows[0], "booked_at": "5月1日"}, {**flows[1], "amount": "0", "wage_month": "五月"},
           {**flows[1], "account": "NOPE"}]
    result = run(imports.ACCOUNT_FLOW_IMPORT, bad, world.importer)
    assert errors_of(result) == [(2, "交易时间", "“5月1日”不是有效的时间，格式应如 2024-05-31 16:20:00"),
                                 (3, "金额（元）", "不能小于0.01"),
                                 (3, "工资所属月份", "“五月”不是有效的月份，格式应如 2024-05"),
                                 (4, "专用账户账号", "“NOPE”不存在，请填写正确的专用账户账号")]


def test_deposits_and_their_flows(world):
    deposit = {"account_no": "45001604051059000001", "enterprise": world.contractor.uscc, "region": "450103",
               "required_amount": "300000", "form": "现金存储", "due_on": "2024-04-30"}
    assert run(imports.DEPOSIT_IMPORT, [deposit], world.importer).ok
    flows = [{"deposit": deposit["account_no"], "serial_no": "B1", "booked_at": "2024-04-01 10:00:00", "kind": "存储",
              "amount": "300000"},
             {"deposit": deposit["account_no"], "serial_no": "B2", "booked_at": "2024-06-01 10:00:00", "kind": "划拨",
              "amount": "50000", "note": "划拨支付欠薪"}]
    assert run(imports.DEPOSIT_FLOW_IMPORT, flows, world.importer).ok
    assert run(imports.DEPOSIT_FLOW_IMPORT, flows, world.importer).ok
    assert WageDeposit.objects.get().balance == D("250000") and DepositFlow.objects.count() == 2
    other_city = {**deposit, "account_no": "X2", "region": "450202", "required_amount": "-1"}
    result = run(imports.DEPOSIT_IMPORT, [other_city], world.importer)
    assert errors_of(result) == [(2, "存储地区划代码", "“450202”不在您的管辖范围内"), (2, "应存金额（元）", "不能小于0")]


def test_guarantees(world):
    row = {"guarantee_no": "BH4501002024000001", "kind": "保险保函", "enterprise": world.contractor.uscc,
           "region": "450103", "issuer": "中国人民财产保险股份有限公司南宁市分公司", "amount": "300000",
           "valid_from": "2024-03-01", "valid_until": "2025-02-28", "contact_phone": "13877113344"}
    assert run(imports.GUARANTEE_IMPORT, [row], world.importer).ok
    guarantee = Guarantee.objects.get()
    assert (guarantee.kind, guarantee.amount, guarantee.created_by) == ("insurance", D("300000"), world.importer)
    bad = {**row, "guarantee_no": "BH2", "valid_until": "2024-02-01", "amount": "0"}
    result = run(imports.GUARANTEE_IMPORT, [bad], world.importer)
    assert errors_of(result) == [(2, "担保金额（元）", "不能小于0.01"), (2, "到期日期", "到期日期应晚于生效日期")]
    assert Guarantee.objects.count() == 1


def test_the_import_page_runs_the_import(client, world):
    project, worker = world.project(), world.worker(1)
    client.force_login(world.importer)
    rows = [{"project": project.code, "worker": worker.id_number, "work_date": str(days(-1))}]
    url = reverse("gov:exports_import", args=["labor_attendance"])
    response = client.post(url, {"file": upload(imports.ATTENDANCE_IMPORT, rows)})
    assert response.status_code == 200 and "导入成功" in response.content.decode()
    assert Attendance.objects.count() == 1
    rows[0]["work_date"] = str(days(3))
    response = client.post(url, {"file": upload(imports.ATTENDANCE_IMPORT, rows)})
    assert response.status_code == 400 and "考勤日期不能晚于今天" in response.content.decode()
