"""Declaration and payment (缴费申报与缴纳): the only place that changes orders, lines and payables.

Flow: create_self_order / create_payable_order (validated by the rules, the period held by the order's
lines under the DB constraint) -> open_cashier (the gateway's cashier URL) -> the gateway's signed callback
(handle_callback) or an active query (refresh_order) applies the result exactly once (apply_result under
select_for_update). Unpaid orders expire after ORDER_MINUTES (expire_orders), freeing their periods.

create_batch_order: the order of an entrusted batch deduction (委托银行批量扣款, the agreements app's run): its
lines (source batch) hold their periods under the same constraint as self-declared ones, so a period is paid
once whatever the channel. It never goes to a cashier and the payer cannot cancel it; it ends only by the
bank's answer (deducted -> paid through apply_result, failed -> finish_unpaid), so expire_orders skips it: the
bank may still deduct it after ORDER_MINUTES.
Money is Decimal throughout; amounts cross the gateway as decimal strings."""
import datetime
import json
import secrets
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from domains.si_fee.rules.services import check_self_declaration, money, period_label
from kernel.audit.services import log_operation

from .models import HOLDING, ORDER, PERIOD_SOURCES, SETTLED, LineStatus, Payable, PaymentLine, PaymentOrder, month_end

ORDER_MINUTES = 15
PAID_SMS = "si_pay_paid"
CHANNEL = "光大银行城市服务"
BATCH_CHANNEL = "委托银行批量扣款"


def today():
    """The service's today (the pages read it here, so that tests can set the clock)."""
    return timezone.localdate()


def gateway():
    from integrations.tips_pay.client import PayGateway

    return PayGateway()


def new_order_no(now=None) -> str:
    now = timezone.localtime(now or timezone.now())
    return f"SI{now:%Y%m%d%H%M%S}{secrets.randbelow(10**6):06d}"


def _refused(payer, line_qs, label_of):
    """Chinese messages for periods already held: paid (已缴纳) or in an open order (有未完成的缴费订单)."""
    errors = []
    for line in line_qs.select_related("order", "insurance"):
        label = label_of(line)
        if line.status in SETTLED:
            errors.append(f"{label}已缴纳，不能重复缴费")
        elif line.order.kind == PaymentOrder.Kind.BATCH:
            errors.append(f"{label}正在委托银行批量扣款（订单号{line.order.order_no}），请等待银行扣款结果")
        else:
            errors.append(f"{label}有未完成的缴费订单（订单号{line.order.order_no}），请先完成支付或取消该订单")
    return list(dict.fromkeys(errors))


def _existing(payer, request_id):
    return PaymentOrder.objects.filter(payer=payer, request_id=request_id).first()


def _check_request_id(request_id):
    request_id = (request_id or "").strip()
    if not request_id or len(request_id) > 64:
        raise ValidationError({"request_id": "请求号缺失，请刷新页面后重试"})
    return request_id


def _make_order(payer, kind, request_id, lines, *, user, conflicts, now=None, channel="", entrance="m"):
    """Create the order and its lines in one transaction, the payer's row locked (PostgreSQL serialises the
    payer's orders; every engine is held by the partial unique constraints). Returns (order, created)."""
    from domains.si_fee.payers.models import Payer

    now = now or timezone.now()
    total = sum((line["amount"] for line in lines), Decimal("0.00"))
    try:
        with transaction.atomic():
            Payer.all_objects.select_for_update().filter(pk=payer.pk).first()
            existing = _existing(payer, request_id)
            if existing is not None:
                return existing, False
            errors = conflicts()
            if errors:
                raise ValidationError({"periods": errors})
            order = PaymentOrder.objects.create(
                order_no=new_order_no(now), payer=payer, kind=kind, total=money(total), request_id=request_id,
                channel=channel[:60], expires_at=now + datetime.timedelta(minutes=ORDER_MINUTES), created_by=user)
            for line in lines:
                PaymentLine.objects.create(order=order, payer=payer, created_by=user, **line)
            log_operation("si_pay_order_created", user=user, entrance=entrance, order_no=order.order_no,
                          total=str(order.total), kind=kind, lines=len(lines))
    except IntegrityError:
        # A concurrent request of the same payer got there first: the same request id, or a period or payable
        # it holds now (the constraint settled the race). Nothing of this request was written.
        existing = _existing(payer, request_id)
        if existing is not None:
            return existing, False
        errors = conflicts() or ["所选所属期有未完成的缴费订单，请稍后再试"]
        raise ValidationError({"periods": errors}) from None
    return order, True


