"""A local payment gateway implementing PROTOCOL.md (demo, tests), mounted at /integrations/pay-sim/ when
PAY_GATEWAY_URL is empty. Besides the protocol it serves the H5 cashier (收银台: 确认支付 / 取消支付), which
posts the signed asynchronous callback to the merchant's notify_url (in-process WSGI, like the SMS and
department simulators) and sends the browser back to return_url, and test hooks: resend a callback,
mark orders 入库, drop a line from or add a line to a day's reconciliation file."""
import csv
import io
import json
import secrets
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from . import signing
from .client import amount_text
from .models import SimAgreement, SimBankAccount, SimDeduction, SimOrder, SimReconciliationHook, SimRefund


def _refuse(code, message, status):
    return JsonResponse({"code": code, "message": message}, status=status)


def _authentic(request) -> str:
    return signing.verify(settings.PAY_GATEWAY_SECRET, settings.PAY_MERCHANT_ID, request.method, request.path,
                          request.META.get("QUERY_STRING", ""), request.body, request.headers)


def signed(view):
    @csrf_exempt
    def wrapper(request, *args, **kwargs):
        reason = _authentic(request)
        if reason:
            return _refuse("BAD_SIGNATURE", f"签名校验失败（{reason}）", 401)
        return view(request, *args, **kwargs)
    return wrapper


def _amount(value):
    if not isinstance(value, str):
        raise ValueError("金额应为十进制字符串")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ValueError("金额格式错误") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError("金额须大于0且最多两位小数")
    return amount


def _order_json(o):
    refunded = o.refunds.aggregate(s=Sum("amount"))["s"] or Decimal("0")
    return {"code": "OK", "order_no": o.order_no, "status": o.status, "amount": amount_text(o.amount),
            "bank_serial": o.bank_serial, "paid_at": o.paid_at.isoformat() if o.paid_at else "",
            "channel": o.channel, "refunded": amount_text(refunded)}


@signed
def orders(request):
    if request.method != "POST":
        return _refuse("METHOD", "仅支持POST", 405)
    try:
        data = json.loads(request.body)
        order_no, notify_url = str(data["order_no"]), str(data["notify_url"])
        amount = _amount(data["amount"])
        lines = data.get("lines") or []
        if sum((_amount(line["amount"]) for line in lines), Decimal("0")) != amount:
            raise ValueError("明细金额之和与订单金额不符")
        expire_at = timezone.datetime.fromisoformat(data["expire_at"]) if data.get("expire_at") else None
    except (ValueError, KeyError, TypeError) as exc:
        return _refuse("INVALID_REQUEST", f"请求格式错误：{exc}", 400)
    existing = SimOrder.objects.filter(order_no=order_no).first()
    if existing is None:
        try:
            with transaction.atomic():
                existing = SimOrder.objects.create(
                    merchant_id=settings.PAY_MERCHANT_ID, order_no=order_no, amount=amount,
                    subject=str(data.get("subject", ""))[:200], payer_name=str(data.get("payer_name", ""))[:50],
                    lines=lines, notify_url=notify_url, return_url=str(data.get("return_url", "")),
                    expire_at=expire_at)
        except IntegrityError:
            existing = SimOrder.objects.get(order_no=order_no)
    if existing.amount != amount:
        return _refuse("CONFLICT", "订单号已存在且金额不同", 409)
    cashier = request.build_absolute_uri(f"{_base(request)}/cashier/{existing.token}/")
    return JsonResponse({"code": "OK", "order_no": existing.order_no, "gateway_order_id": f"SIM{existing.pk:010d}",
                         "cashier_url": cashier})


def _base(request):
    return request.path.split("/integrations/pay-sim/", 1)[0] + "/integrations/pay-sim"


@signed
def order_detail(request, order_no):
    return JsonResponse(_order_json(get_object_or_404(SimOrder, order_no=order_no)))


@signed
def order_close(request, order_no):
    with transaction.atomic():
        o = SimOrder.objects.select_for_update().filter(order_no=order_no).first()
        if o is None:
            return _refuse("ORDER_NOT_FOUND", "订单不存在", 404)
        if o.status == SimOrder.Status.CREATED:
            o.status = SimOrder.Status.CLOSED
            o.save(update_fields=["status"])
    return JsonResponse(_order_json(o))


