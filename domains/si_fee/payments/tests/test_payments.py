"""Declaration and payment: Nanning, 10 February 2021, a flexible worker pays January and February 2021 (March
is refused: no prepayment before the new base) through the H5 page, the simulated cashier and the signed
callback; a repeated callback credits once; tampered, unknown or wrong-amount callbacks are refused and
logged; the same request id gives the same order; a period is never held twice (also under concurrent
requests); every amount is a Decimal; the staff list is scoped (another city's order is a 404)."""
import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from domains.si_fee.payments import services
from domains.si_fee.payments.models import PaymentLine, PaymentOrder
from integrations.tips_pay import signing
from integrations.tips_pay.client import PayGateway
from integrations.tips_pay.models import SimOrder
from integrations.tips_pay.simulator import notify
from kernel.audit.models import OperationLog
from kernel.core.testing import make_staff, race, xlsx_rows
from kernel.notify.models import SmsMessage

from .support import FEB_10_2021, fe_pension, load_reference, make_payer

pytestmark = pytest.mark.django_db
JAN, FEB, MAR = datetime.date(2021, 1, 1), datetime.date(2021, 2, 1), datetime.date(2021, 3, 1)
BASE = "3153.9"  # 南宁2021 provisional minimum; 20 % = 630.78 a month


@pytest.fixture
def payer(monkeypatch):
    load_reference()
    monkeypatch.setattr(services, "today", lambda: FEB_10_2021)
    return make_payer()


def declare(client, payer, periods, base=BASE, request_id="req-1"):
    client.force_login(payer.user)
    return client.post("/m/si/pay/", {"insurance": fe_pension().pk, "periods": periods, "base": base,
                                      "request_id": request_id})


def cashier_path(url):
    return url.split("://", 1)[-1].split("/", 1)[1].join(["/", ""])


def test_nanning_february_2021_pays_january_and_february_end_to_end(client, payer):
    client.force_login(payer.user)
    page = client.get("/m/si/pay/").content.decode()
    assert "2021年01月" in page and "2021年02月" in page and "2021年03月" not in page and "3153.9" in page

    # March is refused with the rule's reason, and nothing is created
    r = declare(client, payer, ["2021-01", "2021-02", "2021-03"], request_id="req-march")
    assert r.status_code == 400
    assert "只能缴纳至当月" in r.content.decode() and "2021年03月不能预缴" in r.content.decode()
    assert PaymentOrder.objects.count() == 0 and SimOrder.objects.count() == 0

    r = declare(client, payer, ["2021-01", "2021-02"])
    assert r.status_code == 302 and "/integrations/pay-sim/cashier/" in r["Location"]
    order = PaymentOrder.objects.get()
    assert order.status == "created" and order.total == Decimal("1261.56") and isinstance(order.total, Decimal)
    lines = list(order.lines.order_by("period_start"))
    assert [(line.period_start, line.period_end, line.amount, line.status) for line in lines] == [
        (JAN, datetime.date(2021, 1, 31), Decimal("630.78"), "pending"),
        (FEB, datetime.date(2021, 2, 28), Decimal("630.78"), "pending")]
    assert all(isinstance(v, Decimal) for line in lines for v in (line.base, line.rate, line.amount,
                                                                     line.refunded_amount))

    cashier = cashier_path(r["Location"])
    page = client.get(cashier).content.decode()
    assert "确认支付" in page and "取消支付" in page and "1261.56" in page
    r = client.post(cashier, {"action": "pay"})  # the simulator debits and calls our callback back
    assert r.status_code == 302 and f"/m/si/pay/return/{order.order_no}/" in r["Location"]
    order.refresh_from_db()
    assert order.status == "paid" and order.channel == "光大银行城市服务" and order.bank_serial.startswith("CEB")
    assert order.paid_at is not None
    assert set(order.lines.values_list("status", flat=True)) == {"paid"}
    sim = SimOrder.objects.get(order_no=order.order_no)
    assert sim.last_notify_status == 200
    page = client.get(f"/m/si/pay/return/{order.order_no}/").content.decode()
    assert "缴费成功" in page and order.bank_serial in page
    history = client.get("/m/si/payments/").content.decode()
    assert order.order_no in history and history.count("已缴费") >= 2
    sms = SmsMessage.objects.get(idempotency_key=f"si_pay_paid:{order.order_no}")
    assert sms.phone == payer.mobile and "1261.56" in sms.content
    assert OperationLog.objects.filter(action="si_pay_paid", detail__order_no=order.order_no).count() == 1
    assert OperationLog.objects.filter(action="si_pay_order_created").count() == 1

    # January again: refused as paid; the page shows it as paid (disabled)
    r = declare(client, payer, ["2021-01"], request_id="req-again")
    assert r.status_code == 400 and "已缴纳" in r.content.decode()
    assert PaymentOrder.objects.count() == 1


