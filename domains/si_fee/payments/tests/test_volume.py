"""The benchmark volume seeder (demo_volume.py) at a small scale: counts, consistency, idempotence, and that the
reconciliation of its day reconciles every order but the planted differences."""
import io
from decimal import Decimal

import pytest
from django.db.models import Count

from domains.si_fee.payers.models import Payer
from domains.si_fee.payments import demo_volume
from domains.si_fee.payments.models import Payable, PaymentLine, PaymentOrder
from integrations.tips_pay.models import SimOrder, SimReconciliationHook
from kernel.accounts.models import User

from .support import load_reference

pytestmark = pytest.mark.django_db
SCALE = 2


@pytest.fixture
def volume():
    load_reference()
    return demo_volume.seed_volume(SCALE, io.StringIO(), batch=400)  # three batches: 400, 400, 200


def test_counts_and_consistency(volume):
    payers = demo_volume.PAYERS_PER_SCALE * SCALE
    assert Payer.objects.filter(registration_no__startswith="SIV").count() == payers == volume["payers"]
    assert PaymentLine.objects.count() == demo_volume.LINES_PER_SCALE * SCALE == volume["lines"]
    assert PaymentOrder.objects.count() == volume["orders"]
    day = volume["recon_day"]
    recon = PaymentOrder.objects.filter(order_no__startswith=f"SIVR{day:%Y%m%d}")
    assert recon.count() == payers == SimOrder.objects.filter(status="PAID").count()
    # the bench payers: an account each (username = ID number), their pending payables
    bench = Payer.objects.filter(user__isnull=False, registration_no__startswith="SIV")
    assert bench.count() == demo_volume.BENCH_PAYERS
    assert set(bench.values_list("user__username", flat=True)) == set(demo_volume.bench_usernames())
    assert set(bench.values_list("id_number", flat=True)) == set(demo_volume.bench_usernames())
    assert User.objects.filter(kind="citizen", username__in=demo_volume.bench_usernames()).count() == 100
    assert Payable.objects.filter(status="pending").count() == demo_volume.BENCH_PAYERS * demo_volume.BENCH_PAYABLES
    assert Payer.objects.filter(registration_no__startswith="SIV", user__isnull=True).count() == payers - 100
    # spread over the counties of Guangxi, ID numbers valid and unique
    assert Payer.objects.values("region").distinct().count() > 50
    from kernel.org.validators import id_check_char

    for number in Payer.objects.values_list("id_number", flat=True)[:50]:
        assert id_check_char(number[:17]) == number[17]
    consistency(volume)


def consistency(volume):
    # each order's total is the sum of its lines; 1-12 lines an order
    sums = {}
    for order_id, amount in PaymentLine.objects.values_list("order_id", "amount"):  # Decimal sums (not SQLite's REAL)
        sums[order_id] = sums.get(order_id, Decimal("0.00")) + amount
    assert sums == dict(PaymentOrder.objects.values_list("pk", "total"))
    assert PaymentOrder.objects.annotate(n=Count("lines")).filter(n__gt=12).count() == 0
    assert PaymentOrder.objects.annotate(n=Count("lines")).filter(n=0).count() == 0
    # a line belongs to its order's payer; amount = base x rate; statuses as planned
    assert not PaymentLine.objects.exclude(payer=models_f("order__payer")).exists()
    for line in PaymentLine.objects.order_by("?")[:200]:
        assert line.amount == (line.base * line.rate).quantize(Decimal("0.01"))
    statuses = dict(PaymentLine.objects.values_list("status").annotate(n=Count("id")))
    assert set(statuses) == {"stored", "remitted", "refunded", "paid"}
    assert statuses["paid"] == demo_volume.PAYERS_PER_SCALE * SCALE  # the reconciliation day's lines
    assert statuses["stored"] > statuses["remitted"] > statuses["refunded"] > 0
    assert not PaymentLine.objects.filter(status="refunded").exclude(refunded_amount=models_f("amount")).exists()
    # the simulator holds the reconciliation day's orders with the same amounts (but the planted one)
    ours = dict(PaymentOrder.objects.filter(order_no__startswith="SIVR").values_list("order_no", "total"))
    theirs = dict(SimOrder.objects.values_list("order_no", "amount"))
    assert ours.keys() == theirs.keys()
    assert SimReconciliationHook.objects.filter(date=volume["recon_day"]).count() == 2


def models_f(name):
    from django.db.models import F

    return F(name)


def test_idempotent_and_resumable(volume):
    again = demo_volume.seed_volume(SCALE, io.StringIO())
    assert again["payers"] == 0 and again["existing"] == demo_volume.PAYERS_PER_SCALE * SCALE
    assert PaymentLine.objects.count() == demo_volume.LINES_PER_SCALE * SCALE
    assert demo_volume.seeded(SCALE) and not demo_volume.seeded(SCALE + 1)
    # topped up to a larger scale: only the new payers are added, ids continue, sequences follow
    grown = demo_volume.seed_volume(SCALE + 1, io.StringIO())
    assert grown["payers"] == demo_volume.PAYERS_PER_SCALE
    assert PaymentLine.objects.count() == demo_volume.LINES_PER_SCALE * (SCALE + 1)
    assert Payer.objects.filter(registration_no__startswith="SIV").count() == demo_volume.PAYERS_PER_SCALE * 3
    assert SimReconciliationHook.objects.filter(date=volume["recon_day"]).count() == 2
    order = PaymentOrder.objects.create(order_no="SIXTEST", payer=Payer.objects.first(), total=Decimal("1.00"),
                                        request_id="x", expires_at=PaymentOrder.objects.first().expires_at)
    assert order.pk > PaymentOrder.objects.exclude(pk=order.pk).order_by("-pk").first().pk


def test_reconciliation_of_the_day(volume):
    from domains.si_fee.payments.reconciliation import reconcile

    run = reconcile(volume["recon_day"], scan=False)
    payers = demo_volume.PAYERS_PER_SCALE * SCALE
    assert run.status == "done", run.error
    assert run.our_count == payers and run.file_count == payers - 1 + 1  # one dropped, one extra
    assert (run.missing, run.extra, run.amount) == (1, 1, 0)
    assert run.matched == payers - 1
    assert PaymentLine.objects.filter(status="paid").count() == 1  # the dropped order's line
    again = reconcile(volume["recon_day"], scan=False)
    assert again.new_differences == 0 and again.matched == payers - 1
