"""重大事故隐患统计分析 (/gov/se/hazards/stats/): the figures by status, equipment category, cause, region and
month (with month-on-month and year-on-year growth), the rankings, jurisdiction scope, drill-down links whose
list has the figure's count, the Excel workbook, and bad filter input.

The fixture (Nanning; M0 = this month, M-1 = last month, M-12 = the same month last year):

    h1 青秀 unit A  电梯      DT-01 + DT-02 (安全附件与保护装置 twice)   监督检查  待派单   M0
    h2 青秀 unit A  电梯      DT-03 (本体缺陷) + T-01 (使用管理)         投诉举报  待整改, 3 days overdue  M0
    h3 青秀 unit A  电梯      DT-01 (安全附件与保护装置)                 监督检查  已销号   M-1
    h4 青秀 unit B  起重机械  QZ-01 (安全附件与保护装置)                 监督检查  待派单   M-1
    h5 兴宁 unit C  压力容器  RQ-02 (本体缺陷)                           监督检查  已撤销   M0
    h6 兴宁 unit C  压力容器  RQ-01 (安全附件与保护装置)                 投诉举报  待派单   M-12
    h7 柳州 unit D  电梯      DT-01                                      监督检查  待派单   M0  (never in Nanning's figures)
"""
import datetime
import io
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from lxml import html as lxml_html
from openpyxl import load_workbook

from domains.special_equipment.hazards import services, stats
from domains.special_equipment.hazards.models import JudgementItem, MajorHazard
from domains.special_equipment.hazards.web.gov import HazardFilter
from domains.special_equipment.hazards.workflows import MAJOR
from kernel.audit.models import OperationLog
from kernel.core import context
from kernel.core.testing import make_enterprise
from kernel.org.models import Region

from .test_gov_support import LIUZHOU, NANNING, QINGXIU, World, days, lift, regulator

pytestmark = pytest.mark.django_db
STATS = "/gov/se/hazards/stats/"
SAFETY, BODY, USE = "安全附件与保护装置", "本体缺陷", "使用管理"


def month_start(back):
    today = datetime.date.today()
    index = today.year * 12 + today.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def judgement(code):
    return JudgementItem.objects.get(code=code)


class Data:
    def __init__(self):
        w = self.w = World()
        self.unit_a = w.unit
        self.unit_b = make_enterprise(QINGXIU, name="南宁青秀起重机械使用单位乙")
        self.unit_c = w.xn_unit
        self.h1 = self.report(w.qx, self.unit_a, "3000", ["DT-01", "DT-02"], equipment=w.lift)
        self.h2 = self.report(w.qx, self.unit_a, "3000", ["DT-03", "T-01"], source="complaint", equipment=w.lift)
        w.dispatch(self.h2, deadline_days=10)
        MajorHazard.objects.filter(pk=self.h2.pk).update(deadline=days(-3))  # 3 days past the deadline
        self.h3 = self.report(w.qx, self.unit_a, "3000", ["DT-01"], equipment=w.lift, found_on=month_start(1))
        self.close(self.h3)
        self.h4 = self.report(w.qx, self.unit_b, "4000", ["QZ-01"], found_on=month_start(1) + datetime.timedelta(1))
        self.h5 = self.report(w.xn, self.unit_c, "2000", ["RQ-02"])
        with context.acting_as(w.xn):
            MAJOR.apply(self.h5, "revoke", w.xn, comment="重复录入，予以撤销")
        self.h6 = self.report(w.xn, self.unit_c, "2000", ["RQ-01"], source="complaint", found_on=month_start(12))
        self.lz_unit = make_enterprise(LIUZHOU, name="柳州电梯使用单位丁")
        self.h7 = self.report(w.lz, self.lz_unit, "3000", ["DT-01"], equipment=lift(self.lz_unit))

    def report(self, by, unit, category, codes, source="supervision", **extra):
        with context.acting_as(by):
            return services.report_major_hazard(
                by, user_unit=unit, source=source, equipment_category=category, description="统计测试隐患",
                items=[{"judgement_item": judgement(c).pk, "description": judgement(c).text} for c in codes], **extra)

    def close(self, hazard):
        w = self.w
        hazard = w.review_all(w.feed_back(w.dispatch(hazard, directive="letter")))
        w.log(hazard, "supervision")
        with context.acting_as(w.qx):
            MAJOR.apply(hazard, "close", w.qx, comment="整改到位，予以销号")
        hazard.refresh_from_db()
        assert hazard.status == "closed"


