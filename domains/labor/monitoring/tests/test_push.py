"""The signed pushes of 桂薪宝, banks and insurers: a good message is stored (audited as the client's service
user, logged as an InboundMessage), the same content again changes nothing, a bad message is refused with
HTTP 400 and field errors keyed by JSON position and stores nothing, unsigned or wrongly signed requests
are refused, a client without the role gets 403, a region-scoped client cannot push outside its region."""
import datetime

import pytest

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
from domains.labor.monitoring.push import BANK_ENDPOINT, GUIXINBAO_ENDPOINT, INSURER_ENDPOINT
from kernel.accounts.models import Role
from kernel.audit.models import ChangeLog, OperationLog
from kernel.audit.services import history_for
from kernel.core.testing import make_agency, make_enterprise, make_role
from kernel.interfaces import services as interfaces
from kernel.interfaces.models import InboundMessage
from kernel.interfaces.tests.helpers import call
from kernel.org.demo import make_uscc

from .test_intake import D, World, bad_checksum, days, id_number, today

pytestmark = pytest.mark.django_db
UNKNOWN = make_uscc("91", "450103", 999_001)  # well-formed, not registered


def url(endpoint):
    return f"/api/inbound/{endpoint}/"


@pytest.fixture
def world():
    w = World()
    pusher = Role.objects.get(code="labor_data_pusher")
    hrss = make_agency("450000", agency_type="hrss")
    w.gxb, w.gxb_secret = interfaces.create_client(name="桂薪宝", organisation=hrss, roles=[pusher])
    w.bank_org = make_enterprise("450100", "中国建设银行股份有限公司广西壮族自治区分行")
    w.bank, w.bank_secret = interfaces.create_client(name="建行监管账户系统", organisation=w.bank_org, roles=[pusher])
    w.insurer_org = make_enterprise("450100", "中国人民财产保险股份有限公司南宁市分公司")
    w.insurer, w.insurer_secret = interfaces.create_client(name="人保财险保函系统", organisation=w.insurer_org,
                                                           roles=[pusher])
    return w


def push(client, api, secret, endpoint, body, message_id, **kw):
    return call(client, api, secret, "POST", url(endpoint), body=body, headers={"X-ZW-Message-Id": message_id}, **kw)


def d(n):
    return str(days(n))


