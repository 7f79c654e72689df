"""Sending in-app messages and SMS. send_sms() only writes the outbox row; delivery happens in a
background task after commit (Celery, or in-process without a broker), with retries and per-phone
rate limits, so a failed send is retried and never lost, and a message is sent once."""
import datetime
import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import InAppMessage, ReceiptCursor, SmsMessage, SmsTemplate

PHONE = re.compile(r"^1[3-9]\d{9}$")


def gateway():
    from integrations.sms.gateway import HttpSmsGateway

    return HttpSmsGateway()


def send_sms(phone, template_code, params, *, key=None, region=None, related="", user=None) -> SmsMessage:
    """Queue an SMS from a template. The same `key` never queues a second message."""
    phone = (phone or "").strip()
    if not PHONE.match(phone):
        raise ValidationError({"phone": "手机号码格式错误：%(p)s" % {"p": phone or "空"}})
    template = SmsTemplate.objects.filter(code=template_code, enabled=True).first()
    if template is None:
        raise ValidationError({"template": f"短信模板“{template_code}”不存在或已停用"})
    content = f"【{settings.SMS_SIGN_NAME}】" + template.render(params)
    params = {k: str(v) for k, v in params.items()}
    message, created = SmsMessage.objects.get_or_create(
        idempotency_key=key or uuid.uuid4().hex,
        defaults=dict(phone=phone, template=template, params=params, content=content, region=region,
                      related=related[:100], created_by=user if getattr(user, "pk", None) else None),
    )
    if created:
        from .tasks import deliver_sms

        transaction.on_commit(lambda: deliver_sms.delay(message.pk))
    return message


def _rate_limited_until(phone, now):
    """When the phone may receive the next SMS under SMS_RATE_LIMITS, or None if it may now."""
    later = None
    for seconds, limit in settings.SMS_RATE_LIMITS:
        since = now - datetime.timedelta(seconds=seconds)
        sent = list(SmsMessage.objects.filter(phone=phone, sent_at__gt=since).order_by("sent_at")
                    .values_list("sent_at", flat=True)[:limit])
        if len(sent) >= limit:
            free_at = sent[0] + datetime.timedelta(seconds=seconds)
            later = max(later, free_at) if later else free_at
    return later


LEASE = datetime.timedelta(minutes=2)


def deliver(message_id, now=None) -> SmsMessage | None:
    """Try to hand one due message to the platform; on failure schedule a retry or give up.

    The row is claimed with a short lease (its next attempt moved 2 minutes ahead) in its own
    transaction, the platform is called with no database lock held, and the outcome is recorded
    in a second transaction. A worker that dies mid-call leaves the row due again after the lease;
    the idempotency key makes the platform answer a repeat with the first result, so the
    message still goes out once."""
    now = now or timezone.now()
    with transaction.atomic():
        msg = (SmsMessage.objects.select_for_update(skip_locked=True)
               .filter(pk=message_id, status=SmsMessage.Status.PENDING, next_attempt_at__lte=now).first())
        if msg is None:
            return None
        until = _rate_limited_until(msg.phone, now)
        if until is not None:
            msg.next_attempt_at = until
            msg.last_error = "发送频率超过限制，已延后发送"
            msg.save(update_fields=["next_attempt_at", "last_error"])
            return msg
        msg.attempts += 1
        # the lease runs from the claim itself: a batch given one `now` may reach this message minutes later
        msg.next_attempt_at = max(now, timezone.now()) + LEASE
        msg.save(update_fields=["attempts", "next_attempt_at"])

    from integrations.sms.gateway import GatewayError

    gw = gateway()
    error, message_id_at_gateway = None, ""
    try:
        message_id_at_gateway = gw.send(phone=msg.phone, content=msg.content, template_code=msg.template.code,
                                        params=msg.params, idempotency_key=msg.idempotency_key)
    except GatewayError as exc:
        error = exc

    with transaction.atomic():
        msg = SmsMessage.objects.select_for_update().get(pk=msg.pk)
        msg.gateway = gw.name
        if error is None:
            msg.status, msg.sent_at, msg.last_error = SmsMessage.Status.SENT, max(now, timezone.now()), ""
            msg.gateway_message_id = message_id_at_gateway
        else:
            msg.last_error = str(error)[:300]
            if not error.temporary or msg.attempts >= settings.SMS_MAX_ATTEMPTS:
                msg.status = SmsMessage.Status.FAILED
            else:
                delays = settings.SMS_RETRY_SECONDS
                msg.next_attempt_at = now + datetime.timedelta(seconds=delays[min(msg.attempts, len(delays)) - 1])
        msg.save()
    return msg


