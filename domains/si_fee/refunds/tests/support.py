"""Shared set-up of the refund tests: reference data, payers with accounts, payables paid through the real
payment flow (order, simulated cashier, signed callback), and tax staff."""
import datetime
import itertools
from decimal import Decimal

from kernel.accounts.models import User
from kernel.core.testing import make_staff
from kernel.org.models import Region
from kernel.org.validators import id_check_char

_seq = itertools.count(1)
JAN_2021 = datetime.date(2021, 1, 1)
CLERK = ["si_refund.view_refundapplication", "si_refund.export_refundapplication", "si_refund.review_refund"]
ADMIN = CLERK + ["si_refund.approve_refund"]


def valid_id(n=None, prefix="45010219850612"):
    n = n if n is not None else next(_seq)
    first = f"{prefix}{n % 1000:03d}"
    return first + id_check_char(first)


def load_reference():
    from domains.si_fee.payments.reference import load as load_pay
    from domains.si_fee.refunds.reference import load as load_refund
    from domains.si_fee.rules.reference import load as load_rules

    load_rules()
    load_pay()
    load_refund()


def make_payer(county="450102", city="450100", person_type="flexible", name="韦小红", mobile="13907711234",
               registration_no="DJ450102000001", id_number=None):
    from domains.si_fee.payers.models import Payer

    n = next(_seq)
    user = User.objects.create_user(username=f"rpayer{n}", password="Test@pass2026", kind="citizen",
                                    must_change_password=False)
    return Payer.objects.create(user=user, person_type=person_type, name=name, id_number=id_number or valid_id(n),
                                mobile=mobile, region=Region.objects.get(code=county),
                                prefecture=Region.objects.get(code=city), registration_no=registration_no)


def insurance(code):
    from domains.si_fee.rules.models import InsuranceType

    return InsuranceType.objects.get(code=code)


def payable(payer, source_no, code, start, end, amount, base=None):
    from domains.si_fee.payments.models import Payable, month_end

    return Payable.objects.create(source_no=source_no, payer=payer, insurance=insurance(code), period_start=start,
                                  period_end=month_end(end), base=Decimal(base) if base else None,
                                  amount=Decimal(amount), agency="南宁市社会保险事业管理中心")


def pay(payer, *payables):
    """Pay the payables in one order through the real flow: order, gateway cashier, the payer pays, the signed
    callback marks it paid. Returns the order."""
    from domains.si_fee.payments import services as pay_services
    from integrations.tips_pay.models import SimOrder
    from integrations.tips_pay.simulator import settle

    order, _ = pay_services.create_payable_order(payer, [p.pk for p in payables], request_id=f"r{next(_seq)}")
    pay_services.open_cashier(order, notify_url=pay_services.notify_url(), return_url="http://127.0.0.1/m/si/")
    settle(SimOrder.objects.get(order_no=order.order_no), "pay")
    order.refresh_from_db()
    assert order.status == "paid"
    return order


def staff(city="450100", perms=ADMIN, **extra):
    return make_staff(city, perms, **extra)


BANK = {"reason": "重复缴费", "bank_name": "中国光大银行南宁分行", "bank_account": "6226620212345678"}


def bank(payer, **over):
    return {**BANK, "account_name": payer.name, **over}