LAST_MONTH = (today().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def gxb_payload(world, **over):
    a, b = id_number(1), id_number(2)
    body = {
        "project": {
            "code": "GXB-450103-0001", "name": "青秀区安置房项目", "region_code": "450103",
            "address": "南宁市青秀区民族大道1号", "construction_unit_uscc": world.builder.uscc,
            "general_contractor_uscc": world.contractor.uscc, "supervising_unit_uscc": world.supervisor.uscc,
            "subcontractor_usccs": [world.subcontractor.uscc], "project_type": "housing",
            "funding_source": "government", "start_date": "2024-03-01", "contract_price": "12800.50",
            "status": "building", "permit_no": "450103202403010101", "permit_valid_until": d(300),
            "project_manager": "黄工", "wage_officer": "李劳资", "wage_officer_phone": "13877110002"},
        "workers": [{"id_number": a, "name": "韦一", "phone": "13877112233", "bank_card": "6228480000000000001",
                     "bank_name": "中国农业银行南宁分行", "registered_on": d(-40)},
                    {"id_number": b, "name": "黄二"}],
        "contracts": [{"id_number": a, "employer_uscc": world.subcontractor.uscc, "start_on": d(-30),
                       "daily_wage": "320", "team": "钢筋班", "job_type": "钢筋工"},
                      {"id_number": b, "employer_uscc": world.contractor.uscc, "start_on": d(-20), "daily_wage": 280}],
        "attendance": [{"id_number": a, "work_date": d(-2), "hours": 8}, {"id_number": a, "work_date": d(-1)},
                       {"id_number": b, "work_date": d(-1), "hours": "9.5"}],
        "payroll": [{"id_number": a, "month": f"{LAST_MONTH:%Y-%m}", "days_worked": 20, "amount_payable": "6400",
                     "amount_paid": "6400", "paid_on": d(-5)},
                    {"id_number": b, "month": f"{LAST_MONTH:%Y-%m}", "amount_payable": 5600}],
    }
    body.update(over)
    return body


def gxb(client, world, body, message_id, **kw):
    return push(client, world.gxb, world.gxb_secret, GUIXINBAO_ENDPOINT, body, message_id, **kw)


def stored_counts():
    return tuple(m.objects.count() if m is not Project else Project.all_objects.count()
                 for m in (Project, Worker, Contract, Attendance, Payroll, WageAccount, AccountFlow, DepositFlow,
                           Guarantee)) + (ChangeLog.objects.count(),)


# -- 桂薪宝 ------------------------------------------------------------------------------------------------------

def test_guixinbao_batch_is_stored(client, world):
    response = gxb(client, world, gxb_payload(world), "gxb-0001")
    assert response.status_code == 200, response.json()
    project = Project.objects.get(code="GXB-450103-0001")
    assert response.json()["result"] == {
        "project": {"code": project.code, "id": project.pk, "action": "created"},
        "workers": {"created": 2, "updated": 0, "unchanged": 0},
        "contracts": {"created": 2, "updated": 0, "unchanged": 0},
        "attendance": {"created": 3, "updated": 0, "unchanged": 0},
        "payroll": {"created": 2, "updated": 0, "unchanged": 0}}
    assert (project.region, project.construction_unit, project.general_contractor, project.contract_price) == (
        world.county, world.builder, world.contractor, D("12800.50"))
    assert list(project.subcontractors.all()) == [world.subcontractor]
    first = Worker.objects.get(id_number=id_number(1))
    assert (first.name, first.gender, first.region, first.employer) == ("韦一", "男", world.county, world.subcontractor)
    assert Contract.objects.get(worker=first).daily_wage == D("320")
    assert Attendance.objects.get(worker=first, work_date=days(-1)).hours == D("8")
    assert set(Attendance.objects.values_list("source", flat=True)) == {"guixinbao"}
    line = Payroll.objects.get(worker=first)
    assert (line.month, line.amount_paid, line.paid_on) == (LAST_MONTH, D("6400"), days(-5))
    assert Payroll.objects.get(worker__id_number=id_number(2)).amount_paid == D("0")
    # audited as the client's service user; the message is kept
    assert history_for(project).filter(action="create", actor=world.gxb.user).exists()
    assert history_for(first).filter(action="create", actor=world.gxb.user).exists()
    message = InboundMessage.objects.get(message_id="gxb-0001")
    assert (message.endpoint, message.status, message.client) == (GUIXINBAO_ENDPOINT, "processed", world.gxb)


def test_guixinbao_same_content_again_changes_nothing(client, world):
    body = gxb_payload(world)
    assert gxb(client, world, body, "gxb-v1").status_code == 200
    before = stored_counts()
    again = gxb(client, world, body, "gxb-v2")  # resent under a new message id
    assert again.status_code == 200
    result = again.json()["result"]
    assert result["project"]["action"] == "unchanged"
    assert all(result[k] == {"created": 0, "updated": 0, "unchanged": n}
               for k, n in (("workers", 2), ("contracts", 2), ("attendance", 3), ("payroll", 2)))
    assert stored_counts() == before
    # the very same message: the first outcome, nothing applied
    duplicate = gxb(client, world, body, "gxb-v1")
    assert duplicate.status_code == 200 and duplicate["X-ZW-Duplicate"] == "1"
    assert stored_counts() == before and InboundMessage.objects.count() == 2


def test_guixinbao_updates_what_changed(client, world):
    gxb(client, world, gxb_payload(world), "gxb-v1")
    body = gxb_payload(world)
    body["project"] = {"code": "GXB-450103-0001", "status": "suspended"}  # a known project: only what is sent
    body["workers"][0]["phone"] = "13977110000"
    body["contracts"][1].update(status="left", end_on=d(-1))
    body["attendance"][1]["hours"] = "4"
    body["payroll"][1].update(amount_paid="5600", paid_on=d(-1))
    result = gxb(client, world, body, "gxb-v2").json()["result"]
    assert result["project"]["action"] == "updated"
    assert result["workers"] == {"created": 0, "updated": 1, "unchanged": 1}
    assert result["contracts"] == {"created": 0, "updated": 1, "unchanged": 1}
    assert result["attendance"] == {"created": 0, "updated": 1, "unchanged": 2}
    assert result["payroll"] == {"created": 0, "updated": 1, "unchanged": 1}
    project = Project.objects.get()
    assert project.status == "suspended" and project.name == "青秀区安置房项目"
    assert list(project.subcontractors.all()) == [world.subcontractor]
    assert Worker.objects.get(id_number=id_number(1)).phone == "13977110000"
    assert Attendance.objects.get(worker__id_number=id_number(1), work_date=days(-1)).hours == D("4")
    assert Attendance.objects.count() == 3 and Payroll.objects.count() == 2


def test_guixinbao_attendance_only_for_known_workers(client, world):
    gxb(client, world, gxb_payload(world), "gxb-v1")
    body = {"project": {"code": "GXB-450103-0001"},
            "attendance": [{"id_number": id_number(1), "work_date": d(0)}]}
    response = gxb(client, world, body, "gxb-daily")
    assert response.status_code == 200 and response.json()["result"]["attendance"]["created"] == 1


def test_guixinbao_bad_batch_is_refused_with_field_errors_and_stores_nothing(client, world):
    body = gxb_payload(world)
    body["workers"][1]["id_number"] = bad_checksum(id_number(2))
    body["contracts"][0]["employer_uscc"] = UNKNOWN
    body["contracts"][1]["daily_wage"] = "-1"
    body["attendance"].append({"id_number": id_number(1), "work_date": d(-1)})
    body["attendance"].append({"id_number": id_number(1), "work_date": d(2)})
    body["attendance"].append({"id_number": id_number(9), "work_date": d(-1)})
    body["payroll"][0].update(amount_payable="-5", month="2024-13")
    body["payroll"][1]["paid_on"] = "2024/02/30"
    before = stored_counts()
    response = gxb(client, world, body, "gxb-bad")
    assert response.status_code == 400
    data = response.json()
    assert data["status"] == "rejected" and data["detail"] == "报文数据校验未通过"
    assert data["errors"] == {
        "workers.1.id_number": ["身份证号码校验位错误"],
        "contracts.1.daily_wage": ["约定日工资（元）不能小于0"],
        "payroll.0.month": ["“2024-13”不是有效的月份，格式应如 2024-05"],
        "payroll.0.amount_payable": ["应发工资（元）不能小于0"],
        "payroll.1.paid_on": ["发放日期格式错误，应如 2024-05-31"],
    }
    assert stored_counts() == before
    # the items are well-formed now: the cross-checks speak
    body = gxb_payload(world)
    body["contracts"][0]["employer_uscc"] = UNKNOWN
    body["attendance"] += [{"id_number": id_number(1), "work_date": d(-1)},
                           {"id_number": id_number(1), "work_date": d(2)},
                           {"id_number": id_number(9), "work_date": d(-1)}]
    body["project"]["supervising_unit_uscc"] = world.contractor.uscc
    response = gxb(client, world, body, "gxb-bad-2")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "project.supervising_unit_uscc": ["监理单位不能与施工总承包单位为同一单位"],
    }
    body["project"]["supervising_unit_uscc"] = world.supervisor.uscc
    response = gxb(client, world, body, "gxb-bad-3")
    assert response.json()["errors"] == {
        "contracts.0.employer_uscc": [f"统一社会信用代码“{UNKNOWN}”的单位未在系统中登记"],
        "attendance.3.work_date": ["与 attendance.1 重复（同一农民工同一天只能有一条考勤）"],
        "attendance.4.work_date": ["考勤日期不能晚于今天"],
        "attendance.5.id_number": [f"身份证号码“{id_number(9)}”的农民工未实名登记，请在 workers 中一并推送"],
    }
    assert stored_counts() == before
    assert InboundMessage.objects.filter(status="rejected").count() == 3