@signed
def refunds(request):
    try:
        data = json.loads(request.body)
        order_no, refund_no, amount = str(data["order_no"]), str(data["refund_no"]), _amount(data["amount"])
    except (ValueError, KeyError, TypeError) as exc:
        return _refuse("INVALID_REQUEST", f"请求格式错误：{exc}", 400)
    with transaction.atomic():
        o = SimOrder.objects.select_for_update().filter(order_no=order_no).first()
        if o is None:
            return _refuse("ORDER_NOT_FOUND", "订单不存在", 404)
        done = SimRefund.objects.filter(refund_no=refund_no).first()
        if done is None:
            if o.status != SimOrder.Status.PAID:
                return _refuse("NOT_PAID", "订单未支付，不能退款", 400)
            refunded = o.refunds.aggregate(s=Sum("amount"))["s"] or Decimal("0")
            if refunded + amount > o.amount:
                return _refuse("EXCEEDS", "退款金额超过可退金额", 400)
            done = SimRefund.objects.create(order=o, refund_no=refund_no, amount=amount,
                                            reason=str(data.get("reason", ""))[:200])
        elif done.order_id != o.pk or done.amount != amount:
            return _refuse("CONFLICT", "退款单号已存在且内容不同", 409)
    return JsonResponse({"code": "OK", "refund_no": done.refund_no, "status": "REFUNDED",
                         "amount": amount_text(done.amount), "refunded_at": done.refunded_at.isoformat()})


def reconciliation_lines(date):
    """The day's file: every order paid that day (local date), less dropped ones, plus added lines."""
    hooks = list(SimReconciliationHook.objects.filter(date=date))
    dropped = {h.drop_order_no for h in hooks if h.drop_order_no}
    start = timezone.make_aware(timezone.datetime.combine(date, timezone.datetime.min.time()))
    rows = []
    day = (SimOrder.objects.filter(status=SimOrder.Status.PAID, paid_at__gte=start,
                                   paid_at__lt=start + timezone.timedelta(days=1)).order_by("paid_at", "pk")
           .values_list("order_no", "bank_serial", "amount", "paid_at", "treasury_stored"))
    for order_no, bank_serial, amount, paid_at, stored in day.iterator(chunk_size=20_000):  # a million a day
        if order_no in dropped:
            continue
        rows.append([order_no, bank_serial, amount_text(amount), timezone.localtime(paid_at).isoformat(),
                     "入库" if stored else "上解"])
    for h in hooks:
        if h.add_line:
            line = h.add_line
            rows.append([line["order_no"], line.get("bank_serial", ""), line["amount"], line["paid_at"],
                         line.get("status", "上解")])
    return rows


@signed
def reconciliation(request):
    try:
        date = timezone.datetime.fromisoformat(request.GET["date"]).date()
    except (KeyError, ValueError):
        return _refuse("INVALID_REQUEST", "请提供对账日期date=YYYY-MM-DD", 400)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["order_no", "bank_serial", "amount", "paid_at", "status"])
    writer.writerows(reconciliation_lines(date))
    return HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")


# -- the gateway's own side: cashier and callbacks ----------------------------------------------------
def notify(order, *, transport=None, secret=None, body_override=None):
    """POST the signed asynchronous callback to the order's notify_url; returns (HTTP status, answer)."""
    from integrations.sms.gateway import WsgiTransport

    body = body_override or {
        "merchant_id": order.merchant_id, "order_no": order.order_no, "status": order.status,
        "amount": amount_text(order.amount), "bank_serial": order.bank_serial,
        "paid_at": order.paid_at.isoformat() if order.paid_at else "", "channel": order.channel,
        "notify_id": secrets.token_hex(8)}
    data = json.dumps(body, ensure_ascii=False).encode()
    parts = urlsplit(order.notify_url)
    headers = signing.sign(secret or settings.PAY_GATEWAY_SECRET, order.merchant_id, "POST", parts.path,
                           parts.query, data)
    headers["Content-Type"] = "application/json"
    status, answer = (transport or WsgiTransport()).request("POST", order.notify_url, headers, data)
    SimOrder.objects.filter(pk=order.pk).update(notify_attempts=order.notify_attempts + 1, last_notify_status=status)
    try:
        return status, json.loads(answer or b"{}")
    except ValueError:
        return status, {}


