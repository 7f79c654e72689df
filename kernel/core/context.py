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
    # Behind nginx the real address is the first X-Forwarded-For entry; only trusted
    # when the deployment says so (TRUST_X_FORWARDED_FOR), otherwise REMOTE_ADDR.
    from django.conf import settings

    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


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
