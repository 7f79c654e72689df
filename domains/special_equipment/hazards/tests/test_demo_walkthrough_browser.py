"""The README's click-through on the data `seed_demo` loads, as the demo accounts, in headless Chromium:
inst_demo reports the hazard of its pending non-conforming report → qx_staff dispatches it with a
整改通知书 (the Word file names ent_demo's unit and the deadline) → ent_demo feeds back → inst_demo
returns one item → ent_demo fixes it → inst_demo passes it → qx_staff records the logs and closes.
To-dos lead each person to the hazard; each step's SMS is in the outbox."""
import io

import pytest
from django.core.management import call_command
from docx import Document

from domains.special_equipment.equipment.models import InspectionReport
from domains.special_equipment.hazards.models import MajorHazard
from kernel.accounts.demo import DEMO_PASSWORD
from kernel.accounts.models import User
from kernel.notify.models import SmsMessage
from tests.browser import login

from .test_closed_loop_browser import add_logs_and_close, follow_todo, return_hazard, review_items
from .test_ent_support import days

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def as_demo(browser, live, username, entrance):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    login(page, live.url, username, DEMO_PASSWORD, entrance=entrance)
    return page


def test_readme_walkthrough_on_the_demo_data(live, browser, shot):
    call_command("seed_demo", stdout=io.StringIO())
    unit_user = User.objects.get(username="ent_demo")
    report = InspectionReport.objects.get(report_no__startswith="TJDEMO", report_no__endswith="09")
    sms_before = SmsMessage.objects.filter(phone=unit_user.phone).count()

    inst = as_demo(browser, live, "inst_demo", "ent")  # 1. the institution reports from its report
    inst.goto(f"{live.url}/ent/se/hazards/")
    assert report.report_no in inst.inner_text("#pending-reports")
    inst.click(f"#pending-reports tr:has-text('{report.report_no}') a:has-text('上报隐患')")
    boxes = inst.locator("input[id^=ji-]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    inst.fill("#id_requirement", "立即停用起重机，修复限位器和主梁焊缝，经检验合格后使用")
    inst.fill("#id_deadline", days(45).isoformat())
    inst.click("#hazard-form button[type=submit]")
    inst.wait_for_selector("#hazard-state")
    hazard = MajorHazard.objects.get(report=report)
    assert hazard.user_unit == unit_user.organisation and hazard.items.count() == 2

    reg = as_demo(browser, live, "qx_staff", "gov")  # 2. the county regulator dispatches with a notice
    follow_todo(reg, live, "gov", hazard)
    reg.check("#dispatch-form input[name=directive][value=notice]")
    reg.fill("#dispatch-form [name=deadline]", days(30).isoformat())
    reg.fill("#dispatch-form [name=requirement]", "停用起重机，修复后申请检验")
    reg.fill("#dispatch-form [name=comment]", "限期整改")
    reg.click("#dispatch-hazard")
    reg.wait_for_selector("#download-docx")
    with reg.expect_download() as info:
        reg.click("#download-docx")
    text = "\n".join(p.text for p in Document(info.value.path()).paragraphs)
    deadline = days(30)
    assert unit_user.organisation.name in text and f"{deadline.year}年{deadline.month}月{deadline.day}日" in text

    unit = as_demo(browser, live, "ent_demo", "ent")  # 3. the unit answers each item
    follow_todo(unit, live, "ent", hazard)
    first, second = hazard.items.order_by("id")
    for item in (first, second):
        unit.fill(f"#id_item_{item.pk}", "已更换限位器并补焊主梁，维保单位自检合格")
    unit.fill("#id_comment", "整改完成")
    unit.click("#submit-feedback")
    unit.wait_for_selector("#hazard-state")

    follow_todo(inst, live, "ent", hazard)  # 4. the institution returns one item
    review_items(inst, {first: ("return", "焊缝无探伤报告"), second: ("pass", "限位器已更换")})
    return_hazard(inst, "请补充焊缝探伤报告")

    follow_todo(unit, live, "ent", hazard)  # 5. the unit fixes the returned item
    unit.fill(f"#id_item_{first.pk}", "已补充焊缝探伤报告（合格）")
    unit.fill("#id_comment", "退回项已整改")
    unit.click("#submit-feedback")
    unit.wait_for_selector("#hazard-state")

    follow_todo(inst, live, "ent", hazard)  # 6. the institution passes it; the regulator closes
    review_items(inst, {first: ("pass", "探伤报告合格")})
    inst.wait_for_selector("#review-panel")
    follow_todo(reg, live, "gov", hazard)
    add_logs_and_close(reg, "韦监察", [("supervision", "现场核查整改到位"), ("review", "复核通过")], "整改到位，予以销号")
    assert "已销号" in reg.inner_text("#hazard-state")
    shot(reg, "se_demo_walkthrough_closed")

    templates = list(SmsMessage.objects.filter(phone=unit_user.phone).order_by("id")
                     .values_list("template__code", flat=True))[sms_before:]
    assert templates == ["se_hazard_reported", "se_hazard_dispatched", "se_hazard_returned", "se_hazard_closed"]
    for page in (inst, reg, unit):
        page.context.close()
