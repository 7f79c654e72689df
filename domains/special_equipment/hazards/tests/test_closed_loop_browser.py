"""The acceptance scenario of the major-hazard closed loop, end to end in headless Chromium:

an inspection institution reports a major hazard from its report → the county regulator dispatches
it with a rectification notice (the Word document downloads and names the unit and the deadline) →
the unit's safety manager feeds back → the institution returns one item → the unit fixes it → the
institution passes it, the regulator records the supervision and review logs and closes (销号).
At each step the person whose turn it is finds it among their to-dos, and the SMS the step sends
is in the simulator's log. The closed hazard shows its whole history."""
import io

import pytest
from docx import Document

from kernel.core.testing import PASSWORD
from kernel.notify.models import SmsMessage
from kernel.todos.models import Todo
from tests.browser import login

from .test_ent_support import World, days, make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_page(browser, live, user, entrance):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    login(page, live.url, user.username, PASSWORD, entrance=entrance)
    return page


def follow_todo(page, live, entrance, hazard):
    """The person opens their to-do list and clicks the hazard's to-do."""
    page.goto(f"{live.url}/{entrance}/todos/")
    link = page.locator(f"a:has-text('{hazard.no}')").first
    link.click()
    page.wait_for_selector("#hazard-state")


def review_items(page, verdicts):
    """The reporting institution's per-item review: {item: (verdict "pass"/"return", comment)}."""
    for item, (verdict, comment) in verdicts.items():
        page.fill(f"form[data-review='{item.pk}'] input[name=comment]", comment)
        page.click(f"form[data-review='{item.pk}'] button[value={verdict}]")


def return_hazard(page, reason):
    page.fill("#return-form textarea", reason)
    page.click("#return-hazard")
    page.wait_for_selector("#hazard-state")


def add_logs_and_close(page, inspectors, logs, comment):
    """The regulator records each (kind, content) log, then closes (复核销号)."""
    for kind, content in logs:
        page.select_option("#log-form [name=kind]", kind)
        page.fill("#log-form [name=date]", days(0).isoformat())
        page.fill("#log-form [name=inspectors]", inspectors)
        page.fill("#log-form [name=content]", content)
        page.click("#add-log")
        page.wait_for_selector(f"#logs [data-log={kind}]")
    page.fill("#close-form [name=comment]", comment)
    page.click("#close-hazard")
    page.wait_for_selector("#hazard-state")


def sms_for(phone, template):
    return SmsMessage.objects.filter(phone=phone, template__code=template)


