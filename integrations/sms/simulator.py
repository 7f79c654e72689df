"""A local SMS platform that implements PROTOCOL.md, for demo and tests."""
import json
import time
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .models import SimulatedSms, SimulatorControl
from .signing import signature


def _authentic(request) -> bool:
    ts = request.headers.get("X-Timestamp", "")
    if not ts.isdigit() or abs(time.time() - int(ts)) > 300:
        return False
    expected = signature(settings.SMS_GATEWAY_SECRET, ts, request.method, request.path_info_for_signature,
                         request.body)
    return expected == request.headers.get("X-Signature", "")


def _prefix_path(request):
    # Signatures cover the path as the client addressed it, relative to the simulator's base.
    request.path_info_for_signature = "/" + request.path.split("/integrations/sms-sim/", 1)[-1]


@csrf_exempt
@require_POST
def send(request):
    _prefix_path(request)
    if not _authentic(request):
        return JsonResponse({"code": "BAD_SIGNATURE"}, status=401)
    control = SimulatorControl.get()
    if control.fail_next:
        SimulatorControl.objects.filter(pk=control.pk).update(fail_next=control.fail_next - 1)
        return JsonResponse({"code": "UNAVAILABLE", "message": "模拟故障"}, status=control.fail_status)
    try:
        data = json.loads(request.body)
        phone, content = str(data["phone"]), str(data["content"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"code": "INVALID_REQUEST", "message": "请求格式错误"}, status=400)
    if not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
        return JsonResponse({"code": "INVALID_PHONE", "message": "手机号码格式错误"}, status=400)
    key = request.headers.get("X-Idempotency-Key", "")
    if not key:
        return JsonResponse({"code": "INVALID_REQUEST", "message": "缺少幂等键"}, status=400)
    existing = SimulatedSms.objects.filter(idempotency_key=key).first()
    if existing is None:
        status = "FAILED" if control.undeliverable_prefix and phone.startswith(control.undeliverable_prefix) else "DELIVERED"
        try:
            with transaction.atomic():
                existing = SimulatedSms.objects.create(
                    message_id="SIM" + uuid.uuid4().hex[:20].upper(), idempotency_key=key, phone=phone,
                    sign_name=str(data.get("sign_name", "")), template_code=str(data.get("template_code", "")),
                    content=content, params=data.get("params") or {}, status=status)
        except IntegrityError:  # a concurrent duplicate
            existing = SimulatedSms.objects.get(idempotency_key=key)
    return JsonResponse({"code": "OK", "message_id": existing.message_id})


@require_GET
def receipts(request):
    _prefix_path(request)
    if not _authentic(request):
        return JsonResponse({"code": "BAD_SIGNATURE"}, status=401)
    try:
        since = int(request.GET.get("since", "0"))
    except ValueError:
        return JsonResponse({"code": "INVALID_REQUEST"}, status=400)
    rows = SimulatedSms.objects.filter(pk__gt=since).order_by("pk")[:500]
    return JsonResponse({"receipts": [
        {"id": r.pk, "message_id": r.message_id, "status": r.status, "time": r.received_at.isoformat(),
         "error": "" if r.status == "DELIVERED" else "用户关机或号码不存在"} for r in rows]})


urlpatterns = [path("send", send), path("receipts", receipts)]
