"""The agency pages of the supervision database: every page renders for a Nanning labour inspector,
the seed's query fields filter the project list, exports carry the filtered rows with masked ID
numbers, the project and worker portraits show what the brief lists, and a Liuzhou inspector gets
404 on Nanning records (and the jurisdiction contract for each scoped model)."""
import datetime
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from kernel.core.testing import PASSWORD, ScopeContract, make_staff, xlsx_rows
from kernel.notify.models import SmsMessage, SmsTemplate
from tests.browser import login

from .. import services
from ..models import AccountFlow, Contract, DepositFlow, Guarantee, Project, WageAccount, WageDeposit, Worker
from . import factories as f
from .factories import LIUZHOU, LIUZHOU_COUNTY, NANNING, NANNING_COUNTY, days

IDENTITY = "labor_monitoring.view_worker_identity"


def last_month():
    return services.add_months(f.today().replace(day=1), -1)


def build_world():
    w = SimpleNamespace()
    w.builder = f.enterprise(NANNING_COUNTY, name="南宁城市建设投资集团有限责任公司")
    w.contractor = f.enterprise(NANNING_COUNTY, name="广西建工集团第一建筑工程有限责任公司")
    w.supervisor = f.enterprise(NANNING_COUNTY, name="广西恒信建设监理有限公司")
    w.sub = f.enterprise(NANNING_COUNTY, name="南宁市八桂劳务有限公司")
    w.project = f.make_project(
        NANNING_COUNTY, name="五象新区保障性住房项目", construction_unit=w.builder, general_contractor=w.contractor,
        supervising_unit=w.supervisor, project_type=Project.Type.MUNICIPAL, funding_source=Project.Funding.GOVERNMENT,
        industry_authority="南宁市住房和城乡建设局", start_date=days(-200), contract_price=Decimal("23456.78"),
        permit_no="450103202401010101", permit_valid_until=days(-5))
    w.project.subcontractors.add(w.sub)
    w.other = f.make_project(NANNING_COUNTY, name="青秀山商业综合体", industry_authority="南宁市交通运输局",
                             start_date=days(-20), contract_price=Decimal("800.00"), status=Project.Status.SUSPENDED)
    w.liuzhou = f.make_project(LIUZHOU_COUNTY, name="柳州螺蛳粉产业园厂房")

    w.zhang = f.make_worker(NANNING_COUNTY, name="张建华", phone="13907711234")
    w.li = f.make_worker(NANNING_COUNTY, name="李春梅", employer=w.sub)
    w.wang = f.make_worker(LIUZHOU_COUNTY, name="王柳生")
    w.idle = f.make_worker(NANNING_COUNTY, name="赵闲")
    f.make_contract(w.zhang, w.project, employer=w.contractor)
    f.make_contract(w.li, w.project, employer=w.sub, status=Contract.Status.LEFT, end_on=days(-30))
    f.make_contract(w.li, w.other, start_on=days(-20))
    f.make_contract(w.wang, w.liuzhou)
    f.attend(w.zhang, w.project, -1, -2, -3)
    f.attend(w.li, w.project, -40)
    f.attend(w.wang, w.liuzhou, -1)
    month = last_month()
    f.make_payroll(w.zhang, w.project, month, 22, "6600.00", "6600.00", paid_on=days(-10))
    f.make_payroll(w.li, w.project, month, 20, "6000.00", "4500.50")

    w.account = f.make_account(w.project, balance=Decimal("88000.00"))
    f.account_flow(w.account, AccountFlow.Kind.APPROPRIATION, "100000.00", -10, balance_after=Decimal("100000.00"),
                   counterparty=w.builder.name)
    f.account_flow(w.account, AccountFlow.Kind.WAGE, "12000.00", -5, balance_after=Decimal("88000.00"),
                   worker=w.zhang, wage_month=month)
    w.bad_account = f.make_account(w.other, opener=w.sub)
    w.deposit = f.make_deposit(project=w.project, required_amount=Decimal("500000.00"), balance=Decimal("300000.00"))
    f.deposit_flow(w.deposit, DepositFlow.Kind.STORE, "500000.00", -100, note="首次存储")
    f.deposit_flow(w.deposit, DepositFlow.Kind.TRANSFER, "200000.00", -20, note="划拨支付欠薪")
    w.full_deposit = f.make_deposit(project=w.other, required_amount=Decimal("100000.00"),
                                    balance=Decimal("100000.00"))
    w.liuzhou_deposit = f.make_deposit(project=w.liuzhou, region_code=LIUZHOU_COUNTY)
    w.expiring = f.make_guarantee(project=w.project, valid_until=days(20), guarantee_no="BH-EXPIRING-01")
    w.expired = f.make_guarantee(project=w.other, valid_until=days(-3), guarantee_no="BH-EXPIRED-01",
                                 kind=Guarantee.Kind.BANK, issuer="中国工商银行南宁分行")
    w.valid = f.make_guarantee(project=w.project, valid_until=days(200), guarantee_no="BH-VALID-01")
    w.liuzhou_guarantee = f.make_guarantee(project=w.liuzhou, region_code=LIUZHOU_COUNTY, valid_until=days(10),
                                           guarantee_no="BH-LIUZHOU-01")

    w.project_warning = f.make_warning(w.project, level="red", message="施工许可证已过期")
    w.contractor_warning = f.make_warning(w.contractor, level="yellow", organisation=w.contractor,
                                          message="总包单位投诉量异常上升")
    w.account_warning = f.make_warning(w.account, level="orange", region_=w.project.region,
                                       message="工资表与代发流水不一致")
    w.liuzhou_warning = f.make_warning(w.liuzhou, level="red", organisation=w.contractor, message="柳州项目欠薪")
    w.unrelated_warning = f.make_warning(w.other, level="yellow", message="另一个项目的预警")
    return w


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def nanning(db):
    return f.inspector(NANNING)


