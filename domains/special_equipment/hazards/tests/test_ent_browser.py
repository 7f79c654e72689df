"""The enterprise-entrance hazard pages in a real browser (headless Chromium against a live server):
a unit reports and answers a hazard, an institution reports from its inspection report and reviews
item by item, a general hazard is rectified and accepted. Screenshots go to test-artifacts/."""
import pytest

from kernel.core.testing import PASSWORD
from tests.browser import login

from .test_ent_support import World, make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def page_for(browser, live, user):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    login(page, live.url, user.username, PASSWORD, entrance="ent")
    return page


def test_unit_reports_and_answers_a_major_hazard(live, browser, shot):
    world = World()
    page = page_for(browser, live, world.unit_user)
    page.click("text=重大事故隐患")
    page.click("#report-hazard")
    page.select_option("#id_equipment", str(world.equipment.pk))
    page.select_option("#id_equipment_category", "3000")
    page.wait_for_selector(f"#ji-{world.items[0].pk}")  # HTMX loaded the lift criteria
    page.check(f"#ji-{world.items[0].pk}")
    page.fill("#id_description", "自查发现电梯层门门锁被短接")
    shot(page, "ent_hazard_report_form")
    page.click("#hazard-form button[type=submit]")
    page.wait_for_selector("#hazard-state")
    assert "待派单" in page.inner_text("#hazard-state")
    shot(page, "ent_hazard_detail_reported")

    from domains.special_equipment.hazards.models import MajorHazard

    hazard = world.dispatch(MajorHazard.objects.get(user_unit=world.unit))
    page.goto(f"{live.url}/ent/se/hazards/?tab=todo")
    assert "共 1 条" in page.inner_text("#result-count")
    shot(page, "ent_hazard_list_todo")
    page.click(f"text={hazard.no}")
    page.click("#submit-feedback")  # nothing filled in: field errors, state unchanged
    page.wait_for_selector(".invalid-feedback")
    assert "请填写该项隐患的整改情况" in page.inner_text("#hazard-items")
    item = hazard.items.get()
    page.fill(f"#id_item_{item.pk}", "已恢复门锁电气安全装置并经维保单位自检")
    page.fill("#id_comment", "整改完成，申请销号")
    page.set_input_files(".zw-attachment-upload input[type=file]", files=[{
        "name": "整改照片.png", "mimeType": "image/png", "buffer": _png()}])
    page.click(".zw-attachment-upload button[type=submit]")
    page.wait_for_selector("text=整改照片.png")
    page.fill(f"#id_item_{item.pk}", "已恢复门锁电气安全装置并经维保单位自检")
    page.fill("#id_comment", "整改完成，申请销号")
    shot(page, "ent_hazard_detail_feedback")
    page.click("#submit-feedback")
    page.wait_for_selector("#hazard-state")
    assert "待复核" in page.inner_text("#hazard-state")
    shot(page, "ent_hazard_detail_fed_back")
    page.context.close()


def test_institution_reports_from_its_inspection_report_and_reviews_items(live, browser, shot):
    world = World()
    report = make_report(world.equipment, world.institution)
    page = page_for(browser, live, world.inst_user)
    page.goto(f"{live.url}/ent/se/hazards/")
    assert report.report_no in page.inner_text("#pending-reports")
    shot(page, "ent_institution_hazard_list")
    page.click("#pending-reports a:has-text('上报隐患')")
    assert page.input_value("#id_report_no") == report.report_no
    for item in world.items:
        page.check(f"#ji-{item.pk}")
    page.fill("#id_requirement", "立即停梯，更换限速器后申请复检")
    page.fill("#id_deadline", world_date(25))
    shot(page, "ent_institution_report_form")
    page.click("#hazard-form button[type=submit]")
    page.wait_for_selector("#hazard-state")

    from domains.special_equipment.hazards.models import MajorHazard

    hazard = world.fed_back(MajorHazard.objects.get(reporter_org=world.institution))
    first, second = hazard.items.order_by("id")
    page.goto(f"{live.url}/ent/se/hazards/{hazard.pk}/")
    page.click(f"form[data-review='{first.pk}'] button[value=return]")  # no comment: refused
    assert "退回整改须填写复核意见" in page.inner_text(f"li[data-item='{first.pk}']")
    page.fill(f"form[data-review='{first.pk}'] input[name=comment]", "限速器未提供校验报告")
    page.click(f"form[data-review='{first.pk}'] button[value=return]")
    page.fill(f"form[data-review='{second.pk}'] input[name=comment]", "门锁已修复")
    page.click(f"form[data-review='{second.pk}'] button[value=pass]")
    page.wait_for_selector("#return-form")
    shot(page, "ent_institution_review")
    page.fill("#return-form textarea", "限速器须经校验合格")
    page.click("#return-hazard")
    page.wait_for_selector("#hazard-state")
    assert "待整改" in page.inner_text("#hazard-state")
    page.context.close()


def test_general_hazard_rectified_and_accepted(live, browser, shot):
    world = World()
    page = page_for(browser, live, world.unit_user)
    page.click("text=隐患排查计划")
    page.click("text=新增")
    page.select_option("#id_period", "monthly")
    page.fill("#id_number", "6")
    page.fill("#id_title", "6月份特种设备隐患排查")
    page.click("form.zw-form button[type=submit]")
    page.click("#register-from-plan")
    page.fill("#id_category", "安全附件")
    page.fill("#id_problem", "储气罐压力表超过校验有效期")
    page.fill("#id_hazard_source", "1号储气罐")
    page.fill("#id_deadline", world_date(7))
    page.select_option("#id_responsible", str(world.worker.pk))
    shot(page, "ent_general_form")
    page.click("#general-form button[type=submit]")
    page.wait_for_selector("#general-state")
    shot(page, "ent_general_detail_registered")
    url = page.url
    page.context.close()

    page = page_for(browser, live, world.worker)
    assert "一般隐患待整改" in page.inner_text("body")  # the to-do on the home page
    page.goto(url)
    page.fill("#id_handling_result", "已更换经校验合格的压力表")
    shot(page, "ent_general_rectify")
    page.click("#submit-rectify")
    page.wait_for_selector("#general-state")
    assert "待验收" in page.inner_text("#general-state")
    page.context.close()

    page = page_for(browser, live, world.unit_user)
    page.goto(url)
    page.fill("#id_opinion", "现场核查，压力表已更换，验收通过")
    shot(page, "ent_general_accept")
    page.click("#accept-general")
    page.wait_for_selector("#acceptance-result")
    assert "验收通过" in page.inner_text("#general-state")
    shot(page, "ent_general_accepted")
    page.goto(f"{live.url}/ent/se/general-hazards/")
    shot(page, "ent_general_list")
    page.context.close()


def world_date(n):
    from .test_ent_support import days

    return days(n).isoformat()


def _png():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()