@pytest.fixture
def d():
    return Data()


def page(client, user, **params):
    client.force_login(user)
    return client.get(STATS, params)


def table(response, table_id, attr="data-n"):
    """{row label: figure} of one table of the page (figures are read from the link or span's data attribute)."""
    doc = lxml_html.fromstring(response.content.decode())
    rows = {}
    for tr in doc.xpath(f'//table[@id="{table_id}"]/tbody/tr[@data-key]'):
        cells = tr.xpath("./td")
        label = cells[1].text_content().strip() if tr.xpath('.//span[contains(@class, "zw-rank")]') else \
            cells[0].text_content().strip()
        value = tr.xpath(f".//*[@{attr}]/@{attr}")
        rows[label] = int(value[0]) if value and value[0].lstrip("-").isdigit() else (value[0] if value else None)
    return rows


def links(response):
    """(figure, href) of every drill-down link on the page."""
    doc = lxml_html.fromstring(response.content.decode())
    result = []
    for a in doc.xpath("//table//a[@href]"):
        for attr in ("data-n", "data-closed", "data-overdue"):
            if a.get(attr) is not None:
                result.append((int(a.get(attr)), a.get("href")))
    for a in doc.xpath('//div[@id="stats-cards"]//a[@href]'):
        result.append((int(a.xpath(".//*[@data-value]")[0].text_content()), a.get("href")))
    return result


def cards(response):
    doc = lxml_html.fromstring(response.content.decode())
    return {el.get("data-card"): el.xpath(".//*[@data-value]")[0].text_content().strip()
            for el in doc.xpath('//*[@data-card]')}