def process_outbox(limit=500, now=None) -> int:
    """Deliver every due message (the scheduled task that drives retries)."""
    now = now or timezone.now()
    ids = list(SmsMessage.objects.filter(status=SmsMessage.Status.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in ids if deliver(pk, now) is not None)


def poll_receipts() -> int:
    """Read delivery receipts from the platform and record them on the outbox rows."""
    gw = gateway()
    with transaction.atomic():
        cursor, _ = ReceiptCursor.objects.select_for_update().get_or_create(gateway=gw.name)
        receipts = gw.receipts(cursor.last_id)
        for r in receipts:
            if r.delivered:
                SmsMessage.objects.filter(gateway_message_id=r.message_id).update(
                    status=SmsMessage.Status.DELIVERED, delivered_at=timezone.now())
            else:
                SmsMessage.objects.filter(gateway_message_id=r.message_id).update(
                    status=SmsMessage.Status.UNDELIVERED, last_error=r.error[:300])
        if receipts:
            cursor.last_id = receipts[-1].id
            cursor.save(update_fields=["last_id"])
    return len(receipts)


@transaction.atomic
def resend(message: SmsMessage, user) -> SmsMessage:
    """Staff resend of a failed message: a new outbox row (the old one stays as it was)."""
    if message.status not in (SmsMessage.Status.FAILED, SmsMessage.Status.UNDELIVERED):
        raise ValidationError("只能重新发送失败或未送达的短信")
    return send_sms(message.phone, message.template.code, message.params, region=message.region,
                    related=message.related, user=user, key=f"{message.idempotency_key}:resend:{uuid.uuid4().hex[:8]}")


def notify(user, title, *, body="", url="", sms_template=None, sms_params=None, key=None, region=None, related=""):
    """An in-app message to a user, and an SMS to their phone when a template is given; a `key` used
    before for this user writes neither again."""
    if key:
        _, created = InAppMessage.objects.get_or_create(recipient=user, key=key[:100],
                                                        defaults=dict(title=title[:200], body=body, url=url))
        if not created:
            return
    else:
        InAppMessage.objects.create(recipient=user, title=title[:200], body=body, url=url)
    if sms_template and user.phone:
        send_sms(user.phone, sms_template, sms_params or {}, key=key, region=region or user.region, related=related)


def notify_many(notices) -> int:
    """notify() for many people at once (a warning scan raising thousands of levels): in-app messages
    and SMS outbox rows are written in batches, a key already queued is skipped, and the scheduled
    outbox run delivers them (one run is started after commit). Each notice is a dict with the
    arguments of notify(): user, title, and optionally body, url, sms_template, sms_params, key,
    region, related. Returns the number of SMS queued."""
    notices = list(notices)
    if not notices:
        return 0
    # a key already used (or repeated in this batch) is the same notice again: nothing more is written
    keys = [n["key"] for n in notices if n.get("key")]
    seen = set(InAppMessage.objects.filter(key__in=keys).values_list("key", flat=True)) | set(
        SmsMessage.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    fresh = []
    for n in notices:
        if n.get("key"):
            if n["key"] in seen:
                continue
            seen.add(n["key"])
        fresh.append(n)
    notices = fresh
    InAppMessage.objects.bulk_create(
        [InAppMessage(recipient=n["user"], title=n["title"][:200], body=n.get("body", ""), url=n.get("url", ""),
                      key=(n.get("key") or "")[:100]) for n in notices], batch_size=1000, ignore_conflicts=True)
    templates = {t.code: t for t in SmsTemplate.objects.filter(
        code__in={n["sms_template"] for n in notices if n.get("sms_template")}, enabled=True)}
    rows = []
    for n in notices:
        template = templates.get(n.get("sms_template"))
        phone = (n["user"].phone or "").strip()
        if template is None or not PHONE.match(phone):
            continue
        params = n.get("sms_params") or {}
        rows.append(SmsMessage(
            idempotency_key=n.get("key") or uuid.uuid4().hex, phone=phone, template=template,
            params={k: str(v) for k, v in params.items()},
            content=f"【{settings.SMS_SIGN_NAME}】" + template.render(params),
            region=n.get("region") or n["user"].region, related=(n.get("related") or "")[:100]))
    SmsMessage.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)  # a racing twin is skipped
    if rows:
        from .tasks import process_outbox as run_outbox

        transaction.on_commit(run_outbox.delay)
    return len(rows)


def unread_count(user) -> int:
    return InAppMessage.objects.filter(recipient=user, read_at__isnull=True).count()


def record_as_history(since, days_ago=2):
    """Demo data: the SMS queued since `since` become history, sent `days_ago` days ago (gateway "demo"), so
    that they neither reach the SMS platform now nor use up today's per-phone limits of the demo phones."""
    import datetime

    then = timezone.now() - datetime.timedelta(days=days_ago)
    seeded = SmsMessage.objects.filter(created_at__gte=since)
    seeded.filter(status=SmsMessage.Status.PENDING).update(status=SmsMessage.Status.SENT, gateway="demo",
                                                           last_error="")
    return seeded.update(sent_at=then, created_at=then, next_attempt_at=then)
