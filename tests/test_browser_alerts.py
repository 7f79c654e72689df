"""A warning walked from generated to released in the browser; its to-dos appear and disappear."""
import pytest

from kernel.alerts import scanner
from kernel.alerts.models import Warning
from kernel.core.testing import PASSWORD, make_staff
from kernel.org.models import Region
from tests.testapp.models import Application

from .browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REVIEWER = ["alerts.view_warning", "alerts.review_warning", "alerts.release_warning", "alerts.assign_warning",
            "alerts.export_warning"]


def role_holder(username, region, perms, role_code):
    from kernel.accounts.models import Role

    user = make_staff(region, perms, username=username, real_name=username)
    user.roles.add(Role.objects.get(code=role_code))
    return user


def test_warning_from_generated_to_released(live, browser, shot):
    role_holder("reviewer_b", "450103", REVIEWER, "alert_reviewer")
    handler = role_holder("handler_b", "450103", ["alerts.view_warning"], "alert_handler")
    Application.objects.create(title="青秀某工程款申请", amount=800, region=Region.objects.get(code="450103"))
    scanner.scan("test_amount")
    warning = Warning.objects.get()
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = ctx.new_page()

    # the reviewer sees the to-do on the home page and opens it
    login(page, live.url, "reviewer_b", PASSWORD)
    assert "审核预警：青秀某工程款申请·申请金额过高" in page.inner_text("#todo-table")
    shot(page, "alerts_home_reviewer")
    page.click("#todo-table >> text=审核预警：青秀某工程款申请·申请金额过高")
    assert page.inner_text("#workflow-state") == "待审核"
    assert page.inner_text("#warning-level") == "橙色"
    page.select_option("#review-form select[name=level]", "red")
    page.fill("#review-form input[name=comment]", "涉及人数多，提级处理")
    page.click("#review-form button[type=submit]")
    assert page.inner_text("#workflow-state") == "待派发" and page.inner_text("#warning-level") == "红色"
    page.select_option("#assign-form select[name=assignee]", str(handler.pk))
    page.click("#assign-form button[type=submit]")
    assert page.inner_text("#workflow-state") == "处置中"
    shot(page, "alerts_detail_assigned")
    page.goto(f"{live.url}/gov/")
    assert "青秀某工程款申请" not in page.inner_text("#todo-table")  # the review to-do is done
    ctx.clear_cookies()

    # the handler records the disposition
    login(page, live.url, "handler_b", PASSWORD)
    assert "处置预警：青秀某工程款申请·申请金额过高" in page.inner_text("#todo-table")
    page.click("#todo-table >> text=处置预警：青秀某工程款申请·申请金额过高")
    page.select_option("#handle-form select[name=disposition_type]", "interview")
    page.fill("#handle-form textarea[name=result]", "已约谈项目负责人，承诺本周内结清")
    page.click("#handle-form button[type=submit]")
    assert page.inner_text("#workflow-state") == "待解除"
    page.goto(f"{live.url}/gov/")
    assert "暂无待办事项" in page.inner_text("#todo-table")
    ctx.clear_cookies()

    # the reviewer releases it; the last to-do disappears
    login(page, live.url, "reviewer_b", PASSWORD)
    page.click("#todo-table >> text=确认解除预警：青秀某工程款申请·申请金额过高")
    page.fill("#workflow-form textarea[name=comment]", "回访确认已结清")
    page.click("#workflow-form button[data-transition=release]")
    assert page.inner_text("#workflow-state") == "已解除"
    history = page.inner_text("#workflow-history")
    for step in ("审核", "派发", "登记处置", "解除"):
        assert step in history
    shot(page, "alerts_detail_released")
    page.goto(f"{live.url}/gov/")
    assert "暂无待办事项" in page.inner_text("#todo-table")
    page.goto(f"{live.url}/gov/alerts/warnings/")
    assert "青秀某工程款申请" in page.inner_text("#result-table")
    shot(page, "alerts_list")
    page.goto(f"{live.url}/gov/alerts/stats/")
    page.wait_for_function("document.querySelector('#c-level canvas') !== null")
    shot(page, "alerts_stats")
    warning.refresh_from_db()
    assert warning.status == "released" and warning.level == "red"
    ctx.close()