def test_a_new_project_needs_its_units_and_region(client, world):
    body = {"project": {"code": "NEW-1", "name": "新项目"}}
    response = gxb(client, world, body, "gxb-new")
    assert response.status_code == 400 and response.json()["errors"] == {
        "project.region_code": ["新项目请填写项目所在区划代码"],
        "project.construction_unit_uscc": ["新项目请填写建设单位"],
        "project.general_contractor_uscc": ["新项目请填写施工总承包单位"]}
    assert not Project.all_objects.exists()


def test_a_county_client_cannot_push_a_project_into_another_city(client, world):
    perms = ["labor_monitoring.add_project", "labor_monitoring.change_project", "labor_monitoring.add_worker",
             "labor_monitoring.change_worker", "labor_monitoring.add_contract", "labor_monitoring.add_attendance",
             "labor_monitoring.add_payroll"]
    county, secret = interfaces.create_client(name="青秀区实名制平台", organisation=make_agency("450103", "hrss"),
                                              roles=[make_role(perms)])
    body = gxb_payload(world)
    body["project"]["region_code"] = "450202"
    response = push(client, county, secret, GUIXINBAO_ENDPOINT, body, "county-1")
    assert response.status_code == 400
    assert response.json()["errors"] == {"project.region_code": ["区划代码“450202”不存在或不在您的管辖范围内"]}
    liuzhou = world.project("GX450202-009", region=world.other_city_county)
    body = gxb_payload(world)
    body["project"] = {"code": liuzhou.code, "name": "改名"}
    response = push(client, county, secret, GUIXINBAO_ENDPOINT, body, "county-2")
    assert response.json()["errors"] == {"project.code": ["项目编码“GX450202-009”已被您管辖范围外的记录使用"]}
    assert Project.objects.get(pk=liuzhou.pk).name == "青秀区安置房项目"
    assert push(client, county, secret, GUIXINBAO_ENDPOINT, gxb_payload(world), "county-3").status_code == 200


