"""Batch orders (委托银行批量扣款, create_batch_order): a resident's year and a flexible worker's month are paid once
whatever the channel — a batch line and a self-declared line of the same payer, insurance and period exclude
each other (service check and DB constraint, also under concurrent requests); the bank's deduction through the
simulated gateway pays the order and issues its receipt; a batch order is never expired, cancelled or sent to
a cashier while the bank may still deduct it; bad lines get Chinese errors and write nothing."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from domains.si_fee.payments import services
from domains.si_fee.payments.models import PaymentLine, PaymentOrder, Receipt
from domains.si_fee.payments.receipts import receipt_data
from domains.si_fee.rules.models import InsuranceType
from integrations.tips_pay.client import PayGateway
from integrations.tips_pay.models import SimDeduction, SimOrder
from kernel.audit.models import OperationLog
from kernel.core.testing import make_staff, race

from .support import FEB_10_2021, fe_pension, load_reference, make_payer

pytestmark = pytest.mark.django_db
JAN, FEB = datetime.date(2021, 1, 1), datetime.date(2021, 2, 1)
BASE = "3153.9"  # 630.78 a month


@pytest.fixture
def world(monkeypatch):
    load_reference()
    monkeypatch.setattr(services, "today", lambda: FEB_10_2021)

    class W:
        pass

    w = W()
    w.flexible = make_payer(name="黄大力")
    w.resident = make_payer(person_type="resident", name="蒙小兰")
    w.rr = InsuranceType.objects.get(code="rr_pension")
    w.fe = fe_pension()
    return w


def year_line(insurance, year=2021, amount="300.00"):
    return dict(insurance=insurance, period_start=datetime.date(year, 1, 1), period_end=datetime.date(year, 12, 31),
                amount=Decimal(amount))


def month_line(insurance, start=FEB, amount="630.78", base="3153.90"):
    return dict(insurance=insurance, period_start=start, period_end=start.replace(day=28 if start.month == 2 else 31),
                base=Decimal(base), amount=Decimal(amount))


def deduct(order, *, n=1):
    """The bank deducts the order under a verified agreement (the simulated gateway's batch deduction; its signed
    callback pays the order here)."""
    payer = order.payer
    gw = PayGateway()
    agreement_no = f"LLT{payer.pk:06d}"
    gw.verify_agreement(agreement_no=agreement_no, kind="BILATERAL", bank_code="105",
                        account_no=f"62220212345{payer.pk:08d}", account_name=payer.name, id_type="201",
                        id_number=payer.id_number, name=payer.name)
    results = gw.batch_deduct(batch_no="PKTEST", notify_url=services.notify_url(), items=[{
        "item_no": f"PKTEST{order.pk:06d}{n}", "order_no": order.order_no, "agreement_no": agreement_no,
        "id_type": "201", "id_number": payer.id_number, "name": payer.name, "insurance": "险种",
        "period": "所属期", "amount": order.total}])
    assert results[0].status == "DEDUCTED"
    order.refresh_from_db()
    return order


def test_a_residents_year_is_one_batch_line_held_once(world):
    w = world
    order, created = services.create_batch_order(w.resident, [year_line(w.rr)], request_id="batch-PK1")
    assert created and order.kind == "batch" and order.channel == "委托银行批量扣款" and not order.cashier_url
    assert order.total == Decimal("300.00") and isinstance(order.total, Decimal)
    line = order.lines.get()
    assert (line.source, line.status, line.period_start, line.period_end, line.base) == (
        "batch", "pending", JAN, datetime.date(2021, 12, 31), None)
    again, created = services.create_batch_order(w.resident, [year_line(w.rr)], request_id="batch-PK1")
    assert not created and again.pk == order.pk
    with pytest.raises(ValidationError) as exc:
        services.create_batch_order(w.resident, [year_line(w.rr, amount="500.00")], request_id="batch-PK2")
    assert exc.value.message_dict["periods"] == [
        f"2021年度城乡居民基本养老保险正在委托银行批量扣款（订单号{order.order_no}），请等待银行扣款结果"]
    # paid by the bank: the year is paid; another task's order for it is refused
    deduct(order)
    assert order.status == "paid" and order.lines.get().status == "paid"
    with pytest.raises(ValidationError) as exc:
        services.create_batch_order(w.resident, [year_line(w.rr)], request_id="batch-PK3")
    assert exc.value.message_dict["periods"] == ["2021年度城乡居民基本养老保险已缴纳，不能重复缴费"]
    assert PaymentOrder.objects.filter(payer=w.resident).count() == 1
    assert OperationLog.objects.filter(action="si_pay_order_created", detail__kind="batch").count() == 1


def test_a_flexible_month_is_paid_once_across_self_and_batch(world):
    w = world
    # the payer is at the cashier for February: the bank may not take it too
    self_order, _ = services.create_self_order(w.flexible, w.fe, [FEB], BASE, request_id="r-self", today=FEB_10_2021)
    with pytest.raises(ValidationError) as exc:
        services.create_batch_order(w.flexible, [month_line(w.fe)], request_id="batch-PK1")
    assert "2021年02月灵活就业人员基本养老保险有未完成的缴费订单" in exc.value.message_dict["periods"][0]
    services.cancel_order(self_order)
    # now the bank holds February: the payer cannot declare it, and the page shows it as pending
    batch, _ = services.create_batch_order(w.flexible, [month_line(w.fe)], request_id="batch-PK1")
    with pytest.raises(ValidationError) as exc:
        services.create_self_order(w.flexible, w.fe, [JAN, FEB], BASE, request_id="r-2", today=FEB_10_2021)
    assert exc.value.message_dict["periods"] == [
        f"2021年02月灵活就业人员基本养老保险正在委托银行批量扣款（订单号{batch.order_no}），请等待银行扣款结果"]
    deduct(batch)
    assert batch.status == "paid"
    with pytest.raises(ValidationError) as exc:
        services.create_self_order(w.flexible, w.fe, [FEB], BASE, request_id="r-3", today=FEB_10_2021)
    assert exc.value.message_dict["periods"] == ["2021年02月灵活就业人员基本养老保险已缴纳，不能重复缴费"]
    # January is still free for the payer
    jan, created = services.create_self_order(w.flexible, w.fe, [JAN], BASE, request_id="r-4", today=FEB_10_2021)
    assert created and jan.lines.get().period_start == JAN


def test_the_declaration_page_shows_a_bank_paid_month_as_paid(client, world):
    w = world
    deduct(services.create_batch_order(w.flexible, [month_line(w.fe)], request_id="batch-PK1")[0])
    client.force_login(w.flexible.user)
    page = client.get("/m/si/pay/")
    periods = {value: state for value, _label, state in page.context["periods"]}
    assert periods["2021-02"] == "paid" and periods["2021-01"] == ""


def test_the_database_holds_the_period_once_across_sources(world):
    """Written past the service (as a concurrent request would): the partial unique constraint refuses it."""
    w = world
    batch, _ = services.create_batch_order(w.flexible, [month_line(w.fe)], request_id="batch-PK1")
    other = PaymentOrder.objects.create(order_no="SI-T-1", payer=w.flexible, kind="self", total=Decimal("630.78"),
                                        request_id="raw", expires_at=batch.expires_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(order=other, payer=w.flexible, insurance=w.fe, period_start=FEB,
                                   period_end=datetime.date(2021, 2, 28), amount=Decimal("630.78"), source="self")
    # a failed deduction frees the period (the line is cancelled), and then it may be written
    services.finish_unpaid(batch, "fail", reason="银行批量扣款失败：账户余额不足")
    assert batch.lines.get().status == "cancelled"
    PaymentLine.objects.create(order=other, payer=w.flexible, insurance=w.fe, period_start=FEB,
                               period_end=datetime.date(2021, 2, 28), amount=Decimal("630.78"), source="self")
    # an assessed payable of the same month is another matter (social security's arrears): not held by it
    assert PaymentLine.objects.filter(payer=w.flexible, period_start=FEB, status="pending").count() == 1


def test_receipt_of_a_batch_order(client, world):
    w = world
    w.resident.agency = "南宁市青秀区社会保险事业局"
    w.resident.save()
    order = deduct(services.create_batch_order(w.resident, [year_line(w.rr)], request_id="batch-PK1")[0])
    receipt = Receipt.objects.get(order=order)  # issued with the bank's payment
    data = receipt_data(order, receipt)
    assert data["channel"] == "委托银行批量扣款" and data["total"] == "300.00" and data["status"] == "已缴费"
    assert data["agency"] == "南宁市青秀区社会保险事业局" and data["bank_serial"] == order.bank_serial
    assert data["lines"] == [{"name": "城乡居民基本养老保险", "period": "2021-01-01至2021-12-31", "amount": "300.00",
                              "status": "已缴费", "refunded": ""}]
    assert order.bank_serial.startswith("PK")
    client.force_login(w.resident.user)
    assert order.order_no in client.get("/m/si/receipts/").content.decode()
    page = client.get(f"/m/si/receipts/{order.order_no}/").content.decode()
    assert receipt.receipt_no in page and "委托银行批量扣款" in page and "2021-01-01至2021-12-31" in page
    pdf = client.get(f"/m/si/receipts/{order.order_no}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    public = client.get(f"/public/si/receipts/{receipt.verify_code}/").content.decode()
    assert receipt.receipt_no in public and "蒙*兰" in public
    staff = make_staff("450100", ["si_pay.view_paymentorder"])
    client.force_login(staff)
    assert client.get(f"/gov/si/payments/{order.pk}/receipt/").status_code == 200
    client.force_login(make_staff("450200", ["si_pay.view_paymentorder"]))
    assert client.get(f"/gov/si/payments/{order.pk}/receipt/").status_code == 404


def test_expiry_skips_batch_orders_while_the_bank_may_still_deduct(client, world):
    w = world
    batch, _ = services.create_batch_order(w.flexible, [month_line(w.fe)], request_id="batch-PK1")
    stale, _ = services.create_self_order(w.flexible, w.fe, [JAN], BASE, request_id="r-self", today=FEB_10_2021)
    later = batch.expires_at + datetime.timedelta(days=2)
    assert services.expire_orders(now=later) == 1  # the self-declared order only
    stale.refresh_from_db()
    batch.refresh_from_db()
    assert stale.status == "closed" and batch.status == "created" and batch.lines.get().status == "pending"
    assert services.expire_orders(payer=w.flexible, now=later) == 0
    # the bank deducts it days later: paid, once
    deduct(batch)
    assert batch.status == "paid" and batch.lines.get().status == "paid"
    assert OperationLog.objects.filter(action="si_pay_paid", detail__order_no=batch.order_no).count() == 1
    assert SimDeduction.objects.filter(order_no=batch.order_no).count() == 1


def test_a_batch_order_has_no_cashier_and_the_payer_cannot_cancel_it(client, world):
    w = world
    batch, _ = services.create_batch_order(w.flexible, [month_line(w.fe)], request_id="batch-PK1")
    with pytest.raises(ValidationError) as exc:
        services.open_cashier(batch, notify_url=services.notify_url(), return_url="http://127.0.0.1/m/si/")
    assert "请等待银行扣款结果" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        services.cancel_order(batch, user=w.flexible.user)
    assert "不能取消" in exc.value.messages[0]
    assert not SimOrder.objects.filter(order_no=batch.order_no).exists()
    client.force_login(w.flexible.user)
    page = client.get(f"/m/si/pay/return/{batch.order_no}/").content.decode()
    assert "银行扣款中" in page and "继续支付" not in page and "取消订单" not in page
    r = client.post(f"/m/si/pay/{batch.order_no}/cancel/")
    assert r.status_code == 302
    r = client.post(f"/m/si/pay/{batch.order_no}/continue/")
    assert r.status_code == 302 and "cashier" not in r["Location"]
    batch.refresh_from_db()
    assert batch.status == "created" and batch.lines.get().status == "pending"


def test_bad_batch_lines_get_chinese_errors_and_write_nothing(world):
    w = world
    cases = [
        ([], "请提供扣款明细"),
        ([year_line(w.rr) | {"amount": 300.0}], "第1条：扣款金额应为大于0、最多两位小数的金额"),
        ([year_line(w.rr) | {"amount": Decimal("300.001")}], "第1条：扣款金额应为大于0、最多两位小数的金额"),
        ([year_line(w.rr) | {"period_start": FEB}], "第1条：城乡居民基本养老保险按年度缴纳，所属期应为2021年1月至12月"),
        ([year_line(w.rr) | {"period_end": datetime.date(2021, 6, 30)}], "第1条：所属期止应为2021-12-31"),
        ([year_line(w.fe)], "第1条：该缴费人不能缴纳灵活就业人员基本养老保险"),
        ([year_line(w.rr), year_line(w.rr)], "第2条：城乡居民基本养老保险2021年度重复"),
    ]
    for lines, message in cases:
        with pytest.raises(ValidationError) as exc:
            services.create_batch_order(w.resident, lines, request_id="batch-bad")
        assert message in exc.value.message_dict["lines"], (lines, exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        services.create_batch_order(w.resident, [year_line(w.rr)], request_id="")
    assert "request_id" in exc.value.message_dict
    assert not PaymentOrder.objects.exists() and not PaymentLine.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_self_and_batch_requests_hold_the_month_once():
    from django.core.management import call_command


    call_command("load_reference", verbosity=0, stdout=open("/dev/null", "w"))
    load_reference()
    payer = make_payer()
    fe = fe_pension()

    def one(i):
        if i % 2:
            return services.create_batch_order(payer, [month_line(fe)], request_id=f"batch-{i}")[0].pk
        return services.create_self_order(payer, fe, [FEB], BASE, request_id=f"self-{i}", today=FEB_10_2021)[0].pk

    results, other = race(6, one)
    assert other == []
    made = [r for r in results if isinstance(r, int)]
    assert len(made) == 1 and len([r for r in results if isinstance(r, ValidationError)]) == 5
    assert PaymentLine.objects.filter(payer=payer, period_start=FEB).count() == 1
