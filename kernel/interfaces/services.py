"""Open-interface operations: the only place that writes ApiClients and InboundMessages.

Clients
    create_client(...) -> (client, secret)   the secret is returned once and stored SM4-encrypted
    rotate_secret(client, ...) -> secret      the old secret stays valid for a grace period
    set_enabled(client, enabled, ...)
    assignable_roles(user)                    roles an operator may give a client's service user

Inbound messages
    receive(client, endpoint_name, body, ...) -> Outcome   store first (own transaction), then process
    process(message) -> Outcome                              validate, run the handler, record the result
    reprocess(message, actor=...) -> Outcome                 again, for failed (or interrupted) messages
"""
import hashlib
import json
import re
import secrets
import traceback
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.exceptions import ValidationError as DRFValidationError

from kernel.accounts.models import Role, User
from kernel.audit.services import log_operation
from kernel.core import context
from kernel.core.cache import bump_tables

from .models import ApiClient, InboundMessage
from .registry import get_endpoint

SECRET_ISSUED_ACTION = "api_secret_issue"
REPROCESS_ACTION = "inbound_reprocess"
MESSAGE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")
ERROR_TEXT_LIMIT = 8000


class InterfaceError(Exception):
    """An operation refused with a message for the operator (Chinese)."""


# -- clients ---------------------------------------------------------------------

def _new_key_id() -> str:
    return "zw" + secrets.token_hex(12)


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


USER_KIND_FOR_ORG = {"agency": User.Kind.STAFF, "enterprise": User.Kind.ENTERPRISE,
                     "institution": User.Kind.INSTITUTION}


def assignable_roles(user):
    """Roles an operator may give to a client: enabled roles whose permissions the operator holds
    all of, and (unless the operator sees everything) not reaching beyond the operator's region
    (data scope "all" or "custom")."""
    roles = Role.objects.filter(enabled=True).prefetch_related("permissions__content_type").order_by("code")
    if user.is_superuser:
        return list(roles)
    from kernel.org.scope import user_scopes

    held = user.get_all_permissions()
    sees_all = "all" in user_scopes(user)[0]
    out = []
    for role in roles:
        if role.data_scope in (Role.DataScope.ALL, Role.DataScope.CUSTOM) and not sees_all:
            continue
        names = {f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.all()}
        if names <= held:
            out.append(role)
    return out


@transaction.atomic
def create_client(*, name, organisation, roles, algorithm=ApiClient.Algorithm.HMAC_SM3, allowed_ips="",
                  expires_at=None, remark="", actor=None) -> tuple[ApiClient, str]:
    """A client with its service user; returns (client, secret). The secret is not stored in clear
    and cannot be shown again."""
    key_id = _new_key_id()
    user = User(username=f"api_{key_id}", real_name=f"接口：{name}"[:50], kind=USER_KIND_FOR_ORG[organisation.kind],
                organisation=organisation, must_change_password=False)
    user.set_unusable_password()
    user.save()
    user.roles.set(roles)
    client = ApiClient(name=name, organisation=organisation, user=user, key_id=key_id, algorithm=algorithm,
                       allowed_ips=allowed_ips or "", expires_at=expires_at, remark=remark or "")
    secret = _new_secret()
    client.set_secret(secret)
    client.full_clean()
    client.save()
    log_operation(SECRET_ISSUED_ACTION, user=actor, entrance="gov", client=client.name, key_id=key_id,
                  reason="create")
    return client, secret


@transaction.atomic
def rotate_secret(client: ApiClient, *, grace_hours: int = 24, actor=None) -> str:
    """Issue a new secret; the current one keeps working for `grace_hours` (0: stops at once)."""
    if grace_hours < 0 or grace_hours > 24 * 30:
        raise InterfaceError("旧密钥保留时间应在0至720小时之间")
    secret = _new_secret()
    if grace_hours:
        client.previous_secret_encrypted = client.secret_encrypted
        client.previous_secret_valid_until = timezone.now() + timedelta(hours=grace_hours)
    else:
        client.previous_secret_encrypted = ""
        client.previous_secret_valid_until = None
    client.set_secret(secret)
    client.save()
    log_operation(SECRET_ISSUED_ACTION, user=actor, entrance="gov", client=client.name, key_id=client.key_id,
                  reason="rotate", grace_hours=grace_hours)
    return secret


@transaction.atomic
def set_enabled(client: ApiClient, enabled: bool, *, actor=None) -> ApiClient:
    """Enable or disable a client; its service user follows (a disabled client's user sees nothing)."""
    client.enabled = enabled
    client.save()
    client.user.is_active = enabled
    client.user.save(update_fields=["is_active"])
    return client


