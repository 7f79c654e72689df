"""预警统计与分析 (seed 000 §A1 (4)): the statistics page (/gov/labor/stats/), the combined queries (warnings,
units, operation log) and the big screen's data (/gov/labor/screen/data/): figures against hand-made warnings,
drill-down links whose list has the figure's count, jurisdiction scope, the Excel workbooks and bad input.

The fixture (M0 = this month, M1 = last month; G1 a grid of 青秀区, G2 a grid of 兴宁区; units A, B, C of Nanning,
D of Liuzhou; the rules are the real labour rules of alerts.py):

    w1  permit_invalid      G1     A  red     待领导审批 approving  auto    M0
    w2  attendance_stale    G1     A  yellow  处置中 assigned       auto    M0
    w3  attendance_stale    青秀区 B  orange  已解除 (自动, in M1)  auto    M1
    w4  deposit_short       兴宁区 C  yellow  待审核 generated      manual  M0
    w5  deposit_short       G2     C  red     已解除 (人工, now)    manual  M1
    w6  permit_invalid      青秀区 B  orange  已撤回 withdrawn      manual  M0
    w8  complaints_rising   青秀区 A  orange  已升级转办 escalated  auto    M0
    w7  permit_invalid      柳州   D  red     待审核                auto    M0   (never in Nanning's figures)
    x1  a rule of another category (特种设备) in 青秀区                      (never counted: not 欠薪预警)

Complaints: c1 来电 青秀区 overdue (accept_due 10 days ago), c2 网上投诉 兴宁区 in time, c3 来电 柳州.
"""
import datetime
import io
import itertools
import json
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from lxml import html as lxml_html
from openpyxl import load_workbook

from domains.labor.inspection import services, stats
from domains.labor.inspection.models import Complaint
from domains.labor.monitoring.tests.factories import LIUZHOU, NANNING, region, staff
from kernel.alerts import services as alert_services
from kernel.alerts.models import AlertRule, Warning
from kernel.alerts.registry import all_definitions, definition
from kernel.audit.models import OperationLog
from kernel.core import context
from kernel.core.testing import make_enterprise
from kernel.org.models import Organisation, Region
from kernel.workflow.models import TransitionLog

pytestmark = pytest.mark.django_db
STATS, QUERY, UNITS, LOGS, CHANGES = ("/gov/labor/stats/", "/gov/labor/stats/warnings/", "/gov/labor/stats/units/",
                                      "/gov/labor/stats/logs/", "/gov/labor/stats/logs/changes/")
SCREEN, SCREEN_DATA = "/gov/labor/screen/", "/gov/labor/screen/data/"
QINGXIU, XINGNING, LZ_COUNTY = "450103", "450102", "450202"
PERMIT, ATTENDANCE, DEPOSIT, RISING = ("labor_permit_invalid", "labor_attendance_stale", "labor_deposit_short",
                                       "labor_complaints_rising")
_seq = itertools.count(1)


def month_start(back):
    return stats.month_start(timezone.localdate(), back)