def get(client, user, url_name, *args, **params):
    client.force_login(user)
    return client.get(reverse(f"gov:{url_name}", args=args), params)


def names(response, attr="name"):
    return sorted(getattr(o, attr) for o in response.context["page"].object_list)


def page(response):
    return response.content.decode()


# -- projects ---------------------------------------------------------------------------------------
@pytest.mark.django_db
class TestProjectList:
    def test_renders_with_the_seeds_query_fields(self, client, world, nanning):
        response = get(client, nanning, "labor_project_list")
        assert response.status_code == 200
        assert names(response) == ["五象新区保障性住房项目", "青秀山商业综合体"]
        form = response.context["filterset"].form
        for field in ("name", "construction_unit", "contractor", "project_type", "funding_source", "industry_authority",
                      "start_from", "start_to", "price_min", "price_max", "status", "region"):
            assert field in form.fields
        html = page(response)
        assert "23,456.78" in html  # 万元, two decimals, thousands separator
        assert "柳州螺蛳粉产业园厂房" not in html

    @pytest.mark.parametrize("params, expected", [
        ({"name": "五象"}, ["五象新区保障性住房项目"]),
        ({"construction_unit": "城市建设投资"}, ["五象新区保障性住房项目"]),
        ({"contractor": "广西建工"}, ["五象新区保障性住房项目"]),
        ({"project_type": "municipal"}, ["五象新区保障性住房项目"]),
        ({"funding_source": "social"}, ["青秀山商业综合体"]),
        ({"industry_authority": "交通运输"}, ["青秀山商业综合体"]),
        ({"status": "suspended"}, ["青秀山商业综合体"]),
        ({"price_min": "1000", "price_max": "30000"}, ["五象新区保障性住房项目"]),
        ({"price_max": "800"}, ["青秀山商业综合体"]),
        ({"certificate": "permit_expired"}, ["五象新区保障性住房项目"]),
    ])
    def test_filters(self, client, world, nanning, params, expected):
        assert names(get(client, nanning, "labor_project_list", **params)) == expected

    def test_start_date_and_region_filters(self, client, world, nanning):
        recent = {"start_from": days(-30).isoformat(), "start_to": days(0).isoformat()}
        assert names(get(client, nanning, "labor_project_list", **recent)) == ["青秀山商业综合体"]
        county = f.region(NANNING_COUNTY).pk
        assert len(names(get(client, nanning, "labor_project_list", region=county))) == 2
        assert names(get(client, nanning, "labor_project_list", region=f.region("450105").pk)) == []

    def test_a_reversed_range_is_a_field_error_and_lists_nothing(self, client, world, nanning):
        response = get(client, nanning, "labor_project_list", price_min="30000", price_max="1000")
        assert names(response) == []
        assert "合同价上限不能小于下限" in page(response)
        response = get(client, nanning, "labor_project_list", price_min="-5")
        assert "合同价不能为负数" in page(response)

    def test_export_has_the_filtered_rows(self, client, world, nanning):
        response = get(client, nanning, "labor_project_list", funding_source="government", export="xlsx")
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        rows = xlsx_rows(response)
        assert "项目名称" in rows[0]
        assert [r[rows[0].index("项目名称")] for r in rows[1:]] == ["五象新区保障性住房项目"]
        assert rows[1][rows[0].index("中标合同价（万元）")] == pytest.approx(23456.78)