# == figures per dimension =====================================================================================
class TestFigures:
    def test_status_cards_and_table(self, client, d):
        r = page(client, d.w.city)
        assert r.status_code == 200
        assert table(r, "t-status") == {"待派单": 3, "待整改": 1, "延期审批中": 0, "待复核": 0, "已销号": 1, "已撤销": 1}
        assert cards(r) == {"total": "6", "open": "4", "closed": "1", "overdue": "1", "closure_rate": "20.0%",
                            "this_month": "3"}

    def test_by_equipment_category(self, client, d):
        got = table(page(client, d.w.city), "t-category")
        assert got["电梯"] == 3 and got["压力容器"] == 2 and got["起重机械"] == 1
        assert got["锅炉"] == 0 and len(got) == 8
        assert list(got)[:3] == ["电梯", "压力容器", "起重机械"]  # the largest first

    def test_by_cause_counts_a_hazard_once_per_category(self, client, d):
        # h1 has two items of 安全附件与保护装置: counted once; h2 counts under 本体缺陷 and 使用管理.
        got = table(page(client, d.w.city), "t-cause")
        assert got == {SAFETY: 4, BODY: 2, USE: 1}
        assert list(got) == [SAFETY, BODY, USE]

    def test_items_without_a_criterion_are_their_own_cause(self, d):
        with context.acting_as(d.w.qx):
            services.report_major_hazard(d.w.qx, user_unit=d.unit_a, source="other", equipment_category="3000",
                                         description="其他问题", items=[{"description": "轿厢照明不足"}])
        rows = stats.by_cause(MajorHazard.objects.visible_to(d.w.qx))
        assert rows[-1] == {"key": None, "label": stats.NO_CAUSE, "n": 1}

    def test_by_region_children_of_the_city_in_one_query(self, client, d, django_assert_max_num_queries):
        r = page(client, d.w.city)
        assert table(r, "t-region")["青秀区"] == 4 and table(r, "t-region")["兴宁区"] == 2
        assert table(r, "t-region", "data-closed")["青秀区"] == 1
        assert table(r, "t-region", "data-overdue")["青秀区"] == 1
        nanning = Region.objects.get(code=NANNING)
        counties = set(Region.objects.filter(parent=nanning).values_list("name", flat=True))
        assert set(table(r, "t-region")) == counties  # every county, those without hazards at 0
        qs = MajorHazard.objects.visible_to(d.w.city)
        stats.region_path(nanning.pk)  # warm the region cache: folding needs no query per region
        with django_assert_max_num_queries(2):  # the children, and one GROUP BY
            rows = stats.by_region(qs, nanning)
        by_name = {row["label"]: row for row in rows}
        assert by_name["青秀区"]["closure_rate"] == 25.0 and by_name["兴宁区"]["closure_rate"] == 0.0
        assert by_name["兴宁区"]["revoked"] == 1

    def test_province_user_sees_cities(self, client, d):
        province = regulator("450000")
        got = table(page(client, province), "t-region")
        assert got["南宁市"] == 6 and got["柳州市"] == 1 and "青秀区" not in got

    def test_region_filter_shows_its_children_and_hazards_at_its_own_level(self, client, d):
        qx = Region.objects.get(code=QINGXIU)
        MajorHazard.objects.filter(pk=d.h1.pk).update(region=qx)  # at county level (no town): 本级
        r = page(client, d.w.city, region=qx.pk)
        assert cards(r)["total"] == "4"
        assert table(r, "t-region")["青秀区（本级）"] == 4

    def test_monthly_trend_with_month_on_month_and_year_on_year_growth(self, client, d):
        r = page(client, d.w.city)
        months = table(r, "t-month")
        assert list(months) == [month_start(back).strftime("%Y-%m") for back in range(12)]  # the newest first
        assert months[month_start(0).strftime("%Y-%m")] == 3 and months[month_start(1).strftime("%Y-%m")] == 2
        mom = table(r, "t-month", "data-mom")
        yoy = table(r, "t-month", "data-yoy")
        this, last = month_start(0).strftime("%Y-%m"), month_start(1).strftime("%Y-%m")
        assert mom[this] == "50.0"  # 3 against 2
        assert yoy[this] == "200.0"  # 3 against 1 (h6, M-12)
        assert mom[last] == "" and yoy[last] == ""  # against 0: undefined, shown as —
        assert 'class="zw-up"' in r.content.decode()  # growth shown with its direction

    def test_growth_figures(self):
        assert stats.growth(3, 2) == 50.0 and stats.growth(1, 4) == -75.0 and stats.growth(5, 0) is None
        assert stats.growth(0, 3) == -100.0 and stats.percent(1, 3) == 33.3 and stats.percent(1, 0) is None

    def test_trend_ends_with_the_date_to_month(self, d):
        end = month_start(1) + datetime.timedelta(days=5)
        rows = stats.by_month(MajorHazard.objects.visible_to(d.w.city), end)
        assert rows[-1]["key"] == month_start(1).strftime("%Y-%m") and rows[-1]["n"] == 2
        assert rows[-1]["previous"] == 0 and rows[-1]["mom"] is None

    def test_unit_ranking_order(self, client, d):
        got = table(page(client, d.w.city), "t-units")
        assert list(got.items()) == [(d.unit_a.name, 3), (d.unit_c.name, 2), (d.unit_b.name, 1)]

    def test_region_rankings(self, client, d):
        r = page(client, d.w.city)
        assert list(table(r, "t-region-rate", "data-rate").items()) == [("青秀区", "25.0"), ("兴宁区", "0.0")]
        assert table(r, "t-region-overdue", "data-overdue") == {"青秀区": 1}

    def test_filters_source_and_dates(self, client, d):
        r = page(client, d.w.city, source="complaint")
        assert cards(r)["total"] == "2" and table(r, "t-status")["待派单"] == 1
        r = page(client, d.w.city, date_from=month_start(0).isoformat())
        assert cards(r)["total"] == "3" and table(r, "t-status")["已撤销"] == 1
        r = page(client, d.w.city, date_from=month_start(1).isoformat(), date_to=(month_start(0) - datetime.timedelta(1)).isoformat())
        assert cards(r)["total"] == "2" and table(r, "t-category") ["起重机械"] == 1

    def test_cached_figures_follow_every_change(self, client, d):
        assert cards(page(client, d.w.city))["total"] == "6"
        assert cards(page(client, d.w.city))["total"] == "6"  # from the cache
        d.report(d.w.qx, d.unit_b, "4000", ["QZ-02"])
        r = page(client, d.w.city)
        assert cards(r)["total"] == "7" and table(r, "t-category")["起重机械"] == 2
        with context.acting_as(d.w.qx):
            MAJOR.apply(MajorHazard.objects.get(pk=d.h1.pk), "revoke", d.w.qx, comment="误报")
        assert table(page(client, d.w.city), "t-status")["已撤销"] == 2

    def test_aggregation_query_count_does_not_grow_with_the_data(self, client, d, django_assert_max_num_queries):
        client.force_login(d.w.city)
        client.get(STATS)  # warm sessions, permissions and region caches
        from django.core.cache import cache

        # cold figures (django-redis: only this run's keys); with Redis the session went too
        cache.delete_pattern("*") if hasattr(cache, "delete_pattern") else cache.clear()
        client.force_login(d.w.city)
        with django_assert_max_num_queries(20):  # 16: session, user, permissions, regions, 8 aggregations
            assert client.get(STATS).status_code == 200


