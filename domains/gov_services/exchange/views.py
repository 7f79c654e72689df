"""The callback endpoint the department systems call (signed, no session)."""
import json

from django.http import JsonResponse
from django.utils.encoding import escape_uri_path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kernel.interfaces import client as signing

from . import services


@csrf_exempt
@require_POST
def callback(request):
    remote = request.META.get("REMOTE_ADDR", "")[:45]
    key = request.headers.get(signing.HEADER_KEY, "")
    try:
        system = services.verify_signature(request.method, escape_uri_path(request.path), request.META.get(
            "QUERY_STRING", ""), request.headers, request.body)
    except services.Refused as exc:
        services.refuse(str(exc), key=key, remote=remote)
        return JsonResponse({"code": "REFUSED", "message": str(exc)}, status=401)
    try:
        data = json.loads(request.body)
        sbh, version, stage = str(data["sbh"]), int(data["version"]), str(data["stage"])
    except (ValueError, KeyError, TypeError):
        services.refuse("请求格式错误", system=system, key=key, remote=remote)
        return JsonResponse({"code": "INVALID_REQUEST", "message": "请求格式错误"}, status=400)
    try:
        outcome = services.apply_callback(system, sbh, version, stage, remote=remote)
    except services.Refused as exc:
        return JsonResponse({"code": "REFUSED", "message": str(exc)}, status=409)
    return JsonResponse({"code": "OK", "result": outcome})