@pytest.mark.django_db
class TestProjectPortrait:
    def test_units_people_certificates(self, client, world, nanning):
        html = page(get(client, nanning, "labor_project_detail", world.project.pk))
        for text in ("南宁城市建设投资集团有限责任公司", "广西建工集团第一建筑工程有限责任公司", "广西恒信建设监理有限公司",
                     "南宁市八桂劳务有限公司", "黄建国", "李秀英", "南宁市劳动保障监察支队", "劳务分包单位", "劳资专管员"):
            assert text in html
        permit = re.search(r'<tr data-certificate="(\w+)"><td>施工许可证</td>.*?</tr>', html, re.S)
        assert permit.group(1) == "expired" and "text-danger" in permit.group(0) and "已过期" in permit.group(0)
        qualification = re.search(r'<tr data-certificate="(\w+)"><td>总包单位资质证书</td>', html)
        assert qualification.group(1) == "valid"

    def test_workers_attendance_and_payroll(self, client, world, nanning):
        response = get(client, nanning, "labor_project_detail", world.project.pk)
        html = page(response)
        assert response.context["headcount"] == {"total": 2, "active": 1}
        assert world.zhang.masked_id in html and world.zhang.id_number not in html
        assert response.context["last_attendance"] == days(-1)
        assert days(-1).isoformat() in html
        months = {m["month"]: m for m in response.context["payroll"]}
        month = months[last_month()]
        assert (month["headcount"], month["days"], month["missing_payroll"]) == (2, 42, False)
        assert (month["payable"], month["paid"], month["unpaid"]) == (Decimal("12600.00"), Decimal("11100.50"),
                                                                      Decimal("1499.50"))
        for text in ("12,600.00", "11,100.50", "1,499.50"):
            assert text in html

    def test_a_past_month_with_attendance_and_no_payroll_is_flagged(self, client, world, nanning):
        two_months_ago = services.add_months(f.today().replace(day=1), -2)
        f.attend(world.zhang, world.project, (two_months_ago + datetime.timedelta(days=14) - f.today()).days)
        response = get(client, nanning, "labor_project_detail", world.project.pk)
        months = {m["month"]: m for m in response.context["payroll"]}
        assert months[two_months_ago]["missing_payroll"] and months[two_months_ago]["recorded_days"] == 1
        assert not months[last_month()]["missing_payroll"]
        assert not months[f.today().replace(day=1)]["missing_payroll"]  # this month's payroll is not due yet
        assert "无工资表" in page(response)

    def test_certificate_states(self):
        today = datetime.date(2026, 6, 1)
        assert services.certificate_state(None, today)[0] == "missing"
        assert services.certificate_state(datetime.date(2026, 5, 31), today)[0] == "expired"
        assert services.certificate_state(datetime.date(2026, 6, 1), today)[0] == "expiring"
        assert services.certificate_state(datetime.date(2026, 7, 1), today)[0] == "expiring"
        assert services.certificate_state(datetime.date(2026, 7, 2), today)[0] == "valid"

    def test_query_count_does_not_grow_with_the_workers(self, client, world, nanning):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        url = reverse("gov:labor_project_detail", args=[world.project.pk])
        client.force_login(nanning)
        client.get(url)  # warm caches (regions, permissions)
        with CaptureQueriesContext(connection) as before:
            client.get(url)
        for _ in range(10):
            worker = f.make_worker()
            f.make_contract(worker, world.project)
            f.attend(worker, world.project, -1)
            f.account_flow(world.account, AccountFlow.Kind.WAGE, "100.00", -1, worker=worker)
        with CaptureQueriesContext(connection) as after:
            client.get(url)
        assert len(after.captured_queries) == len(before.captured_queries)

    def test_identity_permission_shows_the_full_id(self, client, world):
        user = f.inspector(NANNING, perms=[IDENTITY])
        assert world.zhang.id_number in page(get(client, user, "labor_project_detail", world.project.pk))

    def test_accounts_deposits_guarantees(self, client, world, nanning):
        html = page(get(client, nanning, "labor_project_detail", world.project.pk))
        assert world.account.account_no in html and "88,000.00" in html and "+100,000.00" in html
        assert "-12,000.00" in html
        assert "开户单位非总包" not in html
        assert reverse("gov:labor_deposit_detail", args=[world.deposit.pk]) in html and "500,000.00" in html
        assert "BH-EXPIRING-01" in html and "即将到期" in html and "BH-VALID-01" in html
        assert "BH-EXPIRED-01" not in html  # another project's

    def test_warnings_of_the_project_and_its_contractor(self, client, world, nanning):
        response = get(client, nanning, "labor_project_detail", world.project.pk)
        shown = {w.pk for w in response.context["warnings"]}
        assert shown == {world.project_warning.pk, world.contractor_warning.pk, world.account_warning.pk}
        html = page(response)
        assert f'href="/gov/alerts/warnings/{world.project_warning.pk}/"' in html
        assert "#dc3545" in html and "红色" in html  # level colour
        assert "柳州项目欠薪" not in html and "另一个项目的预警" not in html


