"""Periodic work of the supervision database: the guarantee expiry reminder (保函到期提醒, seed §A3 (3)).

One calendar month before a guarantee (保险保函 / 银行保函) expires, the enterprise contact on the
guarantee gets the SMS labor_guarantee_expiring through the kernel SMS outbox, and the reminder library
(GuaranteeReminder, which inspectors query and export) gets a row. "One month before" is the calendar
month: a guarantee valid until 30 April is reminded from 30 March, one valid until 31 March from 28
(29) February. A guarantee is reminded once per expiry date: the row is unique per (guarantee,
valid_until) and is written before the SMS is queued, so running the job twice, or two workers at
once, sends one SMS; a renewal that moves valid_until is reminded again a month before the new date.
A day the job did not run is caught up the next day (any guarantee not yet reminded whose reminder day
has come and which has not expired). Guarantees already succeeded by a later one of the same enterprise
and project, and those of completed projects, are not reminded (as in the expiry warning rule).

Run daily: the Celery task labor.guarantee_reminders (tasks.py), or `manage.py labor_scan --reminders`."""
import datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from kernel.notify import services as notify

from .models import Guarantee, GuaranteeReminder

TEMPLATE = "labor_guarantee_expiring"
LONGEST_MONTH = 31


def remind_on(valid_until: datetime.date) -> datetime.date:
    """The reminder day: one calendar month before expiry (clamped to the month's end)."""
    return valid_until - relativedelta(months=1)


def candidates(today):
    """Guarantees whose reminder day may have come and which have not been reminded for their current expiry:
    one query; the exact calendar-month test is then made on this small set."""
    reminded = GuaranteeReminder.objects.filter(guarantee=OuterRef("pk"), valid_until=OuterRef("valid_until"))
    renewed = (Guarantee.objects.filter(enterprise=OuterRef("enterprise_id"), valid_until__gt=OuterRef("valid_until"))
               .annotate(_p=Coalesce("project_id", Value(0))).filter(_p=Coalesce(OuterRef("project_id"), Value(0))))
    return (Guarantee.objects.filter(valid_until__gte=today,
                                     valid_until__lte=today + datetime.timedelta(days=LONGEST_MONTH))
            .exclude(Exists(reminded)).exclude(Exists(renewed)).exclude(project__status="completed")
            .select_related("enterprise", "region").order_by("valid_until", "pk"))


def remind(guarantee, today=None):
    """Remind one guarantee (if its reminder day has come and nobody has yet): returns the reminder or None."""
    today = today or timezone.localdate()
    if not (remind_on(guarantee.valid_until) <= today <= guarantee.valid_until):
        return None
    phone = (guarantee.contact_phone or "").strip()
    with transaction.atomic():
        try:
            with transaction.atomic():
                reminder = GuaranteeReminder.objects.create(guarantee=guarantee, valid_until=guarantee.valid_until,
                                                            phone=phone[:20], note="到期前1个月短信提醒")
        except IntegrityError:
            return None  # reminded already (another run got there first)
        params = {"enterprise": guarantee.enterprise.name, "kind": guarantee.get_kind_display(),
                  "no": guarantee.guarantee_no, "valid_until": f"{guarantee.valid_until:%Y年%m月%d日}"}
        try:
            reminder.sms = notify.send_sms(
                phone, TEMPLATE, params, key=f"labor:guarantee:{guarantee.pk}:{guarantee.valid_until:%Y%m%d}",
                region=guarantee.region, related=f"labor_monitoring.guarantee:{guarantee.pk}")
        except ValidationError as exc:  # no valid mobile number on the guarantee: the library says so
            reminder.note = f"未发送短信：{'；'.join(exc.messages)}"[:200]
        reminder.save(update_fields=["sms", "note"])
    return reminder


def guarantee_reminders(today=None) -> dict:
    """The daily job: remind every guarantee whose reminder day has come. Returns counts."""
    today = today or timezone.localdate()
    reminded = sent = 0
    for guarantee in candidates(today).iterator(chunk_size=500):
        reminder = remind(guarantee, today)
        if reminder is not None:
            reminded += 1
            sent += reminder.sms_id is not None
    return {"reminded": reminded, "sms": sent, "no_phone": reminded - sent}
