"""对账: the day's bank file (the simulated gateway's) against our paid orders. A missing and an extra record
raise exactly two differences and two warnings; an amount mismatch one; running the day again changes
nothing; the file's 上解 / 入库 move the lines to 已上解未入库 / 已入库 (also 入库 confirmed on a later day's
file); the management command and the nightly task; staff mark a difference handled with a note (audited,
required, scoped), which releases its warning."""
import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from domains.si_fee.payments.alerts import CODE
from domains.si_fee.payments.models import PaymentLine, ReconciliationDifference, ReconciliationRun
from domains.si_fee.payments.reconciliation import reconcile
from kernel.alerts.models import Warning
from kernel.audit.models import OperationLog
from kernel.core.testing import make_staff
from kernel.workflow.models import TransitionLog

from .paying import add_to_file, drop_from_file, seed_example, small_order, store_in_treasury
from .support import load_reference, make_payer

pytestmark = pytest.mark.django_db
STAFF = ["si_pay.view_reconciliationrun", "si_pay.view_reconciliationdifference",
         "si_pay.resolve_reconciliationdifference", "si_pay.view_paymentorder"]


@pytest.fixture
def world():
    load_reference()

    class W:
        pass

    w = W()
    w.payer = make_payer()
    w.day = timezone.localdate()
    return w


def statuses(order):
    return sorted(PaymentLine.objects.filter(order=order).values_list("status", flat=True))


def warnings():
    return Warning.objects.filter(rule__code=CODE)


def diff_rows():
    return sorted(ReconciliationDifference.objects.values_list("order_no", "kind", "status"))


def test_missing_and_extra_raise_two_differences_and_two_warnings_once(world):
    a, b, c = small_order(world.payer), small_order(world.payer, "100.00"), seed_example(world.payer)
    drop_from_file(world.day, b.order_no)                      # ours, not the bank's
    add_to_file(world.day, "SI20990101000000999999", "88.00")  # the bank's, unknown here
    run = reconcile(world.day)
    assert run.status == "done" and run.file_count == 3 and run.our_count == 3 and run.matched == 2
    assert (run.missing, run.extra, run.amount, run.new_differences) == (1, 1, 0, 2)
    assert diff_rows() == sorted([(b.order_no, "missing", "open"), ("SI20990101000000999999", "extra", "open")])
    missing = ReconciliationDifference.objects.get(kind="missing")
    extra = ReconciliationDifference.objects.get(kind="extra")
    assert missing.order == b and missing.our_amount == Decimal("100.00") and missing.region == world.payer.region
    assert extra.order is None and extra.bank_amount == Decimal("88.00") and extra.region.code == "450000"
    assert warnings().count() == 2
    assert {(w.subject_id, w.level, w.status) for w in warnings()} == {
        (missing.pk, "orange", "generated"), (extra.pk, "yellow", "generated")}
    # matched orders moved; the missing one did not
    assert statuses(a) == ["remitted"] and statuses(c) == ["remitted", "remitted"] and statuses(b) == ["paid"]

    # the same day again: nothing new, nothing duplicated, nothing moved
    before = (diff_rows(), list(warnings().values_list("pk", "level", "status")),
              {o.pk: statuses(o) for o in (a, b, c)})
    again = reconcile(world.day)
    assert again.status == "done" and (again.missing, again.extra, again.new_differences, again.cleared) == (1, 1, 0, 0)
    assert again.remitted_lines == 0 and again.stored_lines == 0
    assert (diff_rows(), list(warnings().values_list("pk", "level", "status")),
            {o.pk: statuses(o) for o in (a, b, c)}) == before
    assert ReconciliationRun.objects.count() == 2
    assert OperationLog.objects.filter(action="si_reconciled").count() == 2


def test_amount_mismatch_raises_one_difference_and_keeps_the_lines(world):
    a, b = small_order(world.payer), small_order(world.payer, "100.00")
    drop_from_file(world.day, b.order_no)
    add_to_file(world.day, b.order_no, "110.00", bank_serial=b.bank_serial)
    run = reconcile(world.day)
    assert (run.missing, run.extra, run.amount) == (0, 0, 1)
    d = ReconciliationDifference.objects.get()
    assert d.kind == "amount" and d.order == b and d.our_amount == Decimal("100.00") and d.bank_amount == Decimal("110.00")
    assert statuses(b) == ["paid"] and statuses(a) == ["remitted"]
    assert list(warnings().values_list("level", flat=True)) == ["orange"]
    reconcile(world.day)
    assert ReconciliationDifference.objects.count() == 1 and warnings().count() == 1


def test_file_statuses_move_lines_to_remitted_then_stored(client, world):
    order = seed_example(world.payer)
    other = small_order(world.payer)
    PaymentLine.objects.filter(order=other).update(status="refunded", refunded_amount="294.37")  # the refund app
    reconcile(world.day)
    assert statuses(order) == ["remitted", "remitted"] and statuses(other) == ["refunded"]
    client.force_login(world.payer.user)
    page = client.get(f"/m/si/receipts/{order.order_no}/").content.decode()
    assert 'data-field="status"><strong>已上解未入库<' in page
    assert "已上解未入库" in client.get("/m/si/payments/").content.decode()

    store_in_treasury(order, other)
    run = reconcile(world.day)
    assert run.stored_lines == 2 and run.new_differences == 0
    assert statuses(order) == ["stored", "stored"] and statuses(other) == ["refunded"]
    assert 'data-field="status"><strong>已入库<' in client.get(f"/m/si/receipts/{order.order_no}/").content.decode()