def test_the_whole_closed_loop(live, browser, shot):
    from domains.special_equipment.hazards.models import MajorHazard

    w = World()
    w.unit_user.phone = "13907710001"
    w.unit_user.save(update_fields=["phone"])
    w.inst_user.phone = "13907710002"
    w.inst_user.save(update_fields=["phone"])
    report = make_report(w.equipment, w.institution)
    first_item, second_item = w.items

    # 1. The institution reports the hazard from its inspection report.
    inst = open_page(browser, live, w.inst_user, "ent")
    inst.goto(f"{live.url}/ent/se/hazards/")
    inst.click("#pending-reports a:has-text('上报隐患')")
    for item in w.items:
        inst.check(f"#ji-{item.pk}")
    inst.fill("#id_requirement", "立即停用，更换限速器并经检验合格后方可使用")
    inst.fill("#id_deadline", days(40).isoformat())
    inst.click("#hazard-form button[type=submit]")
    inst.wait_for_selector("#hazard-state")
    assert "待派单" in inst.inner_text("#hazard-state")
    hazard = MajorHazard.objects.get(report=report)
    assert hazard.user_unit == w.unit and hazard.reporter_org == w.institution
    assert sms_for(w.unit_user.phone, "se_hazard_reported").count() == 1  # the unit hears of it at once
    assert Todo.objects.filter(object_id=str(hazard.pk), status="open", role_code="se_regulator").exists()

    # 2. The county regulator finds it among its to-dos and dispatches it with a rectification notice.
    reg = open_page(browser, live, w.regulator, "gov")
    follow_todo(reg, live, "gov", hazard)
    reg.check("#dispatch-form input[name=directive][value=notice]")
    deadline = days(30)
    reg.fill("#dispatch-form [name=deadline]", deadline.isoformat())
    reg.fill("#dispatch-form [name=requirement]", "停用电梯，更换限速器，检验合格后恢复使用")
    reg.fill("#dispatch-form [name=comment]", "请于期限内整改并反馈")
    shot(reg, "se_loop_1_dispatch_form")
    reg.click("#dispatch-hazard")
    reg.wait_for_selector("#download-docx")
    assert "待整改" in reg.inner_text("#hazard-state")
    with reg.expect_download() as info:
        reg.click("#download-docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(open(info.value.path(), "rb").read())).paragraphs)
    hazard.refresh_from_db()
    assert hazard.directive == "notice" and hazard.deadline == deadline
    assert w.unit.name in text
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日" in text or deadline.isoformat() in text
    assert sms_for(w.unit_user.phone, "se_hazard_dispatched").count() == 1
    shot(reg, "se_loop_2_dispatched")

    # 3. The unit's safety manager answers each item from its to-do.
    unit = open_page(browser, live, w.unit_user, "ent")
    follow_todo(unit, live, "ent", hazard)
    items = {i.judgement_item_id: i for i in hazard.items.all()}
    for item in items.values():
        unit.fill(f"#id_item_{item.pk}", "已更换限速器，维保单位自检合格")
    unit.fill("#id_comment", "整改完成，申请复核")
    unit.click("#submit-feedback")
    unit.wait_for_selector("#hazard-state")
    assert "待复核" in unit.inner_text("#hazard-state")
    assert sms_for(w.inst_user.phone, "se_hazard_fed_back").count() == 1  # the institution is told

    # 4. The institution, which reported it, reviews item by item and returns the first one.
    follow_todo(inst, live, "ent", hazard)
    returned, passed = items[first_item.pk], items[second_item.pk]
    review_items(inst, {returned: ("return", "未提供限速器校验报告"), passed: ("pass", "门锁已修复，现场核实")})
    return_hazard(inst, "限速器须提供校验合格报告")
    assert "待整改" in inst.inner_text("#hazard-state")
    assert sms_for(w.unit_user.phone, "se_hazard_returned").count() == 1

    # 5. The unit fixes the returned item (the passed one stays closed) and feeds back again.
    follow_todo(unit, live, "ent", hazard)
    assert unit.locator(f"#id_item_{passed.pk}").count() == 0
    unit.fill(f"#id_item_{returned.pk}", "已补充限速器校验报告（编号XS-2026-118）")
    unit.fill("#id_comment", "退回项已整改")
    unit.click("#submit-feedback")
    unit.wait_for_selector("#hazard-state")
    assert "待复核" in unit.inner_text("#hazard-state")

    # 6. The institution passes the last item; the regulator records the logs and closes.
    follow_todo(inst, live, "ent", hazard)
    inst.fill(f"form[data-review='{returned.pk}'] input[name=comment]", "校验报告合格")
    inst.click(f"form[data-review='{returned.pk}'] button[value=pass]")
    inst.wait_for_selector("#review-panel")
    assert "全部隐患明细已复核销项" in inst.inner_text("#review-panel")

    follow_todo(reg, live, "gov", hazard)
    reg.click("#close-hazard")  # neither log yet: refused with the reasons, still open
    reg.wait_for_selector("#hazard-state")
    assert "没有监察日志" in reg.inner_text("#close-form")
    assert MajorHazard.objects.get(pk=hazard.pk).status == "feedback"
    add_logs_and_close(reg, "韦监察、黄监察", [("supervision", "现场检查：限速器已更换"),
                                          ("review", "复核：整改到位，同意销号")], "整改到位，予以销号")
    assert "已销号" in reg.inner_text("#hazard-state")
    assert sms_for(w.unit_user.phone, "se_hazard_closed").count() == 1
    assert not Todo.objects.filter(object_id=str(hazard.pk), status="open").exists()

    # The closed hazard shows its whole log.
    history = reg.inner_text("#workflow-history")
    for step in ("派单督办", "提交整改反馈", "退回整改", "复核销号"):
        assert step in history, step
    assert history.count("提交整改反馈") == 2
    assert "现场检查：限速器已更换" in reg.inner_text("#logs")
    shot(reg, "se_loop_3_closed")
    for page in (inst, reg, unit):
        page.context.close()
