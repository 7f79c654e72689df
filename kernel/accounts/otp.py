"""SMS verification codes (短信验证码): send a 6-digit code to a phone for one purpose, check it once.

- A code is valid for OTP_TTL seconds (5 minutes) and for one successful check only.
- A phone gets a new code for the same purpose at most once every OTP_RESEND seconds (60) and at most
  OTP_DAILY times a day (10); the SMS goes through the kernel outbox (template verify_code).
- OTP_MAX_ATTEMPTS wrong entries (5) spend the code: the person must ask for a new one.
- Only an HMAC of (phone, purpose, code) is stored; the comparison is constant-time.
Errors are ValidationErrors keyed by field ("phone" or "code") with Chinese messages."""
import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from kernel.audit.services import log_operation

from .models import SmsCode


def _setting(name, default):
    return getattr(settings, name, default)


def send_code(phone, purpose, *, ip=None, now=None) -> SmsCode:
    """Queue a new code for `phone` and `purpose` (the SMS is sent after commit)."""
    from kernel.notify.services import PHONE, send_sms

    phone = (phone or "").strip()
    if not PHONE.match(phone):
        raise ValidationError({"phone": "请填写正确的11位手机号码"})
    now = now or timezone.now()
    ttl, resend, daily = _setting("OTP_TTL", 300), _setting("OTP_RESEND", 60), _setting("OTP_DAILY", 10)
    with transaction.atomic():
        _lock_phone(phone)  # parallel requests for one phone check the limits one after the other
        recent = SmsCode.objects.filter(phone=phone, created_at__gt=now - datetime.timedelta(days=1))
        last = recent.filter(purpose=purpose).order_by("-created_at").first()
        if last is not None and (now - last.created_at).total_seconds() < resend:
            wait = resend - int((now - last.created_at).total_seconds())
            raise ValidationError({"phone": f"验证码已发送，请{wait}秒后再获取"})
        if recent.count() >= daily:
            raise ValidationError({"phone": f"该手机号今日获取验证码已达{daily}次，请明天再试"})
        code = f"{secrets.randbelow(1_000_000):06d}"
        row = SmsCode.objects.create(phone=phone, purpose=purpose, code_hash=SmsCode.digest(phone, purpose, code),
                                     created_at=now, expires_at=now + datetime.timedelta(seconds=ttl), ip=ip)
        send_sms(phone, "verify_code", {"code": code, "minutes": ttl // 60}, key=f"otp:{row.pk}",
                 related=f"otp:{purpose}")
        log_operation("otp_sent", phone=phone[:3] + "****" + phone[-4:], purpose=purpose)
    return row


def _lock_phone(phone):
    """A transaction-scoped lock on the phone number: an advisory lock on PostgreSQL; SQLite serialises writers."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"otp:{phone}"])


def check_code(phone, purpose, code, *, now=None) -> SmsCode:
    """Spend the latest code of `phone` and `purpose` if `code` matches; raise a "code" error if not.
    The wrong-attempt count is committed before the error is raised, so call this outside an atomic
    block that the error would roll back."""
    phone, code = (phone or "").strip(), (code or "").strip()
    if not code:
        raise ValidationError({"code": "请填写短信验证码"})
    now = now or timezone.now()
    max_attempts = _setting("OTP_MAX_ATTEMPTS", 5)
    with transaction.atomic():
        row = (SmsCode.objects.select_for_update().filter(phone=phone, purpose=purpose, used_at__isnull=True)
               .order_by("-created_at").first())
        if row is None:
            raise ValidationError({"code": "请先获取短信验证码"})
        if row.expires_at <= now:
            raise ValidationError({"code": "验证码已过期，请重新获取"})
        if row.attempts >= max_attempts:
            raise ValidationError({"code": "验证码错误次数过多，请重新获取"})
        if not constant_time_compare(row.code_hash, SmsCode.digest(phone, purpose, code)):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            left = max_attempts - row.attempts
            error = ValidationError({"code": f"验证码错误，还可输入{left}次" if left else "验证码错误次数过多，请重新获取"})
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
            return row
    raise error
