"""The warning big screen (预警大屏) and the statistics page in a real browser (headless Chromium against a live
server): a Nanning inspector sees the counts, drills into 青秀区 by clicking its column and back up, a warning
released meanwhile shows on the next refresh (the page's refresh function, called instead of waiting 30 s), and a
Liuzhou inspector's screen refuses a Nanning region. Screenshots go to test-artifacts/."""
import pytest

from kernel.alerts import services as alert_services
from kernel.alerts.models import Warning
from kernel.core import context
from kernel.core.testing import PASSWORD
from tests.browser import login

from .test_stats import QINGXIU, SCREEN, STATS, Data, region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREEN_CHARTS = ["c-region", "c-level", "c-status", "c-trend", "c-rule", "c-units"]
STATS_CHARTS = ["c-region", "c-status", "c-rule", "c-origin", "c-grid", "c-auto-rule", "c-auto-month", "c-month",
                "c-units"]


def page_for(browser, live, user, width=1920, height=1080):
    context_ = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context_.new_page()
    login(page, live.url, user.username, PASSWORD)
    return page


def card(page, key):
    return page.inner_text(f'[data-card="{key}"] .v')


def trail(page):
    return [t.strip() for t in page.locator("#trail [data-region]").all_inner_texts()]


def click_region_column(page, label):
    """Click the middle of a region's pseudo-3D column (a custom series: its pixel from the chart's axes)."""
    point = page.evaluate("""(label) => {
        const chart = echarts.getInstanceByDom(document.getElementById('c-region'));
        const labels = chart.getOption().xAxis[0].data;
        const i = labels.indexOf(label);
        const value = chart.getOption().series[0].data[i][1];
        const [x, y] = chart.convertToPixel({seriesIndex: 0}, [i, value / 2]);
        const rect = document.getElementById('c-region').getBoundingClientRect();
        return {x: rect.left + x, y: rect.top + y};
    }""", label)
    page.mouse.click(point["x"], point["y"])


def test_inspector_drills_the_screen_and_sees_a_release(live, browser, shot):
    d = Data()
    page = page_for(browser, live, d.city)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.click("text=预警大屏")  # the menu entry
    page.wait_for_selector("#c-region canvas")
    assert page.url.endswith(SCREEN)
    for chart in SCREEN_CHARTS:
        box = page.locator(f"#{chart} canvas").first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 120, chart
    assert (card(page, "open"), card(page, "approving"), card(page, "released_month"), card(page, "overdue_cases")) == \
        ("3", "1", "1", "1")
    assert trail(page) == ["南宁市"] and page.is_disabled("#drill-up")
    page.wait_for_timeout(700)  # the opening animation
    shot(page, "labor_screen_city")

    # Drill into 青秀区 by clicking its column: the grid and the county's own warnings, no reload.
    page.evaluate("window.__noReload = true")
    click_region_column(page, "青秀区")
    page.wait_for_function("() => document.querySelector('#trail .cur').textContent === '青秀区'")
    assert trail(page) == ["南宁市", "青秀区"]
    assert card(page, "open") == "2" and card(page, "total") == "5"
    labels = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('c-region')).getOption().xAxis[0].data")
    assert labels == ["青秀一网格", "青秀区（本级）"]
    assert page.url.endswith(f"?region={region(QINGXIU).pk}")
    page.wait_for_timeout(700)
    shot(page, "labor_screen_qingxiu")

    # The indicator choice redraws the columns with another figure.
    page.select_option("#metric", "total")
    values = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('c-region')).getOption().series[0].data.map(v => v[1])")
    assert values == [2, 3]

    # Back up to the city.
    page.click("#drill-up")
    page.wait_for_function("() => document.querySelector('#trail .cur').textContent === '南宁市'")
    assert card(page, "open") == "3" and page.evaluate("window.__noReload") is True  # the same page: no reload

    # A warning is released meanwhile; the next refresh (called now rather than in 30 s) shows the change.
    w2 = Warning.objects.get(pk=d.w2.pk)
    with context.acting_as(d.owner):
        alert_services.handle(w2, d.owner, disposition_type="interview", result="约谈项目负责人，已承诺补发")
    with context.acting_as(d.city):
        alert_services.release(Warning.objects.get(pk=d.w2.pk), d.city, comment="工资已补发")
    refreshed = page.evaluate("() => window.zwScreen.refresh().then((d) => d.cards)")
    assert refreshed["open"] == 2 and refreshed["released_month"] == 2
    assert card(page, "open") == "2" and card(page, "released_month") == "2"
    assert errors == []

    # The figures on screen export to Excel.
    with page.expect_download() as download:
        page.click("#screen-export")
    assert download.value.suggested_filename.startswith("欠薪预警监测大屏")


def test_liuzhou_screen_refuses_a_nanning_region(live, browser, shot):
    d = Data()
    page = page_for(browser, live, d.lz)
    page.goto(f"{live.url}{SCREEN}")
    page.wait_for_selector("#c-region canvas")
    assert card(page, "total") == "1" and trail(page) == ["柳州市"]
    page.evaluate(f"() => window.zwScreen.drill({region(QINGXIU).pk})")
    page.wait_for_function("() => document.querySelector('#status').classList.contains('err')")
    assert "不在您的管辖范围内" in page.inner_text("#status")
    assert trail(page) == ["柳州市"] and card(page, "total") == "1"  # still Liuzhou's figures
    response = page.goto(f"{live.url}{SCREEN}?region={region(QINGXIU).pk}")
    assert response.status == 404


def test_statistics_page(live, browser, shot):
    d = Data()
    page = page_for(browser, live, d.city, width=1600, height=1000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.click("text=预警统计分析")
    page.wait_for_selector("#c-units canvas")
    assert page.url.endswith(STATS)
    for chart in STATS_CHARTS:
        box = page.locator(f"#{chart} canvas").first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200, chart
    assert errors == []
    assert page.inner_text('[data-card="total"] [data-value]') == "7"
    shot(page, "labor_stats_city")

    # Drill into 青秀区 from the region table, then open its grid's warnings.
    page.click('#t-region a.zw-drill:has-text("青秀区")')
    page.wait_for_selector("#c-units canvas")
    assert page.inner_text('[data-card="total"] [data-value]') == "5"
    assert "青秀一网格" in page.inner_text("#t-region")
    page.click('#t-grid tr[data-key] td:nth-child(4) a')
    assert "共 2 条" in page.inner_text("#result-count")
    shot(page, "labor_stats_grid_query")

    # A bad date: the Chinese error, no charts.
    page.goto(f"{live.url}{STATS}?date_from=2026-02-31")
    assert "请输入有效的日期" in page.inner_text("#stats-filter")
    assert page.locator("canvas").count() == 0