def settle(order, action):
    """The payer's choice at the cashier: "pay" (debit, bank serial) or "cancel"; then the callback."""
    with transaction.atomic():
        o = SimOrder.objects.select_for_update().get(pk=order.pk)
        if o.status != SimOrder.Status.CREATED:
            return o, None
        if o.expire_at and timezone.now() > o.expire_at:
            o.status = SimOrder.Status.CLOSED
        elif action == "pay":
            o.status, o.paid_at = SimOrder.Status.PAID, timezone.now()
            o.bank_serial = "CEB" + timezone.localtime(o.paid_at).strftime("%Y%m%d") + secrets.token_hex(6).upper()
        else:
            o.status = SimOrder.Status.FAILED
        o.save()
    return o, notify(o)


@csrf_exempt
def cashier(request, token):
    o = get_object_or_404(SimOrder, token=token)
    result = None
    if request.method == "POST":
        o, result = settle(o, "pay" if request.POST.get("action") == "pay" else "cancel")
        if o.return_url:
            sep = "&" if "?" in o.return_url else "?"
            return HttpResponseRedirect(f"{o.return_url}{sep}result={o.status.lower()}")
    return render(request, "tips_pay/cashier.html", {"order": o, "result": result,
                                                     "expired": bool(o.expire_at and timezone.now() > o.expire_at)})


# -- test hooks ----------------------------------------------------------------------------------------
@signed
def hook_notify(request, order_no):
    """Send the callback of an order again (a gateway retry: the merchant must credit once)."""
    status, answer = notify(get_object_or_404(SimOrder, order_no=order_no))
    return JsonResponse({"code": "OK", "merchant_status": status, "merchant_answer": answer})


@signed
def hook_reconciliation(request):
    """{"date": "2021-02-10", "drop": [order_no...], "add": [{order_no, bank_serial, amount, paid_at, status}],
    "store": [order_no...]} (store: the orders' lines read 入库 instead of 上解)."""
    try:
        data = json.loads(request.body)
        date = timezone.datetime.fromisoformat(data["date"]).date()
        for line in data.get("add", []):
            _amount(line["amount"])
    except (ValueError, KeyError, TypeError) as exc:
        return _refuse("INVALID_REQUEST", f"请求格式错误：{exc}", 400)
    for no in data.get("drop", []):
        SimReconciliationHook.objects.create(date=date, drop_order_no=str(no))
    for line in data.get("add", []):
        SimReconciliationHook.objects.create(date=date, add_line=line)
    SimOrder.objects.filter(order_no__in=[str(n) for n in data.get("store", [])]).update(treasury_stored=True)
    return JsonResponse({"code": "OK"})


# -- entrusted deduction (委托扣款): agreement verification and batch deduction -------------------------
SIM_BANKS = {"102", "103", "104", "105", "301", "303", "403", "313", "402"}
BATCH_CHANNEL = "委托银行批量扣款"


def _agreement_json(a):
    return {"code": "OK", "agreement_no": a.agreement_no, "status": a.status, "reason": a.reason,
            "receipt_no": a.receipt_no, "answered_at": a.answered_at.isoformat(),
            "channel": "TIPS" if a.kind == "TRIPARTITE" else "金三社保费核心系统"}


def bank_check(bank_code, account_no, account_name, id_number, name) -> str:
    """The simulated bank's check of an agreement: "" if it accepts, else its reason (Chinese)."""
    if bank_code not in SIM_BANKS:
        return "该银行暂未开通委托扣款业务"
    if not account_no.isdigit() or not 12 <= len(account_no) <= 25:
        return "扣款账号格式错误"
    account = SimBankAccount.objects.filter(account_no=account_no).first()
    if account is None:
        return "" if account_name == name else "账户名称与缴费人姓名不一致"
    if account.bank_code != bank_code:
        return "账号不属于该开户银行"
    if account.frozen:
        return "账户已冻结或状态异常"
    if account.account_name != account_name:
        return "账户名称与账号不符"
    if account.id_number and account.id_number != id_number:
        return "账户所有人证件号码与缴费人不符"
    return ""


