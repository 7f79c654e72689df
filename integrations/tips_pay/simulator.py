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
from .models import SimOrder, SimReconciliationHook, SimRefund


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
    for o in SimOrder.objects.filter(status=SimOrder.Status.PAID, paid_at__gte=start,
                                     paid_at__lt=start + timezone.timedelta(days=1)).order_by("paid_at", "pk"):
        if o.order_no in dropped:
            continue
        rows.append([o.order_no, o.bank_serial, amount_text(o.amount), timezone.localtime(o.paid_at).isoformat(),
                     "入库" if o.treasury_stored else "上解"])
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


urlpatterns = [
    path("orders", orders),
    path("orders/<str:order_no>", order_detail),
    path("orders/<str:order_no>/close", order_close),
    path("refunds", refunds),
    path("reconciliation", reconciliation),
    path("cashier/<str:token>/", cashier, name="tips_pay_cashier"),
    path("hooks/notify/<str:order_no>", hook_notify),
    path("hooks/reconciliation", hook_reconciliation),
]
