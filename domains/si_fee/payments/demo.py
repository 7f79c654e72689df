"""Demo story of payments (a lived-in service on `make run`), for the demo flexible-employment worker 韦秀梅 of
Nanning (seeded by the payers app, whose demo also carries the current year's rules forward):

* two months of this year's flexible-employment pension declared and paid yesterday, each its own order paid at
  the simulated cashier (the gateway's signed callback applies it; the receipt is issued with the payment);
* one payable assessed by social security (核定应缴, fe_medical of the current month) pushed through the inbound
  endpoint's own serializer and `ingest`, pending in 待缴费用;
* a normal refund of the first month, accepted by the Nanning clerk: 审核中, a to-do of the tax administrator;
* yesterday's reconciliation run: the simulator's file drops the second order (hook), so the first order's
  line becomes 已上解未入库 and the second is one difference 我方有银行无 of 青秀区, an orange warning.

Dates are relative to today. Idempotent: each part is keyed by what it made (the orders' request ids
"demo-story-…", the payable's number, the payer's refund, the file hook of the dropped order), so a second run
adds nothing, whatever the day. Needs the in-process payment simulator (PAY_GATEWAY_URL empty): with a real
gateway configured nothing is paid here."""
import datetime
import secrets
from decimal import Decimal

from django.utils import timezone

from kernel.org.validators import id_check_char

PAYER_ID17 = "45010319880315234"  # 韦秀梅 in domains/si_fee/payers/demo.py
CLERK = "nn_si_clerk"  # the Nanning tax clerk of the payers demo, who accepts (受理) the refund
REQUEST = "demo-story-"
PAYABLE_PREFIX = "SBHD-DEMO-"
PAID_AT = [datetime.time(9, 12), datetime.time(20, 35)]  # yesterday's two payments, local time
DECLARED_BEFORE = datetime.timedelta(minutes=3)  # declared, then paid at the cashier three minutes later
REFUND = {"reason": "该月已由原单位补缴职工养老保险，个人重复缴纳，申请退还", "bank_name": "中国建设银行南宁青秀支行",
          "bank_account": "6217002870012345678"}


def _payer():
    from domains.si_fee.payers.models import Payer

    first17 = PAYER_ID17
    return Payer.objects.filter(id_number=first17 + id_check_char(first17)).select_related("prefecture").first()


def _months(payer, day):
    """The two latest months of the flexible pension the payer could declare on `day` (this year first; in
    January, last year's back-pay months), with the rule's minimum base."""
    from domains.si_fee.rules.models import ContributionRule, InsuranceType
    from domains.si_fee.rules.services import must_be_assessed, payable_periods

    fe = InsuranceType.objects.get(code="fe_pension")
    found = []
    for year in (day.year, day.year - 1):
        rule = (ContributionRule.objects.filter(prefecture=payer.prefecture, year=year, insurance=fe)
                .select_related("prefecture").first())
        if rule is None or must_be_assessed(rule, payer.special_category):
            continue
        found += [(p, rule.min_base) for p in payable_periods(rule, day)]
    found.sort(reverse=True)
    return fe, sorted(found[:2])


def _pay_at(order, when):
    """The payer confirmed at the simulated cashier at `when`: the simulator records the payment then and sends
    its signed callback, which pays the order here (lines, receipt, SMS); the order's own times follow."""
    from integrations.tips_pay.models import SimOrder
    from integrations.tips_pay.simulator import notify

    from . import services
    from .models import PaymentLine, PaymentOrder, Receipt

    services.open_cashier(order, notify_url=services.notify_url(), return_url="http://127.0.0.1/m/si/payments/")
    sim = SimOrder.objects.get(order_no=order.order_no)
    if sim.status == SimOrder.Status.CREATED:
        sim.status, sim.paid_at = SimOrder.Status.PAID, when
        sim.bank_serial = "CEB" + timezone.localtime(when).strftime("%Y%m%d") + secrets.token_hex(6).upper()
        sim.save()
    notify(sim)
    created = when - DECLARED_BEFORE
    PaymentOrder.all_objects.filter(pk=order.pk).update(created_at=created)
    PaymentLine.all_objects.filter(order=order).update(created_at=created)
    Receipt.all_objects.filter(order=order).update(issued_at=when)
    order.refresh_from_db()
    return order


