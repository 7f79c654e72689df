import re

from . import context

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


class RequestContextMiddleware:
    """Binds a RequestContext for the whole request and echoes the request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        ctx = context.RequestContext(
            ip=context.client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )
        if _REQUEST_ID_OK.match(incoming):
            ctx.request_id = incoming
        request.request_id = ctx.request_id
        with context.bind(ctx):
            response = self.get_response(request)
        response["X-Request-ID"] = ctx.request_id
        return response


class CurrentUserMiddleware:
    """Runs after authentication: lets the bound context reach request.user lazily."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ctx = context.current()
        if ctx is not None:
            ctx.request = request
        return self.get_response(request)