def test_unsigned_and_wrongly_signed_requests_are_refused(client, world):
    body = gxb_payload(world)
    response = client.post(url(GUIXINBAO_ENDPOINT), data=body, content_type="application/json",
                           headers={"X-ZW-Message-Id": "nosig"})
    assert response.status_code == 401 and response.json()["detail"] == "缺少签名请求头：X-ZW-Key"
    response = gxb(client, world, body, "badsig", sign_body=b"{}")
    assert response.status_code == 401 and response.json()["detail"] == "签名错误"
    response = call(client, world.gxb, "wrong-secret", "POST", url(GUIXINBAO_ENDPOINT), body=body,
                    headers={"X-ZW-Message-Id": "badkey"})
    assert response.status_code == 401
    assert not InboundMessage.objects.exists() and not Project.all_objects.exists()
    assert OperationLog.objects.filter(action="api_auth_failed").count() == 3


def test_a_client_without_the_role_is_refused(client, world):
    other, secret = interfaces.create_client(name="别的系统", organisation=make_agency("450000", "hrss"),
                                             roles=[make_role(["labor_monitoring.add_project"])])
    response = push(client, other, secret, GUIXINBAO_ENDPOINT, gxb_payload(world), "norole")
    assert response.status_code == 403 and response.json()["detail"] == "接入账号没有调用该接口的权限"
    assert not Project.all_objects.exists()
    assert InboundMessage.objects.get().status == "failed"


# -- banks --------------------------------------------------------------------------------------------------------

def bank_payload(world, project, **over):
    body = {
        "accounts": [{"account_no": "45001604051050000001", "project_code": project.code,
                      "account_name": "广西某建工集团有限公司农民工工资专用账户", "bank": "中国建设银行南宁民族支行",
                      "opener_uscc": world.contractor.uscc, "opened_on": d(-90)}],
        "account_flows": [
            {"account_no": "45001604051050000001", "serial_no": "JH001", "booked_at": f"{d(-30)}T09:00:00+08:00",
             "kind": "appropriation", "amount": "500000.00", "counterparty": world.builder.name},
            {"account_no": "45001604051050000001", "serial_no": "JH002", "booked_at": f"{d(-5)}T16:20:00+08:00",
             "kind": "wage", "amount": "6400", "counterparty": "韦一", "worker_id_number": id_number(1),
             "wage_month": f"{LAST_MONTH:%Y-%m}"}],
        "deposit_flows": [
            {"deposit_account_no": "45001604051059000001", "serial_no": "BZ001", "booked_at": f"{d(-60)}T10:00:00",
             "kind": "store", "amount": "300000"},
            {"deposit_account_no": "45001604051059000001", "serial_no": "BZ002", "booked_at": f"{d(-3)}T10:00:00",
             "kind": "transfer", "amount": "50000", "note": "划拨支付欠薪"}],
    }
    body.update(over)
    return body