# -- workers ----------------------------------------------------------------------------------------
@pytest.mark.django_db
class TestWorkers:
    def test_list_masks_ids_and_phones_and_shows_the_current_project(self, client, world, nanning):
        response = get(client, nanning, "labor_worker_list")
        html = page(response)
        assert names(response) == sorted(["张建华", "李春梅", "赵闲"])
        assert world.zhang.masked_id in html and world.zhang.id_number not in html
        assert "139****1234" in html and "13907711234" not in html
        rows = {o.name: o for o in response.context["page"].object_list}
        assert rows["张建华"].current_project == "五象新区保障性住房项目"
        assert rows["李春梅"].current_project == "青秀山商业综合体"  # left the first, active on the second
        assert rows["赵闲"].current_project is None

    def test_filters(self, client, world, nanning):
        assert names(get(client, nanning, "labor_worker_list", project=world.project.pk)) == sorted(["张建华", "李春梅"])
        assert names(get(client, nanning, "labor_worker_list", project="青秀山")) == ["李春梅"]
        assert names(get(client, nanning, "labor_worker_list", on_site="0")) == ["赵闲"]
        assert names(get(client, nanning, "labor_worker_list", id_number=world.zhang.id_number.lower())) == ["张建华"]
        assert names(get(client, nanning, "labor_worker_list", employer="八桂劳务")) == ["李春梅"]
        assert names(get(client, nanning, "labor_worker_list", id_number=world.wang.id_number)) == []

    def test_export_is_masked_unless_the_role_may_see_identities(self, client, world, nanning):
        rows = xlsx_rows(get(client, nanning, "labor_worker_list", name="张建华", export="xlsx"))
        header, body = rows[0], rows[1:]
        assert len(body) == 1
        assert body[0][header.index("身份证号码")] == world.zhang.masked_id
        assert body[0][header.index("手机号码")] == "139****1234"
        assert body[0][header.index("当前项目")] == "五象新区保障性住房项目"
        client.logout()
        full = xlsx_rows(get(client, f.inspector(NANNING, perms=[IDENTITY]), "labor_worker_list", name="张建华",
                             export="xlsx"))
        assert full[1][header.index("身份证号码")] == world.zhang.id_number

    def test_portrait(self, client, world, nanning):
        response = get(client, nanning, "labor_worker_detail", world.zhang.pk)
        html = page(response)
        assert response.status_code == 200
        assert world.zhang.masked_id in html and world.zhang.id_number not in html
        assert world.zhang.bank_card not in html
        attendance = response.context["attendance"]
        assert attendance["days_attended"] == 3
        assert {a.work_date for a in attendance["records"]} == {days(-1), days(-2), days(-3)}
        assert f'data-day="{days(-2).isoformat()}"' in html
        assert sum(1 for week in attendance["weeks"] for d in week if d["in_range"]) == 60
        assert "五象新区保障性住房项目" in html and "6,600.00" in html

    def test_attendance_older_than_60_days_or_out_of_scope_is_left_out(self, client, world, nanning):
        f.attend(world.zhang, world.project, -61)
        f.attend(world.zhang, world.liuzhou, -7)  # a Liuzhou project the Nanning inspector may not see
        attendance = get(client, nanning, "labor_worker_detail", world.zhang.pk).context["attendance"]
        assert attendance["days_attended"] == 3


