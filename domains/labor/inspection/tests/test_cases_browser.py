"""A county inspector registers a complaint in headless Chromium, accepts it, files it and closes it with a
result; the list shows the case with its limit and supervisor at each step, and the Word form downloads."""
import io

import pytest
from docx import Document

from domains.labor.inspection.models import Complaint
from kernel.calendar.services import add_working_days
from kernel.core.testing import PASSWORD
from tests.browser import login

from .cases_support import World, valid_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_inspector_registers_accepts_files_and_closes_a_case(live, browser, shot):
    w = World()
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    login(page, live.url, w.qx.username, PASSWORD)

    # registration, with one bad field first: the page says what is wrong and keeps the input
    page.goto(f"{live.url}/gov/labor/complaints/")
    page.click("#add-complaint")
    page.select_option("#id_channel", "visit")
    page.fill("#id_complainant_name", "张三")
    page.fill("#id_complainant_id_number", "450103199003071239")
    page.fill("#id_complainant_phone", "13807710001")
    page.fill("#id_respondent_name", w.unit.name)
    page.fill("#id_respondent_address", "南宁市青秀区民族大道100号")
    page.fill("#id_workers_involved", "12")
    page.fill("#id_amount_owed", "186000")
    page.fill("#id_facts", "青秀区某工地拖欠12名农民工3个月工资共计18.6万元。")
    page.select_option("#id_supervisor", str(w.leader.pk))
    page.click("#save-complaint")
    assert page.locator("[data-field=complainant_id_number]").inner_text() == "身份证号码校验位错误"
    assert Complaint.objects.count() == 0
    page.fill("#id_complainant_id_number", valid_id())
    page.click("#save-complaint")
    page.wait_for_selector("#complaint-state")
    complaint = Complaint.objects.get()
    assert page.locator("#complaint-state").inner_text() == "待受理"
    assert f"受理期限 {complaint.accept_due:%Y-%m-%d}" in page.locator("#complaint-due").inner_text()
    assert page.locator("#supervisor-name").inner_text() == w.leader.display_name

    # the list: the case, its acceptance limit, days left and supervisor; the complainant masked
    page.goto(f"{live.url}/gov/labor/complaints/")
    row = page.locator("#result-table tbody tr", has_text=complaint.no)
    assert "待受理" in row.inner_text() and w.leader.display_name in row.inner_text() and "张*" in row.inner_text()
    assert "剩余5天" in row.inner_text()
    shot(page, "labor_complaint_list")

    # accept, file, close
    page.click(f"text={complaint.no}")
    page.fill("#accept-form textarea", "属于劳动保障监察管辖范围，予以受理")
    page.click("[data-decision=accept]")
    page.wait_for_selector("text=已受理，请在5个工作日内立案")
    assert page.locator("#complaint-state").inner_text() == "待立案"
    page.click("[data-decision=file]")
    page.wait_for_selector("text=已立案，办结期限为立案后60个工作日")
    complaint.refresh_from_db()
    assert complaint.finish_due == add_working_days(complaint.filed_on, 60)
    assert page.locator("#finish-due").inner_text().startswith(f"{complaint.finish_due:%Y-%m-%d}")
    page.click("[data-decision=close]")  # without a result: refused, nothing changes
    assert page.locator("[data-field=result]").inner_text() == "请填写处理结果"
    page.fill("#close-form textarea", "已责令限期支付，12名农民工工资18.6万元已全部支付到位")
    page.click("[data-decision=close]")
    page.wait_for_selector("text=已办结")
    assert page.locator("#complaint-state").inner_text() == "已办结"
    history = page.locator("#workflow-history").inner_text()
    assert "受理" in history and "立案" in history and "办结" in history
    shot(page, "labor_complaint_detail")
    complaint.refresh_from_db()
    assert (complaint.status, complaint.result) == ("closed", "已责令限期支付，12名农民工工资18.6万元已全部支付到位")

    with page.expect_download() as download:
        page.click("#download-docx")
    doc = Document(io.BytesIO(open(download.value.path(), "rb").read()))
    text = "\n".join(cell.text for table in doc.tables for row in table.rows for cell in row.cells)
    assert w.unit.name in text and "已全部支付到位" in text

    page.goto(f"{live.url}/gov/labor/complaints/?status=closed")
    assert complaint.no in page.locator("#result-table").inner_text()
    context.close()