@transaction.atomic
def update_client(client: ApiClient, *, roles=None, **fields) -> ApiClient:
    for name, value in fields.items():
        setattr(client, name, value)
    client.full_clean()
    client.save()
    if roles is not None:
        client.user.roles.set(roles)
        # M2M adds are "INSERT OR IGNORE" on SQLite, which the cache's write watcher does not see:
        # drop cached permissions and scopes explicitly.
        bump_tables("accounts_user_roles")
    return client


# -- inbound messages --------------------------------------------------------------

@dataclass
class Outcome:
    message: InboundMessage
    status_code: int
    body: dict
    duplicate: bool = False


def _store(client, endpoint_name, *, body: bytes, message_id, headers, remote_ip, request_id, status=None,
           error="", response_status=None, result=None) -> InboundMessage:
    """Insert the message in a transaction of its own: it is committed before processing starts."""
    status = status or InboundMessage.Status.RECEIVED
    with transaction.atomic():
        return InboundMessage.objects.create(
            client=client, endpoint=endpoint_name, message_id=message_id, headers=headers, remote_ip=remote_ip,
            request_id=request_id or "", body=body.decode("utf-8", errors="replace"),
            content_hash=hashlib.sha256(body).hexdigest(), status=status, error=error,
            response_status=response_status, result=result or {})


def _summary(message, detail, **extra) -> dict:
    return {"id": message.pk, "message_id": message.message_id, "status": message.status,
            "status_label": message.get_status_display(), "detail": detail, **extra}


def _outcome(message, duplicate=False) -> Outcome:
    if message.response_status is None:  # still being processed elsewhere
        body = _summary(message, "报文已接收，正在处理")
        return Outcome(message, 202, body, duplicate)
    return Outcome(message, message.response_status, message.result, duplicate)


def receive(client: ApiClient, endpoint_name: str, body: bytes, *, message_id: str = "", headers=None,
            remote_ip=None, request_id="") -> Outcome:
    """Store a pushed payload, then process it. The same message id from the same client is applied
    once: a repeat with the same content gets the first outcome back; with other content, 409."""
    headers = headers or {}
    common = {"body": body, "headers": headers, "remote_ip": remote_ip, "request_id": request_id}
    if not MESSAGE_ID_RE.match(message_id or ""):
        detail = ("缺少消息编号（X-ZW-Message-Id）" if not message_id
                  else "消息编号（X-ZW-Message-Id）格式错误：应为1至64位字母、数字或 _ . : -")
        message = _store(client, endpoint_name, message_id="", status=InboundMessage.Status.REJECTED,
                         error=detail, **common)
        _finish(message, InboundMessage.Status.REJECTED, 400, detail, errors={"X-ZW-Message-Id": [detail]})
        return _outcome(message)

    content_hash = hashlib.sha256(body).hexdigest()
    first = InboundMessage.objects.filter(client=client, message_id=message_id).first()
    if first is None:
        try:
            message = _store(client, endpoint_name, message_id=message_id, **common)
        except IntegrityError:  # the same message arrived at the same moment in another request
            first = InboundMessage.objects.get(client=client, message_id=message_id)
        else:
            return process(message)
    if first.content_hash != content_hash or first.endpoint != endpoint_name:
        detail = f"消息编号“{message_id}”已用于另一报文（{first.received_at:%Y-%m-%d %H:%M:%S}接收），不能重复使用"
        message = _store(client, endpoint_name, message_id="", status=InboundMessage.Status.REJECTED, error=detail,
                         **{**common, "headers": {**headers, "conflicts_with": first.pk}})
        _finish(message, InboundMessage.Status.REJECTED, 409, detail)
        return _outcome(message)
    InboundMessage.objects.filter(pk=first.pk).update(duplicates=F("duplicates") + 1)
    first.refresh_from_db()
    return _outcome(first, duplicate=True)


def _finish(message, status, http_status, detail, *, errors=None, result=None, error_text=None):
    message.status = status
    message.response_status = http_status
    message.processed_at = timezone.now()
    extra = {}
    if errors:
        extra["errors"] = errors
    if result is not None:
        extra["result"] = result
    message.result = _summary(message, detail, **extra)
    message.error = (error_text if error_text is not None else
                     ("" if status == InboundMessage.Status.PROCESSED else _error_text(detail, errors)))[:ERROR_TEXT_LIMIT]
    message.save(update_fields=["status", "response_status", "processed_at", "result", "error"])


def _error_text(detail, errors):
    if not errors:
        return detail
    return detail + "：" + "；".join(f"{field}：{'，'.join(map(str, msgs))}" for field, msgs in errors.items())


