"""The joint approval project page and the review of a pre-accepted case in headless Chromium."""
import pytest

from kernel.core.testing import PASSWORD
from kernel.notify.models import SmsTemplate
from tests.browser import login

from .. import joint
from ..models import Case
from .acceptance_support import World, valid_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_joint_project_page_and_review(live, browser, shot):
    w = World()
    SmsTemplate.objects.get_or_create(code=joint.JOINT_SMS, defaults={"name": "联合审批办结", "content": "{enterprise}{group}{count}"})
    w.enterprise.contact_phone, w.enterprise.contact_person = "13907710001", "李联系"
    w.enterprise.legal_representative, w.enterprise.address = "黄某", "南宁市兴宁区民主路1号"
    w.enterprise.save()
    second = w.make_matter(name="食品经营许可")
    third = w.make_matter(name="公共场所卫生许可")
    gid, cases, _ = joint.start_joint_approval(w.enterprise.uscc, [w.matter.code, second.code, third.code],
                                               notice_no="SGZ-2026-001")
    joint.review_case(cases[0], w.clerk, "accept")
    for name in ("dispatch", "dept_accept", "complete"):
        Case.workflow.apply(cases[0], name, None, system=True)
    page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(page, live.url, w.clerk.username, PASSWORD)
    page.goto(f"{live.url}/gov/gs/joint/")  # the project list, reached from the menu
    page.wait_for_selector("#result-table")
    row = page.locator("#result-table tbody tr", has_text=gid)
    assert "1/3" in row.inner_text() and w.enterprise.name in row.inner_text()
    shot(page, "gs_joint_list")
    row.locator(f"a:has-text('{gid}')").click()
    page.wait_for_url(f"**/gov/gs/joint/{gid}/")
    page.wait_for_selector("#joint-cases")
    assert page.locator("#joint-cases tbody tr").count() == 3
    assert "已办结 1 / 3" in page.inner_text("#joint-progress")
    shot(page, "gs_joint_project")
    page.click(f"a[href='/gov/gs/joint/review/{cases[1].pk}/']")
    page.wait_for_selector("#review-form")
    page.check("input[value=reject]")
    page.click("#review-form button[type=submit]")
    page.wait_for_selector(".invalid-feedback")
    assert "不予受理须填写理由" in page.content()
    shot(page, "gs_joint_review_refused")
    page.check("input[value=accept]")
    page.click("#review-form button[type=submit]")
    page.wait_for_selector("#case-state")
    assert Case.objects.get(pk=cases[1].pk).status == "accepted"
    pre, _ = joint.pre_accept_inbound(w.dept, {
        "dept_no": "BM-1", "matter_code": w.matter.code, "form_data": {"项目名称": "物流仓储项目"},
        "applicant": {"name": "韦小宝", "id_number": valid_id(), "phone": "13907719999"},
        "materials": [{"name": "项目备案申请表", "ref": "https://dept.example/files/1.pdf"}]})
    page.goto(f"{live.url}/gov/gs/joint/review/{pre.pk}/")
    shot(page, "gs_pre_acceptance_review")
