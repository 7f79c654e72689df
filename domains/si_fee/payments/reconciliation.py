"""Daily reconciliation (对账) of the bank gateway's file against our orders paid that day.

`reconcile(day)` reads PayGateway().reconciliation(day) (one line per order: order_no, bank serial, amount,
paid_at, 上解/入库) and compares it with the day's paid orders, set-based: one query loads our day's orders
(order_no, id, total), one query per 5,000 unknown order numbers looks up orders paid another day, and the
lines move in batched UPDATEs (paid -> remitted 已上解未入库 on 上解; paid or remitted -> stored 已入库 on 入库;
refunded or cancelled lines are never touched). Nothing is queried per transaction.

Differences (ReconciliationDifference, one per day + order number + kind):
  missing  我方有银行无  paid here that day, absent from the file;
  extra    银行有我方无  in the file, not a paid order here (unknown, unpaid here, or listed twice);
  amount   金额不符      the file's amount differs from the order's (its lines do not move).
Running a day again is idempotent: no duplicate difference, a resolved one stays resolved, an open one the
new file no longer shows is cleared (system transition 重新对账已一致). Open differences are warnings of the
alert rule si_reconciliation_difference (alerts.py); the scan runs at the end of each reconciliation."""
import datetime
import time

from django.db import transaction
from django.utils import timezone

from kernel.audit.services import log_operation

from .models import DIFFERENCE, LineStatus, PaymentLine, PaymentOrder, ReconciliationDifference, ReconciliationRun

BATCH = 5000
Kind = ReconciliationDifference.Kind


def day_bounds(day: datetime.date):
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def _chunks(items, size=BATCH):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _province():
    from kernel.org.models import Region

    return Region.objects.filter(level=Region.Level.PROVINCE).order_by("code").values_list("pk", flat=True).first()


def _move(order_ids, target, sources, now) -> int:
    """Batched UPDATE of the orders' lines in `sources` to `target`; returns the number of lines moved."""
    moved = 0
    for chunk in _chunks(order_ids):
        moved += PaymentLine.all_objects.filter(order_id__in=chunk, status__in=sources).update(status=target,
                                                                                             updated_at=now)
    return moved


def compare(file_lines, ours: dict, lookup) -> tuple[dict, dict, list]:
    """Pure comparison. ours: {order_no: (order_id, total)} of our orders paid that day; lookup(order_nos) ->
    {order_no: (order_id, total, status)} of other orders we have. Returns ({"remit": [ids], "store": [ids]},
    {order_no: (order_id, total)} of the day's orders seen, differences [dict])."""
    moves = {"remit": [], "store": []}
    diffs, seen, unknown = [], {}, []
    for rl in file_lines:
        if rl.order_no in seen:
            diffs.append(dict(kind=Kind.EXTRA, order_no=rl.order_no, order_id=seen[rl.order_no][0],
                              bank_amount=rl.amount, bank_serial=rl.bank_serial, bank_status=rl.status,
                              paid_at=rl.paid_at, detail="银行对账文件中重复出现"))
            continue
        mine = ours.get(rl.order_no)
        if mine is None:
            unknown.append(rl)
            seen[rl.order_no] = (None, None)
            continue
        seen[rl.order_no] = mine
        _match(rl, mine[0], mine[1], moves, diffs)
    others = lookup([rl.order_no for rl in unknown]) if unknown else {}
    for rl in unknown:
        other = others.get(rl.order_no)
        if other is None:
            diffs.append(dict(kind=Kind.EXTRA, order_no=rl.order_no, order_id=None, bank_amount=rl.amount,
                              bank_serial=rl.bank_serial, bank_status=rl.status, paid_at=rl.paid_at,
                              detail="我方无此订单"))
        elif other[2] != "paid":
            label = dict(PaymentOrder._meta.get_field("status").choices).get(other[2], other[2])
            diffs.append(dict(kind=Kind.EXTRA, order_no=rl.order_no, order_id=other[0], our_amount=other[1],
                              bank_amount=rl.amount, bank_serial=rl.bank_serial, bank_status=rl.status,
                              paid_at=rl.paid_at, detail=f"我方订单状态为“{label}”"))
        else:  # paid on another day (e.g. 入库 confirmed on a later file)
            _match(rl, other[0], other[1], moves, diffs)
    for order_no, (order_id, total) in ours.items():
        if order_no not in seen:
            diffs.append(dict(kind=Kind.MISSING, order_no=order_no, order_id=order_id, our_amount=total,
                              detail="银行对账文件中无此笔"))
    return moves, seen, diffs


def _match(rl, order_id, total, moves, diffs):
    if rl.amount != total:
        diffs.append(dict(kind=Kind.AMOUNT, order_no=rl.order_no, order_id=order_id, our_amount=total,
                          bank_amount=rl.amount, bank_serial=rl.bank_serial, bank_status=rl.status,
                          paid_at=rl.paid_at, detail=f"我方{total}元，银行{rl.amount}元"))
    else:
        moves["store" if rl.status == "入库" else "remit"].append(order_id)


def _lookup(order_nos):
    found = {}
    for chunk in _chunks(sorted(set(order_nos))):
        for pk, no, total, status in PaymentOrder.all_objects.filter(order_no__in=chunk).values_list(
                "pk", "order_no", "total", "status"):
            found[no] = (pk, total, status)
    return found