def _flatten_errors(detail, prefix="", out=None) -> dict:
    """Nested serializer errors as flat dotted keys: {"hazard": {"items": [{}, {"code": [m]}]}} gives
    {"hazard.items.1.code": [m]} (list positions count from 0, as in the JSON sent)."""
    out = {} if out is None else out
    if isinstance(detail, dict):
        for key, value in detail.items():
            _flatten_errors(value, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(detail, list) and any(isinstance(v, (dict, list)) for v in detail):
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)):
                _flatten_errors(value, f"{prefix}.{index}" if prefix else str(index), out)
            else:
                out.setdefault(prefix or "non_field_errors", []).append(str(value))
    else:
        out.setdefault(prefix or "non_field_errors", []).extend(
            str(m) for m in (detail if isinstance(detail, list) else [detail]))
    return out


def _errors_of(exc) -> dict:
    """{field: [messages]} of a Django or DRF ValidationError (nested fields as dotted keys)."""
    if isinstance(exc, DRFValidationError):
        detail = exc.detail
        return _flatten_errors(detail if isinstance(detail, dict) else {"non_field_errors": detail})
    if hasattr(exc, "error_dict"):
        return {("non_field_errors" if k == "__all__" else k): list(v) for k, v in exc.message_dict.items()}
    return {"non_field_errors": list(exc.messages)}


def _client_context(user):
    """A request context acting as the client's service user, keeping the current request id and IP."""
    current = context.current()
    ctx = context.RequestContext(user=user)
    if current is not None:
        ctx.request_id, ctx.ip, ctx.user_agent = current.request_id, current.ip, current.user_agent
    return context.bind(ctx)


def process(message: InboundMessage) -> Outcome:
    """Validate the stored body and run the endpoint's handler as the client's service user.

    processed 200 | rejected 400 (not JSON, field errors) | failed 403 (the service user lacks the
    permission, or the handler raised PermissionDenied), 422 (the handler refused: ValidationError), 202 (the handler broke; kept for reprocessing).
    The handler's writes and the "processed" mark commit together; a failure leaves neither."""
    endpoint = get_endpoint(message.endpoint)
    message.attempts += 1
    message.save(update_fields=["attempts"])
    if endpoint is None:
        _finish(message, InboundMessage.Status.FAILED, 422, f"接口“{message.endpoint}”未注册")
        return _outcome(message)
    user = User.objects.select_related("organisation__region").get(pk=message.client.user_id)
    with _client_context(user):
        if not user.has_perms(endpoint.permissions):
            _finish(message, InboundMessage.Status.FAILED, 403, "接入账号没有调用该接口的权限",
                    errors={"permission": list(endpoint.permissions)})
            return _outcome(message)
        try:
            data = json.loads(message.body or "")
        except ValueError:
            _finish(message, InboundMessage.Status.REJECTED, 400, "报文不是有效的JSON")
            return _outcome(message)
        serializer = endpoint.serializer_class(data=data, context={"user": user, "message": message})
        if not serializer.is_valid():
            _finish(message, InboundMessage.Status.REJECTED, 400, "报文数据校验未通过",
                    errors=_errors_of(DRFValidationError(serializer.errors)))
            return _outcome(message)
        try:
            with transaction.atomic():
                result = endpoint.handler(message, serializer.validated_data, user)
                _finish(message, InboundMessage.Status.PROCESSED, 200, "处理成功", result=result or {})
        except (DjangoValidationError, DRFValidationError) as exc:
            _finish(message, InboundMessage.Status.FAILED, 422, "报文未能处理", errors=_errors_of(exc))
        except PermissionDenied as exc:
            _finish(message, InboundMessage.Status.FAILED, 403, str(exc) or "接入账号无权执行该操作")
        except Exception:  # a fault: keep the message and the traceback for the operators
            _finish(message, InboundMessage.Status.FAILED, 202, "报文已接收，处理出错，平台将重新处理，请勿重复发送",
                    error_text=traceback.format_exc())
    return _outcome(message)


def reprocess(message: InboundMessage, *, actor=None) -> Outcome:
    """Process a failed (or interrupted) message again, as its client's service user; one at a time."""
    with transaction.atomic():
        message = (InboundMessage.objects.select_for_update().select_related("client").get(pk=message.pk))
        if not message.can_reprocess:
            raise InterfaceError(f"报文状态为“{message.get_status_display()}”，不能重新处理")
        if not message.client.enabled or message.client.is_expired():
            raise InterfaceError("接入客户端已停用或已过期，不能重新处理其报文")
        before = message.status
        outcome = process(message)
    log_operation(REPROCESS_ACTION, user=actor, entrance="gov", message=message.pk, endpoint=message.endpoint,
                  before=before, after=outcome.message.status)
    return outcome