def bank(client, world, body, message_id):
    return push(client, world.bank, world.bank_secret, BANK_ENDPOINT, body, message_id)


def test_bank_flows_are_stored_and_balances_settled(client, world):
    project = world.project()
    world.worker(1)
    deposit = world.deposit()
    response = bank(client, world, bank_payload(world, project), "bank-1")
    assert response.status_code == 200, response.json()
    assert response.json()["result"] == {"accounts": {"created": 1, "updated": 0, "unchanged": 0},
                                         "account_flows": {"created": 2, "updated": 0, "unchanged": 0},
                                         "deposit_flows": {"created": 2, "updated": 0, "unchanged": 0}}
    account = WageAccount.objects.get()
    assert (account.project, account.opener, account.balance) == (project, world.contractor, D("493600"))
    assert history_for(account).filter(action="create", actor=world.bank.user).exists()
    wage = AccountFlow.objects.get(serial_no="JH002")
    assert (wage.worker.id_number, wage.wage_month, wage.kind) == (id_number(1), LAST_MONTH, "wage")
    deposit.refresh_from_db()
    assert deposit.balance == D("250000")
    # the same flows again: nothing changes
    before = stored_counts()
    again = bank(client, world, bank_payload(world, project), "bank-2")
    assert again.json()["result"]["account_flows"] == {"created": 0, "updated": 0, "unchanged": 2}
    assert stored_counts() == before
    account.refresh_from_db()
    deposit.refresh_from_db()
    assert (account.balance, deposit.balance) == (D("493600"), D("250000"))
    # the bank reports the balance on a new flow: it wins
    body = {"account_flows": [{"account_no": account.account_no, "serial_no": "JH003", "kind": "wage",
                               "booked_at": f"{d(-1)}T10:00:00+08:00", "amount": "5600", "balance_after": "488000"}]}
    assert bank(client, world, body, "bank-3").status_code == 200
    account.refresh_from_db()
    assert account.balance == D("488000")


def test_bad_bank_flows_are_refused_and_nothing_is_stored(client, world):
    project = world.project()
    world.worker(1)
    world.deposit()
    body = bank_payload(world, project)
    body["account_flows"][0].update(amount="0", kind="salary")
    body["account_flows"][1]["booked_at"] = "昨天"
    body["deposit_flows"][1]["deposit_account_no"] = "NOPE"
    before = stored_counts()
    response = bank(client, world, body, "bank-bad")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["account_flows.0.amount"] == ["金额（元）不能小于0.01"]
    assert errors["account_flows.0.kind"][0].startswith("交易类型应为：appropriation（人工费用拨付）")
    assert errors["account_flows.1.booked_at"] == ["交易时间格式错误，应如 2024-05-31T16:20:00+08:00"]
    body = bank_payload(world, project, accounts=[])
    body["account_flows"][1]["booked_at"] = f"{d(2)}T10:00:00+08:00"
    body["deposit_flows"][1]["deposit_account_no"] = "NOPE"
    response = bank(client, world, body, "bank-bad-2")
    assert response.json()["errors"] == {
        "account_flows.0.account_no": ["专用账户“45001604051050000001”未登记或不在您的管辖范围内，请先在 accounts 中推送开户信息"],
        "account_flows.1.account_no": ["专用账户“45001604051050000001”未登记或不在您的管辖范围内，请先在 accounts 中推送开户信息"],
        "account_flows.1.booked_at": ["交易时间不能晚于当前时间"],
        "deposit_flows.1.deposit_account_no": ["保证金账号“NOPE”未登记或不在您的管辖范围内"],
    }
    assert stored_counts() == before and WageDeposit.objects.get().balance == D("0")
    response = bank(client, world, {}, "bank-empty")
    assert response.status_code == 400 and response.json()["errors"] == {"non_field_errors": ["报文中没有账户或流水数据"]}


# -- insurers -------------------------------------------------------------------------------------------------------

def guarantee(world, **over):
    row = {"guarantee_no": "BH4501002024000001", "kind": "insurance", "enterprise_uscc": world.contractor.uscc,
           "region_code": "450103", "amount": "300000", "valid_from": d(-200), "valid_until": d(165),
           "contact_person": "黄某", "contact_phone": "13877113344"}
    row.update(over)
    return row