# == scope ======================================================================================================
class TestScope:
    def test_county_user_sees_only_the_county(self, client, d):
        r = page(client, d.w.qx)
        assert cards(r)["total"] == "4"
        assert table(r, "t-units") == {d.unit_a.name: 3, d.unit_b.name: 1}
        assert d.unit_c.name not in r.content.decode()
        assert table(r, "t-category")["压力容器"] == 0

    def test_other_county_user(self, client, d):
        r = page(client, d.w.xn)
        assert cards(r)["total"] == "2" and table(r, "t-status")["已撤销"] == 1
        assert d.unit_a.name not in r.content.decode()

    def test_other_city_user_gets_nothing_from_nanning(self, client, d):
        r = page(client, d.w.lz)
        assert cards(r)["total"] == "1"
        assert table(r, "t-units") == {d.lz_unit.name: 1}
        body = r.content.decode()
        assert d.unit_a.name not in body and "青秀区" not in body

    def test_other_city_user_cannot_pick_a_nanning_region(self, client, d):
        r = page(client, d.w.lz, region=Region.objects.get(code=QINGXIU).pk)
        assert r.status_code == 400
        assert "请选择您管辖范围内的区划" in r.content.decode() and d.unit_a.name not in r.content.decode()

    def test_export_is_scoped(self, client, d):
        client.force_login(d.w.lz)
        wb = load_workbook(io.BytesIO(b"".join(client.get(STATS, {"export": "xlsx"}).streaming_content)))
        names = [row[1] for row in wb["使用单位排名"].iter_rows(min_row=2, values_only=True)]
        assert names == [d.lz_unit.name]

    def test_enterprise_user_and_anonymous_are_refused(self, client, d):
        assert client.get(STATS).status_code == 302
        client.force_login(d.w.unit_user)
        assert client.get(STATS).status_code == 403

    def test_menu_entry(self, client, d):
        client.force_login(d.w.city)
        home = client.get("/gov/").content.decode()
        assert "隐患统计分析" in home and STATS in home


