"""The gateway's entrusted-deduction calls (PROTOCOL.md §委托扣款) through the adapter against the simulator:
agreement verification (account name rule, configured accounts, idempotent by agreement number), query and
terminate; batch deduction per item (DEDUCTED / FAILED with the reason, idempotent by item_no, a balance debited
once, a terminated agreement refused); signatures and decimal-string amounts enforced."""
from decimal import Decimal

import pytest

from integrations.tips_pay import signing
from integrations.tips_pay.client import PayGateway, PayGatewayError
from integrations.tips_pay.models import SimAgreement, SimBankAccount, SimDeduction, SimOrder

pytestmark = pytest.mark.django_db
ID = "450102198001010011"
NOTIFY = "http://127.0.0.1/integrations/pay-sim/nowhere/"


def verify(gw, no="SF20210210000001", **over):
    kw = dict(agreement_no=no, kind="TRIPARTITE", bank_code="105", account_no="6222021234567890123",
              account_name="韦小红", id_type="201", id_number=ID, name="韦小红")
    kw.update(over)
    return gw.verify_agreement(**kw)


def item(no="I1", agreement="SF20210210000001", amount=Decimal("300.00"), order="SI1"):
    return {"item_no": no, "order_no": order, "agreement_no": agreement, "id_type": "201", "id_number": ID,
            "name": "韦小红", "insurance": "城乡居民基本养老保险", "period": "2021年度", "amount": amount}


def test_verify_agreement_rules_and_idempotence():
    gw = PayGateway()
    ok = verify(gw)
    assert ok.status == "VERIFIED" and ok.receipt_no.startswith("HZ") and ok.channel == "TIPS"
    assert verify(gw).receipt_no == ok.receipt_no and SimAgreement.objects.count() == 1
    with pytest.raises(PayGatewayError) as exc:
        verify(gw, account_no="6222021234567890999")
    assert exc.value.code == "CONFLICT"
    bad = verify(gw, no="LL20210210000001", kind="BILATERAL", account_name="张三")
    assert (bad.status, bad.reason, bad.channel) == ("FAILED", "账户名称与缴费人姓名不一致", "金三社保费核心系统")
    assert verify(gw, no="SF2", bank_code="999").reason == "该银行暂未开通委托扣款业务"
    SimBankAccount.objects.create(bank_code="105", account_no="6217001234567890", account_name="韦小红",
                                  id_number="450102198001010099")
    assert verify(gw, no="SF3", account_no="6217001234567890").reason == "账户所有人证件号码与缴费人不符"
    assert gw.query_agreement("SF20210210000001").status == "VERIFIED"
    assert gw.terminate_agreement("SF20210210000001").status == "TERMINATED"
    with pytest.raises(PayGatewayError) as exc:
        gw.query_agreement("NOPE")
    assert exc.value.code == "AGREEMENT_NOT_FOUND"


def test_batch_deduction_per_item_once():
    gw = PayGateway()
    verify(gw)
    SimBankAccount.objects.create(bank_code="105", account_no="6222021234567890123", account_name="韦小红",
                                  balance=Decimal("500.00"))
    results = gw.batch_deduct(batch_no="PK1", notify_url=NOTIFY, items=[
        item("I1", amount=Decimal("300.00"), order="SI1"), item("I2", amount=Decimal("300.00"), order="SI2"),
        item("I3", agreement="SF-UNKNOWN", order="SI3")])
    assert [(r.status, r.reason) for r in results] == [("DEDUCTED", ""), ("FAILED", "账户余额不足"),
                                                       ("FAILED", "委托扣款协议不存在或未生效")]
    assert results[0].amount == Decimal("300.00") and isinstance(results[0].amount, Decimal)
    assert SimBankAccount.objects.get().balance == Decimal("200.00")
    order = SimOrder.objects.get(order_no="SI1")
    assert order.status == "PAID" and order.channel == "委托银行批量扣款" and order.notify_attempts == 1
    again = gw.batch_deduct(batch_no="PK1", notify_url=NOTIFY, items=[item("I1", order="SI1")])
    assert again[0].bank_serial == results[0].bank_serial and SimDeduction.objects.count() == 3
    assert SimBankAccount.objects.get().balance == Decimal("200.00")
    gw.terminate_agreement("SF20210210000001")
    late = gw.batch_deduct(batch_no="PK2", notify_url=NOTIFY, items=[item("I4", amount=Decimal("100.00"), order="SI4")])
    assert (late[0].status, late[0].reason) == ("FAILED", "委托扣款协议已终止")


def test_amounts_are_decimal_strings_and_requests_signed(client):
    gw = PayGateway()
    with pytest.raises(TypeError):
        gw.batch_deduct(batch_no="PK1", notify_url=NOTIFY, items=[item(amount=300.0)])
    body = b'{"batch_no": "PK1", "notify_url": "x", "items": [{"item_no": "I1", "order_no": "S", "agreement_no": "A", "amount": 300}]}'
    path = "/integrations/pay-sim/batch-deductions"
    from django.conf import settings

    headers = signing.sign(settings.PAY_GATEWAY_SECRET, settings.PAY_MERCHANT_ID, "POST", path, "", body)
    r = client.post(path, body, content_type="application/json", **{f"HTTP_{k.upper().replace('-', '_')}": v
                                                                   for k, v in headers.items()})
    assert r.status_code == 400 and r.json()["code"] == "INVALID_REQUEST"
    headers["X-Pay-Signature"] = "0" * 64
    r = client.post(path, body, content_type="application/json", **{f"HTTP_{k.upper().replace('-', '_')}": v
                                                                   for k, v in headers.items()})
    assert r.status_code == 401 and SimDeduction.objects.count() == 0


def test_unreachable_gateway_is_a_pay_gateway_error_in_chinese():
    from integrations.tips_pay.client import PayGateway, PayGatewayError

    gw = PayGateway(base_url="http://127.0.0.1:9/pay")  # the discard port: nothing listens
    with pytest.raises(PayGatewayError) as exc:
        gw.query_order("SI0000")
    assert str(exc.value).startswith("无法连接支付平台")