def _paid_orders(payer, today):
    from . import services
    from .models import PaymentOrder

    existing = list(PaymentOrder.objects.filter(payer=payer, request_id__startswith=REQUEST).order_by("id"))
    if existing:
        return existing, 0
    yesterday = today - datetime.timedelta(days=1)
    fe, months = _months(payer, yesterday)
    orders = []
    for (period, base), at in zip(months, PAID_AT[:len(months)], strict=True):
        when = timezone.make_aware(datetime.datetime.combine(yesterday, at))
        order, _ = services.create_self_order(payer, fe, [period], base, request_id=f"{REQUEST}{period:%Y-%m}",
                                              today=yesterday, now=when - DECLARED_BEFORE)
        orders.append(_pay_at(order, when))
    return orders, len(orders)


def _assessed_payable(payer, today):
    """核定应缴 of the current month's flexible-employment medical insurance, pushed by social security."""
    from domains.si_fee.rules.services import money

    from . import push
    from .models import Payable

    if Payable.all_objects.filter(payer=payer, source_no__startswith=PAYABLE_PREFIX).exists():
        return 0
    base = Decimal("3153.90")  # Nanning's minimum base; medical 7 %
    s = push.AssessedPushSerializer(data={"items": [{
        "source_no": f"{PAYABLE_PREFIX}{today:%Y%m}-0001", "id_type": payer.id_type, "id_number": payer.id_number,
        "name": payer.name, "insurance_code": "fe_medical", "period_start": f"{today:%Y-%m}",
        "period_end": f"{today:%Y-%m}", "base": f"{base}", "amount": f"{money(base * 7 / 100)}",
        "agency": payer.agency or "南宁市社会保险事业局",
        "remark": f"社保部门核定{today.year}年{today.month}月灵活就业人员基本医疗保险费（缴费基数{base}元，费率7%）"}]})
    s.is_valid(raise_exception=True)
    return push.ingest(s.validated_data["items"])["created"]


def _refund_in_review(payer, order):
    """A normal refund of the order's month, accepted by the clerk (审核中)."""
    from domains.si_fee.refunds import services as refunds
    from domains.si_fee.refunds.models import RefundApplication
    from kernel.accounts.models import User

    if RefundApplication.all_objects.filter(payer=payer).exists() or order.status != "paid":
        return 0
    line = order.lines.get()
    refund = refunds.apply_normal(payer, dict(REFUND, choice=f"{line.insurance_id}:{line.period_start:%Y-%m}",
                                              account_name=payer.name), user=payer.user)
    clerk = User.objects.filter(username=CLERK).first()
    if clerk is not None:
        refunds.accept(refund, clerk)
    return 1


def _reconciliation(dropped):
    """The reconciliation of the day the order was paid, the simulator's file lacking that order."""
    from integrations.tips_pay.models import SimReconciliationHook

    from .reconciliation import reconcile

    day = timezone.localdate(dropped.paid_at)
    hook, created = SimReconciliationHook.objects.get_or_create(date=day, drop_order_no=dropped.order_no)
    if not created:
        return None
    return reconcile(day)


def seed_demo_story(out):
    """The story (see the module's text). Returns the summary line of seed_demo."""
    from integrations.tips_pay.client import PayGateway

    payer = _payer()
    if payer is None:
        return "未找到演示缴费人韦秀梅，跳过缴费演示"
    if not PayGateway().simulated:
        return "已配置真实支付平台（PAY_GATEWAY_URL），不生成演示缴费"
    today = timezone.localdate()
    orders, paid = _paid_orders(payer, today)
    payables = _assessed_payable(payer, today)
    refunds = _refund_in_review(payer, orders[0]) if orders else 0
    run = _reconciliation(orders[-1]) if len(orders) > 1 else None
    recon = f"，{run.day:%Y-%m-%d}对账差异{run.differences_total}笔" if run is not None else ""
    if paid:
        out.write(f"缴费演示：韦秀梅已缴{'、'.join(f'{o.lines.get().period_start:%Y-%m}' for o in orders)}"
                  f"养老保险（订单{'、'.join(o.order_no for o in orders)}）\n")
    return f"演示缴费订单{paid}笔，核定应缴{payables}笔，退费申请{refunds}笔{recon}"
