"""Issue 7 acceptance, on a phone-sized screen in real Chromium: register with an SMS code, log in with
password and SMS code, pay two months in Nanning in February 2021 (March refused), download and verify
the receipt, apply for a refund, see it approved and paid.

The service's business day is set to 10 February 2021 by patching the payment service's today() (what
every page and rule reads); the clock itself stays real, so sessions and SMS codes behave normally."""
import datetime
import re

import pytest

from domains.si_fee.payers.models import Payer
from kernel.notify.models import SmsMessage
from kernel.org.models import Region

from .support import valid_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FEB_10_2021 = datetime.date(2021, 2, 10)
PASSWORD = "Si@pay2021x"


def sms_code(phone):
    message = SmsMessage.objects.filter(phone=phone, template__code="verify_code").order_by("-id").first()
    return re.search(r"验证码为(\d{6})", message.content).group(1)


def tick(page, *periods):
    """Tick period buttons (Bootstrap btn-check: the label is what a person taps)."""
    for value in periods:
        if not page.is_checked(f"#p-{value}"):
            page.click(f"label[for=p-{value}]")
        assert page.is_checked(f"#p-{value}")


def ask_code(page):
    before = SmsMessage.objects.count()
    page.click("#get-code")
    page.wait_for_selector("#code-result:has-text('验证码已发送')")
    assert SmsMessage.objects.count() == before + 1


