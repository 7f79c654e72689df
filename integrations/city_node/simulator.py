"""A local city node (市运维交换监管系统) implementing PROTOCOL.md for demo and tests, mounted at
/integrations/city-node/ when CITY_NODE_URL is empty.

POST report     the node's envelope: parameters checked, the node identified by its registered SM2 public key,
                the signature verified, the session key decrypted with the city's private key, the payload
                decrypted and its SM3 digest and fields checked; stored once per (node, message id).
GET  received/  a page of what the city received and refused (staff with city_node_sim.view_receivedreport).

The city's key pair is generated here on first use (never downloaded); a node registers its public key with
register_node() (the access application, done by the demo set-up or the node page)."""
import json
import uuid

from django.contrib.auth.decorators import login_required, permission_required
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from kernel.interfaces import crypto

from . import sm
from .envelope import KINDS, EnvelopeError, open_envelope
from .models import KEY_AAD, CityKey, ReceivedReport, SimNode

STATUS = {"INVALID_PARAMETER": 400, "BAD_MESSAGE": 400, "DIGEST_MISMATCH": 400, "DECRYPT_FAILED": 400,
          "UNKNOWN_NODE": 401, "BAD_SIGNATURE": 401, "STALE": 401}


def city_key() -> CityKey:
    """The simulated city's key pair, generated on first use."""
    key = CityKey.objects.order_by("pk").first()
    if key is None:
        private, public = sm.generate_keypair()
        key = CityKey.objects.create(public_key=public, private_key_encrypted=crypto.encrypt(private, KEY_AAD))
    return key


def register_node(code, name, public_key) -> SimNode:
    if not sm.on_curve(public_key):
        raise ValueError("节点SM2公钥无效")
    node, _ = SimNode.objects.update_or_create(code=code, defaults={"name": name, "public_key": public_key})
    return node


def _refuse(envelope, exc: EnvelopeError):
    env = envelope if isinstance(envelope, dict) else {}
    ReceivedReport.objects.create(
        node_code=str(env.get("node_code") or "")[:40], message_id=str(env.get("message_id") or "")[:64],
        kind=str(env.get("kind") or "")[:20], accepted=False, error_code=exc.code,
        error=exc.message + ("：" + "；".join(f"{k} {'、'.join(v)}" for k, v in exc.errors.items()) if exc.errors else ""))
    return JsonResponse({"code": exc.code, "message": exc.message, "errors": exc.errors},
                        status=STATUS.get(exc.code, 400), json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def report(request):
    try:
        envelope = json.loads(request.body)
    except ValueError:
        return _refuse(None, EnvelopeError("BAD_MESSAGE", "报文不是有效的JSON"))
    try:
        payload = open_envelope(envelope, city_private=city_key().private_key(),
                                node_public_for=lambda code: SimNode.objects.filter(code=code).values_list(
                                    "public_key", flat=True).first())
    except EnvelopeError as exc:
        return _refuse(envelope, exc)
    existing = ReceivedReport.objects.filter(node_code=envelope["node_code"], message_id=envelope["message_id"],
                                             accepted=True).first()
    duplicate = existing is not None
    if existing is None:
        try:
            with transaction.atomic():
                existing = ReceivedReport.objects.create(
                    node_code=envelope["node_code"], message_id=envelope["message_id"], kind=envelope["kind"],
                    payload=payload, item_count=len(payload["items"]), receipt_no="CITY" + uuid.uuid4().hex[:16].upper())
        except IntegrityError:  # the same message at the same moment
            existing, duplicate = ReceivedReport.objects.get(node_code=envelope["node_code"],
                                                             message_id=envelope["message_id"], accepted=True), True
    return JsonResponse({"code": "OK", "message": "接收成功", "receipt_no": existing.receipt_no,
                         "duplicate": duplicate, "items": existing.item_count},
                        json_dumps_params={"ensure_ascii": False})


def _label(item):
    """A short line for one received item: its identifier and name."""
    if not isinstance(item, dict):
        return "?"
    key = item.get("number") or item.get("node_code") or item.get("resource_number") or item.get("alarm_id") or ""
    name = item.get("name") or item.get("unit_name") or item.get("subject") or item.get("metric_name") or ""
    subs = item.get("sub_resources") or []
    extra = f"（子资源{len(subs)}）" if subs else (f" {item['value']}" if "value" in item else "")
    return f"{key} {name}{extra}".strip()


@require_GET
@login_required(login_url="/gov/login/")
@permission_required("city_node_sim.view_receivedreport", raise_exception=True)
def received(request):
    rows = list(ReceivedReport.objects.all()[:200])
    for r in rows:
        r.kind_label = KINDS.get(r.kind, r.kind)
        r.preview = "；".join(_label(item) for item in r.payload.get("items", [])[:12]) if r.accepted else ""
    return render(request, "city_node/received.html", {
        "title": "市运维交换监管系统（模拟器）收件", "rows": rows, "nodes": SimNode.objects.all(),
        "breadcrumbs": [("运维服务管理", None), ("市级节点收件（模拟器）", None)], "entrance": "gov"})


urlpatterns = [path("report", report), path("received/", received, name="city_node_received")]