# == drill-down ==================================================================================================
class TestDrillDown:
    def check_every_link(self, client, user, **params):
        r = page(client, user, **params)
        found = links(r)
        assert len(found) > 20
        for figure, href in found:
            assert href.startswith("/gov/se/hazards/?") or href == "/gov/se/hazards/", href
            listed = client.get(href)
            assert listed.status_code == 200
            assert listed.context["page"].paginator.count == figure, href
        return found

    def test_every_figure_opens_a_list_of_that_many(self, client, d):
        found = self.check_every_link(client, d.w.city)
        hrefs = [h for _, h in found]
        assert any("judgement_category=" in h for h in hrefs) and any("level=red" in h for h in hrefs)
        assert any("equipment_category=4000" in h for h in hrefs) and any("unit_name=" in h for h in hrefs)

    def test_links_keep_the_filters(self, client, d):
        found = self.check_every_link(client, d.w.city, source="supervision",
                                      date_from=month_start(1).isoformat())
        status_link = [h for _, h in found if "status=reported" in h][0]
        query = parse_qs(urlparse(status_link).query)
        assert query["source"] == ["supervision"] and query["found_from"] == [month_start(1).isoformat()]

    def test_county_user_links(self, client, d):
        self.check_every_link(client, d.w.qx)

    def test_unit_link_is_exact_when_one_name_contains_another(self, client, d):
        """unit_name alone is a "contains" match: the ranking's link also carries the unit's id."""
        longer = make_enterprise(QINGXIU, name=d.unit_b.name + "第二分公司")
        d.report(d.w.qx, longer, "4000", ["QZ-01"])
        found = self.check_every_link(client, d.w.qx)
        unit_links = [h for _, h in found if f"unit={d.unit_b.pk}&" in h or h.endswith(f"unit={d.unit_b.pk}")]
        assert unit_links
        page_ = client.get(unit_links[0])
        assert page_.context["page"].paginator.count == 1
        assert f'name="unit" value="{d.unit_b.pk}"' in page_.content.decode()  # kept by the filter form

    def test_judgement_category_filter(self, d):
        class Req:
            user = d.w.city

        def nos(value):
            f = HazardFilter({"judgement_category": value}, queryset=MajorHazard.objects.visible_to(d.w.city),
                             request=Req())
            assert f.is_valid(), f.errors
            return set(f.qs.values_list("pk", flat=True))

        assert nos(SAFETY) == {d.h1.pk, d.h3.pk, d.h4.pk, d.h6.pk}
        assert nos(USE) == {d.h2.pk}
        assert nos("") == {d.h1.pk, d.h2.pk, d.h3.pk, d.h4.pk, d.h5.pk, d.h6.pk}
        bad = HazardFilter({"judgement_category": "不存在的类别"}, queryset=MajorHazard.objects.all(), request=Req())
        assert not bad.is_valid()

    def test_list_page_offers_the_cause_filter(self, client, d):
        client.force_login(d.w.city)
        r = client.get(reverse("gov:se_hazard_list"), {"judgement_category": BODY})
        assert r.context["page"].paginator.count == 2
        assert f'<option value="{BODY}" selected>' in r.content.decode()