def create_self_order(payer, insurance, periods, base, *, request_id, today=None, user=None, now=None):
    """自主申报: validate under the prefecture's rules (check_self_declaration), refuse periods already paid
    or held by an open order, and create the order. The same request id returns the first order. `now` (the
    order number's time and the deadline's start) is the clock's unless given (the demo's history)."""
    request_id = _check_request_id(request_id)
    existing = _existing(payer, request_id)
    if existing is not None:
        return existing, False
    if isinstance(base, float):
        raise ValidationError({"base": "金额格式不正确"})
    lines = check_self_declaration(payer, insurance, periods, base, today=today)
    expire_orders(payer=payer)
    starts = [line.period for line in lines]

    def conflicts():
        qs = PaymentLine.objects.filter(payer=payer, insurance=insurance, source__in=PERIOD_SOURCES,
                                        period_start__in=starts, status__in=HOLDING)
        return _refused(payer, qs, lambda line: f"{period_label(line.period_start)}{line.insurance.name}")

    rows = [dict(insurance=line.insurance, period_start=line.period, period_end=month_end(line.period),
                 base=line.base, rate=line.rate, amount=line.amount, source="self") for line in lines]
    return _make_order(payer, PaymentOrder.Kind.SELF, request_id, rows, user=user, conflicts=conflicts, now=now)


def create_payable_order(payer, payable_ids, *, request_id, user=None):
    """待缴费用: pay the chosen pending payables of the payer in one order."""
    request_id = _check_request_id(request_id)
    existing = _existing(payer, request_id)
    if existing is not None:
        return existing, False
    try:
        ids = sorted({int(i) for i in payable_ids or []})
    except (TypeError, ValueError):
        raise ValidationError({"payables": "请选择要缴纳的费用"}) from None
    if not ids:
        raise ValidationError({"payables": "请选择要缴纳的费用"})
    payables = list(Payable.objects.filter(payer=payer, pk__in=ids).select_related("insurance"))
    if len(payables) != len(ids):
        raise ValidationError({"payables": "所选费用不存在"})
    done = [p for p in payables if p.status != Payable.Status.PENDING]
    if done:
        raise ValidationError({"payables": [f"{p}{p.get_status_display()}，不能缴纳" for p in done]})
    expire_orders(payer=payer)

    def conflicts():
        qs = PaymentLine.objects.filter(payable_id__in=ids, status__in=HOLDING)
        return _refused(payer, qs, lambda line: f"{line.payable}")

    rows = [dict(insurance=p.insurance, period_start=p.period_start, period_end=p.period_end, base=p.base,
                 rate=None, amount=p.amount, source="assessed", payable=p) for p in payables]
    return _make_order(payer, PaymentOrder.Kind.ASSESSED, request_id, rows, user=user, conflicts=conflicts)


def _batch_rows(payer, lines):
    """The checked lines of a batch order: [{insurance, period_start, period_end, base, rate, amount}] or
    ValidationError keyed "lines" (Chinese, nothing written)."""
    from domains.si_fee.rules.models import InsuranceType

    if not lines:
        raise ValidationError({"lines": "请提供扣款明细"})
    rows, errors, seen = [], [], set()
    for n, line in enumerate(lines, start=1):
        line = dict(line)
        insurance, start, end = line.get("insurance"), line.get("period_start"), line.get("period_end")
        amount, base = line.get("amount"), line.get("base")
        if not isinstance(insurance, InsuranceType) or not insurance.active:
            errors.append(f"第{n}条：险种不正确")
            continue
        if insurance.person_type != payer.person_type:
            errors.append(f"第{n}条：该缴费人不能缴纳{insurance.name}")
            continue
        if not isinstance(start, datetime.date) or start.day != 1:
            errors.append(f"第{n}条：所属期起应为月初")
            continue
        expected_end = datetime.date(start.year, 12, 31) if insurance.yearly else month_end(start)
        if insurance.yearly and start.month != 1:
            errors.append(f"第{n}条：{insurance.name}按年度缴纳，所属期应为{start.year}年1月至12月")
            continue
        if end != expected_end:
            errors.append(f"第{n}条：所属期止应为{expected_end:%Y-%m-%d}")
            continue
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0 or amount != money(amount):
            errors.append(f"第{n}条：扣款金额应为大于0、最多两位小数的金额")
            continue
        if base is not None and (not isinstance(base, Decimal) or not base.is_finite() or base <= 0):
            errors.append(f"第{n}条：缴费基数不正确")
            continue
        if (insurance.pk, start) in seen:
            errors.append(f"第{n}条：{insurance.name}{_period_text(insurance, start)}重复")
            continue
        seen.add((insurance.pk, start))
        rows.append(dict(insurance=insurance, period_start=start, period_end=end, base=base,
                         rate=line.get("rate") if line.get("rate") is not None else (
                             insurance.rate if base is not None else None),
                         amount=money(amount), source=PaymentLine.Source.BATCH))
    if errors:
        raise ValidationError({"lines": errors})
    return rows