# -- accounts, deposits, guarantees, reminders ------------------------------------------------------
@pytest.mark.django_db
class TestAccounts:
    def test_list_and_opener_check(self, client, world, nanning):
        response = get(client, nanning, "labor_account_list")
        assert sorted(a.account_no for a in response.context["page"].object_list) == sorted(
            [world.account.account_no, world.bad_account.account_no])
        html = page(response)
        assert "88,000.00" in html
        assert 'data-state="expired">否' in html  # the other project's account was opened by the subcontractor
        only = get(client, nanning, "labor_account_list", opener="八桂")
        assert [a.pk for a in only.context["page"].object_list] == [world.bad_account.pk]

    def test_region_filter_goes_through_the_project(self, client, world, nanning):
        county = get(client, nanning, "labor_account_list", region=f.region(NANNING_COUNTY).pk)
        assert len(county.context["page"].object_list) == 2
        other = get(client, nanning, "labor_account_list", region=f.region("450105").pk)
        assert list(other.context["page"].object_list) == []

    def test_detail_flows_and_totals(self, client, world, nanning):
        response = get(client, nanning, "labor_account_detail", world.account.pk)
        html = page(response)
        assert response.context["totals"]["incoming"] == Decimal("100000.00")
        assert response.context["totals"]["outgoing"] == Decimal("12000.00")
        assert "人工费用拨付" in html and "工资代发" in html and "100,000.00" in html
        assert reverse("gov:labor_worker_detail", args=[world.zhang.pk]) in html


@pytest.mark.django_db
class TestDeposits:
    def test_list_highlights_the_shortfall_and_filters(self, client, world, nanning):
        response = get(client, nanning, "labor_deposit_list")
        rows = {d.pk: d for d in response.context["page"].object_list}
        assert set(rows) == {world.deposit.pk, world.full_deposit.pk}
        assert rows[world.deposit.pk].shortfall == Decimal("200000.00")
        assert rows[world.full_deposit.pk].shortfall == Decimal("0")
        html = page(response)
        assert '<span class="badge" style="background:#dc3545">200,000.00</span>' in html
        short = get(client, nanning, "labor_deposit_list", shortfall="1")
        assert [d.pk for d in short.context["page"].object_list] == [world.deposit.pk]
        full = get(client, nanning, "labor_deposit_list", shortfall="0")
        assert [d.pk for d in full.context["page"].object_list] == [world.full_deposit.pk]

    def test_export(self, client, world, nanning):
        rows = xlsx_rows(get(client, nanning, "labor_deposit_list", shortfall="1", export="xlsx"))
        header = rows[0]
        assert len(rows) == 2
        assert rows[1][header.index("缺口金额（元）")] == 200000

    def test_ledger_running_totals(self, client, world, nanning):
        f.deposit_flow(world.deposit, DepositFlow.Kind.TOP_UP, "150000.00", -10, note="划拨后补存")
        f.deposit_flow(world.deposit, DepositFlow.Kind.REFUND, "50000.00", -2, note="部分退还")
        response = get(client, nanning, "labor_deposit_detail", world.deposit.pk)
        ledger = response.context["ledger"]
        assert [(r["flow"].kind, r["running"]) for r in ledger["rows"]] == [
            ("store", Decimal("500000.00")), ("transfer", Decimal("300000.00")),
            ("top_up", Decimal("450000.00")), ("refund", Decimal("400000.00"))]
        totals = {kind: total for _, kind, total in ledger["totals"]}
        assert totals == {"store": Decimal("500000.00"), "top_up": Decimal("150000.00"),
                          "transfer": Decimal("200000.00"), "refund": Decimal("50000.00")}
        assert ledger["shortfall"] == Decimal("200000.00")
        html = page(response)
        assert 'id="deposit-shortfall"' in html and "450,000.00" in html
        assert 'id="deposit-mismatch"' in html  # the recorded balance (300,000) is not the ledger's 400,000