# == Excel ======================================================================================================
class TestExport:
    def test_workbook_has_a_sheet_per_dimension(self, client, d):
        client.force_login(d.w.city)
        r = client.get(STATS, {"source": "", "export": "xlsx"})
        assert r.status_code == 200
        wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
        assert wb.sheetnames == ["统计概况", "按状态", "按设备种类", "按隐患原因", "按区划", "月度趋势", "使用单位排名",
                                 "区划销号率排名", "区划超期排名"]

        def rows(name):
            return [list(r) for r in wb[name].iter_rows(values_only=True)]

        overview = dict((r[0], r[1]) for r in rows("统计概况")[1:])
        assert overview["隐患总数"] == 6 and overview["已销号"] == 1 and overview["销号率(%)"] == 20.0
        assert overview["区划"] == "本辖区全部"
        assert rows("按状态")[0] == ["状态", "隐患数"] and ["待派单", 3] in rows("按状态")
        assert rows("按设备种类")[1] == ["电梯", 3]
        assert rows("按隐患原因")[1:] == [[SAFETY, 4], [BODY, 2], [USE, 1]]
        region = {r[0]: r[1:] for r in rows("按区划")[1:]}
        assert region["青秀区"] == [4, 1, 0, 1, 25.0] and region["兴宁区"] == [2, 0, 1, 0, 0.0]
        month = rows("月度趋势")
        assert month[0] == ["月份", "隐患数", "上月", "环比(%)", "去年同月", "同比(%)"]
        assert month[-1] == [month_start(0).strftime("%Y-%m"), 3, 2, 50.0, 1, 200.0]
        assert [r[:3] for r in rows("使用单位排名")[1:]] == [[1, d.unit_a.name, 3], [2, d.unit_c.name, 2],
                                                            [3, d.unit_b.name, 1]]
        assert [r[:2] for r in rows("区划销号率排名")[1:]] == [[1, "青秀区"], [2, "兴宁区"]]
        assert rows("区划超期排名")[1][:2] == [1, "青秀区"]

    def test_export_follows_the_filters_and_is_audited(self, client, d):
        client.force_login(d.w.city)
        r = client.get(STATS, {"source": "complaint", "export": "xlsx"})
        wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
        overview = dict((row[0], row[1]) for row in wb["统计概况"].iter_rows(min_row=2, values_only=True))
        assert overview["隐患总数"] == 2 and overview["隐患来源"] == "投诉举报"
        op = OperationLog.objects.get(action="export", actor=d.w.city)
        assert op.detail["object"] == "隐患统计分析" and op.detail["filters"] == {"source": "complaint"}
        assert op.detail["sheets"]["按状态"] == 6

    def test_export_needs_the_export_permission(self, client, d):
        viewer = regulator(NANNING)
        viewer.roles.clear()
        from kernel.core.testing import make_role

        viewer.roles.add(make_role(["se_hazards.view_majorhazard"]))
        client.force_login(viewer)
        assert client.get(STATS).status_code == 200
        assert "stats-export" not in client.get(STATS).content.decode()
        assert client.get(STATS, {"export": "xlsx"}).status_code == 403
        assert not OperationLog.objects.filter(action="export", actor=viewer).exists()


# == bad input ==================================================================================================
class TestBadInput:
    @pytest.mark.parametrize("params, field, message", [
        ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "date_to", "发现日期止不能早于发现日期起"),
        ({"date_from": "昨天"}, "date_from", "请输入有效的日期"),
        ({"date_to": "2026-13-45"}, "date_to", "请输入有效的日期"),
        ({"source": "<script>"}, "source", "请选择有效的隐患来源"),
        ({"region": "abc"}, "region", "请选择您管辖范围内的区划"),
    ])
    def test_chinese_field_error_and_no_figures(self, client, d, params, field, message):
        r = page(client, d.w.city, **params)
        assert r.status_code == 400
        doc = lxml_html.fromstring(r.content.decode())
        errors = doc.xpath(f'//*[@data-field="{field}"]/text()')
        assert errors and message in errors[0]
        assert not doc.xpath('//*[@id="stats-cards"]') and doc.xpath('//*[@id="stats-error"]')
        assert "is-invalid" in doc.xpath(f'//*[@name="{field}"]/@class')[0]

    def test_bad_export_request_exports_nothing(self, client, d):
        r = page(client, d.w.city, date_from="2026-03-01", date_to="2026-02-01", export="xlsx")
        assert r.status_code == 400 and r["Content-Type"].startswith("text/html")
        assert not OperationLog.objects.filter(action="export").exists()