def _period_text(insurance, start):
    return f"{start.year}年度" if insurance.yearly else period_label(start)


def create_batch_order(payer, lines, *, request_id, channel=BATCH_CHANNEL, user=None):
    """委托银行批量扣款: the payment order of what the bank deducts under the payer's agreement (the agreements
    app's batch run; request id "batch-<item_no>", so a re-run gets the same order). lines: dicts with
    insurance, period_start, period_end (a resident's year Jan 1 - Dec 31, or a month), amount (Decimal), base
    (optional). The lines (source batch) hold their periods with the self-declared ones under si_pay_period_once:
    a period already paid, or in an open order of either kind, is refused (ValidationError "periods", the
    reason). Returns (order, created). The order has no cashier: it becomes paid or failed only by the bank's
    answer, and is never expired by expire_orders."""
    request_id = _check_request_id(request_id)
    existing = _existing(payer, request_id)
    if existing is not None:
        return existing, False
    rows = _batch_rows(payer, lines)

    def conflicts():
        held = Q()
        for row in rows:
            held |= Q(insurance=row["insurance"], period_start=row["period_start"])
        qs = PaymentLine.objects.filter(held, payer=payer, source__in=PERIOD_SOURCES, status__in=HOLDING)
        return _refused(payer, qs, lambda line: f"{_period_text(line.insurance, line.period_start)}{line.insurance.name}")

    return _make_order(payer, PaymentOrder.Kind.BATCH, request_id, rows, user=user, conflicts=conflicts,
                       channel=channel or BATCH_CHANNEL, entrance="")


def open_cashier(order, *, notify_url, return_url, gw=None):
    """Create the order at the gateway (idempotent by order number) and return the cashier URL. A gateway
    refusal closes the order (its periods are free again) and raises a Chinese ValidationError."""
    from integrations.tips_pay.client import PayGatewayError

    if order.status != "created":
        raise ValidationError({"__all__": f"订单{order.get_status_display()}，不能再支付"})
    if order.kind == PaymentOrder.Kind.BATCH:
        raise ValidationError({"__all__": "该订单由银行按委托扣款协议批量扣款，请等待银行扣款结果"})
    if order.cashier_url:
        return order.cashier_url
    gw = gw or gateway()
    lines = [{"item": line.insurance.name, "period": f"{line.period_start:%Y-%m}～{line.period_end:%Y-%m}",
              "amount": line.amount} for line in order.lines.select_related("insurance")]
    try:
        created = gw.create_order(order_no=order.order_no, amount=order.total, subject="社保费缴纳",
                                  notify_url=notify_url, return_url=return_url, expire_at=order.expires_at,
                                  lines=lines, payer_name=order.payer.name)
    except PayGatewayError as exc:
        log_operation("si_pay_gateway_error", success=False, order_no=order.order_no, reason=str(exc))
        if not exc.temporary:
            finish_unpaid(order, "fail", reason=str(exc)[:200])
        raise ValidationError({"__all__": "支付平台暂不可用，请稍后再试"}) from exc
    PaymentOrder.objects.filter(pk=order.pk).update(cashier_url=created.cashier_url,
                                                    gateway_order_id=created.gateway_order_id)
    order.cashier_url, order.gateway_order_id = created.cashier_url, created.gateway_order_id
    return created.cashier_url


def notify_url(request=None):
    from django.urls import reverse

    path = reverse("public:si_pay_callback")
    base = settings.PAY_PUBLIC_URL.rstrip("/") if settings.PAY_PUBLIC_URL else None
    if base:
        return base + path
    return request.build_absolute_uri(path) if request is not None else "http://127.0.0.1" + path


# == results ==================================================================================================
def finish_unpaid(order, transition, *, reason="", user=None):
    """fail / close an unpaid order: its lines are cancelled, which frees their periods and payables."""
    from kernel.workflow.engine import TransitionError

    with transaction.atomic():
        locked = PaymentOrder.all_objects.select_for_update().get(pk=order.pk)
        if locked.status != "created":
            return False
        locked.closed_reason = reason[:200]
        try:
            ORDER.apply(locked, transition, None, system=True, comment=reason)
        except TransitionError:
            return False
        for line in locked.lines.filter(status=LineStatus.PENDING):
            line.status = LineStatus.CANCELLED
            line.save(update_fields=["status", "updated_at"])
        log_operation(f"si_pay_order_{transition}", user=user, order_no=locked.order_no, reason=reason)
    order.status = locked.status
    return True