@pytest.mark.django_db
class TestGuarantees:
    def test_validity_filters(self, client, world, nanning):
        def nos(**params):
            return names(get(client, nanning, "labor_guarantee_list", **params), "guarantee_no")

        assert nos() == ["BH-EXPIRED-01", "BH-EXPIRING-01", "BH-VALID-01"]
        assert nos(validity="expiring") == ["BH-EXPIRING-01"]
        assert nos(validity="expired") == ["BH-EXPIRED-01"]
        assert nos(validity="valid") == ["BH-VALID-01"]
        assert nos(kind="bank") == ["BH-EXPIRED-01"]
        assert nos(issuer="工商银行") == ["BH-EXPIRED-01"]

    def test_one_month_boundary(self, world):
        start, end = services.guarantee_window(datetime.date(2026, 1, 31))
        assert end == datetime.date(2026, 2, 28)  # one calendar month, clamped to the month's end
        g = Guarantee(valid_from=datetime.date(2025, 1, 1), valid_until=datetime.date(2026, 2, 28))
        assert services.guarantee_state(g, datetime.date(2026, 1, 31))[0] == "expiring"
        g.valid_until = datetime.date(2026, 3, 1)
        assert services.guarantee_state(g, datetime.date(2026, 1, 31))[0] == "valid"
        g.valid_until = datetime.date(2026, 1, 30)
        assert services.guarantee_state(g, datetime.date(2026, 1, 31))[0] == "expired"

    def test_export_with_filter(self, client, world, nanning):
        rows = xlsx_rows(get(client, nanning, "labor_guarantee_list", validity="expiring", export="xlsx"))
        header = rows[0]
        assert [r[header.index("保函编号")] for r in rows[1:]] == ["BH-EXPIRING-01"]
        assert rows[1][header.index("有效状态")] == "即将到期"
        assert rows[1][header.index("担保金额（元）")] == 300000

    def test_detail(self, client, world, nanning):
        f.make_reminder(world.expiring)
        html = page(get(client, nanning, "labor_guarantee_detail", world.expiring.pk))
        assert "BH-EXPIRING-01" in html and "138****0003" in html and "300,000.00" in html


@pytest.mark.django_db
class TestReminders:
    def _sms(self, phone, status):
        template, _ = SmsTemplate.objects.get_or_create(code="labor_guarantee_expiring",
                                                        defaults={"name": "保函到期提醒", "content": "x"})
        return SmsMessage.objects.create(idempotency_key=f"test-{phone}-{status}", phone=phone, template=template,
                                         content="保函到期提醒", status=status)

    def test_list_filters_and_export(self, client, world, nanning):
        delivered = f.make_reminder(world.expiring, sms=self._sms("13877100003", "delivered"))
        failed = f.make_reminder(world.expired, sms=self._sms("13877100004", "failed"), phone="13877100004")
        f.make_reminder(world.liuzhou_guarantee)
        response = get(client, nanning, "labor_reminder_list")
        assert {r.pk for r in response.context["page"].object_list} == {delivered.pk, failed.pk}
        html = page(response)
        assert "138****0003" in html and "13877100003" not in html and "已送达" in html and "发送失败" in html
        assert "BH-LIUZHOU-01" not in html
        only = get(client, nanning, "labor_reminder_list", sms_status="failed")
        assert [r.pk for r in only.context["page"].object_list] == [failed.pk]
        other = get(client, nanning, "labor_reminder_list", region=f.region("450105").pk)
        assert list(other.context["page"].object_list) == []
        county = get(client, nanning, "labor_reminder_list", region=f.region(NANNING_COUNTY).pk)
        assert len(county.context["page"].object_list) == 2
        only = get(client, nanning, "labor_reminder_list", kind="insurance")
        assert [r.pk for r in only.context["page"].object_list] == [delivered.pk]
        rows = xlsx_rows(get(client, nanning, "labor_reminder_list", sms_status="delivered", export="xlsx"))
        header = rows[0]
        assert len(rows) == 2
        assert rows[1][header.index("保函编号")] == "BH-EXPIRING-01"
        assert rows[1][header.index("短信号码")] == "138****0003"
        assert rows[1][header.index("短信状态")] == "已送达"


