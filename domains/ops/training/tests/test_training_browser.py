"""A trainee takes the demo exam in headless Chromium and the organiser sees the result in the session's figures."""
import io

import pytest

from domains.ops.contracts import demo as contracts_demo
from domains.ops.training import demo
from domains.ops.training.models import ExamAttempt, TrainingSession
from kernel.accounts.demo import DEMO_PASSWORD
from kernel.core.testing import make_agency
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_trainee_takes_an_exam_and_the_organiser_sees_the_pass_rate(live, browser, shot):
    for region, kind in (("450000", "hrss"), ("450000", "market"), ("450000", "tax"), ("450100", "hrss")):
        make_agency(region, kind)
    contracts_demo.seed(1, io.StringIO())
    assert demo.seed(1, io.StringIO())
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.on("dialog", lambda d: d.accept())
    login(page, live.url, "gx_ops_clerk", DEMO_PASSWORD)
    page.goto(f"{live.url}/gov/ops/training/mine/")
    page.wait_for_selector("#my-trainings")
    shot(page, "ops_training_mine")
    page.click("#my-trainings a:has-text('参加考试')")
    page.wait_for_selector("#exam-paper")
    page.click("[data-question='1'] label:has-text('A.')")  # wrong on purpose: single choice answer is B
    page.click("#hand-in")
    page.wait_for_selector(".invalid-feedback")
    assert "第2题未作答" in page.inner_text("#exam-paper")
    shot(page, "ops_training_exam_errors")
    page.click("[data-question='1'] label:has-text('B.')")
    for letter in ("A.", "B."):  # D (人为破坏) left out: no points for an incomplete multiple choice
        page.click(f"[data-question='2'] label:has-text('{letter}')")
    page.click("[data-question='3'] label:has-text('A.')")
    page.click("[data-question='4'] label:has-text('B.')")
    shot(page, "ops_training_exam")
    page.click("#hand-in")
    page.wait_for_selector("#my-result")
    assert page.inner_text("#verdict") == "及格"
    shot(page, "ops_training_result")
    attempt = ExamAttempt.objects.get()
    assert (attempt.score, attempt.total, attempt.passed) == (75, 100, True)  # 25 points lost on question 2

    manager = ctx.new_page()
    ctx.clear_cookies()
    login(manager, live.url, "gx_ops", DEMO_PASSWORD)
    session = TrainingSession.objects.get(exam__isnull=False)
    manager.goto(f"{live.url}/gov/ops/training/")
    manager.wait_for_selector("#result-table")
    shot(manager, "ops_training_plans")
    manager.goto(f"{live.url}/gov/ops/training/{session.plan_id}/")
    manager.wait_for_selector("#sessions")
    shot(manager, "ops_training_plan")
    manager.goto(f"{live.url}/gov/ops/training/sessions/{session.pk}/")
    manager.wait_for_selector("#roster")
    assert manager.inner_text("[data-stat='attendance_rate']") == "100.0%"
    assert manager.inner_text("[data-stat='pass_rate']").startswith("100.0%")
    assert "75/100" in manager.inner_text("#roster")
    shot(manager, "ops_training_session")
    manager.click("#exam-link")
    manager.wait_for_selector("#questions")
    shot(manager, "ops_training_exam_admin")