def reconcile(day: datetime.date, *, user=None, gw=None, scan=True) -> ReconciliationRun:
    """Reconcile one day (see the module's text). Returns the run (status done, or failed with the reason
    when the file cannot be read: nothing else changes then)."""
    from integrations.tips_pay.client import PayGatewayError

    from .services import gateway

    clock = time.monotonic()
    run = ReconciliationRun.objects.create(day=day, triggered_by=user)
    try:
        file_lines = (gw or gateway()).reconciliation(day)
    except PayGatewayError as exc:
        return _finish(run, clock, status=ReconciliationRun.Status.FAILED, error=f"读取银行对账文件失败：{exc}"[:500],
                       user=user)
    start, end = day_bounds(day)
    ours = {no: (pk, total) for pk, no, total in PaymentOrder.all_objects.filter(
        status="paid", paid_at__gte=start, paid_at__lt=end).values_list("pk", "order_no", "total").iterator(
        chunk_size=20000)}
    moves, seen, diffs = compare(file_lines, ours, _lookup)
    now = timezone.now()
    with transaction.atomic():
        remitted = _move(moves["remit"], LineStatus.REMITTED, [LineStatus.PAID], now)
        stored = _move(moves["store"], LineStatus.STORED, [LineStatus.PAID, LineStatus.REMITTED], now)
        new, cleared = _store_differences(run, day, diffs, now)
    counts = {k: sum(1 for d in diffs if d["kind"] == k) for k in (Kind.MISSING, Kind.EXTRA, Kind.AMOUNT)}
    run = _finish(run, clock, status=ReconciliationRun.Status.DONE, user=user, file_count=len(file_lines),
                  our_count=len(ours), matched=len(moves["remit"]) + len(moves["store"]), remitted_lines=remitted,
                  stored_lines=stored, missing=counts[Kind.MISSING], extra=counts[Kind.EXTRA],
                  amount=counts[Kind.AMOUNT], new_differences=new, cleared=cleared)
    if scan:
        from kernel.alerts.scanner import scan as scan_rule

        from .alerts import CODE

        scan_rule(CODE)
    return run


def _store_differences(run, day, diffs, now) -> tuple[int, int]:
    """Insert the differences not yet recorded for the day (the unique (day, order_no, kind) holds them once
    even under concurrent runs); clear the day's open ones this file no longer shows."""
    existing = {(no, kind): (pk, status) for pk, no, kind, status in ReconciliationDifference.all_objects.filter(
        day=day).values_list("pk", "order_no", "kind", "status")}
    current = {(d["order_no"], d["kind"]): d for d in diffs}
    fresh = [d for key, d in current.items() if key not in existing]
    if fresh:
        regions = _regions({d["order_id"] for d in fresh if d.get("order_id")})
        province = _province()
        rows = [ReconciliationDifference(
            run=run, day=day, kind=d["kind"], order_no=d["order_no"][:40], order_id=d.get("order_id"),
            region_id=regions.get(d.get("order_id"), province), our_amount=d.get("our_amount"),
            bank_amount=d.get("bank_amount"), bank_serial=(d.get("bank_serial") or "")[:40],
            bank_status=d.get("bank_status", ""), paid_at=d.get("paid_at"), detail=d.get("detail", "")[:200],
            created_at=now) for d in fresh]
        ReconciliationDifference.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    gone = [pk for key, (pk, status) in existing.items() if status == "open" and key not in current]
    for diff in ReconciliationDifference.objects.filter(pk__in=gone):
        DIFFERENCE.apply(diff, "clear", None, system=True, comment=f"{run}：银行对账文件与我方一致")
    return len(fresh), len(gone)


def _regions(order_ids) -> dict:
    out = {}
    for chunk in _chunks(sorted(order_ids)):
        out.update(PaymentOrder.all_objects.filter(pk__in=chunk).values_list("pk", "payer__region_id"))
    return out


def _finish(run, clock, *, status, user, error="", **counts):
    run.status, run.error = status, error
    run.finished_at = timezone.now()
    run.duration_ms = int((time.monotonic() - clock) * 1000)
    for field, value in counts.items():
        setattr(run, field, value)
    run.save()
    log_operation("si_reconciled", user=user, success=status == ReconciliationRun.Status.DONE,
                  day=run.day.isoformat(), run=run.pk, status=status, error=error,
                  **{k: v for k, v in counts.items()}, duration_ms=run.duration_ms)
    return run


def resolve(difference, user, note):
    """标记已处理: a person closes a difference with a note (required; field error "comment" otherwise). The
    workflow checks scope and permission and logs the step; the warning is released by the scan that
    follows (its condition is gone)."""
    from django.core.exceptions import ValidationError

    from kernel.workflow.engine import TransitionError

    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "请填写处理说明"})
    if len(note) > 500:
        raise ValidationError({"note": "处理说明不能超过500字"})
    try:
        DIFFERENCE.apply(difference, "resolve", user, comment=note)
    except TransitionError as exc:
        errors = {("note" if k == "comment" else k): v for k, v in exc.errors.items()}
        raise ValidationError(errors) from None
    log_operation("si_recon_resolved", user=user, entrance="gov", difference=difference.pk,
                  day=difference.day.isoformat(), order_no=difference.order_no, kind=difference.kind, note=note)
    from kernel.alerts.scanner import scan as scan_rule

    from .alerts import CODE

    scan_rule(CODE)
    return difference


def yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)