def moment(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def rule(code):
    return definition(code).ensure_rule()


class Data:
    def __init__(self):
        for definition_ in all_definitions().values():  # the rules as after a first scan
            if definition_.category == services.LABOUR_CATEGORY:
                definition_.ensure_rule()
        self.city = staff(NANNING, username=f"nn_inspector{next(_seq)}")
        self.qx = staff(QINGXIU, username=f"qx_inspector{next(_seq)}")
        self.lz = staff(LIUZHOU, username=f"lz_inspector{next(_seq)}")
        self.leader = staff(NANNING, "labor_leader", username=f"nn_leader{next(_seq)}")
        self.admin = staff(NANNING, "labor_admin", username=f"nn_admin{next(_seq)}")
        self.owner = staff(QINGXIU, "labor_grid_owner", username=f"qx_owner{next(_seq)}")
        with context.acting_as(self.admin):
            self.g1 = services.create_grid(self.admin, parent=region(QINGXIU), name="青秀一网格", head="韦网格长",
                                           owner=self.owner)
            self.g2 = services.create_grid(self.admin, parent=region(XINGNING), name="兴宁二网格", head="黄网格长")
        self.unit_a = make_enterprise(QINGXIU, name="南宁青秀甲建筑工程有限公司")
        self.unit_b = make_enterprise(QINGXIU, name="南宁青秀乙劳务有限公司")
        self.unit_c = make_enterprise(XINGNING, name="南宁兴宁丙建设集团有限公司")
        self.unit_d = make_enterprise(LZ_COUNTY, name="柳州丁路桥工程有限公司")
        m0, m1 = timezone.now(), moment(month_start(1) + datetime.timedelta(days=2))
        g1, g2 = self.g1.region, self.g2.region
        self.w1 = self.warn(PERMIT, g1, self.unit_a, "red", "approving", "auto", m0)
        self.w2 = self.warn(ATTENDANCE, g1, self.unit_a, "yellow", "assigned", "auto", m0, assignee=self.owner)
        self.w3 = self.warn(ATTENDANCE, region(QINGXIU), self.unit_b, "orange", "released", "auto", m1,
                            released_at=m1 + datetime.timedelta(days=3), release_type="auto")
        self.w4 = self.warn(DEPOSIT, region(XINGNING), self.unit_c, "yellow", "generated", "manual", m0)
        self.w5 = self.warn(DEPOSIT, g2, self.unit_c, "red", "released", "manual", m1, released_at=m0,
                            release_type="manual")
        self.w6 = self.warn(PERMIT, region(QINGXIU), self.unit_b, "orange", "withdrawn", "manual", m0)
        self.w8 = self.warn(RISING, region(QINGXIU), self.unit_a, "orange", "escalated", "auto", m0)
        self.w7 = self.warn(PERMIT, region(LZ_COUNTY), self.unit_d, "red", "generated", "auto", m0)
        other, _ = AlertRule.objects.get_or_create(code="se_test_other", defaults=dict(
            name="特种设备测试规则", category="特种设备",
            subject_type=ContentType.objects.get_for_model(Organisation, for_concrete_model=False),
            levels=[{"level": "yellow", "threshold": 1}, {"level": "red", "threshold": 2}]))
        self.x1 = self.warn(other, region(QINGXIU), self.unit_a, "red", "generated", "auto", m0)
        today = timezone.localdate()
        self.c1 = self.case("phone", QINGXIU, self.unit_a, today - datetime.timedelta(days=20),
                            today - datetime.timedelta(days=10))
        self.c2 = self.case("online", XINGNING, self.unit_c, today, today + datetime.timedelta(days=7))
        self.c3 = self.case("phone", LZ_COUNTY, self.unit_d, today, today + datetime.timedelta(days=7))

    def warn(self, rule_, where, unit, level, status, origin, first_seen, **extra):
        """A warning in a given state (test data: the workflow itself is tested in kernel.alerts; a new record
        starts 待审核, so the state is set by a queryset update)."""
        rule_ = rule(rule_) if isinstance(rule_, str) else rule_
        w = Warning.objects.create(
            rule=rule_, subject_type=rule_.subject_type, subject_id=900_000 + next(_seq), subject_repr=unit.name,
            level=level, origin=origin, region=where, organisation=unit, message="测试欠薪预警", first_seen=first_seen)
        Warning.objects.filter(pk=w.pk).update(status=status, **extra)
        w.refresh_from_db()
        return w

    def case(self, channel, region_code, unit, received, accept_due):
        n = next(_seq)
        return Complaint.objects.create(no=f"LJTEST{n:06d}", channel=channel, region=region(region_code),
                                        respondent=unit, respondent_name=unit.name, facts="拖欠农民工工资",
                                        received_on=received, accept_due=accept_due)


@pytest.fixture
def d():
    return Data()


def page(client, user, url=STATS, **params):
    client.force_login(user)
    return client.get(url, params)


def doc(response):
    return lxml_html.fromstring(response.content.decode())


def table(response, table_id, attr="data-n"):
    """{row label: figure} of one table of the page (the figure is the link's or span's data attribute)."""
    rows = {}
    for tr in doc(response).xpath(f'//table[@id="{table_id}"]/tbody/tr[@data-key]'):
        cells = tr.xpath("./td")
        label = (cells[1] if tr.xpath('.//span[contains(@class, "zw-rank")]') else cells[0]).text_content().strip()
        value = tr.xpath(f".//*[@{attr}]/@{attr}")
        rows[label] = int(value[0]) if value and value[0].lstrip("-").isdigit() else (value[0] if value else None)
    return rows


def cards(response):
    return {el.get("data-card"): el.xpath(".//*[@data-value]")[0].text_content().strip()
            for el in doc(response).xpath('//*[@data-card]')}


def links(response):
    """(figure, href) of every drill-down link to a list on the page."""
    result = []
    for a in doc(response).xpath("//table//a[@href]"):
        for attr, value in a.attrib.items():
            if attr.startswith("data-") and attr != "data-region" and value.isdigit():
                result.append((int(value), a.get("href")))
    for a in doc(response).xpath('//div[@id="stats-cards"]//a[@href]'):
        result.append((int(a.xpath(".//*[@data-value]")[0].text_content()), a.get("href")))
    return result


def workbook(response):
    assert response.status_code == 200, response.status_code
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def sheet(wb, name):
    return [list(r) for r in wb[name].iter_rows(values_only=True)]


# == figures ==================================================================================================
class TestFigures:
    def test_cards(self, client, d):
        r = page(client, d.city)
        assert r.status_code == 200
        assert cards(r) == {"total": "7", "open": "3", "approving": "1", "released": "2", "release_rate": "33.3%",
                            "this_month": "5"}

    def test_handling_status_and_stages(self, client, d):
        r = page(client, d.city)
        assert table(r, "t-status") == {"待审核": 1, "待领导审批": 1, "待派发": 0, "处置中": 1, "待解除": 0, "已解除": 2,
                                        "已升级转办": 1, "已撤回": 1}
        assert table(r, "t-group") == {"待审核/审批": 2, "待派发": 0, "处置中": 1, "已解除": 2, "已转立案": 1, "已撤回": 1}

    def test_levels_and_channels(self, client, d):
        r = page(client, d.city)
        assert table(r, "t-level") == {"黄色": 2, "橙色": 3, "红色": 2}
        assert table(r, "t-level", "data-open") == {"黄色": 2, "橙色": 0, "红色": 1}
        assert table(r, "t-origin") == {"系统自动": 4, "人工登记": 3}
        assert table(r, "t-origin", "data-released") == {"系统自动": 1, "人工登记": 1}
        assert table(r, "t-channel", "data-case") == {"预警转入": 0, "来访": 0, "来电": 1, "网上投诉": 1, "12345热线": 0,
                                                      "网格上报": 0, "上级交办": 0}
        assert table(r, "t-channel", "data-case-overdue")["来电"] == 1
        assert table(r, "t-channel", "data-case-overdue")["网上投诉"] == 0

    def test_by_region_folds_grids_into_their_county(self, client, d):
        r = page(client, d.city)
        got = table(r, "t-region")
        assert got["青秀区"] == 5 and got["兴宁区"] == 2
        counties = set(Region.objects.filter(parent=region(NANNING)).values_list("name", flat=True))
        assert set(got) == counties  # every county, those without warnings at 0
        assert table(r, "t-region", "data-open") == {**{c: 0 for c in counties}, "青秀区": 2, "兴宁区": 1}
        assert table(r, "t-region", "data-red")["青秀区"] == 1 and table(r, "t-region", "data-red")["兴宁区"] == 1
        assert table(r, "t-region", "data-approving")["青秀区"] == 1

    def test_region_drill_down_to_the_grids_of_a_county(self, client, d):
        qx = region(QINGXIU)
        r = page(client, d.city, region=qx.pk)
        assert cards(r)["total"] == "5"
        got = table(r, "t-region")
        assert got == {"青秀一网格": 2, "青秀区（本级）": 3}
        trail = doc(r).xpath('//nav[@id="region-trail"]//*[@data-region]')
        assert [t.text_content() for t in trail] == ["南宁市", "青秀区"]
        assert doc(r).xpath('//a[@id="drill-up"]/@href')[0].endswith(f"region={region(NANNING).pk}")
        # the city's region table links each county's figures down to it
        drill = doc(page(client, d.city)).xpath('//table[@id="t-region"]//a[contains(@class, "zw-drill")]/@href')
        assert f"?region={qx.pk}" in drill

    def test_by_rule_with_levels(self, client, d):
        r = page(client, d.city)
        got = table(r, "t-rule")
        assert got["施工许可证无效或施工单位资质不符"] == 2 and got["考勤未及时更新"] == 2
        assert got["工资保证金未存储、未足额或未及时补足"] == 2 and got["单位投诉举报数量异常上升"] == 1
        assert got["工资未按月足额支付"] == 0  # every labour rule, 0 included
        assert table(r, "t-rule", "data-red")["施工许可证无效或施工单位资质不符"] == 1
        assert table(r, "t-rule", "data-orange")["考勤未及时更新"] == 1
        rows = {row["code"]: row for row in stats.by_rule(stats.labour_warnings(d.city))}
        assert rows[ATTENDANCE]["auto_released"] == 1 and rows[ATTENDANCE]["released"] == 1
        assert "特种设备测试规则" not in r.content.decode()

    def test_grid_statistics(self, client, d):
        r = page(client, d.city)
        assert table(r, "t-grid") == {"青秀一网格": 2, "兴宁二网格": 1}
        assert table(r, "t-grid", "data-red") == {"青秀一网格": 1, "兴宁二网格": 1}
        assert table(r, "t-grid", "data-yellow") == {"青秀一网格": 1, "兴宁二网格": 0}
        assert table(r, "t-grid", "data-pending")["青秀一网格"] == 1
        assert table(r, "t-grid", "data-handling")["青秀一网格"] == 1
        assert table(r, "t-grid", "data-released")["兴宁二网格"] == 1
        owner = doc(r).xpath('//table[@id="t-grid"]//tr[td[1]="青秀一网格"]/td[3]')[0].text_content()
        assert owner == d.owner.real_name or owner == d.owner.username

    def test_automatic_warning_statistics(self, client, d):
        r = page(client, d.city)
        got = table(r, "t-auto-rule")
        assert got["施工许可证无效或施工单位资质不符"] == 1 and got["考勤未及时更新"] == 2
        assert got["工资保证金未存储、未足额或未及时补足"] == 0 and got["单位投诉举报数量异常上升"] == 1
        months = table(r, "t-auto-month")
        assert months[month_start(0).strftime("%Y-%m")] == 3 and months[month_start(1).strftime("%Y-%m")] == 1
        assert table(r, "t-auto-month", "data-orange")[month_start(1).strftime("%Y-%m")] == 1

    def test_monthly_trend(self, client, d):
        r = page(client, d.city)
        this, last = month_start(0).strftime("%Y-%m"), month_start(1).strftime("%Y-%m")
        months = table(r, "t-month")
        assert list(months) == [month_start(back).strftime("%Y-%m") for back in range(12)]  # the newest first
        assert months[this] == 5 and months[last] == 2
        assert table(r, "t-month", "data-auto")[this] == 3 and table(r, "t-month", "data-manual")[this] == 2
        assert table(r, "t-month", "data-mom")[this] == "150.0"  # 5 against 2
        assert table(r, "t-month", "data-yoy")[this] == ""  # nothing a year ago: undefined

    def test_unit_ranking(self, client, d):
        got = table(page(client, d.city), "t-units")
        assert list(got.items()) == [(d.unit_a.name, 3), (d.unit_b.name, 2), (d.unit_c.name, 2)]

    def test_filters(self, client, d):
        assert cards(page(client, d.city, level="red"))["total"] == "2"
        assert cards(page(client, d.city, origin="manual"))["total"] == "3"
        assert cards(page(client, d.city, rule=rule(PERMIT).pk))["total"] == "2"
        assert cards(page(client, d.city, status="released"))["total"] == "2"
        r = page(client, d.city, date_from=month_start(0).isoformat())
        assert cards(r)["total"] == "5" and table(r, "t-status")["已解除"] == 0
        r = page(client, d.city, date_from=month_start(1).isoformat(), date_to=(month_start(0) - datetime.timedelta(1)).isoformat())
        assert cards(r)["total"] == "2"
        r = page(client, d.city, channel="phone")
        assert table(r, "t-channel", "data-case") == {"预警转入": 0, "来访": 0, "来电": 1, "网上投诉": 0, "12345热线": 0,
                                                      "网格上报": 0, "上级交办": 0}
        assert cards(r)["total"] == "7"  # the case source filters the complaints only

    def test_grid_owner_sees_no_case_figures(self, client, d):
        r = page(client, d.owner)
        assert r.status_code == 200 and not doc(r).xpath('//table[@id="t-channel"]')
        assert cards(r)["total"] == "5"  # the owner's region is 青秀区

    def test_cached_figures_follow_every_change(self, client, d):
        assert cards(page(client, d.city))["open"] == "3"
        assert cards(page(client, d.city))["open"] == "3"  # from the cache
        with context.acting_as(d.city):
            alert_services.review(Warning.objects.get(pk=d.w4.pk), d.city, comment="属实")
        r = page(client, d.city)
        assert cards(r)["open"] == "3" and table(r, "t-status")["待派发"] == 1 and table(r, "t-status")["待审核"] == 0
        d.warn(DEPOSIT, region(QINGXIU), d.unit_b, "red", "generated", "auto", timezone.now())
        assert cards(page(client, d.city))["total"] == "8"

    def test_query_count_does_not_grow_with_the_data(self, client, d, django_assert_max_num_queries):
        client.force_login(d.city)
        client.get(STATS)
        from django.core.cache import cache

        cache.delete_pattern("*") if hasattr(cache, "delete_pattern") else cache.clear()
        client.force_login(d.city)
        with django_assert_max_num_queries(28):
            assert client.get(STATS).status_code == 200
        with context.acting_as(d.admin):  # more grids, units and warnings: no query per row
            for i in range(4):
                grid = services.create_grid(d.admin, parent=region(QINGXIU), name=f"青秀加密网格{i}", head="网格长")
                unit = make_enterprise(QINGXIU, name=f"南宁青秀新增施工单位{i}有限公司")
                d.warn(DEPOSIT, grid.region, unit, "yellow", "released", "auto", timezone.now())
        cache.delete_pattern("*") if hasattr(cache, "delete_pattern") else cache.clear()
        client.force_login(d.city)
        with django_assert_max_num_queries(28):
            assert client.get(STATS).status_code == 200


# == bad input ================================================================================================
class TestBadInput:
    def test_bad_date_gives_a_chinese_error_and_no_figures(self, client, d):
        r = page(client, d.city, date_from="2026-13-45")
        assert r.status_code == 400
        body = r.content.decode()
        assert "请输入有效的日期，格式如 2026-01-31" in body and 'id="stats-error"' in body
        assert "stats-data" not in body

    def test_reversed_range(self, client, d):
        r = page(client, d.city, date_from="2026-03-01", date_to="2026-02-01")
        assert r.status_code == 400 and "产生日期止不能早于产生日期起" in r.content.decode()

    def test_bad_choices(self, client, d):
        r = page(client, d.city, level="purple", rule="999999", status="nope")
        assert r.status_code == 400
        body = r.content.decode()
        assert "请选择有效的预警等级" in body and "请选择有效的预警条件" in body and "请选择有效的处置状态" in body

    def test_query_bad_date(self, client, d):
        r = page(client, d.city, QUERY, date_from="not-a-date")
        assert r.status_code == 200 and r.context["page"].paginator.count == 0
        assert "请输入有效的日期，格式如 2026-01-31" in r.content.decode()

    def test_unknown_export_part(self, client, d):
        assert page(client, d.city, export="xlsx", part="nothing").status_code == 404


# == scope ====================================================================================================
class TestScope:
    def test_county_user_sees_only_the_county(self, client, d):
        r = page(client, d.qx)
        assert cards(r)["total"] == "5"
        assert table(r, "t-units") == {d.unit_a.name: 3, d.unit_b.name: 2}
        assert d.unit_c.name not in r.content.decode()
        assert table(r, "t-region") == {"青秀一网格": 2, "青秀区（本级）": 3}

    def test_liuzhou_inspector_sees_nothing_of_nanning(self, client, d):
        r = page(client, d.lz)
        assert cards(r)["total"] == "1"
        assert table(r, "t-units") == {d.unit_d.name: 1}
        body = r.content.decode()
        assert d.unit_a.name not in body and "青秀区" not in body and "青秀一网格" not in body
        assert table(r, "t-channel", "data-case")["来电"] == 1 and table(r, "t-channel", "data-case")["网上投诉"] == 0

    def test_liuzhou_inspector_cannot_pick_a_nanning_region(self, client, d):
        for target in (region(QINGXIU), d.g1.region):
            r = page(client, d.lz, region=target.pk)
            assert r.status_code == 400
            assert "请选择您管辖范围内的区划" in r.content.decode() and d.unit_a.name not in r.content.decode()

    def test_export_is_scoped(self, client, d):
        wb = workbook(page(client, d.lz, export="xlsx"))
        assert [row[1] for row in sheet(wb, "单位排名")[1:]] == [d.unit_d.name]
        assert dict((row[0], row[1]) for row in sheet(wb, "统计概况")[1:])["预警总数"] == 1

    def test_anonymous_and_enterprise_users_are_refused(self, client, d):
        for url in (STATS, QUERY, UNITS, LOGS, SCREEN, SCREEN_DATA):
            assert client.get(url).status_code == 302, url
        from kernel.accounts.models import User

        ent = User.objects.create_user(username="ent_stats", password="Test@pass2026", kind="enterprise",
                                       organisation=d.unit_a, must_change_password=False)
        client.force_login(ent)
        assert client.get(STATS).status_code == 403 and client.get(SCREEN_DATA).status_code == 403

    def test_query_pages_are_scoped(self, client, d):
        r = page(client, d.lz, QUERY)
        assert r.context["page"].paginator.count == 1 and d.unit_a.name not in r.content.decode()
        r = page(client, d.lz, UNITS)
        assert r.context["page"].paginator.count == 1 and d.unit_a.name not in r.content.decode()
        r = page(client, d.lz, QUERY, region=region(QINGXIU).pk)
        assert r.context["page"].paginator.count == 0 and "请选择您管辖范围内的区划" in r.content.decode()
        r = page(client, d.lz, QUERY, organisation=d.unit_a.pk)
        assert r.context["page"].paginator.count == 0

    def test_menu_entries(self, client, d):
        client.force_login(d.city)
        home = client.get("/gov/").content.decode()
        for label, url in (("预警统计分析", STATS), ("预警大屏", SCREEN), ("预警信息查询", QUERY),
                           ("单位信息查询", UNITS), ("操作日志查询", LOGS)):
            assert label in home and f'href="{url}"' in home, label
        client.force_login(d.owner)
        home = client.get("/gov/").content.decode()
        assert "预警统计分析" in home and "操作日志查询" not in home
        assert client.get(LOGS).status_code == 403


# == drill-down ===============================================================================================
class TestDrillDown:
    def check_every_link(self, client, user, **params):
        r = page(client, user, **params)
        assert r.status_code == 200
        found = links(r)
        assert len(found) > 20
        for figure, href in found:
            assert href.startswith((QUERY, "/gov/labor/complaints/")), href
            listed = client.get(href)
            assert listed.status_code == 200, href
            assert listed.context["page"].paginator.count == figure, href
        return found

    def test_every_figure_opens_a_list_of_that_many(self, client, d):
        hrefs = [h for _, h in self.check_every_link(client, d.city)]
        for fragment in ("group=pending", "state=open", "level=red", "origin=auto", "organisation=",
                         f"region={d.g1.region.pk}", "status=approving", "channel=phone", "overdue=overdue"):
            assert any(fragment in h for h in hrefs), fragment

    def test_links_keep_the_filters(self, client, d):
        found = self.check_every_link(client, d.city, origin="auto", date_from=month_start(1).isoformat())
        level_link = [h for _, h in found if "level=yellow" in h and h.startswith(QUERY)][0]
        query = parse_qs(urlparse(level_link).query)
        assert query["origin"] == ["auto"] and query["date_from"] == [month_start(1).isoformat()]

    def test_links_of_a_grid_drill_and_a_county_user(self, client, d):
        self.check_every_link(client, d.city, region=region(QINGXIU).pk)
        self.check_every_link(client, d.qx)

    def test_a_figure_on_a_filtered_dimension_has_no_contradicting_link(self, client, d):
        r = page(client, d.city, status="released")
        assert table(r, "t-status")["待审核"] == 0
        hrefs = [h for _, h in links(r)]
        assert not any("status=generated" in h for h in hrefs)
        self.check_every_link(client, d.city, status="released")


# == Excel ====================================================================================================
class TestExport:
    def test_workbook_has_a_sheet_per_table(self, client, d):
        wb = workbook(page(client, d.city, export="xlsx"))
        assert wb.sheetnames == ["统计概况", "按区划", "按预警渠道", "按预警条件", "按处置状态", "按处置阶段", "按预警等级",
                                 "投诉举报按案件来源", "网格预警统计", "自动预警-按条件和等级", "自动预警-月度", "月度趋势", "单位排名"]
        overview = dict((r[0], r[1]) for r in sheet(wb, "统计概况")[1:])
        assert overview["预警总数"] == 7 and overview["已解除"] == 2 and overview["解除率(%)"] == 33.3
        assert overview["超期案件"] == 1 and overview["区划"] == "本辖区全部"
        region_rows = {r[0]: r[1:] for r in sheet(wb, "按区划")[1:]}
        assert region_rows["青秀区"] == [5, 2, 1, 1, 1] and region_rows["兴宁区"] == [2, 1, 1, 0, 1]
        rules = {r[0]: r[2:] for r in sheet(wb, "按预警条件")[1:]}
        assert rules["考勤未及时更新"] == [2, 1, 1, 0, 1, 1, 1]
        grids = {r[0]: r for r in sheet(wb, "网格预警统计")[1:]}
        assert grids["青秀一网格"][1] == "青秀区" and grids["青秀一网格"][4] == 2 and grids["兴宁二网格"][4] == 1
        assert sheet(wb, "月度趋势")[-1][:4] == [month_start(0).strftime("%Y-%m"), 5, 3, 2]
        assert [r[:4] for r in sheet(wb, "单位排名")[1:]] == [[1, d.unit_a.name, d.unit_a.uscc, 3],
                                                             [2, d.unit_b.name, d.unit_b.uscc, 2],
                                                             [3, d.unit_c.name, d.unit_c.uscc, 2]]
        assert sheet(wb, "投诉举报按案件来源")[0] == ["案件来源", "案件数", "办理中", "超期"]

    def test_each_statistic_exports_on_its_own(self, client, d):
        expected = {"category": ["统计概况", "按区划", "按预警渠道", "按预警条件", "按处置状态", "按处置阶段", "按预警等级",
                                 "投诉举报按案件来源"],
                    "grid": ["统计概况", "网格预警统计"], "auto": ["统计概况", "自动预警-按条件和等级", "自动预警-月度"],
                    "trend": ["统计概况", "月度趋势"], "unit": ["统计概况", "单位排名"]}
        for part, names in expected.items():
            r = page(client, d.city, export="xlsx", part=part)
            assert workbook(r).sheetnames == names, part
        auto = workbook(page(client, d.city, export="xlsx", part="auto"))
        assert {r[0]: r[2] for r in sheet(auto, "自动预警-按条件和等级")[1:]}["考勤未及时更新"] == 2

    def test_export_follows_the_filters_and_is_audited(self, client, d):
        wb = workbook(page(client, d.city, origin="manual", export="xlsx", part="category"))
        overview = dict((r[0], r[1]) for r in sheet(wb, "统计概况")[1:])
        assert overview["预警总数"] == 3 and overview["预警渠道"] == "人工登记"
        op = OperationLog.objects.filter(action="export", actor=d.city).latest("id")
        assert op.detail["object"] == "预警统计分析-分类统计" and op.detail["filters"]["origin"] == "manual"

    def test_export_needs_the_export_permission(self, client, d):
        assert page(client, d.owner).status_code == 200
        assert "stats-export" not in page(client, d.owner).content.decode()
        assert page(client, d.owner, export="xlsx").status_code == 403
        assert page(client, d.owner, QUERY, export="xlsx").status_code == 403
        assert page(client, d.owner, SCREEN_DATA, export="xlsx").status_code == 403


# == combined queries =========================================================================================
class TestQueries:
    def test_warning_query_is_the_labour_warnings(self, client, d):
        r = page(client, d.city, QUERY)
        assert r.status_code == 200 and r.context["page"].paginator.count == 7
        assert "特种设备测试规则" not in r.content.decode()
        assert page(client, d.city, QUERY, region=d.g1.region.pk).context["page"].paginator.count == 2
        assert page(client, d.city, QUERY, group="pending").context["page"].paginator.count == 2
        assert page(client, d.city, QUERY, state="closed").context["page"].paginator.count == 4
        r = page(client, d.city, QUERY, organisation=d.unit_a.pk)
        assert r.context["page"].paginator.count == 3 and d.unit_a.name in r.content.decode()
        assert page(client, d.city, QUERY, unit="乙劳务").context["page"].paginator.count == 2

    def test_warning_query_export(self, client, d):
        rows = sheet(workbook(page(client, d.city, QUERY, level="red", export="xlsx")), "预警信息查询")
        header = rows[0]
        assert header[:5] == ["单位名称", "所在网格", "所属区划", "预警条件", "等级"]
        got = sorted((r[0], r[1], r[4]) for r in rows[1:])
        assert got == sorted([(d.unit_a.name, "青秀一网格", "红色"), (d.unit_c.name, "兴宁二网格", "红色")])

    def test_unit_query(self, client, d):
        r = page(client, d.city, UNITS)
        assert r.status_code == 200
        names = [row[0] for row in r.context["rows"]]
        tied = sorted([d.unit_b.name, d.unit_c.name])
        assert names == [d.unit_a.name, *tied]  # the most warnings first, then by name
        counts = {tr.xpath("./td[1]")[0].text_content(): [int(x) for x in tr.xpath(".//a/@data-n")]
                  for tr in doc(r).xpath('//table[@id="result-table"]/tbody/tr')}
        assert counts[d.unit_a.name] == [3, 1, 1, 1, 2]  # total, yellow, orange, red, open
        for href in doc(r).xpath('//table[@id="result-table"]//a[@data-n]/@href'):
            n = int(doc(r).xpath(f'//a[@href="{href}"]/@data-n')[0])
            assert client.get(href).context["page"].paginator.count == n, href
        r = page(client, d.city, UNITS, level="red")
        assert [row[0] for row in r.context["rows"]] == sorted([d.unit_a.name, d.unit_c.name])
        r = page(client, d.city, UNITS, keyword=d.unit_b.uscc)
        assert [row[0] for row in r.context["rows"]] == [d.unit_b.name]
        rows = sheet(workbook(page(client, d.city, UNITS, export="xlsx")), "单位信息查询")
        assert rows[0][:4] == ["单位名称", "统一社会信用代码", "所属区划", "单位地址"]
        assert [r[0] for r in rows[1:]] == [d.unit_a.name, *tied]
        assert rows[1][4] == 3  # 预警总数

    def test_unit_query_bad_date(self, client, d):
        r = page(client, d.city, UNITS, date_to="2026-02-30")
        assert r.context["page"].paginator.count == 0 and "请输入有效的日期，格式如 2026-01-31" in r.content.decode()

    def test_operation_log_of_warnings_and_cases(self, client, d):
        w4 = Warning.objects.get(pk=d.w4.pk)
        with context.acting_as(d.city):
            alert_services.review(w4, d.city, comment="核实属实")
        w7 = Warning.objects.get(pk=d.w7.pk)
        with context.acting_as(d.lz):
            alert_services.review(w7, d.lz, level="yellow", comment="柳州审核")
        r = page(client, d.city, LOGS)
        assert r.status_code == 200
        body = r.content.decode()
        assert "核实属实" in body and "柳州审核" not in body
        assert r.context["page"].paginator.count == TransitionLog.objects.filter(object_id=str(w4.pk)).count()
        r = page(client, d.lz, LOGS)
        assert "柳州审核" in r.content.decode() and "核实属实" not in r.content.decode()
        rows = sheet(workbook(page(client, d.city, LOGS, kind="warning", export="xlsx")), "操作日志查询")
        assert rows[0][:3] == ["时间", "业务记录", "操作"] and any("核实属实" in (row[6] or "") for row in rows[1:])
        assert page(client, d.city, LOGS, kind="complaint").context["page"].paginator.count == 0

    def test_operation_log_of_data_changes(self, client, d):
        r = page(client, d.city, CHANGES)
        assert r.status_code == 200
        body = r.content.decode()
        assert "青秀一网格" in body  # the grid the administrator of Nanning created
        r = page(client, d.lz, CHANGES)
        assert "青秀一网格" not in r.content.decode()


# == the big screen ===========================================================================================
class TestScreen:
    def data(self, client, user, **params):
        client.force_login(user)
        r = client.get(SCREEN_DATA, params)
        assert r.status_code == 200, r.status_code
        return r.json()

    def test_cards_and_figures(self, client, d):
        data = self.data(client, d.city)
        assert data["cards"] == {"open": 3, "approving": 1, "released_month": 1, "overdue_cases": 1, "total": 7,
                                 "red_open": 1, "raised_month": 5, "open_cases": 2}
        regions = {r["label"]: r for r in data["regions"]}
        assert regions["青秀区"]["total"] == 5 and regions["青秀区"]["open"] == 2 and regions["青秀区"]["drillable"]
        assert {r["label"]: r["n"] for r in data["levels"]} == {"黄色": 2, "橙色": 3, "红色": 2}
        assert {r["key"]: r["n"] for r in data["status_groups"]}["pending"] == 2
        assert data["day"][-1]["n"] == 5 and len(data["day"]) == 30
        assert data["month"][-1]["n"] == 5 and data["month"][-2]["n"] == 2
        assert [u["label"] for u in data["units"]] == [d.unit_a.name, d.unit_b.name, d.unit_c.name]
        assert data["trail"] == [{"id": region(NANNING).pk, "name": "南宁市", "level": 2}] and data["parent"] is None

    def test_drill_down_and_up(self, client, d):
        qx = region(QINGXIU)
        data = self.data(client, d.city, region=qx.pk)
        assert data["cards"]["open"] == 2 and data["cards"]["overdue_cases"] == 1
        assert {r["label"]: r["total"] for r in data["regions"]} == {"青秀一网格": 2, "青秀区（本级）": 3}
        grid_row = [r for r in data["regions"] if r["label"] == "青秀一网格"][0]
        assert not grid_row["drillable"] and client.get(grid_row["url"]).context["page"].paginator.count == 2
        assert data["parent"] == region(NANNING).pk
        data = self.data(client, d.city, region=d.g1.region.pk)
        assert data["cards"]["total"] == 2  # a grid is the lowest level: its own warnings, no drilling further
        assert [(r["label"], r["total"], r["drillable"]) for r in data["regions"]] == [("青秀一网格（本级）", 2, False)]
        assert data["parent"] == qx.pk and [t["name"] for t in data["trail"]] == ["南宁市", "青秀区", "青秀一网格"]

    def test_scope_outside_gets_404(self, client, d):
        client.force_login(d.lz)
        for target in (region(QINGXIU).pk, region(NANNING).pk, d.g1.region.pk, 99999999, "abc"):
            assert client.get(SCREEN_DATA, {"region": target}).status_code == 404, target
            assert client.get(SCREEN, {"region": target}).status_code == 404, target
        data = self.data(client, d.lz)
        assert data["cards"]["total"] == 1 and d.unit_a.name not in str(data)
        client.force_login(d.qx)  # a county user cannot drill up to the city
        assert client.get(SCREEN_DATA, {"region": region(NANNING).pk}).status_code == 404

    def test_the_screen_page(self, client, d):
        client.force_login(d.city)
        r = client.get(SCREEN)
        assert r.status_code == 200
        body = r.content.decode()
        assert "欠薪预警监测大屏" in body and 'id="screen-data"' in body and "vendor/echarts/echarts.min.js" in body
        payload = json.loads(doc(r).xpath('//script[@id="screen-data"]')[0].text)
        assert payload["cards"]["open"] == 3 and payload["units"][0]["label"] == d.unit_a.name

    def test_next_refresh_shows_a_change(self, client, d):
        assert self.data(client, d.city)["cards"]["open"] == 3
        w2 = Warning.objects.get(pk=d.w2.pk)
        with context.acting_as(d.owner):
            alert_services.handle(w2, d.owner, disposition_type="interview", result="约谈项目负责人，已承诺补发")
        with context.acting_as(d.city):
            alert_services.release(Warning.objects.get(pk=d.w2.pk), d.city, comment="已补发")
        data = self.data(client, d.city)
        assert data["cards"]["open"] == 2 and data["cards"]["released_month"] == 2

    def test_screen_export(self, client, d):
        client.force_login(d.city)
        wb = workbook(client.get(SCREEN_DATA, {"region": region(QINGXIU).pk, "export": "xlsx"}))
        assert wb.sheetnames == ["大屏指标", "区划分布", "等级分布", "处置阶段", "预警条件", "近30日趋势", "近12个月趋势", "单位排名"]
        overview = dict((r[0], r[1]) for r in sheet(wb, "大屏指标")[1:])
        assert overview["区划"] == "青秀区" and overview["未办结预警"] == 2 and overview["超期案件"] == 1
        assert {r[0]: r[1] for r in sheet(wb, "区划分布")[1:]} == {"青秀一网格": 2, "青秀区（本级）": 3}