def apply_result(order_no, status, amount, *, bank_serial="", paid_at=None, channel="", via="callback"):
    """Apply the gateway's result to our order exactly once. Returns (ok, code, message):
    ok False with code ORDER_NOT_FOUND / AMOUNT_MISMATCH / BAD_STATUS (refused, logged)."""
    if status not in ("PAID", "FAILED", "CLOSED"):
        log_operation("si_pay_cb_refused", success=False, entrance="public", reason="bad_status",
                      order_no=order_no, status=str(status)[:20], via=via)
        return False, "BAD_STATUS", "状态不正确"
    order = PaymentOrder.all_objects.filter(order_no=order_no).first()
    if order is None:
        log_operation("si_pay_cb_refused", success=False, entrance="public", reason="unknown_order",
                      order_no=str(order_no)[:40], via=via)
        return False, "ORDER_NOT_FOUND", "订单不存在"
    if amount != order.total:
        log_operation("si_pay_cb_refused", success=False, entrance="public", reason="amount_mismatch",
                      order_no=order_no, expected=str(order.total), got=str(amount), via=via)
        return False, "AMOUNT_MISMATCH", "金额与订单不符"
    if status != "PAID":
        finish_unpaid(order, "fail" if status == "FAILED" else "close", reason=f"支付平台通知：{status}")
        return True, "OK", "已处理"
    paid_now = _apply_paid(order, bank_serial=bank_serial, paid_at=paid_at or timezone.now(),
                           channel=channel or CHANNEL, via=via)
    if paid_now:
        _send_paid_sms(order)
    return True, "OK", "已处理" if paid_now else "重复通知，已处理过"


def _apply_paid(order, *, bank_serial, paid_at, channel, via):
    with transaction.atomic():
        locked = PaymentOrder.all_objects.select_for_update().get(pk=order.pk)
        if locked.status == "paid":
            log_operation("si_pay_cb_duplicate", entrance="public", order_no=locked.order_no, via=via)
            return False
        source = locked.status
        locked.bank_serial, locked.paid_at, locked.channel = bank_serial[:40], paid_at, channel[:60]
        ORDER.apply(locked, "pay", None, system=True, comment=f"{channel}支付成功，银行流水{bank_serial}",
                    data={"via": via, "bank_serial": bank_serial})
        anomaly = ""
        for line in locked.lines.select_related("payable"):
            if line.status not in (LineStatus.PENDING, LineStatus.CANCELLED):
                continue
            line.status = LineStatus.PAID
            try:
                with transaction.atomic():
                    line.save(update_fields=["status", "updated_at"])
            except IntegrityError:
                # Paid after the order was closed and the period taken by another order: money came in twice.
                anomaly = "订单关闭后仍收到支付成功通知，且所属期已由其他订单缴纳，需退费处理"
                continue
            if line.payable_id and line.payable.status == Payable.Status.PENDING:
                line.payable.status = Payable.Status.PAID
                line.payable.save(update_fields=["status", "updated_at"])
        log_operation("si_pay_paid", entrance="public", order_no=locked.order_no, total=str(locked.total),
                      bank_serial=bank_serial, via=via, from_status=source, anomaly=anomaly, success=not anomaly)
        if anomaly:  # money came in twice: a person must see it (the order page shows the lines and the log)
            from kernel.todos import services as todos

            todos.create(locked, f"重复缴费待退费：订单{locked.order_no}（{anomaly}）", key="si_pay_duplicate",
                         url=f"/gov/si/payments/{locked.pk}/", role_code="si_tax_admin", region=locked.payer.region)
        from .receipts import issue_receipt

        issue_receipt(locked)  # 缴费回单: number and verification code fixed at payment
    order.refresh_from_db()
    return True


def _send_paid_sms(order):
    from kernel.notify.services import send_sms

    payer = order.payer
    items = "、".join(dict.fromkeys(line.insurance.name for line in order.lines.select_related("insurance")))
    try:
        send_sms(payer.mobile, PAID_SMS, {
            "name": payer.name, "amount": f"{order.total:.2f}", "order_no": order.order_no, "items": items,
            "time": timezone.localtime(order.paid_at).strftime("%Y-%m-%d %H:%M"), "channel": order.channel},
            key=f"{PAID_SMS}:{order.order_no}", region=payer.region, related=order.order_no)
    except ValidationError as exc:  # never let the SMS undo a payment
        log_operation("si_pay_sms_failed", success=False, order_no=order.order_no, reason="；".join(exc.messages))


