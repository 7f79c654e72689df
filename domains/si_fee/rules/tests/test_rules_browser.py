"""The tax office's rule tables and payer list in headless Chromium: filter by year, open Nanning's 2021 rule,
publish the new base (Nanning's prepayment limit lifts), see the payers of the city."""
import pytest

from domains.si_fee.rules.models import ContributionRule
from kernel.accounts.models import Role, User
from kernel.core.testing import PASSWORD, make_agency
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rules_publish_and_payers(live, browser, shot):
    from domains.si_fee.payers.tests.support import make_payer

    admin = User.objects.create_user(username="nn_si_boss", password=PASSWORD, kind="staff", real_name="覃税管",
                                     organisation=make_agency("450100", agency_type="tax"), must_change_password=False)
    admin.roles.add(Role.objects.get(code="si_tax_admin"))
    payer = make_payer(name="韦秀梅")
    page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(page, live.url, "nn_si_boss", PASSWORD)
    page.goto(f"{live.url}/gov/si/rules/?year=2021")
    page.wait_for_selector("#result-table")
    text = page.inner_text("#result-table")
    assert "南宁市" in text and "3153.9" in text and "只能缴至当月" in text and "桂林市" not in text
    shot(page, "si_gov_rules")
    page.click("#result-table a:has-text('南宁市')")
    page.wait_for_selector("#publish-form")
    page.fill("#id_min_base", "3300")
    page.fill("#id_grades_text", "3300, 3679.6, 3942.4")
    page.fill("#id_published_on", "2021-08-01")
    shot(page, "si_gov_rule_detail")
    page.click("#publish-form button[type=submit]")
    page.wait_for_selector("text=已公布2021年度新缴费基数")
    rule = ContributionRule.objects.get(prefecture__code="450100", year=2021)
    assert rule.base_published and str(rule.min_base) == "3300.00"
    page.goto(f"{live.url}/gov/si/payers/")
    page.wait_for_selector("#result-table")
    assert "韦秀梅" in page.inner_text("#result-table") and payer.id_number not in page.content()
    shot(page, "si_gov_payers")