def test_duplicated_callback_credits_once(client, payer):
    declare(client, payer, ["2021-02"])
    order = PaymentOrder.objects.get()
    sim = SimOrder.objects.get(order_no=order.order_no)
    client.post(cashier_path(sim_cashier(sim)), {"action": "pay"})
    sim.refresh_from_db()
    for _ in range(3):
        status, answer = notify(sim)
        assert status == 200 and answer["code"] == "OK"
    order.refresh_from_db()
    assert order.status == "paid" and order.workflow_history().filter(transition="pay").count() == 1
    assert SmsMessage.objects.filter(idempotency_key=f"si_pay_paid:{order.order_no}").count() == 1
    assert OperationLog.objects.filter(action="si_pay_paid").count() == 1
    assert OperationLog.objects.filter(action="si_pay_cb_duplicate").count() == 3


def sim_cashier(sim):
    return f"http://127.0.0.1/integrations/pay-sim/cashier/{sim.token}/"


def _signed_post(client, body, secret=None, merchant=None, path="/public/si/pay/callback/"):
    from django.conf import settings

    data = json.dumps(body).encode()
    headers = signing.sign(secret or settings.PAY_GATEWAY_SECRET, merchant or settings.PAY_MERCHANT_ID, "POST", path,
                           "", data)
    return client.post(path, data=data, content_type="application/json", headers=headers)


def test_tampered_unknown_and_wrong_amount_callbacks_are_refused_and_logged(client, payer):
    declare(client, payer, ["2021-01"])
    order = PaymentOrder.objects.get()
    body = {"merchant_id": "GXTAX-SI-0001", "order_no": order.order_no, "status": "PAID", "amount": "630.78",
            "bank_serial": "CEB1", "paid_at": "2021-02-10T10:00:00+08:00", "channel": "光大银行城市服务"}
    client.logout()
    r = _signed_post(client, body, secret="wrong-secret")
    assert r.status_code == 401 and r.json()["code"] == "BAD_SIGNATURE"
    # a signed body altered in transit
    from django.conf import settings

    data = json.dumps(body).encode()
    headers = signing.sign(settings.PAY_GATEWAY_SECRET, settings.PAY_MERCHANT_ID, "POST", "/public/si/pay/callback/", "",
                           data)
    r = client.post("/public/si/pay/callback/", data=data.replace(b"630.78", b"0.01"), content_type="application/json",
                    headers=headers)
    assert r.status_code == 401
    r = _signed_post(client, {**body, "order_no": "SI-NOPE"})
    assert r.status_code == 404 and r.json()["code"] == "ORDER_NOT_FOUND"
    r = _signed_post(client, {**body, "amount": "630.77"})
    assert r.status_code == 400 and r.json()["code"] == "AMOUNT_MISMATCH"
    r = _signed_post(client, {**body, "amount": 630.78})  # a JSON number is not an amount
    assert r.status_code == 400
    order.refresh_from_db()
    assert order.status == "created" and set(order.lines.values_list("status", flat=True)) == {"pending"}
    reasons = list(OperationLog.objects.filter(action="si_pay_cb_refused", success=False)
                   .values_list("detail__reason", flat=True))
    assert sorted(reasons) == sorted(["bad_signature", "bad_signature", "unknown_order", "amount_mismatch",
                                      "bad_request"])
    # the genuine one is applied
    r = _signed_post(client, body)
    assert r.status_code == 200 and r.json()["code"] == "OK"
    order.refresh_from_db()
    assert order.status == "paid"


