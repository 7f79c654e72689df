"""The demo window clerk dispatches a demo case to its department in headless Chromium, sees the shadow
row; the simulated department then calls back 受理 and the page shows 部门已受理."""
import io

import pytest
from django.apps import apps

from domains.gov_services.one_window.models import Case
from integrations.department_sim.simulator import Department
from kernel.accounts.demo import DEMO_PASSWORD
from tests.browser import login

from ..models import DepartmentSystem, ShadowRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_window_clerk_dispatches_a_demo_case_and_sees_the_department_accept(live, browser, shot):
    out = io.StringIO()
    apps.get_app_config("gs_window").seed_demo(1, out)
    apps.get_app_config("gs_exchange").seed_demo(1, out)
    departments = DepartmentSystem.objects.values("department")
    case = Case.objects.filter(status="accepted", matter__department__in=departments).order_by("pk").first()
    page = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
    login(page, live.url, "xn_window", DEMO_PASSWORD)
    page.goto(f"{live.url}/gov/gs/cases/{case.pk}/")
    assert "分发至部门" in page.inner_text("#dispatch-case")
    page.click("#dispatch-case")
    page.wait_for_selector(".alert-success")
    assert "已分发至" in page.inner_text(".alert-success")
    row = page.inner_text("#exchange-shadows tbody tr")
    assert case.no in row and "分发" in row and "陆窗口" in row
    assert page.locator("#dispatch-case").count() == 0
    assert page.inner_text("#case-state") == "已分发"
    shot(page, "gs_exchange_case_dispatched")
    system = ShadowRecord.objects.get(case=case).system
    status, answer = Department(system.code).progress(case.no, "accept", opinion="材料齐全，予以受理")
    assert (status, answer["result"]) == (200, "applied")
    page.reload()
    assert page.inner_text("#case-state") == "部门已受理"
    assert page.locator("#exchange-shadows tbody tr").count() == 2
    shot(page, "gs_exchange_case_dept_accepted")
    page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(page, live.url, "xn_centre", DEMO_PASSWORD)
    page.goto(f"{live.url}/gov/gs/exchange/shadows/")
    assert case.no in page.content()
    shot(page, "gs_exchange_shadows")
    page.goto(f"{live.url}/gov/gs/exchange/systems/")
    assert "南宁市兴宁区市场监督管理局" in page.content()
    shot(page, "gs_exchange_systems")
    page.goto(f"{live.url}/gov/gs/exchange/callbacks/")
    shot(page, "gs_exchange_callbacks")
    page.goto(f"{live.url}/gov/gs/exchange/systems/{system.pk}/")
    shot(page, "gs_exchange_system_edit")
