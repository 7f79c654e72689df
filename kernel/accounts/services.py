"""Login policy and account operations. Views call these; they own the state changes."""
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.authtoken.models import Token

from kernel.audit.services import log_operation

from .models import User

# Which kinds of user may sign in at which entrance.
ENTRANCE_KINDS = {
    "gov": {User.Kind.STAFF},
    "ent": {User.Kind.ENTERPRISE, User.Kind.INSTITUTION},
    "m": {User.Kind.CITIZEN, User.Kind.STAFF, User.Kind.ENTERPRISE, User.Kind.INSTITUTION},
    "api": {User.Kind.CITIZEN, User.Kind.STAFF, User.Kind.ENTERPRISE, User.Kind.INSTITUTION},
}
GENERIC_FAILURE = "账号或密码错误"


@dataclass
class LoginResult:
    user: User | None
    error: str = ""


def _lockout_minutes():
    return getattr(settings, "LOGIN_LOCKOUT_MINUTES", 15)


def _max_failures():
    return getattr(settings, "LOGIN_MAX_FAILURES", 5)


def attempt_login(request, username: str, password: str, entrance: str) -> LoginResult:
    """Check credentials under the login policy and open a session."""
    result = check_credentials(request, username, password, entrance)
    if result.user is not None:
        with transaction.atomic():
            login(request, result.user)
            request.session["entrance"] = entrance
            log_operation("login", user=result.user, username=result.user.username, entrance=entrance)
    return result


def issue_token(request, username: str, password: str) -> tuple[LoginResult, str | None]:
    """API login under the same policy (lockout included); returns a DRF token."""
    result = check_credentials(request, username, password, "api")
    if result.user is None:
        return result, None
    token, _ = Token.objects.get_or_create(user=result.user)
    log_operation("login", user=result.user, username=result.user.username, entrance="api")
    return result, token.key


def check_credentials(request, username: str, password: str, entrance: str) -> LoginResult:
    username = (username or "").strip()
    if not username or not password:
        return LoginResult(None, "请输入账号和密码")
    account = User.objects.filter(username=username).first()
    now = timezone.now()
    if account is not None and account.is_locked(now):
        minutes = max(1, int((account.locked_until - now).total_seconds() // 60) + 1)
        log_operation("login_failed", user=account, username=username, success=False, entrance=entrance, reason="locked")
        return LoginResult(None, f"账号已锁定，请{minutes}分钟后再试")

    user = authenticate(request, username=username, password=password)
    if user is None:
        if account is None:
            log_operation("login_failed", username=username, success=False, entrance=entrance, reason="unknown_user")
            return LoginResult(None, GENERIC_FAILURE)
        return _record_failure(account, entrance, now)

    if user.kind not in ENTRANCE_KINDS.get(entrance, set()) and not user.is_superuser:
        log_operation("login_failed", user=user, username=username, success=False, entrance=entrance, reason="wrong_entrance")
        return LoginResult(None, f"该账号不能从此入口登录，请使用{_entrance_label(user)}")

    if user.failed_logins or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        user.failed_logins, user.locked_until = 0, None
    return LoginResult(user)


def _record_failure(account, entrance, now) -> LoginResult:
    with transaction.atomic():
        User.objects.filter(pk=account.pk).update(failed_logins=F("failed_logins") + 1)
        account.refresh_from_db(fields=["failed_logins"])
        log_operation("login_failed", user=account, username=account.username, success=False, entrance=entrance,
                      reason="bad_password", failures=account.failed_logins)
        if account.failed_logins >= _max_failures():
            until = now + timedelta(minutes=_lockout_minutes())
            User.objects.filter(pk=account.pk).update(locked_until=until, failed_logins=0)
            log_operation("locked", user=account, username=account.username, success=False, entrance=entrance,
                          until=until.isoformat())
            return LoginResult(None, f"密码连续错误{_max_failures()}次，账号已锁定{_lockout_minutes()}分钟")
    left = _max_failures() - account.failed_logins
    return LoginResult(None, f"{GENERIC_FAILURE}，再错{left}次将锁定账号")


def _entrance_label(user):
    return {"staff": "政务端（/gov/）", "enterprise": "企业端（/ent/）", "institution": "企业端（/ent/）",
            "citizen": "移动端（/m/）"}.get(user.kind, "对应入口")


def sign_out(request):
    user = request.user if request.user.is_authenticated else None
    if user is not None:
        log_operation("logout", user=user, entrance=request.session.get("entrance", ""))
    logout(request)


def change_password(request, user, old_password: str, new_password: str) -> dict:
    """Returns field errors {field: [messages]}; empty when the password was changed."""
    errors = {}
    if not user.check_password(old_password):
        errors["old_password"] = ["原密码不正确"]
    if old_password and old_password == new_password:
        errors.setdefault("new_password", []).append("新密码不能与原密码相同")
    try:
        validate_password(new_password, user)
    except Exception as exc:  # ValidationError with a list of messages
        errors.setdefault("new_password", []).extend(getattr(exc, "messages", [str(exc)]))
    if errors:
        return errors
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "must_change_password", "password_changed_at"])
        update_session_auth_hash(request, user)
        log_operation("password_change", user=user)
    return {}


def password_help():
    from django.contrib.auth.password_validation import password_validators_help_texts

    return password_validators_help_texts()


def logout_everywhere(request, user):
    """End every session and API token of the user, then this one."""
    with transaction.atomic():
        user.rotate_session_salt()
        user.save(update_fields=["session_salt"])
        Token.objects.filter(user=user).delete()
        log_operation("logout_all", user=user)
    logout(request)


def create_user(*, username, password, kind, organisation=None, roles=(), real_name="", phone="",
                id_number="", must_change_password=True, is_superuser=False, validate=True):
    """Create a user through the same rules as the admin (model clean + password rules)."""
    user = User(username=username, kind=kind, organisation=organisation, real_name=real_name, phone=phone,
                id_number=id_number, must_change_password=must_change_password, is_superuser=is_superuser,
                is_staff=is_superuser)
    if validate:
        user.full_clean(exclude=["password"])
        validate_password(password, user)
    user.set_password(password)
    user.save()
    if roles:
        user.roles.set(roles)
    return user