def insurer(client, world, body, message_id):
    return push(client, world.insurer, world.insurer_secret, INSURER_ENDPOINT, body, message_id)


def test_guarantees_are_upserted_by_number(client, world):
    project = world.project()
    body = {"guarantees": [guarantee(world), guarantee(world, guarantee_no="BH2", region_code="",
                                                        project_code=project.code, kind="bank")]}
    response = insurer(client, world, body, "g-1")
    assert response.status_code == 200, response.json()
    assert response.json()["result"]["guarantees"] == {"created": 2, "updated": 0, "unchanged": 0}
    first, second = Guarantee.objects.get(guarantee_no="BH4501002024000001"), Guarantee.objects.get(guarantee_no="BH2")
    assert (first.issuer, first.enterprise, first.region, first.amount) == (
        world.insurer_org.name, world.contractor, world.county, D("300000"))
    assert (second.project, second.region, second.kind) == (project, project.region, "bank")
    assert insurer(client, world, body, "g-2").json()["result"]["guarantees"]["unchanged"] == 2
    body["guarantees"][0]["valid_until"] = d(530)  # renewed
    result = insurer(client, world, body, "g-3").json()["result"]
    assert result["guarantees"] == {"created": 0, "updated": 1, "unchanged": 1}
    first.refresh_from_db()
    assert first.valid_until == days(530) and Guarantee.objects.count() == 2
    change = history_for(first).filter(action="update").get()
    assert change.actor == world.insurer.user and "valid_until" in change.changed_fields


def test_bad_guarantees_are_refused(client, world):
    body = {"guarantees": [guarantee(world, valid_until=d(-300)),
                           guarantee(world, guarantee_no="BH2", enterprise_uscc=UNKNOWN),
                           guarantee(world, guarantee_no="BH3", region_code=""),
                           guarantee(world, guarantee_no="BH4", amount="-1", kind="cash")]}
    response = insurer(client, world, body, "g-bad")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "guarantees.3.amount": ["担保金额（元）不能小于0.01"],
        "guarantees.3.kind": ["保函类型应为：insurance（保险保函）、bank（银行保函）"]}
    body["guarantees"].pop()
    response = insurer(client, world, body, "g-bad-2")
    assert response.json()["errors"] == {
        "guarantees.0.valid_until": ["到期日期应晚于生效日期"],
        "guarantees.1.enterprise_uscc": [f"统一社会信用代码“{UNKNOWN}”的企业未在系统中登记"],
        "guarantees.2.region_code": ["请填写所属区划代码（或项目编码，按项目所在区划）"]}
    assert not Guarantee.objects.exists()
    assert insurer(client, world, {"guarantees": []}, "g-empty").json()["errors"] == {"guarantees": ["保函不能为空"]}


def test_a_bank_client_names_accounts_of_every_region_only_with_the_province_wide_role(client, world):
    from domains.labor.monitoring import intake

    liuzhou = world.project("GX450202-001", region=world.other_city_county)
    account = world.account(liuzhou)
    body = {"account_flows": [{"account_no": account.account_no, "serial_no": "LZ1", "kind": "appropriation",
                               "booked_at": f"{d(-1)}T10:00:00+08:00", "amount": "1000"}]}
    assert intake.province_wide_client(world.bank.user) and not intake.province_wide_client(world.gxb.user)
    assert bank(client, world, body, "lz-1").status_code == 200
    account.refresh_from_db()
    assert account.balance == D("1000")
    # the same permissions in a role of regional scope: the bank sees its own organisation only
    perms = ["labor_monitoring.add_wageaccount", "labor_monitoring.add_accountflow", "labor_monitoring.add_depositflow"]
    regional, secret = interfaces.create_client(name="某银行", organisation=make_enterprise("450100", "某银行"),
                                                roles=[make_role(perms)])
    assert not intake.province_wide_client(regional.user)
    response = push(client, regional, secret, BANK_ENDPOINT, {"account_flows": [
        {**body["account_flows"][0], "serial_no": "LZ2"}]}, "lz-2")
    assert response.status_code == 400 and "未登记或不在您的管辖范围内" in response.json()["errors"][
        "account_flows.0.account_no"][0]
    assert AccountFlow.objects.count() == 1
