"""Per-request context (user, IP, request id) kept in contextvars.

Audit rows read it so that services need not pass the request around.
Context variables are safe under threads and asyncio alike.
"""
import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class RequestContext:
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    ip: str | None = None
    user: object | None = None
    user_agent: str = ""
    request: object | None = None
    # Values looked up once per request (dictionary tables, table versions); see memo().
    memo: dict = field(default_factory=dict)


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("zw_request_context", default=None)


def current() -> RequestContext | None:
    return _current.get()


def current_user():
    ctx = _current.get()
    if ctx is None:
        return None
    user = ctx.user
    if user is None and ctx.request is not None:
        user = getattr(ctx.request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    return None


@contextmanager
def bind(ctx: RequestContext):
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


@contextmanager
def acting_as(user, ip=None):
    """Run code (a management command, a task) as a given user, for the audit trail."""
    ctx = RequestContext(ip=ip, user=user)
    with bind(ctx):
        yield ctx


def client_ip(request) -> str | None:
    """The caller's address. Behind TRUSTED_PROXIES reverse proxies (nginx appends the address it
    saw to X-Forwarded-For), the real client is that many entries from the right: entries further
    left are written by the client itself and never trusted. Without proxies: REMOTE_ADDR."""
    import ipaddress

    from django.conf import settings

    proxies = int(getattr(settings, "TRUSTED_PROXIES", 0) or 0)
    remote = request.META.get("REMOTE_ADDR")
    if proxies > 0:
        entries = [e.strip() for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
        if len(entries) >= proxies:
            candidate = entries[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                return remote
    return remote


def memo(key, compute):
    """Return compute() once per request for this key (outside a request: every call)."""
    ctx = _current.get()
    if ctx is None:
        return compute()
    try:
        return ctx.memo[key]
    except KeyError:
        value = ctx.memo[key] = compute()
        return value
