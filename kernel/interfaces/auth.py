"""Signed requests from machine clients (DRF authentication).

A request carrying X-ZW-Key is checked in this order; the first failure refuses it with HTTP 401,
a Chinese `detail`, a machine-readable `code`, and an operation-log row (action "api_auth_failed"):

  1. all four headers present (X-ZW-Key, X-ZW-Timestamp, X-ZW-Nonce, X-ZW-Signature)
  2. the key exists, is enabled, not expired, and its service account is active
  3. the caller's IP is inside the client's allowed ranges (if any)
  4. the timestamp is within API_SIGNATURE_TOLERANCE seconds (300) of server time
  5. the nonce is 16-64 characters [A-Za-z0-9_-]
  6. the signature matches (constant-time) under the current secret, or under the previous secret
     during a rotation's grace period
  7. the nonce was not used by this key within the window: cache.add() is atomic on Redis and
     local memory, so of two identical requests exactly one passes. It runs after the signature check
     so that a forger cannot burn the nonces of genuine requests.

The authenticated request runs as the client's service user (request.user), with request.auth the
ApiClient, so every scope and permission rule applies as to a person.
"""
import re
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import escape_uri_path
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from kernel.audit.services import log_operation
from kernel.core import context

from . import client as signing
from .crypto import SecretUnavailable
from .models import ApiClient

AUTH_FAILED_ACTION = "api_auth_failed"
NONCE_RE = re.compile(r"^[A-Za-z0-9_\-]{16,64}$")
LAST_USED_EVERY = timedelta(seconds=60)

MESSAGES = {
    "missing_header": "缺少签名请求头：{header}",
    "unknown_key": "接入密钥无效",
    "disabled": "接入密钥已停用",
    "expired": "接入密钥已过期",
    "inactive_user": "接入账号已停用",
    "ip_denied": "请求来源IP（{ip}）不在允许范围内",
    "bad_timestamp": "时间戳格式错误（应为Unix秒数）",
    "stale": "请求已过期",
    "future": "请求时间超前（时间戳晚于服务器时间超过{tolerance}秒）",
    "bad_nonce": "随机串（X-ZW-Nonce）格式错误：应为16至64位字母、数字、下划线或连字符",
    "bad_signature": "签名错误",
    "replay": "重复的请求（nonce已使用）",
    "secret_unavailable": "接入密钥暂不可用，请联系平台管理员",
    "body_unreadable": "无法读取请求体",
}


def tolerance_seconds() -> int:
    return int(getattr(settings, "API_SIGNATURE_TOLERANCE", 300))


class SignatureRefused(exceptions.APIException):
    """401 with a WWW-Authenticate challenge, whatever authentication classes the view lists first
    (DRF turns AuthenticationFailed into 403 when the first class has no challenge)."""

    status_code = 401
    default_code = "signature_refused"
    auth_header = 'ZW-HMAC realm="api", algorithms="HMAC-SM3 HMAC-SHA256"'

    def __init__(self, code, message):
        super().__init__({"detail": message, "code": code})
        self.reason = code
        self.message = message


def nonce_cache_key(key_id: str, nonce: str) -> str:
    return f"zw:api-nonce:{key_id}:{nonce}"


class SignatureAuthentication(BaseAuthentication):
    """HMAC-signed requests of ApiClients. A request without X-ZW-Key is left to the other
    authentication classes (sessions, tokens)."""

    required = False

    def authenticate_header(self, request):
        return SignatureRefused.auth_header

    def authenticate(self, request):
        key_id = request.META.get("HTTP_X_ZW_KEY", "").strip()
        if not key_id:
            if self.required:
                raise self.refuse(request, "missing_header", key_id="", header=signing.HEADER_KEY)
            return None
        client = self.verify(request, key_id)
        self.touch(client, context.client_ip(request))
        return client.user, client

    # -- checks ----------------------------------------------------------------
    def verify(self, request, key_id: str) -> ApiClient:
        meta = request.META
        headers = {}
        for header in (signing.HEADER_TIMESTAMP, signing.HEADER_NONCE, signing.HEADER_SIGNATURE):
            value = meta.get("HTTP_" + header.upper().replace("-", "_"), "").strip()
            if not value:
                raise self.refuse(request, "missing_header", key_id=key_id, header=header)
            headers[header] = value

        client = (ApiClient.objects.select_related("user__organisation__region", "organisation")
                  .filter(key_id=key_id).first())
        if client is None:
            raise self.refuse(request, "unknown_key", key_id=key_id)
        now = timezone.now()
        if not client.enabled:
            raise self.refuse(request, "disabled", client=client)
        if client.is_expired(now):
            raise self.refuse(request, "expired", client=client)
        if not client.user.is_active:
            raise self.refuse(request, "inactive_user", client=client)
        ip = context.client_ip(request)
        if not client.ip_allowed(ip):
            raise self.refuse(request, "ip_denied", client=client, ip=ip or "未知")

        try:
            timestamp = int(headers[signing.HEADER_TIMESTAMP])
        except ValueError:
            raise self.refuse(request, "bad_timestamp", client=client) from None
        skew = now.timestamp() - timestamp
        tolerance = tolerance_seconds()
        if skew > tolerance:
            raise self.refuse(request, "stale", client=client, skew=int(skew))
        if skew < -tolerance:
            raise self.refuse(request, "future", client=client, skew=int(skew))

        nonce = headers[signing.HEADER_NONCE]
        if not NONCE_RE.match(nonce):
            raise self.refuse(request, "bad_nonce", client=client)

        try:
            body = request.body
        except RawPostDataException:
            raise self.refuse(request, "body_unreadable", client=client) from None
        text = signing.string_to_sign(request.method, escape_uri_path(request.path), meta.get("QUERY_STRING", ""),
                                      timestamp, nonce, body, client.algorithm)
        try:
            secrets = client.valid_secrets(now)
        except SecretUnavailable:
            raise self.refuse(request, "secret_unavailable", client=client) from None
        given = headers[signing.HEADER_SIGNATURE].lower()
        matched = False
        for secret in secrets:  # every candidate is checked: the time taken does not tell which matched
            matched |= constant_time_compare(signing.signature(secret, text, client.algorithm), given)
        if not matched:
            raise self.refuse(request, "bad_signature", client=client)

        if not cache.add(nonce_cache_key(key_id, nonce), 1, timeout=2 * tolerance):
            raise self.refuse(request, "replay", client=client, nonce=nonce)
        return client

    def touch(self, client, ip):
        """Record the last use, at most once a minute (an UPDATE that writes no audit row)."""
        now = timezone.now()
        if client.last_used_at is None or now - client.last_used_at > LAST_USED_EVERY or client.last_used_ip != ip:
            ApiClient.all_objects.filter(pk=client.pk).update(last_used_at=now, last_used_ip=ip)
            client.last_used_at, client.last_used_ip = now, ip

    def refuse(self, request, code, *, client=None, key_id=None, **params) -> SignatureRefused:
        """Log the refusal and return the exception to raise."""
        message = MESSAGES[code].format(tolerance=tolerance_seconds(), **params)
        user = client.user if client is not None else None
        log_operation(
            AUTH_FAILED_ACTION, user=user, username=user.username if user else (key_id or "")[:150],
            success=False, entrance="api", reason=code, message=message,
            key_id=client.key_id if client is not None else (key_id or "")[:64],
            method=request.method, path=request.path[:300], **params,
        )
        return SignatureRefused(code, message)


class SignatureRequired(SignatureAuthentication):
    """For machine-only endpoints: a request without a signature is refused the same way."""

    required = True
