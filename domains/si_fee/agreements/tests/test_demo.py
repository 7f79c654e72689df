"""The entrusted-deduction demo (demo.seed, the app's seed_demo) on top of the payers demo: 蒙桂兰 has this year's
resident amount set, an active two-party agreement and her pending items (待批扣) in a Nanning task due in a week;
a second run adds nothing; on the due day the run deducts them as batch orders with receipts."""
import datetime
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from domains.si_fee.agreements import demo, services
from domains.si_fee.agreements.models import Agreement, BatchItem, BatchTask, ResidentAmount
from domains.si_fee.payments.models import Payable, PaymentOrder, Receipt
from kernel.audit.models import OperationLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    from domains.si_fee.payers import demo as payers_demo
    from kernel.org.demo import seed_agencies

    call_command("load_reference", stdout=io.StringIO())
    seed_agencies()
    payers_demo.seed(1, io.StringIO())
    return apps.get_app_config("si_agree").seed_demo(1, io.StringIO())


def counts():
    return (ResidentAmount.objects.count(), Agreement.all_objects.count(), BatchTask.objects.count(),
            BatchItem.all_objects.count(), OperationLog.objects.count())


def test_demo_states_idempotence_and_the_due_run(client, seeded):
    assert seeded == "应缴费额设置1条，委托扣款协议1份，待批扣记录2条"
    payer = demo._payer()
    today = timezone.localdate()
    row = ResidentAmount.objects.get(payer=payer)
    assert (row.insurance.code, row.year, row.amount) == ("rr_pension", today.year, Decimal("300.00"))
    agreement = Agreement.objects.get(payer=payer)
    assert (agreement.kind, agreement.status, agreement.subject_payer) == ("bilateral", "active", payer)
    assert agreement.bank_receipt_no and agreement.masked_account == "6230 **** **** 5678"
    task = BatchTask.objects.get()
    assert (task.prefecture.code, task.year, task.month, task.run_on) == (
        "450100", today.year, None, today + datetime.timedelta(days=7))
    assert task.created_by.username == "nn_si_admin"
    items = {i.insurance.code: i for i in BatchItem.objects.filter(payer=payer)}
    assert set(items) == {"rr_pension", "rr_medical"} and {i.status for i in items.values()} == {"pending"}
    assert items["rr_pension"].amount == Decimal("300.00") and items["rr_medical"].amount == Decimal("350.00")
    assert items["rr_pension"].period_start == datetime.date(today.year, 1, 1)
    client.force_login(payer.user)
    page = client.get("/m/si/batch-items/").content.decode()
    assert items["rr_pension"].item_no in page and "待批扣" in page

    before = counts()
    assert demo.seed(1, io.StringIO()) == "应缴费额设置0条，委托扣款协议0份，待批扣记录0条"
    assert counts() == before

    # the due day's run deducts them through the simulated bank: batch orders, paid once, with receipts
    ran = services.run_due(task.run_on)
    assert ran[task.batch_no]["deducted"] == 2
    orders = PaymentOrder.objects.filter(payer=payer)
    assert {o.kind for o in orders} == {"batch"} and {o.status for o in orders} == {"paid"}
    assert Receipt.objects.filter(order__in=orders).count() == 2 and not Payable.objects.filter(payer=payer).exists()
