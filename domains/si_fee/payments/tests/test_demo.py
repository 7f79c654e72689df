"""The payments demo story (demo.seed_demo_story) on top of the payers demo: 韦秀梅 has two months of this year paid
yesterday with their receipts, an assessed medical payable pending, a refund in review, and yesterday's
reconciliation run with one difference (her second order, dropped from the simulator's file) as an orange
warning the Nanning staff see; a second run adds nothing."""
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from domains.si_fee.payments import demo
from domains.si_fee.payments.models import (
    Payable,
    PaymentLine,
    PaymentOrder,
    Receipt,
    ReconciliationDifference,
    ReconciliationRun,
)
from domains.si_fee.refunds.models import RefundApplication
from kernel.accounts.models import User
from kernel.alerts.models import Warning
from kernel.audit.models import OperationLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    from domains.si_fee.payers import demo as payers_demo
    from kernel.org.demo import seed_agencies

    call_command("load_reference", stdout=io.StringIO())
    seed_agencies()
    payers_demo.seed(1, io.StringIO())
    out = io.StringIO()
    summary = demo.seed_demo_story(out)
    return summary, out.getvalue()


def counts():
    return (PaymentOrder.all_objects.count(), PaymentLine.all_objects.count(), Receipt.objects.count(),
            Payable.all_objects.count(), RefundApplication.all_objects.count(), ReconciliationRun.objects.count(),
            ReconciliationDifference.objects.count(), OperationLog.objects.count())


def test_story_states_and_idempotence(client, seeded):
    summary, text = seeded
    assert summary.startswith("演示缴费订单2笔，核定应缴1笔，退费申请1笔") and "对账差异1笔" in summary
    payer = demo._payer()
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    orders = list(PaymentOrder.objects.filter(payer=payer).order_by("paid_at"))
    assert len(orders) == 2 and {o.status for o in orders} == {"paid"} and {o.kind for o in orders} == {"self"}
    assert {timezone.localdate(o.paid_at) for o in orders} == {yesterday}
    assert all(o.order_no.startswith(f"SI{yesterday:%Y%m%d}") and o.created_at < o.paid_at for o in orders)
    months = [o.lines.get().period_start for o in orders]
    assert months[0] < months[1] and all(m.year == yesterday.year or yesterday.month == 1 for m in months)
    assert all(o.lines.get().insurance.code == "fe_pension" for o in orders)
    first, second = orders
    # receipts issued with the payments, dated yesterday
    for o in orders:
        receipt = Receipt.objects.get(order=o)
        assert receipt.receipt_no.startswith(f"HD{yesterday:%Y%m%d}")
        assert timezone.localdate(receipt.issued_at) == yesterday
    # yesterday's reconciliation: the first matched (已上解未入库), the second missing from the bank's file
    run = ReconciliationRun.objects.get(day=yesterday)
    assert (run.status, run.file_count, run.our_count, run.matched, run.missing, run.extra, run.amount) == (
        "done", 1, 2, 1, 1, 0, 0)
    assert first.lines.get().status == "remitted" and second.lines.get().status == "paid"
    diff = ReconciliationDifference.objects.get()
    assert (diff.kind, diff.order_no, diff.status, diff.region.code) == ("missing", second.order_no, "open", "450103")
    warning = Warning.objects.get(rule__code="si_reconciliation_difference", subject_id=diff.pk)
    assert warning.level == "orange" and warning.status not in ("released", "withdrawn")
    # the assessed medical payable is pending in 待缴费用
    payable = Payable.objects.get(payer=payer)
    assert (payable.insurance.code, payable.status, payable.period_start) == ("fe_medical", "pending", today.replace(day=1))
    assert payable.amount == Decimal("220.77") and payable.base == Decimal("3153.90") and payable.agency
    # the refund of the first month is in review (accepted by the clerk)
    refund = RefundApplication.objects.get(payer=payer)
    assert refund.status == "reviewing" and refund.amount == first.total and refund.period_start == months[0]

    # the payer's pages and the Nanning staff's
    client.force_login(payer.user)
    assert all(o.order_no in client.get("/m/si/receipts/").content.decode() for o in orders)
    assert client.get(f"/m/si/receipts/{first.order_no}/").status_code == 200
    assert "灵活就业人员基本医疗保险" in client.get("/m/si/payables/").content.decode()
    client.force_login(User.objects.get(username="nn_si_admin"))
    page = client.get("/gov/si/reconciliation/").content.decode()
    assert second.order_no in page
    assert client.get(f"/gov/si/reconciliation/differences/{diff.pk}/").status_code == 200

    before = counts()
    assert demo.seed_demo_story(io.StringIO()) == "演示缴费订单0笔，核定应缴0笔，退费申请0笔"
    assert counts() == before


def test_without_the_payers_demo_nothing_is_made(db):
    assert demo.seed_demo_story(io.StringIO()) == "未找到演示缴费人韦秀梅，跳过缴费演示"
    assert not PaymentOrder.objects.exists()