def test_same_request_id_returns_the_same_order(payer):
    first, created = services.create_self_order(payer, fe_pension(), [JAN], BASE, request_id="r-same",
                                                today=FEB_10_2021)
    again, created_again = services.create_self_order(payer, fe_pension(), [JAN], BASE, request_id="r-same",
                                                      today=FEB_10_2021)
    assert created and not created_again and first.pk == again.pk and PaymentOrder.objects.count() == 1


def test_period_in_open_order_or_paid_is_refused(payer):
    services.create_self_order(payer, fe_pension(), [JAN], BASE, request_id="r1", today=FEB_10_2021)
    with pytest.raises(ValidationError) as exc:
        services.create_self_order(payer, fe_pension(), [JAN, FEB], BASE, request_id="r2", today=FEB_10_2021)
    assert "有未完成的缴费订单" in str(exc.value.message_dict["periods"])
    assert PaymentOrder.objects.count() == 1 and PaymentLine.objects.count() == 1
    # cancelled: the period is free again
    order = PaymentOrder.objects.get()
    services.cancel_order(order)
    assert order.status == "closed" and order.lines.get().status == "cancelled"
    o2, _ = services.create_self_order(payer, fe_pension(), [JAN, FEB], BASE, request_id="r3", today=FEB_10_2021)
    assert o2.total == Decimal("1261.56")


def test_expired_unpaid_order_is_closed_and_frees_its_periods(client, payer):
    declare(client, payer, ["2021-01"])
    order = PaymentOrder.objects.get()
    PaymentOrder.objects.filter(pk=order.pk).update(expires_at=order.expires_at - datetime.timedelta(hours=1))
    assert services.expire_orders() == 1
    order.refresh_from_db()
    assert order.status == "closed" and SimOrder.objects.get(order_no=order.order_no).status == "CLOSED"
    o2, created = services.create_self_order(payer, fe_pension(), [JAN], BASE, request_id="r-after", today=FEB_10_2021)
    assert created and o2.pk != order.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_one_period_hold_it_once():
    from django.core.management import call_command

    call_command("load_reference", verbosity=0, stdout=open("/dev/null", "w"))
    load_reference()
    payer = make_payer()
    insurance = fe_pension()
    results, other = race(8, lambda i: services.create_self_order(
        payer, insurance, [JAN, FEB], BASE, request_id=f"race-{i}", today=FEB_10_2021)[0].pk)
    assert other == []
    made = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(set(made)) == 1 and len(made) == 1 and len(refused) == 7
    assert all("有未完成的缴费订单" in str(e) for e in refused)
    assert PaymentOrder.objects.count() == 1 and PaymentLine.objects.count() == 2
    # the same request id sent concurrently: one order, every caller gets it
    results, other = race(6, lambda i: services.create_self_order(
        payer, insurance, [datetime.date(2021, 2, 1)], BASE, request_id="race-0", today=FEB_10_2021)[0].pk)
    assert other == [] and len(set(results)) == 1 and PaymentOrder.objects.count() == 1


