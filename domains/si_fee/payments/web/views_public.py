"""Public pages of the payment app (no session): the gateway's asynchronous callback (/public/si/pay/callback/,
no CSRF token; the HMAC-SM3 signature of the gateway is the authentication, services.handle_callback) and the
verification page of a receipt's QR code (/public/si/receipts/<code>/), which shows the receipt's essentials
with the payer's name and ID number masked; an unknown code is a 404 page."""
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .. import services


@csrf_exempt
@require_POST
def callback(request):
    status, answer = services.handle_callback(request.method, request.path, request.headers, request.body)
    return JsonResponse(answer, status=status, json_dumps_params={"ensure_ascii": False})


@never_cache
@require_GET
def receipt_verify(request, code):
    from kernel.audit.services import log_operation

    from ..receipts import find_by_code, receipt_data

    receipt = find_by_code(code)
    if receipt is None:
        log_operation("si_receipt_verify", success=False, entrance="public", code=str(code)[:32])
        return render(request, "si_pay/receipt_verify_missing.html", {"title": "缴费回单验证"}, status=404)
    log_operation("si_receipt_verify", entrance="public", receipt_no=receipt.receipt_no)
    data = receipt_data(receipt.order, receipt, request=request)
    return render(request, "si_pay/receipt_verify.html", {**data, "title": "缴费回单验证"})