@signed
def agreement_verify(request):
    try:
        data = json.loads(request.body)
        fields = {k: str(data[k]).strip() for k in ("agreement_no", "kind", "bank_code", "account_no",
                                                     "account_name", "id_number", "name")}
        if fields["kind"] not in ("TRIPARTITE", "BILATERAL") or not fields["agreement_no"]:
            raise ValueError("kind/agreement_no")
    except (ValueError, KeyError, TypeError) as exc:
        return _refuse("INVALID_REQUEST", f"请求格式错误：{exc}", 400)
    existing = SimAgreement.objects.filter(agreement_no=fields["agreement_no"]).first()
    if existing is not None:
        if existing.account_no != fields["account_no"] or existing.id_number != fields["id_number"]:
            return _refuse("CONFLICT", "协议号已存在且内容不同", 409)
        return JsonResponse(_agreement_json(existing))
    reason = bank_check(fields["bank_code"], fields["account_no"], fields["account_name"], fields["id_number"],
                        fields["name"])
    status = SimAgreement.Status.FAILED if reason else SimAgreement.Status.VERIFIED
    receipt = "" if reason else "HZ" + timezone.localtime().strftime("%Y%m%d") + secrets.token_hex(5).upper()
    try:
        with transaction.atomic():
            a = SimAgreement.objects.create(id_type=str(data.get("id_type", ""))[:3], status=status, reason=reason,
                                            receipt_no=receipt, **fields)
    except IntegrityError:
        a = SimAgreement.objects.get(agreement_no=fields["agreement_no"])
    return JsonResponse(_agreement_json(a))


@signed
def agreement_detail(request, agreement_no):
    a = SimAgreement.objects.filter(agreement_no=agreement_no).first()
    if a is None:
        return _refuse("AGREEMENT_NOT_FOUND", "协议不存在", 404)
    return JsonResponse(_agreement_json(a))


@signed
def agreement_terminate(request, agreement_no):
    with transaction.atomic():
        a = SimAgreement.objects.select_for_update().filter(agreement_no=agreement_no).first()
        if a is None:
            return _refuse("AGREEMENT_NOT_FOUND", "协议不存在", 404)
        if a.status == SimAgreement.Status.VERIFIED:
            a.status = SimAgreement.Status.TERMINATED
            a.save(update_fields=["status"])
    return JsonResponse(_agreement_json(a))


def _deduction_json(d):
    return {"item_no": d.item_no, "order_no": d.order_no, "status": d.status, "amount": amount_text(d.amount),
            "bank_serial": d.bank_serial, "deducted_at": d.deducted_at.isoformat() if d.deducted_at else "",
            "reason": d.reason}