def test_bad_input_gets_field_errors_and_changes_nothing(client, payer):
    client.force_login(payer.user)
    r = client.post("/m/si/pay/", {"insurance": fe_pension().pk, "periods": ["2021-02"], "base": "3000",
                                   "request_id": "x1"})
    assert r.status_code == 400 and "缴费基数不能低于南宁市2021年度最低缴费基数3153.9元" in r.content.decode()
    r = client.post("/m/si/pay/", {"insurance": fe_pension().pk, "periods": ["2021-02"], "base": "3200",
                                   "request_id": "x2"})
    assert r.status_code == 400 and "请选择规定的缴费档次" in r.content.decode()
    r = client.post("/m/si/pay/", {"insurance": fe_pension().pk, "base": BASE, "request_id": "x3"})
    assert r.status_code == 400 and "请选择缴费所属期" in r.content.decode()
    r = client.post("/m/si/pay/", {"insurance": fe_pension().pk, "periods": ["2021-13"], "base": "",
                                   "request_id": "x4"})
    assert r.status_code == 400 and "所属期格式不正确" in r.content.decode() and "请选择缴费基数" in r.content.decode()
    r = client.post("/m/si/pay/", {"insurance": "", "periods": ["2021-02"], "base": BASE, "request_id": "x5"})
    assert r.status_code == 400 and "请选择缴费险种" in r.content.decode()
    r = client.post("/m/si/pay/", {"insurance": fe_pension().pk, "periods": ["2021-02"], "base": BASE,
                                   "request_id": ""})
    assert r.status_code == 400 and "请求号缺失" in r.content.decode()
    with pytest.raises(TypeError):
        services.money(630.78)
    assert PaymentOrder.objects.count() == 0 and PaymentLine.objects.count() == 0 and SimOrder.objects.count() == 0


def test_others_order_is_404_for_the_payer_and_staff_list_is_scoped(client, payer):
    declare(client, payer, ["2021-01"])
    order = PaymentOrder.objects.get()
    other = make_payer(name="黄某")
    client.force_login(other.user)
    assert client.get(f"/m/si/pay/return/{order.order_no}/").status_code == 404
    assert order.order_no not in client.get("/m/si/payments/").content.decode()

    perms = ["si_pay.view_paymentorder", "si_pay.export_paymentorder"]
    nanning, liuzhou = make_staff("450100", perms), make_staff("450200", perms)
    client.force_login(liuzhou)
    assert client.get(f"/gov/si/payments/{order.pk}/").status_code == 404
    assert order.order_no not in client.get("/gov/si/payments/").content.decode()
    rows = xlsx_rows(client.get("/gov/si/payments/?export=xlsx"))
    assert all(order.order_no not in [str(c) for c in row] for row in rows)
    client.force_login(nanning)
    page = client.get(f"/gov/si/payments/{order.pk}/").content.decode()
    assert order.order_no in page and "630.78" in page
    assert order.order_no in client.get("/gov/si/payments/?status=created").content.decode()
    assert order.order_no not in client.get("/gov/si/payments/?status=paid").content.decode()
    rows = xlsx_rows(client.get(f"/gov/si/payments/?export=xlsx&keyword={order.order_no}"))
    assert any(order.order_no in [str(c) for c in row] for row in rows)
    assert OperationLog.objects.filter(action="export", actor=nanning).exists()


def test_cancel_at_the_cashier_closes_the_order_and_frees_the_period(client, payer):
    r = declare(client, payer, ["2021-02"])
    r = client.post(cashier_path(r["Location"]), {"action": "cancel"})
    order = PaymentOrder.objects.get()
    assert order.status == "failed" and order.lines.get().status == "cancelled"
    page = client.get(r["Location"].split("127.0.0.1", 1)[-1] if "://" in r["Location"] else r["Location"])
    assert "支付失败" in page.content.decode()
    r = declare(client, payer, ["2021-02"], request_id="req-2")
    assert r.status_code == 302 and PaymentOrder.objects.count() == 2


