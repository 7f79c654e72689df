"""The contract list and a contract's SLA terms in headless Chromium, on the demo contracts."""
import io

import pytest

from domains.ops.contracts import demo
from domains.ops.contracts.models import ServiceContract
from kernel.accounts.models import Role, User
from kernel.core.testing import PASSWORD, make_agency
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contracts_and_sla_terms(live, browser, shot):
    for kind in ("hrss", "market", "tax"):
        make_agency("450000", kind)
    demo.seed(1, io.StringIO())
    manager = User.objects.create_user(username="ops_mgr", password=PASSWORD, kind="staff", real_name="运维管理员",
                                       organisation=make_agency("450000", "hrss"), must_change_password=False)
    manager.roles.add(Role.objects.get(code="ops_manager"))
    page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(page, live.url, "ops_mgr", PASSWORD)
    page.goto(f"{live.url}/gov/ops/contracts/")
    page.wait_for_selector("#result-table")
    assert page.locator("#result-table tbody tr").count() == 4
    shot(page, "ops_contracts")
    pension = ServiceContract.objects.get(system__code="pension")
    page.click(f"#result-table a:has-text('{pension.contract_no}')")
    page.wait_for_selector("#sla-terms")
    text = page.inner_text("#sla-terms")
    assert "12小时" in text and "48小时" in text and "15:00前提出当日解决" in text
    shot(page, "ops_contract_sla")