# -- menus and home cards ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_menu_and_home_cards(client, world, nanning):
    client.force_login(nanning)
    html = client.get("/gov/").content.decode()
    for label in ("劳动监察", "工程项目", "农民工实名信息", "工资专用账户", "工资保证金", "保险保函信息查询",
                  "保函到期提醒库", "差异化存储企业备案库"):
        assert label in html
    cards = {c["label"]: c["value"] for c in client.get("/gov/").context["cards"]}
    assert cards["在建项目"] == 1  # 五象 (the other one is suspended; Liuzhou's is out of scope)
    assert cards["1个月内到期保函"] == 1


@pytest.mark.django_db
def test_lists_offer_the_excel_imports_that_feed_them(client, world, nanning):
    """The list keys are the keys imports.py registers, so each list shows its own 导入 button and a menu
    of the detail imports that have no list page (as far as the role may import them)."""
    html = page(get(client, nanning, "labor_project_list"))
    assert reverse("gov:exports_import", args=["labor_projects"]) in html
    assert reverse("gov:exports_import", args=["labor_contracts"]) in html and "导入劳动合同" in html
    assert "labor_attendance" not in html  # the inspector role may not add attendance (pushed by 桂薪宝)
    for name, key in (("labor_worker_list", "labor_workers"), ("labor_deposit_list", "labor_deposits"),
                      ("labor_guarantee_list", "labor_guarantees"), ("labor_account_list", "labor_accounts")):
        assert reverse("gov:exports_import", args=[key]) in page(get(client, nanning, name)), name


@pytest.mark.django_db
def test_every_page_needs_its_permission(client, world):
    user = f.staff(NANNING, "labor_grid_owner")  # view permissions, no export
    for name in ("labor_project_list", "labor_worker_list", "labor_deposit_list", "labor_guarantee_list",
                 "labor_account_list"):
        assert get(client, user, name).status_code == 200
        assert get(client, user, name, export="xlsx").status_code == 403
    nobody = make_staff(NANNING)
    assert get(client, nobody, "labor_project_list").status_code == 403


# -- jurisdiction -----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_liuzhou_inspector_gets_404_on_nanning_records(client, world):
    liuzhou = f.inspector(LIUZHOU)
    for name, pk in (("labor_project_detail", world.project.pk), ("labor_worker_detail", world.zhang.pk),
                     ("labor_deposit_detail", world.deposit.pk), ("labor_account_detail", world.account.pk),
                     ("labor_guarantee_detail", world.expiring.pk)):
        assert get(client, liuzhou, name, pk).status_code == 404, name
    assert get(client, liuzhou, "labor_project_detail", world.liuzhou.pk).status_code == 200
    html = page(get(client, liuzhou, "labor_project_list"))
    assert "柳州螺蛳粉产业园厂房" in html and "五象新区保障性住房项目" not in html


class TestProjectScope(ScopeContract):
    model = Project
    list_url = "gov:labor_project_list"
    detail_url = "gov:labor_project_detail"
    view_perms = ["labor_monitoring.view_project"]
    export_perm = "labor_monitoring.export_project"

    def make_record(self, region):
        return f.make_project(region.code)

    def marker(self, obj):
        return obj.code


class TestWorkerScope(ScopeContract):
    model = Worker
    list_url = "gov:labor_worker_list"
    detail_url = "gov:labor_worker_detail"
    view_perms = ["labor_monitoring.view_worker"]
    export_perm = "labor_monitoring.export_worker"

    def make_record(self, region):
        return f.make_worker(region.code, name="范围测试工人")

    def marker(self, obj):
        return obj.name