def test_return_page_queries_the_gateway_when_the_callback_was_lost(client, payer, monkeypatch):
    r = declare(client, payer, ["2021-02"])
    order = PaymentOrder.objects.get()
    from integrations.tips_pay import simulator

    monkeypatch.setattr(simulator, "notify", lambda o, **kw: (503, {}))  # the callback never arrives
    client.post(cashier_path(r["Location"]), {"action": "pay"})
    order.refresh_from_db()
    assert order.status == "created"
    page = client.get(f"/m/si/pay/return/{order.order_no}/").content.decode()
    order.refresh_from_db()
    assert "缴费成功" in page and order.status == "paid"
    assert OperationLog.objects.filter(action="si_pay_paid", detail__via="query").count() == 1


def test_gateway_adapter_query_refund_and_reconciliation(client, payer):
    r = declare(client, payer, ["2021-01", "2021-02"])
    client.post(cashier_path(r["Location"]), {"action": "pay"})
    order = PaymentOrder.objects.get()
    gw = PayGateway()
    st = gw.query_order(order.order_no)
    assert st.status == "PAID" and st.amount == Decimal("1261.56") and isinstance(st.amount, Decimal)
    refund = gw.refund(order_no=order.order_no, refund_no="RF1", amount=Decimal("630.78"), reason="测试")
    assert refund.status == "REFUNDED" and refund.amount == Decimal("630.78")
    assert gw.refund(order_no=order.order_no, refund_no="RF1", amount=Decimal("630.78")).refund_no == "RF1"
    from integrations.tips_pay.client import PayGatewayError

    with pytest.raises(PayGatewayError):
        gw.refund(order_no=order.order_no, refund_no="RF2", amount=Decimal("630.79"))
    assert gw.query_order(order.order_no).refunded == Decimal("630.78")
    day = datetime.date.today()
    from django.utils import timezone

    day = timezone.localdate(order.paid_at)
    lines = gw.reconciliation(day)
    assert [(x.order_no, x.amount, x.status) for x in lines] == [(order.order_no, Decimal("1261.56"), "上解")]
    gw._call("POST", "/hooks/reconciliation", body={"date": day.isoformat(), "drop": [order.order_no],
                                                     "add": [{"order_no": "SIX", "bank_serial": "CEBX",
                                                              "amount": "10.00",
                                                              "paid_at": "2021-02-10T10:00:00+08:00",
                                                              "status": "入库"}]})
    lines = gw.reconciliation(day)
    assert [(x.order_no, x.amount, x.status) for x in lines] == [("SIX", Decimal("10.00"), "入库")]
    with pytest.raises(TypeError):
        gw.refund(order_no=order.order_no, refund_no="RF3", amount=1.5)
    # an unsigned call to the simulator is refused
    assert client.get(f"/integrations/pay-sim/orders/{order.order_no}").status_code == 401


def test_a_late_payment_of_a_closed_order_whose_period_was_paid_again_becomes_a_staff_todo(payer):
    from kernel.todos.models import Todo

    first, _ = services.create_self_order(payer, fe_pension(), [JAN], BASE, request_id="late-1", today=FEB_10_2021)
    PaymentOrder.objects.filter(pk=first.pk).update(status="closed")
    first.lines.update(status="cancelled")
    second, _ = services.create_self_order(payer, fe_pension(), [JAN], BASE, request_id="late-2", today=FEB_10_2021)
    services._apply_paid(second, bank_serial="CEB-2", paid_at=second.created_at, channel="光大银行", via="test")
    services._apply_paid(first, bank_serial="CEB-1", paid_at=first.created_at, channel="光大银行", via="test")
    first.refresh_from_db()
    assert first.status == "paid" and first.lines.get().status == "cancelled"  # the period stays second's
    todo = Todo.objects.get(key="si_pay_duplicate")
    assert (todo.role_code, todo.region, todo.url) == ("si_tax_admin", payer.region, f"/gov/si/payments/{first.pk}/")
    assert first.order_no in todo.title
    assert OperationLog.objects.filter(action="si_pay_paid", detail__order_no=first.order_no, success=False).exists()
