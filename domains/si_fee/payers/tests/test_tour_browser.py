"""A walk through every page of the SI-fee service on the `seed_demo` data, in headless Chromium: the payers'
H5 pages on a phone and the tax office's pages on a desktop, each opened as a person would (signed in, from
the demo's own records), checked for its key content and saved as a screenshot to look at."""
import io
import re

import pytest
from django.core.management import call_command

from domains.si_fee.agreements.models import Agreement, BatchTask
from domains.si_fee.notices.models import Notice
from domains.si_fee.payments.models import PaymentOrder, ReconciliationDifference
from kernel.accounts.demo import DEMO_PASSWORD
from kernel.notify.models import SmsMessage
from tests.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FLEX, RESIDENT = "450103198803152345", "450103196207084519"


def sign_in_payer(page, base, id_number, phone):
    page.goto(f"{base}/m/si/login/")
    page.fill("#id_id_number", id_number)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("#get-code")
    page.wait_for_selector("#code-result:has-text('验证码已发送')")
    message = SmsMessage.objects.filter(phone=phone, template__code="verify_code").order_by("-id").first()
    page.fill("#id_code", re.search(r"验证码为(\d{6})", message.content).group(1))
    page.click("#login-submit")
    page.wait_for_selector("#payer-name")


def visit(page, url, selector, name, shot, text=None):
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_selector(selector)
    if text:
        assert text in page.inner_text("main"), (url, text)
    shot(page, name)


def test_every_si_page_on_the_demo_data(live, browser, shot):
    call_command("seed_demo", stdout=io.StringIO())
    base = live.url
    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                has_touch=True, locale="zh-CN")
    m = phone.new_page()
    sign_in_payer(m, base, FLEX, "13907718801")
    order = PaymentOrder.objects.filter(payer__id_number=FLEX, status="paid").order_by("pk").first()
    notice = Notice.objects.filter(status="published").order_by("pk").first()
    for url, selector, name, text in [
        ("/m/si/payables/", "main", "si_tour_m_payables", "灵活就业人员基本医疗保险"),
        ("/m/si/payments/", "[data-receipt]", "si_tour_m_history", order.order_no),
        ("/m/si/receipts/", "main", "si_tour_m_receipts", None),
        ("/m/si/refunds/", "main", "si_tour_m_refunds", None),
        ("/m/si/refunds/special/", "#special-form", "si_tour_m_refund_special", None),
        ("/m/si/participation/", "main", "si_tour_m_participation", "企业职工基本养老保险费"),
        ("/m/si/me/", "#payer-info", "si_tour_m_profile", "国家税务总局南宁市青秀区税务局"),
        ("/m/si/agreements/", "main", "si_tour_m_agreements", None),
        ("/m/si/agreements/new/tripartite/", "form", "si_tour_m_agreement_new", None),
        ("/m/si/notices/", "main", "si_tour_m_notices", notice.title[:8]),
        (f"/m/si/notices/{notice.pk}/", "main", "si_tour_m_notice", notice.title[:8]),
        ("/m/si/manual/", "main", "si_tour_m_manual", "缴费申报"),
    ]:
        visit(m, base + url, selector, name, shot, text)
    assert m.evaluate("document.documentElement.scrollWidth") <= 390
    m.goto(f"{base}/m/si/")
    m.click("#logout")
    sign_in_payer(m, base, RESIDENT, "13907718802")
    for url, selector, name, text in [
        ("/m/si/amounts/", "main", "si_tour_m_amounts", "300"),
        ("/m/si/batch-items/", "main", "si_tour_m_batch_items", "待批扣"),
        ("/m/si/agreements/", "main", "si_tour_m_agreements_resident", "LL"),
        ("/m/si/virtual-declarations/", "main", "si_tour_m_virtual", None),
    ]:
        visit(m, base + url, selector, name, shot, text)
    m.goto(f"{base}/m/si/batch-items/")  # each pending item's select shows its current amount
    selects = m.locator("main form select[name=amount]").all()
    assert len(selects) == 2
    for item in selects:
        card = item.locator("xpath=ancestor::div[contains(@class,'card')][1]").inner_text()
        assert f"¥{item.input_value()}" in card
    phone.close()

    desk = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(desk, base, "nn_si_admin", DEMO_PASSWORD)
    difference = ReconciliationDifference.objects.order_by("pk").first()
    agreement, task = Agreement.objects.order_by("pk").first(), BatchTask.objects.order_by("pk").first()
    for url, selector, name, text in [
        ("/gov/si/payments/", "#result-table", "si_tour_gov_payments", order.order_no),
        (f"/gov/si/payments/{order.pk}/", "main", "si_tour_gov_payment", order.order_no),
        ("/gov/si/reconciliation/", "main", "si_tour_gov_reconciliation", "我方有银行无"),
        (f"/gov/si/reconciliation/differences/{difference.pk}/", "main", "si_tour_gov_difference", None),
        ("/gov/si/refunds/", "main", "si_tour_gov_refunds", "韦秀梅"),
        ("/gov/si/no-refund/", "main", "si_tour_gov_no_refund", None),
        ("/gov/si/agreements/", "main", "si_tour_gov_agreements", agreement.agreement_no),
        (f"/gov/si/agreements/{agreement.pk}/", "main", "si_tour_gov_agreement", agreement.agreement_no),
        ("/gov/si/batches/", "main", "si_tour_gov_batches", task.batch_no),
        (f"/gov/si/batches/{task.pk}/", "main", "si_tour_gov_batch", task.batch_no),
        ("/gov/si/notices/", "main", "si_tour_gov_notices", notice.title[:8]),
        (f"/gov/si/notices/{notice.pk}/", "main", "si_tour_gov_notice", notice.title[:8]),
        ("/gov/si/manuals/", "main", "si_tour_gov_manuals", None),
        ("/gov/alerts/warnings/", "main", "si_tour_gov_warnings", "对账"),
    ]:
        visit(desk, base + url, selector, name, shot, text)
