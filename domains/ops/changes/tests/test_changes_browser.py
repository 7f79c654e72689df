"""In headless Chromium: the manager sees repeated faults suggested as a problem, approves the pending change
notice, and a clerk finds it in 运维公告 (unread, then read)."""
import datetime
import io

import pytest
from django.utils import timezone

from domains.ops.changes import demo
from domains.ops.changes.models import Notice, NoticeReceipt
from domains.ops.contracts import demo as contracts_demo
from domains.ops.contracts.models import MaintainedSystem
from domains.ops.tickets.models import Ticket
from kernel.accounts.demo import DEMO_PASSWORD
from kernel.core.testing import make_agency
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_approves_a_notice_and_a_reader_sees_it(live, browser, shot):
    for region, kind in (("450000", "hrss"), ("450000", "market"), ("450000", "tax"), ("450100", "hrss")):
        make_agency(region, kind)
    contracts_demo.seed(1, io.StringIO())
    assert demo.seed(1, io.StringIO())
    system = MaintainedSystem.objects.get(code="pension")
    now = timezone.now()
    for i in range(3):  # three new faults of the pension system within 30 days: a candidate problem
        Ticket.objects.create(number=f"YW2026BR{i:04d}", contract=system.contracts.get(), region=system.agency.region,
                              organisation=system.agency, kind="fault", level=3, title=f"单个服务宕机{i + 1}",
                              description="应用服务器单个服务宕机", requester_name="韦业务", contact_phone="13771208003",
                              raised_at=now - datetime.timedelta(days=3 * i))
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    login(page, live.url, "gx_ops", DEMO_PASSWORD)
    page.goto(f"{live.url}/gov/ops/problems/")
    page.wait_for_selector("#candidates")
    assert page.inner_text("[data-system='pension'] [data-count]") == "3"
    shot(page, "ops_problems")
    page.click("[data-system='pension'] button:has-text('立为问题')")
    page.wait_for_selector("#linked-tickets")
    assert page.locator("#linked-tickets tbody tr").count() == 3
    shot(page, "ops_problem")
    page.goto(f"{live.url}/gov/ops/changes/")
    page.click("#result-table tbody a")
    page.wait_for_selector("#workflow-panel")
    assert page.inner_text("#workflow-state") == "已批准"
    shot(page, "ops_change")

    pending = Notice.objects.get(status="submitted")
    page.goto(f"{live.url}/gov/ops/notices/manage/")
    page.wait_for_selector("#result-table")
    shot(page, "ops_notices_manage")
    page.click(f"#result-table a:has-text('{pending.title}')")
    page.wait_for_selector("#workflow-form")
    assert "预计送达" in page.inner_text("#readership")
    page.fill("#workflow-form textarea", "同意发布")
    page.click("[data-transition='publish']")
    page.wait_for_selector(".alert-success")
    assert page.inner_text("#workflow-state") == "已发布"
    delivered = NoticeReceipt.objects.filter(notice=pending).count()
    assert page.inner_text("#delivered") == str(delivered) and delivered >= 3
    shot(page, "ops_notice_published")

    ctx.clear_cookies()
    login(page, live.url, "gx_ops_clerk", DEMO_PASSWORD)
    page.goto(f"{live.url}/gov/ops/notices/")
    page.wait_for_selector("#inbox")
    item = page.locator(f"#inbox a:has-text('{pending.title}')")
    assert "未读" in item.inner_text()
    shot(page, "ops_notices_inbox")
    item.click()
    page.wait_for_selector("#notice-body")
    assert "3秒以内" in page.inner_text("#notice-body")
    shot(page, "ops_notice_read")
    assert NoticeReceipt.objects.get(notice=pending, user__username="gx_ops_clerk").read_at is not None
