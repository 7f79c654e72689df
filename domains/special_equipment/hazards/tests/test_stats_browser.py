"""The hazard statistics page in a real browser (headless Chromium against a live server): a city regulator
sees every chart drawn (ECharts canvases), clicks a bar and lands on the hazard list with that many hazards,
and a wrong date range shows the Chinese error. Screenshots go to test-artifacts/."""
import re

import pytest

from kernel.core.testing import PASSWORD
from tests.browser import login

from .test_stats import STATS, Data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHARTS = ["c-status", "c-category", "c-cause", "c-month", "c-region", "c-units", "c-region-rate", "c-region-overdue"]


def page_for(browser, live, user):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    login(page, live.url, user.username, PASSWORD)
    return page


def test_city_regulator_dashboard(live, browser, shot):
    d = Data()
    page = page_for(browser, live, d.w.city)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.click("text=隐患统计分析")  # the menu entry
    page.wait_for_selector("#c-region-overdue canvas")
    assert page.url.endswith(STATS)
    for chart in CHARTS:
        box = page.locator(f"#{chart} canvas").first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 200, chart
    assert errors == []
    assert page.inner_text('[data-card="total"] [data-value]') == "6"
    assert "青秀区" in page.inner_text("#t-region")
    shot(page, "se_hazard_stats_city")

    # Click the 电梯 bar of the equipment-category chart: the list of the 3 lift hazards opens.
    point = page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.getElementById('c-category'));
        const axis = chart.getOption().yAxis[0].data;
        const [x, y] = chart.convertToPixel({seriesIndex: 0}, [1, axis.indexOf('电梯')]);
        const rect = document.getElementById('c-category').getBoundingClientRect();
        return {x: rect.left + x, y: rect.top + y};
    }""")
    with page.expect_navigation():
        page.mouse.click(point["x"], point["y"])
    assert "equipment_category=3000" in page.url
    assert "共 3 条" in page.inner_text("#result-count")

    # A wrong date range: the Chinese error, no charts.
    page.goto(f"{live.url}{STATS}?date_from=2026-03-01&date_to=2026-02-01")
    assert "发现日期止不能早于发现日期起" in page.inner_text("#stats-filter")
    assert page.locator("canvas").count() == 0
    shot(page, "se_hazard_stats_bad_range")


def test_county_regulator_sees_the_county(live, browser, shot):
    d = Data()
    page = page_for(browser, live, d.w.qx)
    page.goto(f"{live.url}{STATS}")
    page.wait_for_selector("#c-month canvas")
    assert page.inner_text('[data-card="total"] [data-value]') == "4"
    assert d.unit_c.name not in page.content()
    page.click("#t-units a >> nth=0")  # the first unit of the ranking: its hazards
    assert re.search(r"共 3 条", page.inner_text("#result-count"))
    shot(page, "se_hazard_stats_drill_unit")


def test_a_year_of_hazards_across_the_city(live, browser, shot):
    """A fuller picture (a year of hazards in four counties) for the dashboard's screenshot."""
    import datetime
    import itertools

    from domains.special_equipment.hazards.models import MajorHazard
    from kernel.core.testing import make_enterprise

    from .test_gov_support import days, regulator, unit_user
    from .test_stats import month_start

    d = Data()
    codes = {"3000": ["DT-01", "DT-03", "DT-04"], "4000": ["QZ-01", "QZ-02"], "2000": ["RQ-01", "RQ-02"],
             "1000": ["GL-02"], "5000": ["CC-01"], "6000": ["YL-01"]}
    counties = ["450103", "450102", "450105", "450107"]
    people = {code: regulator(code) for code in counties}
    units = {code: [make_enterprise(code, name=f"南宁{code}号测试使用单位{i}") for i in range(3)] for code in counties}
    for unit in itertools.chain(*units.values()):
        unit_user(unit)  # receives the unit's to-dos
    categories = itertools.cycle(["3000", "3000", "4000", "2000", "3000", "1000", "5000", "4000", "6000"])
    created = 0
    for back in range(12):
        for i in range(2 + (11 - back) % 4 + (back % 3)):
            county = counties[(back + i) % 4]
            category = next(categories)
            hazard = d.report(people[county], units[county][i % 3], category, [codes[category][i % len(codes[category])]],
                              source=["supervision", "inspection", "complaint", "unit"][i % 4],
                              found_on=month_start(back) + datetime.timedelta(days=i))
            created += 1
            if i % 3 == 1:
                d.w.dispatch(hazard, by=people[county], deadline_days=15)
                if back > 2:
                    MajorHazard.objects.filter(pk=hazard.pk).update(deadline=days(-back))
    page = page_for(browser, live, d.w.city)
    page.goto(f"{live.url}{STATS}")
    page.wait_for_selector("#c-region-overdue canvas")
    assert page.inner_text('[data-card="total"] [data-value]') == str(6 + created)
    assert page.locator("canvas").count() == len(CHARTS)
    shot(page, "se_hazard_stats_year")
