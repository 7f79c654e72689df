"""Screenshots of the main pages in headless Chromium (test-artifacts/se_equipment_*.png)."""
import pytest

from kernel.core.testing import PASSWORD, make_enterprise
from tests.browser import login

from .factories import days, make_equipment, make_institution, make_major_hazard, make_report, regulator, role_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_main_pages(live, browser, shot):
    regulator("450100", username="se_nn_browser")
    unit = make_enterprise("450103", name="南宁青秀万象商业管理有限公司")
    institution = make_institution("450100", name="广西特检院南宁分院")
    lifts = [make_equipment(unit=unit, name=f"{n}号客梯", next_inspection_on=days(90 - 40 * n)) for n in range(1, 4)]
    make_equipment(unit=unit, category="2000", name="储气罐")
    bad = make_report(lifts[0], agency=institution, conclusion="unqualified", problems="限速器-安全钳联动试验不合格")
    make_report(lifts[1], agency=institution, conclusion="nonconforming", problems="制动器制动力不足")
    make_report(lifts[2], agency=institution, conclusion="qualified")
    make_major_hazard(bad, status="rectifying", deadline=days(15))
    role_user(institution, "se_institution", username="se_inst_browser")

    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    login(page, live.url, "se_nn_browser", PASSWORD)
    page.click("text=设备管理")
    page.wait_for_selector("#result-table")
    assert "共 4 条" in page.inner_text("#result-count")
    shot(page, "se_equipment_list")
    page.click(f"text={lifts[0].code}")
    page.wait_for_selector("#major-hazards")
    assert "待整改" in page.inner_text("#major-hazards")
    shot(page, "se_equipment_portrait")
    page.click(f"dd a:has-text('{unit.name}')")
    page.wait_for_selector("#unit-categories")
    assert page.inner_text("#stat-total") == "4"
    shot(page, "se_unit_portrait")
    page.goto(f"{live.url}/gov/se/reports/unreported/")
    page.wait_for_selector("#result-table")
    assert "共 1 条" in page.inner_text("#result-count")
    shot(page, "se_unreported_list")
    page.goto(f"{live.url}/gov/se/reports/")
    shot(page, "se_report_list")
    page.close()

    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    login(page, live.url, "se_inst_browser", PASSWORD, entrance="ent")
    page.goto(f"{live.url}/ent/se/reports/new/")
    page.fill("#id_equipment_code", lifts[2].code)
    page.wait_for_selector("#lookup-found")
    page.fill("#id_report_no", "BROWSER-0001")
    page.fill("#id_inspected_on", str(days(-1)))
    page.select_option("#id_conclusion", "unqualified")
    page.fill("#id_problems", "门锁电气安全装置被短接")
    shot(page, "se_report_form")
    page.click("button:has-text('保存')")
    page.wait_for_selector("#report-hazard")
    assert "/ent/se/hazards/new/?report=" in page.get_attribute("#report-hazard", "href")
    shot(page, "se_report_detail_institution")
    page.close()
