"""Issue 5's acceptance walk on the data `seed_demo` loads, in headless Chromium, as the demo accounts:

nn_labor batch-reviews 青秀区's open warnings (the red 保证金 warning goes to leadership approval) →
nn_labor_leader approves it and dispatches it to the grid owner qx_grid → qx_grid disposes of it on the
phone (/m/) by 约谈负责人 with the interview transcript → nn_labor releases it → the big screen's next
refresh shows one open warning fewer and one released more. To-dos and messages lead each person."""
import io

import pytest
from django.core.management import call_command

from kernel.accounts.demo import DEMO_PASSWORD
from kernel.alerts.models import Warning
from kernel.files.models import Attachment
from kernel.todos.models import Todo
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TRANSCRIPT = b"%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"


def as_demo(browser, live, username, entrance="gov", mobile=False):
    size = {"width": 390, "height": 844} if mobile else {"width": 1400, "height": 900}
    context = browser.new_context(viewport=size, locale="zh-CN", is_mobile=mobile)
    page = context.new_page()
    login(page, live.url, username, DEMO_PASSWORD, entrance=entrance)
    return page


def screen_cards(page):
    page.evaluate("window.zwScreen.refresh()")
    page.wait_for_function("document.querySelector('[data-card=\"open\"] .v').innerText.trim() !== ''")
    return {key: int(page.inner_text(f'[data-card="{key}"] .v').replace(",", ""))
            for key in ("open", "released_month", "approving")}


def test_batch_review_approval_grid_disposition_release_and_the_screen(live, browser, shot):
    call_command("seed_demo", stdout=io.StringIO())
    red = Warning.objects.get(rule__code="labor_deposit_short", region__path__startswith="450000.450100.450103.",
                              level="red")
    assert red.status == "generated"

    inspector = as_demo(browser, live, "nn_labor")
    screen = as_demo(browser, live, "nn_labor")
    screen.goto(f"{live.url}/gov/labor/screen/")
    screen.wait_for_selector("#c-region canvas")
    before = screen_cards(screen)

    # 1. batch review of 青秀区's generated warnings: the red one goes to the leader
    inspector.goto(f"{live.url}/gov/labor/warnings/?status=generated")
    inspector.check(f"input[name=ids][value='{red.pk}']")
    others = Warning.objects.filter(rule__category="欠薪预警", status="generated", level__in=("yellow", "orange"),
                                    region__path__startswith="450000.450100.").exclude(pk=red.pk)[:2]
    for w in others:
        inspector.check(f"input[name=ids][value='{w.pk}']")
    inspector.fill("#batch-comment", "情况属实，请处置")
    inspector.click("#batch-review")
    inspector.wait_for_selector(".alert-success")
    assert f"成功{1 + len(others)}条" in inspector.inner_text(".alert-success")
    shot(inspector, "labor_batch_review")
    red.refresh_from_db()
    assert red.status == "approving"
    assert Todo.objects.filter(object_id=str(red.pk), status="open", title__startswith="审批预警").exists()

    # 2. the leader approves (指挥调度) and dispatches to the grid owner
    leader = as_demo(browser, live, "nn_labor_leader")
    leader.goto(f"{live.url}/gov/alerts/warnings/{red.pk}/")
    leader.click("#workflow-panel [data-transition=approve]")
    leader.wait_for_selector("#assign-form")
    leader.select_option("#assign-form select[name=assignee]", label=leader.locator(
        "#assign-form select[name=assignee] option", has_text="陆网格").first.inner_text())
    leader.fill("#assign-form [name=comment]", "请网格员约谈项目负责人")
    leader.click("#assign-form button[type=submit]")
    leader.wait_for_selector(".alert-success")
    red.refresh_from_db()
    assert (red.status, red.assignee.username) == ("assigned", "qx_grid")

    # 3. the grid owner disposes of it on the phone, with the interview transcript
    phone = as_demo(browser, live, "qx_grid", entrance="m", mobile=True)
    phone.goto(f"{live.url}/m/labor/warnings/")
    phone.click(f"a[href='/m/labor/warnings/{red.pk}/']")
    phone.select_option("#handle-form select[name=disposition_type]", label="约谈负责人")
    phone.fill("#handle-form textarea[name=result]", "已约谈总包单位项目负责人，承诺10日内足额存储工资保证金")
    phone.set_input_files("#handle-form input[name=transcript]",
                          {"name": "约谈笔录.pdf", "mimeType": "application/pdf", "buffer": TRANSCRIPT})
    shot(phone, "labor_mobile_disposition")
    phone.click("#handle-form button[type=submit]")
    phone.wait_for_selector(".alert-success")
    red.refresh_from_db()
    assert (red.status, red.disposition_type) == ("handled", "interview")
    assert Attachment.objects.filter(object_id=red.pk, purpose="alert_disposition", original_name="约谈笔录.pdf").exists()

    # 4. the inspector releases it; the screen's next refresh shows the change
    inspector.goto(f"{live.url}/gov/alerts/warnings/{red.pk}/")
    assert "约谈笔录.pdf" in inspector.inner_text("#workflow-panel")
    inspector.click("#workflow-panel [data-transition=release]")
    inspector.wait_for_selector(".alert-success")
    red.refresh_from_db()
    assert red.status == "released" and red.release_type == "manual"
    after = screen_cards(screen)
    assert after["released_month"] == before["released_month"] + 1
    # the released one left the open count; the reviewed ones are still open
    assert after["open"] == before["open"] - 1
    shot(screen, "labor_screen_after_release")
