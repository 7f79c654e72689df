"""应缴费额设置 and batch deduction: the resident's amount must be a grade; a task makes pending items for payers
with an active agreement; the payer changes the amount or voids an item before the run; the run (job, command,
staff's 立即执行) deducts through the simulated bank once (a re-run never again), a voided item never; a failed
deduction keeps the bank's reason; deducted items are paid payment lines; scope and audit."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from domains.si_fee.agreements import services
from domains.si_fee.agreements.models import BatchItem, BatchTask, ResidentAmount
from domains.si_fee.payments.models import Payable, PaymentLine, PaymentOrder
from domains.si_fee.rules.models import InsuranceType
from integrations.tips_pay.models import SimBankAccount, SimDeduction, SimOrder
from kernel.audit.models import OperationLog
from kernel.core.testing import make_staff
from kernel.org.models import Region

from .support import FEB_10_2021, form, load_reference, make_payer

pytestmark = pytest.mark.django_db
RUN_ON = datetime.date(2021, 2, 20)


@pytest.fixture
def world(monkeypatch):
    load_reference()
    monkeypatch.setattr(services, "today", lambda: FEB_10_2021)

    class W:
        pass

    w = W()
    w.nanning = Region.objects.get(code="450100")
    w.rr = InsuranceType.objects.get(code="rr_pension")
    w.rm = InsuranceType.objects.get(code="rr_medical")
    w.resident = make_payer("resident", name="韦小红")
    w.flexible = make_payer("flexible", name="黄大力")
    w.no_agreement = make_payer("resident", name="无协议")
    w.poor = make_payer("resident", name="余额少")
    for i, p in enumerate((w.resident, w.flexible, w.poor)):
        services.sign_agreement(p, "tripartite", form(p, account_no=f"62220212345678{i:05d}"), user=p.user)
    SimBankAccount.objects.create(bank_code="105", account_no="6222021234567800002", account_name="余额少",
                                  balance=Decimal("150.00"))
    return w


def launch(w, month=2):
    task, counts = services.launch_task(w.nanning, 2021, month, RUN_ON, user=make_staff("450100"))
    return task, counts


def item_of(task, payer, insurance):
    return BatchItem.objects.get(task=task, payer=payer, insurance=insurance)


def test_resident_amount_must_be_a_grade(client, world):
    w = world
    with pytest.raises(ValidationError) as exc:
        services.set_resident_amount(w.resident, w.rr, 2021, "250", user=w.resident.user)
    assert "请选择规定的缴费档次：100、200、300、500（元/年）" in exc.value.message_dict["amount"][0]
    with pytest.raises(ValidationError) as exc:
        services.set_resident_amount(w.flexible, w.rr, 2021, "300", user=w.flexible.user)
    assert "只有城乡居民可以设置应缴费额" in exc.value.message_dict["insurance"][0]
    assert ResidentAmount.objects.count() == 0

    client.force_login(w.resident.user)
    page = client.get("/m/si/amounts/?year=2021").content.decode()
    assert "城乡居民基本养老保险" in page and "500元/年" in page
    r = client.post("/m/si/amounts/", {"insurance": w.rr.pk, "year": "2021", "amount": "abc"})
    assert r.status_code == 400 and "金额格式不正确" in r.content.decode()
    r = client.post("/m/si/amounts/", {"insurance": w.rr.pk, "year": "2021", "amount": "300"})
    assert r.status_code == 302
    row = ResidentAmount.objects.get()
    assert row.amount == Decimal("300.00") and isinstance(row.amount, Decimal)
    assert OperationLog.objects.filter(action="si_agree_amount_set").exists()


def test_launch_makes_pending_items_for_payers_with_an_active_agreement(world):
    w = world
    services.set_resident_amount(w.resident, w.rr, 2021, "300", user=w.resident.user)
    task, counts = launch(w)
    assert task.batch_no.startswith("PK") and counts["created"] == 5
    assert item_of(task, w.resident, w.rr).amount == Decimal("300.00")       # the amount set
    assert item_of(task, w.resident, w.rm).amount == Decimal("320.00")       # the grade table's default
    fe = BatchItem.objects.get(task=task, payer=w.flexible)
    assert (fe.insurance.code, fe.period_start, fe.base, fe.amount) == (
        "fe_pension", datetime.date(2021, 2, 1), Decimal("3153.90"), Decimal("630.78"))
    assert not BatchItem.objects.filter(payer=w.no_agreement).exists()
    assert set(BatchItem.objects.values_list("status", flat=True)) == {"pending"}
    # a second task for the same year holds nothing twice
    _, again = launch(w)
    assert again == {"created": 0, "skipped": 5}
    assert OperationLog.objects.filter(action="si_agree_batch_launched").count() == 2


def test_payer_changes_the_amount_and_voids_before_the_run(client, world):
    w = world
    task, _ = launch(w)
    rr, rm = item_of(task, w.resident, w.rr), item_of(task, w.resident, w.rm)
    client.force_login(w.resident.user)
    page = client.get("/m/si/batch-items/").content.decode()
    assert rr.item_no in page and "待批扣" in page and "作废" in page and "修改金额" in page
    r = client.post(f"/m/si/batch-items/{rr.pk}/amount/", {"amount": "250"})
    assert r.status_code == 400 and "请选择规定的缴费档次" in r.content.decode()
    rr.refresh_from_db()
    assert rr.amount == Decimal("200.00")
    assert client.post(f"/m/si/batch-items/{rr.pk}/amount/", {"amount": "500"}).status_code == 302
    rr.refresh_from_db()
    assert rr.amount == Decimal("500.00")
    assert client.post(f"/m/si/batch-items/{rm.pk}/void/").status_code == 302
    rm.refresh_from_db()
    assert rm.status == "voided" and rm.voided_at is not None
    # another payer can neither see nor touch them
    client.force_login(w.no_agreement.user)
    assert client.post(f"/m/si/batch-items/{rr.pk}/void/").status_code == 404
    assert client.post(f"/m/si/batch-items/{rr.pk}/amount/", {"amount": "100"}).status_code == 404
    assert rr.item_no not in client.get("/m/si/batch-items/").content.decode()

    counts = services.run_task(task)
    assert counts["voided"] == 1 and counts["deducted"] == 2 and counts["failed"] == 2
    rr.refresh_from_db()
    rm.refresh_from_db()
    assert rr.status == "deducted" and rr.amount == Decimal("500.00")
    assert rm.status == "voided" and not rm.order_no
    assert not SimDeduction.objects.filter(item_no=rm.item_no).exists()
    assert not PaymentLine.objects.filter(payer=w.resident, insurance=w.rm).exists()
    # after the run nothing can change
    client.force_login(w.resident.user)
    r = client.post(f"/m/si/batch-items/{rr.pk}/amount/", {"amount": "100"})
    assert r.status_code == 400 and "不能修改金额" in r.content.decode()
    r = client.post(f"/m/si/batch-items/{rr.pk}/void/")
    assert r.status_code == 400 and "不能执行“作废”" in r.content.decode()
    assert {"si_agree_item_amount", "si_agree_item_voided", "si_agree_batch_run"} <= set(
        OperationLog.objects.values_list("action", flat=True))


def test_run_deducts_once_and_items_become_paid_payment_lines(client, world):
    w = world
    services.set_resident_amount(w.resident, w.rr, 2021, "300", user=w.resident.user)
    task, _ = launch(w)
    counts = services.run_task(task)
    assert counts == {"pending": 0, "sending": 0, "deducted": 3, "failed": 2, "voided": 0}
    rr = item_of(task, w.resident, w.rr)
    assert rr.status == "deducted" and rr.bank_serial.startswith("PK") and rr.deducted_at is not None
    order = PaymentOrder.objects.get(order_no=rr.order_no)
    assert order.status == "paid" and order.total == Decimal("300.00") and order.channel == "委托银行批量扣款"
    assert order.kind == "batch" and not order.cashier_url
    line = order.lines.get()
    assert (line.insurance, line.period_start, line.period_end, line.amount, line.status, line.source) == (
        w.rr, datetime.date(2021, 1, 1), datetime.date(2021, 12, 31), Decimal("300.00"), "paid", "batch")
    assert not Payable.objects.exists()  # no assessed-payable detour: the batch order's lines hold the periods
    assert not OperationLog.objects.filter(action="si_pay_assessed_push").exists()
    fe = BatchItem.objects.get(task=task, payer=w.flexible)
    fe_line = PaymentLine.objects.get(payer=w.flexible)
    assert fe.status == "deducted" and fe_line.status == "paid" and fe_line.source == "batch"
    assert fe_line.period_start == datetime.date(2021, 2, 1) and fe_line.amount == Decimal("630.78")
    # the gateway's callback reached payments too, and the collected order is in its books (reconciliation)
    sim = SimOrder.objects.get(order_no=rr.order_no)
    assert sim.status == "PAID" and sim.last_notify_status == 200 and sim.notify_attempts == 1
    assert OperationLog.objects.filter(action="si_pay_paid", detail__order_no=rr.order_no).count() == 1

    # a re-run (and the daily job, and the command) never deducts again
    deductions, orders = SimDeduction.objects.count(), PaymentOrder.objects.count()
    assert services.run_task(task) == counts
    services.run_due(RUN_ON)
    call_command("si_batch_deduct", "--date", "2021-02-20")
    assert SimDeduction.objects.count() == deductions and PaymentOrder.objects.count() == orders
    assert PaymentLine.objects.filter(payer=w.resident, insurance=w.rr, status="paid").count() == 1
    # the bank itself answers a repeated item with its first result and debits nothing
    from integrations.tips_pay.client import PayGateway
    again = PayGateway().batch_deduct(batch_no=task.batch_no, notify_url="http://127.0.0.1/public/si/pay/callback/",
                                      items=[{"item_no": rr.item_no, "order_no": rr.order_no, "agreement_no":
                                              rr.agreement.agreement_no, "id_type": "201",
                                              "id_number": w.resident.id_number, "name": w.resident.name,
                                              "insurance": "x", "period": "2021", "amount": Decimal("300.00")}])
    assert again[0].status == "DEDUCTED" and again[0].bank_serial == rr.bank_serial
    assert SimDeduction.objects.count() == deductions

    client.force_login(w.resident.user)
    history = client.get("/m/si/payments/").content.decode()
    assert rr.order_no in history and "已缴费" in history
    items = client.get("/m/si/batch-items/").content.decode()
    assert "已扣款" in items and rr.bank_serial in items


def test_failed_deduction_keeps_the_bank_reason(world):
    w = world
    task, _ = launch(w)
    services.run_task(task)
    rr, rm = item_of(task, w.poor, w.rr), item_of(task, w.poor, w.rm)
    # 150.00 in the account: the 200 pension fails, the 320 medical fails too
    assert (rr.status, rr.fail_reason) == ("failed", "账户余额不足")
    assert (rm.status, rm.fail_reason) == ("failed", "账户余额不足")
    order = PaymentOrder.objects.get(order_no=rr.order_no)
    assert order.status == "failed" and set(order.lines.values_list("status", flat=True)) == {"cancelled"}
    assert order.kind == "batch" and not Payable.objects.exists()
    assert SimBankAccount.objects.get(account_name="余额少").balance == Decimal("150.00")
    assert OperationLog.objects.filter(action="si_agree_item_failed", success=False).count() == 2
    # a later task for the same year may try again
    _, counts = launch(w)
    assert counts["created"] == 2


def test_terminated_agreement_voids_pending_items_and_is_not_deducted(world):
    w = world
    task, _ = launch(w)
    agreement = item_of(task, w.resident, w.rr).agreement
    services.terminate_agreement(agreement, user=w.resident.user)
    assert set(BatchItem.objects.filter(payer=w.resident).values_list("status", flat=True)) == {"voided"}
    services.run_task(task)
    assert not SimDeduction.objects.filter(item_no__in=BatchItem.objects.filter(payer=w.resident)
                                           .values_list("item_no", flat=True)).exists()


def test_staff_batch_pages_launch_run_now_and_scope(client, world):
    w = world
    admin = make_staff("450100", ["si_agree.view_batchtask", "si_agree.add_batchtask", "si_agree.run_batchtask",
                                  "si_agree.view_batchitem", "si_agree.view_agreement"])
    client.force_login(admin)
    r = client.post("/gov/si/batches/new/", {"prefecture": w.nanning.pk, "year": "2021", "month": "13",
                                            "run_on": "2021-01-01"})
    assert r.status_code == 400
    text = r.content.decode()
    assert "月份应为1至12" in text and "计划扣款日期不能早于今天" in text and BatchTask.objects.count() == 0
    liuzhou_city = Region.objects.get(code="450200")
    r = client.post("/gov/si/batches/new/", {"prefecture": liuzhou_city.pk, "year": "2021", "run_on": "2021-02-20"})
    assert r.status_code == 400 and "请选择地市" in r.content.decode() and BatchTask.objects.count() == 0
    r = client.post("/gov/si/batches/new/", {"prefecture": w.nanning.pk, "year": "2021", "month": "2",
                                            "run_on": "2021-02-20"})
    assert r.status_code == 302
    task = BatchTask.objects.get()
    listing = client.get("/gov/si/batches/").content.decode()
    assert task.batch_no in listing
    page = client.get(f"/gov/si/batches/{task.pk}/").content.decode()
    assert 'data-count="pending">5<' in page and "立即执行" in page
    assert client.post(f"/gov/si/batches/{task.pk}/run/").status_code == 302
    page = client.get(f"/gov/si/batches/{task.pk}/").content.decode()
    assert 'data-count="deducted">3<' in page and 'data-count="failed">2<' in page and "账户余额不足" in page

    clerk = make_staff("450100", ["si_agree.view_batchtask"])
    client.force_login(clerk)
    assert client.post(f"/gov/si/batches/{task.pk}/run/").status_code == 403
    liuzhou = make_staff("450200", ["si_agree.view_batchtask", "si_agree.run_batchtask"])
    client.force_login(liuzhou)
    assert client.get(f"/gov/si/batches/{task.pk}/").status_code == 404
    assert client.post(f"/gov/si/batches/{task.pk}/run/").status_code == 404
    assert task.batch_no not in client.get("/gov/si/batches/").content.decode()


def test_daily_task_runs_only_due_tasks(world, monkeypatch):
    from domains.si_fee.agreements.tasks import batch_deduct

    w = world
    task, _ = launch(w)
    services.run_due(datetime.date(2021, 2, 19))
    assert set(task.items.values_list("status", flat=True)) == {"pending"}
    monkeypatch.setattr(services, "today", lambda: RUN_ON)
    batch_deduct()
    assert services.task_counts(task)["deducted"] == 3