def test_treasury_confirmed_on_a_later_days_file(world):
    order = small_order(world.payer)
    reconcile(world.day)
    assert statuses(order) == ["remitted"]
    later = world.day + datetime.timedelta(days=1)
    add_to_file(later, order.order_no, "294.37", status="入库", bank_serial=order.bank_serial)
    run = reconcile(later)
    assert run.our_count == 0 and run.matched == 1 and (run.missing, run.extra, run.amount) == (0, 0, 0)
    assert statuses(order) == ["stored"] and not ReconciliationDifference.objects.exists()


def test_a_difference_the_bank_corrects_is_cleared_on_the_next_run(world):
    order = small_order(world.payer)
    drop_from_file(world.day, order.order_no)
    reconcile(world.day)
    diff = ReconciliationDifference.objects.get()
    assert warnings().get().status == "generated"
    from integrations.tips_pay.models import SimReconciliationHook

    SimReconciliationHook.objects.all().delete()  # the bank re-sends the day's file, now complete
    run = reconcile(world.day)
    diff.refresh_from_db()
    assert run.cleared == 1 and diff.status == "resolved" and "一致" in diff.note
    assert statuses(order) == ["remitted"]
    assert warnings().get().status == "released"


def test_unreadable_file_fails_the_run_and_changes_nothing(world):
    from integrations.tips_pay.client import PayGateway

    order = small_order(world.payer)
    run = reconcile(world.day, gw=PayGateway(secret="wrong-secret"))
    assert run.status == "failed" and "读取银行对账文件失败" in run.error
    assert statuses(order) == ["paid"] and not ReconciliationDifference.objects.exists()


def test_command_and_nightly_task(world):
    order = small_order(world.payer)
    out = io.StringIO()
    call_command("si_reconcile", "--date", world.day.isoformat(), stdout=out)
    assert "对账已完成" in out.getvalue() and "银行文件1笔" in out.getvalue()
    assert statuses(order) == ["remitted"]
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("si_reconcile", "--date", "2021-13-01")
    assert "si_pay.reconcile" in settings.DAILY_TASKS
    from kernel.core.management.commands.run_scheduler import run_tasks

    result = run_tasks(["si_pay.reconcile"])["si_pay.reconcile"]
    assert result["day"] == (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert result["status"] == "done"


def test_staff_resolve_with_a_note_audited_and_scoped(client, world):
    order = small_order(world.payer)
    drop_from_file(world.day, order.order_no)
    reconcile(world.day)
    diff = ReconciliationDifference.objects.get()
    nanning, liuzhou = make_staff("450100", STAFF), make_staff("450200", STAFF)

    client.force_login(liuzhou)
    assert client.get(f"/gov/si/reconciliation/differences/{diff.pk}/").status_code == 404
    assert client.post(f"/gov/si/reconciliation/differences/{diff.pk}/", {"note": "x"}).status_code == 404
    assert order.order_no not in client.get("/gov/si/reconciliation/").content.decode()

    client.force_login(nanning)
    page = client.get("/gov/si/reconciliation/").content.decode()
    assert order.order_no in page and "我方有银行无" in page and f'data-run="{ReconciliationRun.objects.get().pk}"' in page
    page = client.get(f"/gov/si/reconciliation/differences/{diff.pk}/").content.decode()
    assert "标记已处理" in page and "橙色预警" in page

    for note in ("", "   "):
        r = client.post(f"/gov/si/reconciliation/differences/{diff.pk}/", {"note": note})
        assert r.status_code == 400 and "请填写处理说明" in r.content.decode() and "is-invalid" in r.content.decode()
    diff.refresh_from_db()
    assert diff.status == "open" and not OperationLog.objects.filter(action="si_recon_resolved").exists()

    r = client.post(f"/gov/si/reconciliation/differences/{diff.pk}/", {"note": "已与银行核实，次日文件补录"})
    assert r.status_code == 302
    diff.refresh_from_db()
    assert diff.status == "resolved" and diff.note == "已与银行核实，次日文件补录" and diff.resolved_by == nanning
    log = OperationLog.objects.get(action="si_recon_resolved")
    assert log.actor == nanning and log.detail["order_no"] == order.order_no
    assert TransitionLog.objects.filter(workflow="si_pay_recon_difference", transition="resolve",
                                        actor=nanning, comment="已与银行核实，次日文件补录").exists()
    assert warnings().get().status == "released"  # the warning's condition is gone

    # resolved stays resolved when the day runs again; no new warning either
    reconcile(world.day)
    diff.refresh_from_db()
    assert diff.status == "resolved" and ReconciliationDifference.objects.count() == 1 and warnings().count() == 1
    # a clerk without the resolve permission sees it but may not resolve
    viewer = make_staff("450100", STAFF[:2])
    client.force_login(viewer)
    assert client.post(f"/gov/si/reconciliation/differences/{diff.pk}/", {"note": "x"}).status_code == 403