def _deduct_one(batch_no, notify_url, item):
    """Debit one item (its account row locked) and record it; a DEDUCTED item also becomes a paid order of the
    gateway (in the reconciliation file, its callback sent). Returns (SimDeduction, SimOrder or None)."""
    amount = _amount(item["amount"])
    item_no, order_no, agreement_no = str(item["item_no"]), str(item["order_no"]), str(item["agreement_no"])
    with transaction.atomic():
        done = SimDeduction.objects.select_for_update().filter(item_no=item_no).first()
        if done is not None:
            return done, None
        agreement = SimAgreement.objects.filter(agreement_no=agreement_no).first()
        reason = ""
        if agreement is None or agreement.status == SimAgreement.Status.FAILED:
            reason = "委托扣款协议不存在或未生效"
        elif agreement.status == SimAgreement.Status.TERMINATED:
            reason = "委托扣款协议已终止"
        elif agreement.id_number != str(item.get("id_number", "")):
            reason = "缴费人与协议不符"
        account = None
        if not reason:
            account = SimBankAccount.objects.select_for_update().filter(account_no=agreement.account_no).first()
            if account is not None and account.frozen:
                reason = "账户已冻结或状态异常"
            elif account is not None and account.balance is not None and account.balance < amount:
                reason = "账户余额不足"
        now = timezone.now()
        if reason:
            return SimDeduction.objects.create(item_no=item_no, batch_no=batch_no, order_no=order_no,
                                               agreement_no=agreement_no, amount=amount, status="FAILED",
                                               reason=reason), None
        if account is not None and account.balance is not None:
            account.balance -= amount
            account.save(update_fields=["balance"])
        serial = "PK" + timezone.localtime(now).strftime("%Y%m%d") + secrets.token_hex(6).upper()
        done = SimDeduction.objects.create(item_no=item_no, batch_no=batch_no, order_no=order_no,
                                           agreement_no=agreement_no, amount=amount, status="DEDUCTED",
                                           bank_serial=serial, deducted_at=now)
        order, created = SimOrder.objects.get_or_create(order_no=order_no, defaults=dict(
            merchant_id=settings.PAY_MERCHANT_ID, amount=amount, subject="社保费委托扣款",
            payer_name=str(item.get("name", ""))[:50], notify_url=notify_url, status=SimOrder.Status.PAID,
            lines=[{"item": str(item.get("insurance", "")), "period": str(item.get("period", "")),
                    "amount": amount_text(amount)}],
            channel=BATCH_CHANNEL, bank_serial=serial, paid_at=now))
    return done, (order if created else None)


@signed
def batch_deductions(request):
    try:
        data = json.loads(request.body)
        batch_no, notify_url = str(data["batch_no"]), str(data["notify_url"])
        items = data["items"]
        if not isinstance(items, list) or len(items) > 1000:
            raise ValueError("items")
        for item in items:
            _amount(item["amount"])
            for key in ("item_no", "order_no", "agreement_no"):
                if not str(item[key]).strip():
                    raise ValueError(key)
    except (ValueError, KeyError, TypeError) as exc:
        return _refuse("INVALID_REQUEST", f"请求格式错误：{exc}", 400)
    results, paid = [], []
    for item in items:
        done, order = _deduct_one(batch_no, notify_url, item)
        results.append(_deduction_json(done))
        if order is not None:
            paid.append(order)
    for order in paid:  # the gateway's usual asynchronous notification of each collected order
        notify(order)
    return JsonResponse({"code": "OK", "batch_no": batch_no, "results": results})


@signed
def hook_accounts(request):
    """{"accounts": [{bank_code, account_no, account_name, id_number, balance ("100.00"|null), frozen}]}:
    create or change simulated bank accounts."""
    try:
        data = json.loads(request.body)
        rows = []
        for a in data["accounts"]:
            balance = a.get("balance")
            rows.append(dict(bank_code=str(a["bank_code"]), account_no=str(a["account_no"]),
                             account_name=str(a["account_name"]), id_number=str(a.get("id_number", "")),
                             balance=None if balance is None else _amount_or_zero(balance),
                             frozen=bool(a.get("frozen", False))))
    except (ValueError, KeyError, TypeError) as exc:
        return _refuse("INVALID_REQUEST", f"请求格式错误：{exc}", 400)
    for row in rows:
        SimBankAccount.objects.update_or_create(account_no=row.pop("account_no"), defaults=row)
    return JsonResponse({"code": "OK", "accounts": len(rows)})


def _amount_or_zero(value):
    if value in ("0", "0.00"):
        return Decimal("0.00")
    return _amount(value)


urlpatterns = [
    path("orders", orders),
    path("orders/<str:order_no>", order_detail),
    path("orders/<str:order_no>/close", order_close),
    path("refunds", refunds),
    path("reconciliation", reconciliation),
    path("cashier/<str:token>/", cashier, name="tips_pay_cashier"),
    path("hooks/notify/<str:order_no>", hook_notify),
    path("hooks/reconciliation", hook_reconciliation),
    path("agreements/verify", agreement_verify),
    path("agreements/<str:agreement_no>", agreement_detail),
    path("agreements/<str:agreement_no>/terminate", agreement_terminate),
    path("batch-deductions", batch_deductions),
    path("hooks/accounts", hook_accounts),
]