class TestDepositScope(ScopeContract):
    model = WageDeposit
    list_url = "gov:labor_deposit_list"
    detail_url = "gov:labor_deposit_detail"
    view_perms = ["labor_monitoring.view_wagedeposit"]
    export_perm = "labor_monitoring.export_wagedeposit"

    def make_record(self, region):
        return f.make_deposit(f.enterprise(region.code, name="范围测试保证金企业有限公司"), region_code=region.code)

    def marker(self, obj):
        return obj.enterprise.name


class TestGuaranteeScope(ScopeContract):
    model = Guarantee
    list_url = "gov:labor_guarantee_list"
    detail_url = "gov:labor_guarantee_detail"
    view_perms = ["labor_monitoring.view_guarantee"]
    export_perm = "labor_monitoring.export_guarantee"

    def make_record(self, region):
        return f.make_guarantee(region_code=region.code)

    def marker(self, obj):
        return obj.guarantee_no


class TestAccountScope(ScopeContract):
    model = WageAccount
    list_url = "gov:labor_account_list"
    detail_url = "gov:labor_account_detail"
    view_perms = ["labor_monitoring.view_wageaccount"]

    def make_record(self, region):
        return f.make_account(f.make_project(region.code))

    def marker(self, obj):
        return obj.account_no


# -- browser ----------------------------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_project_list_portrait_and_worker_list(live, browser, shot):
    w = build_world()
    f.inspector(NANNING, username="labor_nn_browser")
    page_ = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    login(page_, live.url, "labor_nn_browser", PASSWORD)
    page_.click("text=工程项目")
    page_.wait_for_selector("#result-table")
    assert "共 2 条" in page_.inner_text("#result-count")
    page_.fill("#id_contractor", "广西建工")
    page_.click("#filter-form button[type=submit]")
    page_.wait_for_selector("#result-table")
    assert "共 1 条" in page_.inner_text("#result-count")
    shot(page_, "labor_project_list")
    page_.click("#result-table a:has-text('五象新区保障性住房项目')")
    page_.wait_for_selector("#project-warnings")
    assert page_.inner_text("#stat-workers") == "1 / 2"
    assert "已过期" in page_.inner_text("#project-certificates")
    assert "施工许可证已过期" in page_.inner_text("#project-warnings")
    assert "12,600.00" in page_.inner_text("#project-payroll")
    shot(page_, "labor_project_detail")
    page_.click("#project-workers a:has-text('张建华')")
    page_.wait_for_selector("#worker-attendance")
    assert page_.inner_text("#attendance-days") == "3"
    shot(page_, "labor_worker_detail")
    page_.goto(f"{live.url}/gov/labor/workers/")
    page_.wait_for_selector("#result-table")
    assert w.zhang.masked_id in page_.inner_text("#result-table")
    shot(page_, "labor_worker_list")
    page_.goto(f"{live.url}/gov/labor/deposits/{w.deposit.pk}/")
    page_.wait_for_selector("#deposit-ledger")
    shot(page_, "labor_deposit_ledger")
    page_.goto(f"{live.url}/gov/labor/guarantees/?validity=expiring")
    page_.wait_for_selector("#result-table")
    shot(page_, "labor_guarantee_list")
    page_.goto(f"{live.url}/gov/labor/differentiated/")
    page_.click("text=新增")
    page_.fill("#id_enterprise_uscc", w.contractor.uscc)
    page_.select_option("#id_region", str(f.region(NANNING_COUNTY).pk))
    page_.fill("#id_ratio", "-5")
    page_.fill("#id_reason", "连续三年无拖欠工资记录")
    page_.fill("#id_valid_from", f.today().isoformat())
    page_.click("button:has-text('保存')")
    page_.wait_for_selector(".invalid-feedback")
    assert "存储比例不能为负数" in page_.inner_text("form.zw-form")
    shot(page_, "labor_differentiated_form_error")
    page_.fill("#id_ratio", "50")
    page_.click("button:has-text('保存')")
    page_.wait_for_selector("#change-history")
    assert "广西建工集团第一建筑工程有限责任公司" in page_.inner_text("h1")
    shot(page_, "labor_differentiated_detail")
    page_.close()