def handle_callback(method, path, headers, body, gw=None):
    """The gateway's asynchronous notification (PROTOCOL.md §callback). Returns (HTTP status, JSON dict)."""
    gw = gw or gateway()
    reason = gw.verify_callback(method, path, headers, body)
    if reason:
        log_operation("si_pay_cb_refused", success=False, entrance="public", reason=reason,
                      body=body[:500].decode("utf-8", "replace"))
        return 401, {"code": "BAD_SIGNATURE", "message": "签名校验失败"}
    try:
        data = json.loads(body)
        amount = data["amount"]
        if not isinstance(amount, str):
            raise ValueError("amount")
        amount = Decimal(amount)
        paid_at = datetime.datetime.fromisoformat(data["paid_at"]) if data.get("paid_at") else None
        order_no, status = str(data["order_no"]), str(data["status"])
    except (ValueError, KeyError, TypeError, InvalidOperation):
        log_operation("si_pay_cb_refused", success=False, entrance="public", reason="bad_request",
                      body=body[:500].decode("utf-8", "replace"))
        return 400, {"code": "INVALID_REQUEST", "message": "通知格式错误"}
    ok, code, message = apply_result(order_no, status, amount, bank_serial=str(data.get("bank_serial", "")),
                                     paid_at=paid_at, channel=str(data.get("channel", "")), via="callback")
    if ok:
        return 200, {"code": "OK", "message": message}
    return (404 if code == "ORDER_NOT_FOUND" else 400), {"code": code, "message": message}


def refresh_order(order, gw=None):
    """主动查询: ask the gateway about an unpaid order (the return page, expiry) and apply what it says."""
    from integrations.tips_pay.client import PayGatewayError

    if order.status != "created" or not order.cashier_url:
        return order
    try:
        st = (gw or gateway()).query_order(order.order_no)
    except PayGatewayError as exc:
        log_operation("si_pay_gateway_error", success=False, order_no=order.order_no, reason=str(exc))
        return order
    if st.status in ("PAID", "FAILED", "CLOSED"):
        apply_result(order.order_no, st.status, st.amount, bank_serial=st.bank_serial, paid_at=st.paid_at,
                     channel=st.channel, via="query")
        order.refresh_from_db()
    return order


def cancel_order(order, user=None, gw=None):
    """The payer gives up an unpaid order: closed at the gateway first (it can no longer be paid), then here."""
    from integrations.tips_pay.client import PayGatewayError

    if order.status != "created":
        raise ValidationError({"__all__": f"订单{order.get_status_display()}，不能取消"})
    if order.kind == PaymentOrder.Kind.BATCH:
        raise ValidationError({"__all__": "该订单已提交银行批量扣款，不能取消；如需改用其他方式缴费，请在扣款前作废待批扣记录"})
    if order.cashier_url:
        try:
            status = (gw or gateway()).close_order(order.order_no)
        except PayGatewayError as exc:
            raise ValidationError({"__all__": "支付平台暂不可用，请稍后再试"}) from exc
        if status == "PAID":
            return refresh_order(order, gw)
    finish_unpaid(order, "close", reason="缴费人取消订单", user=user)
    order.refresh_from_db()
    return order


def expire_orders(*, payer=None, now=None, gw=None):
    """Close unpaid orders past their deadline (asking the gateway first: one paid at the last second is
    applied as paid). Returns the number closed. Batch orders (委托银行批量扣款) are skipped: the bank may
    still deduct them, and only its answer (deducted or failed, applied by the batch run) ends them."""
    now = now or timezone.now()
    qs = PaymentOrder.objects.filter(status="created", expires_at__lt=now).exclude(kind=PaymentOrder.Kind.BATCH)
    if payer is not None:
        qs = qs.filter(payer=payer)
    closed = 0
    for order in qs:
        if order.cashier_url:
            refresh_order(order, gw)
            if order.status != "created":
                continue
            from integrations.tips_pay.client import PayGatewayError

            try:
                if (gw or gateway()).close_order(order.order_no) == "PAID":
                    refresh_order(order, gw)
                    continue
            except PayGatewayError:
                continue  # not known closed at the gateway: keep holding the periods, try again later
        closed += finish_unpaid(order, "close", reason="超时未支付，订单已关闭")
    return closed