def test_register_login_pay_receipt_refund(live, browser, shot, monkeypatch):
    from domains.si_fee.payments import services as payments

    monkeypatch.setattr(payments, "today", lambda: FEB_10_2021)
    id_number, mobile = valid_id("45010319880315111"), "13907719911"
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()

    # -- 1. register with an SMS code (the registration link is on the login page)
    page.goto(f"{live.url}/m/si/login/")
    shot(page, "si_01_login")
    page.click("#register-link")
    page.check("input[name=person_type][value=flexible]")
    page.fill("#id_name", "韦秀梅")
    page.fill("#id_id_number", id_number)
    page.select_option("#id_region", str(Region.objects.get(code="450103").pk))
    page.fill("#id_mobile", mobile)
    ask_code(page)
    page.fill("#id_code", sms_code(mobile))
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "si_02_register")
    page.click("#register-submit")
    page.wait_for_selector("#payer-name")
    assert page.inner_text("#payer-name") == "韦秀梅"
    shot(page, "si_03_home")
    assert Payer.objects.get(id_number=id_number).prefecture.code == "450100"

    # -- 2. log out, log in with password and SMS code
    page.click("#logout")
    page.goto(f"{live.url}/m/si/login/")
    page.fill("#id_id_number", id_number)
    page.fill("#id_password", PASSWORD)
    ask_code(page)
    page.fill("#id_code", sms_code(mobile))
    page.click("#login-submit")
    page.wait_for_selector("#payer-name")

    # -- 3. pay January and February 2021 at the minimum grade 3,153.9; March is not offered and refused
    page.click(".si-tiles a:has-text('缴费申报')")
    page.wait_for_selector("#declare-form")
    offered = page.locator("#periods input[name=periods]").evaluate_all("els => els.map(e => e.value)")
    assert offered == ["2021-01", "2021-02"], offered
    tick(page, "2021-01", "2021-02")
    page.select_option("#base", "3153.9")
    assert page.inner_text("#total") == "1261.56"
    shot(page, "si_04_declare")
    # a crafted March period: the server refuses it with the rule's reason
    page.evaluate("""() => { const i = document.createElement('input'); i.type = 'hidden'; i.name = 'periods';
                     i.value = '2021-03'; document.getElementById('declare-form').appendChild(i); }""")
    page.click("#declare-form button[type=submit]")
    page.wait_for_selector("#errors")
    assert "新缴费基数公布前只能缴纳至当月" in page.inner_text("#errors")
    shot(page, "si_05_march_refused")
    tick(page, "2021-01", "2021-02")
    page.select_option("#base", "3153.9")
    page.click("#declare-form button[type=submit]")
    page.wait_for_selector("[data-testid=cashier-amount]")
    shot(page, "si_06_cashier")
    page.click("button[value=pay]")
    page.wait_for_selector("#result")
    assert page.inner_text("#result") == "缴费成功"
    shot(page, "si_07_paid")
    assert SmsMessage.objects.filter(phone=mobile, template__code="si_pay_paid").count() == 1

    # -- 4. the receipt: lines, verification code and QR, PDF, public verification page
    page.goto(f"{live.url}/m/si/payments/")
    page.click("[data-receipt]")
    page.wait_for_selector("#verify-code")
    code = page.inner_text("#verify-code")
    main = page.inner_text("main")
    assert page.locator("#receipt-lines [data-line]").count() == 2
    assert "2021-01-01" in main and "2021-02-28" in main and "已缴费" in main
    assert page.inner_text("[data-field=total]").replace(",", "") == "1261.56"
    assert id_number not in main  # masked
    shot(page, "si_08_receipt")
    with page.expect_download() as download:
        page.click("#receipt-pdf")
    pdf = download.value.path()
    with open(pdf, "rb") as f:
        assert f.read(5) == b"%PDF-"
    verify = context.new_page()  # what scanning the QR code opens: the public page, no login needed
    verify.goto(page.get_attribute("#verify-link", "href"))
    verify.wait_for_selector("#verified")
    assert code in verify.url and verify.inner_text("[data-field=total]").replace(",", "") == "1261.56"
    assert "韦秀梅" not in verify.inner_text("main")
    shot(verify, "si_09_receipt_verified")
    verify.close()

    # -- 5. apply for a refund of February's pension (one insurance type, one period, the whole amount)
    page.goto(f"{live.url}/m/si/refunds/new/")
    groups = page.locator("label[data-group]")
    assert groups.count() == 2  # January and February, newest first
    february = groups.first
    assert february.get_attribute("data-group").endswith(":2021-02") and "630.78" in february.inner_text()
    february.locator("input[type=radio]").check()
    page.fill("#reason", "重复缴费")
    page.fill("#bank_name", "中国光大银行南宁分行")
    page.fill("#bank_account", "6226620612345678")
    shot(page, "si_10_refund_new")
    page.click("form[method=post] button[type=submit]")
    page.wait_for_selector("#refund-status")
    assert page.inner_text("#refund-status") == "已提交" and "630.78" in page.inner_text("#refund-amount")
    shot(page, "si_11_refund_submitted")

    # -- 6. the tax office accepts and approves it; the gateway refunds; the payer sees it paid
    from domains.si_fee.refunds.models import RefundApplication
    from kernel.accounts.models import Role, User
    from kernel.core.testing import PASSWORD as STAFF_PASSWORD
    from kernel.core.testing import make_agency
    from tests.browser import login

    officer = User.objects.create_user(username="nn_si_officer", password=STAFF_PASSWORD, kind="staff",
                                       organisation=make_agency("450100", agency_type="tax"), real_name="覃审核",
                                       must_change_password=False)
    officer.roles.add(Role.objects.get(code="si_tax_admin"))
    refund = RefundApplication.objects.get(payer__id_number=id_number)
    desk = context.browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
    login(desk, live.url, "nn_si_officer", STAFF_PASSWORD)
    desk.goto(f"{live.url}/gov/si/refunds/{refund.pk}/")
    desk.click("button[value=accept]")
    desk.wait_for_selector("button[value=approve]")
    desk.fill("#opinion", "经核实为重复缴费，同意退费")
    shot(desk, "si_12_gov_refund_review")
    desk.click("button[value=approve]")
    desk.wait_for_selector("#refund-status:has-text('已退款')")
    assert "审核通过，已退款630.78元" in desk.inner_text("main")
    shot(desk, "si_13_gov_refund_paid")
    page.goto(f"{live.url}/m/si/refunds/{refund.pk}/")
    assert page.inner_text("#refund-status") == "已退款"
    page.goto(f"{live.url}/m/si/payments/")
    page.click("[data-receipt]")
    assert "已退" in page.inner_text("#receipt-lines")  # the receipt shows February refunded
    shot(page, "si_14_refund_paid")
    assert SmsMessage.objects.filter(phone=mobile, template__code="si_refund_paid").count() == 1
    context.close()
