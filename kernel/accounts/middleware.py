import time

from django.shortcuts import redirect
from django.urls import reverse

EXEMPT_SUFFIXES = ("/password/", "/logout/", "/login/")


class PasswordChangeRequiredMiddleware:
    """A user who must change the password (first login, reset) sees only the change page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(("/static/", "/api/", "/admin/logout/"))
            and not request.path.endswith(EXEMPT_SUFFIXES)
        ):
            entrance = request.session.get("entrance", "gov")
            return redirect(reverse(f"{entrance}:password_change") + "?first=1")
        return self.get_response(request)


class SessionTouchMiddleware:
    """Sliding idle timeout without a session write on every request.

    A signed-in session is saved (and its expiry pushed SESSION_COOKIE_AGE ahead) when it was
    last refreshed more than SESSION_TOUCH_SECONDS ago, so the idle timeout holds to within that
    margin while most requests write nothing. Must sit right after SessionMiddleware."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.interval = getattr(settings, "SESSION_TOUCH_SECONDS", 60)

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get("_auth_user_id"):
            now = int(time.time())
            if now - session.get("_touched", 0) >= self.interval:
                session["_touched"] = now
        return self.get_response(request)
