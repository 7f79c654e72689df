"""Helpers of the receipt and reconciliation tests: orders paid through the real flow (service -> the
simulated gateway's cashier -> its signed callback), and the simulator's hooks of the day's file."""
import datetime
from decimal import Decimal

from django.utils import timezone

from domains.si_fee.payments import services
from domains.si_fee.payments.models import Payable
from domains.si_fee.rules.models import InsuranceType
from integrations.tips_pay.models import SimOrder, SimReconciliationHook
from integrations.tips_pay.simulator import settle

_n = iter(range(1, 10**6))


def payable(payer, code, start, end, amount, agency="社保系统"):
    return Payable.objects.create(source_no=f"HD-T-{next(_n)}", payer=payer, insurance=InsuranceType.objects.get(
        code=code), period_start=start, period_end=end, amount=Decimal(amount), agency=agency)


def pay(payer, payables):
    """An order of the payables, paid at the simulated cashier (callback applied); returns the order."""
    order, _ = services.create_payable_order(payer, [p.pk for p in payables], request_id=f"r{next(_n)}")
    services.open_cashier(order, notify_url=services.notify_url(), return_url="http://127.0.0.1/m/si/")
    settle(SimOrder.objects.get(order_no=order.order_no), "pay")
    order.refresh_from_db()
    assert order.status == "paid"
    return order


def seed_example(payer):
    """The seed's receipt: 灵活就业人员基本医疗保险 2020-11 31,000.00 and 大病医疗_在职 2020 300.00 = 31,300.00."""
    return pay(payer, [
        payable(payer, "fe_medical", datetime.date(2020, 11, 1), datetime.date(2020, 11, 30), "31000.00"),
        payable(payer, "fe_serious", datetime.date(2020, 1, 1), datetime.date(2020, 12, 31), "300.00")])


def small_order(payer, amount="294.37"):
    return pay(payer, [payable(payer, "fe_medical", datetime.date(2021, 1, 1), datetime.date(2021, 1, 31), amount)])


def drop_from_file(day, order_no):
    SimReconciliationHook.objects.create(date=day, drop_order_no=order_no)


def add_to_file(day, order_no, amount, status="上解", bank_serial="CEBX0001"):
    SimReconciliationHook.objects.create(date=day, add_line={
        "order_no": order_no, "bank_serial": bank_serial, "amount": amount,
        "paid_at": timezone.localtime().replace(microsecond=0).isoformat(), "status": status})


def store_in_treasury(*orders):
    SimOrder.objects.filter(order_no__in=[o.order_no for o in orders]).update(treasury_stored=True)
