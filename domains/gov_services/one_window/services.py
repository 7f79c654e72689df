"""Business operations of the one-window system: the only place that changes its records' state.
(Each part adds its operations here in a section of its own.)"""
from django.utils import timezone

from kernel.calendar.services import add_working_days


def set_due_dates(case):
    """承诺办结日期 and 法定办结日期: the matter's limits in working days from the acceptance day."""
    start = timezone.localtime(case.accepted_at).date() if case.accepted_at else None  # the Beijing day
    if start is None:
        return
    case.promised_due = add_working_days(start, case.matter.promised_days)
    case.statutory_due = add_working_days(start, case.matter.statutory_days)


# == catalogue ==
# The matters catalogue (事项目录): editing a matter changes its draft (the Matter row and its materials);
# publishing freezes the draft as a MatterVersion snapshot (version = previous + 1), which is what the
# public guide shows and what a case keeps. Materials and versions are plain models: their writes get
# change rows here (kernel.audit.services.record_change), the Matter's own saves are audited by the kernel.
GUIDE_FIELDS = ("code", "name", "category", "statutory_days", "promised_days", "contact_phone",
                "supervision_phone", "fee_basis", "fee_standard", "location", "conditions", "legal_basis",
                "process_steps", "online", "bookable")
MATERIAL_FIELDS = ("name", "required", "original", "copies", "licence_type", "note", "order")


def matter_guide(matter):
    """The guide (办事指南) of a matter's current draft as JSON: what a published version freezes."""
    from .models import Category

    data = {f: getattr(matter, f) for f in GUIDE_FIELDS}
    data["category_label"] = Category(matter.category).label if matter.category in Category.values else ""
    data["department"] = matter.department.name if matter.department_id else ""
    data["department_id"] = matter.department_id
    data["region_id"] = matter.region_id
    data["materials"] = [{"id": m.pk, **{f: getattr(m, f) for f in MATERIAL_FIELDS}}
                         for m in matter.materials.order_by("order", "id")]
    return data


def published_guide(matter):
    """The snapshot of the matter's current published version (None if it was never published)."""
    if not matter.version:
        return None
    row = matter.versions.filter(version=matter.version).first()
    return row.snapshot if row else None


def has_unpublished_changes(matter):
    guide = published_guide(matter)
    return guide is None or guide != _jsonable_guide(matter_guide(matter))


def _jsonable_guide(data):
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _audit_row(instance, action, before, after):
    from kernel.audit.services import record_change

    record_change(instance, action, before, after)


def save_matter(form, formset):
    """Save a valid matter form and its material formset (the draft) in one transaction; each material
    written or removed leaves a change row."""
    from django.db import transaction

    from kernel.audit.models import ChangeLog
    from kernel.audit.services import snapshot

    with transaction.atomic():
        matter = form.save()
        formset.instance = matter
        before = {m.pk: snapshot(m) for m in matter.materials.all()}
        removed = [(f.instance, f.instance.pk) for f in formset.deleted_forms if f.instance.pk]
        saved = formset.save()
        for material in saved:
            action = ChangeLog.Action.UPDATE if material.pk in before else ChangeLog.Action.CREATE
            _audit_row(material, action, before.get(material.pk), snapshot(material))
        for material, pk in removed:
            material.pk = pk  # Django clears the key on delete; the change row names the removed row
            _audit_row(material, ChangeLog.Action.DELETE, before.get(pk), None)
            material.pk = None
    return matter


def publish_matter(matter, user, note=""):
    """发布: freeze the draft as version N+1 and make it the matter's current published version.
    Refused (ValidationError, in Chinese) without materials or with promised > statutory days."""
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.db.models import Max

    from kernel.audit.models import ChangeLog
    from kernel.audit.services import snapshot

    from .models import Matter, MatterVersion

    given = matter
    with transaction.atomic():
        matter = Matter.objects.select_for_update().get(pk=matter.pk)
        if not matter.materials.exists():
            raise ValidationError("事项至少要有一项办理材料才能发布")
        if matter.promised_days > matter.statutory_days:
            raise ValidationError("承诺期限不能超过法定期限")
        last = matter.versions.aggregate(n=Max("version"))["n"] or 0
        version = MatterVersion.objects.create(matter=matter, version=last + 1, published_by=user,
                                               note=(note or "")[:300],
                                               snapshot=_jsonable_guide(matter_guide(matter)))
        _audit_row(version, ChangeLog.Action.CREATE, None, snapshot(version))
        matter.version = version.version
        matter.status = Matter.Status.PUBLISHED
        matter.save()
    given.version, given.status = matter.version, matter.status  # the caller's copy is not stale
    return version


def retire_matter(matter, user):
    """停用: the matter leaves the public catalogue; its versions (and cases) stay."""
    from django.core.exceptions import ValidationError

    from .models import Matter

    if matter.status == Matter.Status.RETIRED:
        raise ValidationError("该事项已停用")
    matter.status = Matter.Status.RETIRED
    matter.save()
    return matter


# == acceptance ==
# 综合受理: the window clerk registers an application (受理登记) with the materials checked and digitised; the
# case is created directly in state "accepted" with its due dates, and the applicant is told by SMS.
CASE_MATERIAL_PURPOSE = "gs_case_material"


def version_materials(matter):
    """The materials of the matter's current published version: [{"id", "name", "required", "original", "note"}].

    Read from the version snapshot's "materials" list where it has one; otherwise the matter's own list."""
    from .models import MatterVersion

    version = MatterVersion.objects.filter(matter=matter, version=matter.version).first()
    items = (version.snapshot or {}).get("materials") if version and isinstance(version.snapshot, dict) else None
    if items:
        known = dict(matter.materials.values_list("pk", "name"))
        by_name = {name: pk for pk, name in reversed(list(known.items()))}
        out = []
        for i, item in enumerate(items):  # the snapshot names its materials; link them to the live rows
            pk = item.get("id") if item.get("id") in known else by_name.get(item.get("name"))
            out.append({"key": f"v{i}", "id": pk, "name": item.get("name", ""), "required": bool(item.get("required", True)),
                        "original": bool(item.get("original", False)), "note": item.get("note", "")})
        return out
    return [{"key": f"m{m.pk}", "id": m.pk, "name": m.name, "required": m.required, "original": m.original,
             "note": m.note} for m in matter.materials.all()]


def acceptance_windows(user, category=None):
    """The active windows the user may accept at (of a category, if given); filtered in Python (JSON lists)."""
    from .models import Window

    windows = Window.objects.visible_to(user).filter(active=True).select_related("centre", "region")
    return [w for w in windows if category is None or category in (w.categories or [])]


def _case_number(case, day):
    from .models import Case

    case.no = f"SB{day:%Y%m%d}{case.pk:06d}"
    Case.all_objects.filter(pk=case.pk).update(no=case.no)


def register_case(user, *, matter, window, applicant_name, applicant_phone, applicant_id_number="",
                  applicant_org=None, delivery="pickup", appointment_no="", materials=(), accepted_at=None):
    """受理登记 at the window. `materials`: [{"key", "checked", "original_seen", "file"}] for the items of
    version_materials(matter). Raises ValidationError (Chinese, by field) and saves nothing on bad input.
    Returns the case in state 已受理 with its 申报号, due dates, materials and attachments."""
    import uuid

    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import transaction
    from django.utils import timezone

    from kernel.files import services as files
    from kernel.notify.services import send_sms
    from kernel.org.validators import validate_id_number

    from .models import Appointment, Case, CaseMaterial, Matter

    if not (user.has_perm("gs_window.accept_case") and user.has_perm("gs_window.add_case")):
        raise PermissionDenied("您没有窗口受理的权限")
    errors = {}
    if not Matter.objects.visible_to(user).filter(pk=matter.pk, status=Matter.Status.PUBLISHED).exists():
        errors["matter"] = ["请选择已发布的事项"]
    if window is None or window.pk not in {w.pk for w in acceptance_windows(user, matter.category)}:
        errors["window"] = ["请选择受理该分类事项的窗口"]
    applicant_name = (applicant_name or "").strip()
    applicant_phone = (applicant_phone or "").strip()
    applicant_id_number = (applicant_id_number or "").strip().upper()
    if not applicant_name:
        errors["applicant_name"] = ["请填写申请人"]
    if not applicant_phone:
        errors["applicant_phone"] = ["请填写联系电话"]
    elif not (applicant_phone.isdigit() and len(applicant_phone) == 11 and applicant_phone.startswith("1")):
        errors["applicant_phone"] = ["手机号码应为11位数字"]
    if applicant_org is None or applicant_id_number:  # an enterprise's agent's ID, when given, is checked too
        try:
            validate_id_number(applicant_id_number)
        except ValidationError as exc:
            errors["applicant_id_number"] = exc.messages
    if delivery not in Case.Delivery.values:
        errors["delivery"] = ["请选择取件方式"]
    appointment = None
    appointment_no = (appointment_no or "").strip()
    if appointment_no:
        appointment = Appointment.objects.visible_to(user).filter(no=appointment_no, status="booked").first()
        if appointment is None:
            errors["appointment_no"] = ["预约编号不存在、不属于本中心或已使用/取消"]
        elif appointment.matter_id != matter.pk:
            errors["appointment_no"] = ["该预约办理的不是所选事项"]
    given = {m["key"]: m for m in materials}
    rows = []
    for item in version_materials(matter):
        got = given.get(item["key"], {})
        checked, seen, file = bool(got.get("checked")), bool(got.get("original_seen")), got.get("file")
        if item["required"]:
            problems = []
            if not checked:
                problems.append("请核验")
            if item["original"] and not seen:
                problems.append("请查验原件")
            if not file:
                problems.append("请上传扫描件或照片")
            if problems:
                errors[f"material_{item['key']}"] = [f"必须提供的材料“{item['name']}”：{'，'.join(problems)}"]
        if checked or file:
            rows.append((item, checked, seen, file))
    if errors:
        raise ValidationError(errors)

    now = accepted_at or timezone.now()
    with transaction.atomic():
        if appointment is not None:  # claim the appointment once, even when two clerks enter the same number
            if not Appointment.objects.filter(pk=appointment.pk, status="booked").update(status="arrived"):
                raise ValidationError({"appointment_no": ["该预约已被受理"]})
        case = Case(no="tmp" + uuid.uuid4().hex[:24], matter=matter, matter_version=matter.version,
                    region=window.region, window=window, appointment=appointment,
                    channel=Case.Channel.APPOINTMENT if appointment else Case.Channel.WINDOW, status="accepted",
                    applicant_name=applicant_name, applicant_id_number=applicant_id_number,
                    applicant_phone=applicant_phone, applicant_org=applicant_org,
                    applicant_user=appointment.applicant if appointment else None,
                    accepted_at=now, accepted_by=user, delivery=delivery, created_by=user)
        set_due_dates(case)
        case.save()
        _case_number(case, timezone.localtime(now).date())
        for item, checked, seen, file in rows:
            attachment = files.store(case, file, CASE_MATERIAL_PURPOSE, user, caller_checked=True) if file else None
            CaseMaterial.objects.create(case=case, material_id=item["id"], name=item["name"], attachment=attachment,
                                        checked=checked, original_seen=seen)
        send_sms(applicant_phone, "gs_case_accepted",
                 {"matter": matter.name, "no": case.no, "due": f"{case.promised_due:%Y-%m-%d}"},
                 key=f"gs_case_accepted:{case.pk}", region=case.region, related=case.no, user=user)
    return case


def backdate_acceptance(case, accepted_at):
    """Move a case's acceptance time (demo data and tests) and recompute its due dates."""
    from .models import Case

    case.accepted_at = accepted_at
    set_due_dates(case)
    Case.all_objects.filter(pk=case.pk).update(accepted_at=case.accepted_at, promised_due=case.promised_due,
                                               statutory_due=case.statutory_due)
    return case


def working_days_left(due, today=None):
    """Working days from today to the due date (0 on the day, negative once past)."""
    from django.utils import timezone

    from kernel.calendar.services import working_days_between

    if due is None:
        return None
    today = today or timezone.localdate()
    return working_days_between(today, due) if due >= today else -working_days_between(due, today)


# == appointments ==
# Online appointments (线上预约, seed 002 §2.4.1): the centre opens slots for its windows; a citizen books
# a free place of a window that takes the matter's category and gets an appointment number (预约编号).
# A slot's `booked` moves only by conditional UPDATEs (booked < capacity / booked > 0), so concurrent
# bookings never exceed the capacity and a place is never freed twice.
import datetime as _dt  # noqa: E402
import uuid as _uuid  # noqa: E402

from django.core.exceptions import ValidationError as _ValidationError  # noqa: E402
from django.db import transaction as _transaction  # noqa: E402
from django.db.models import F as _F  # noqa: E402
from django.utils import timezone as _tz  # noqa: E402

from kernel.calendar.services import is_working_day as _is_working_day  # noqa: E402

APPOINTMENT_PERIODS = [("09:00", "10:00"), ("10:00", "11:00"), ("11:00", "12:00"),
                       ("14:30", "15:30"), ("15:30", "16:30"), ("16:30", "17:30")]
BOOKING_DAYS = 14  # a citizen books within the next 14 days
MAX_OPEN_DAYS = 92
FULL = "该时段已约满，请选择其他时段"


def _parse_time(value):
    if isinstance(value, _dt.time):
        return value
    return _dt.datetime.strptime(str(value).strip(), "%H:%M").time()


def slot_start(slot):
    """The moment a slot starts (aware, in the platform's time zone)."""
    return _tz.make_aware(_dt.datetime.combine(slot.date, slot.start))


def open_slots(window, date_from, date_to, periods, capacity, user):
    """Create the slots of `window` for every working day in [date_from, date_to] and each period
    ("09:00", "10:00"); slots that exist already are kept as they are. Returns how many were created."""
    from kernel.audit.services import log_operation

    from .models import Slot

    errors = {}
    if date_from is None or date_to is None or date_to < date_from:
        errors["date_to"] = "结束日期不能早于开始日期"
    elif (date_to - date_from).days >= MAX_OPEN_DAYS:
        errors["date_to"] = f"一次最多开放{MAX_OPEN_DAYS}天的时段"
    elif date_from < _tz.localdate():
        errors["date_from"] = "不能为已过去的日期开放时段"
    if not capacity or not 1 <= int(capacity) <= 500:
        errors["capacity"] = "可预约人数应为1至500"
    parsed = []
    for start, end in periods or []:
        try:
            s, e = _parse_time(start), _parse_time(end)
        except ValueError:
            errors["periods"] = f"时段“{start}-{end}”格式错误，应为HH:MM"
            break
        if e <= s:
            errors["periods"] = f"时段“{start}-{end}”的结束时间应晚于开始时间"
            break
        parsed.append((s, e))
    if not parsed and "periods" not in errors:
        errors["periods"] = "请至少选择一个时段"
    if not window.active:
        errors["window"] = "该窗口已停用"
    if errors:
        raise _ValidationError(errors)
    existing = set(Slot.objects.filter(window=window, date__range=(date_from, date_to)).values_list("date", "start"))
    new = []
    day = date_from
    while day <= date_to:
        if _is_working_day(day):
            new += [Slot(window=window, date=day, start=s, end=e, capacity=int(capacity))
                    for s, e in parsed if (day, s) not in existing]
        day += _dt.timedelta(days=1)
    with _transaction.atomic():
        Slot.objects.bulk_create(new, ignore_conflicts=True)
        log_operation("gs_open_slots", user=user, window=window.pk, window_name=str(window),
                      date_from=str(date_from), date_to=str(date_to), capacity=int(capacity), created=len(new))
    return len(new)


def set_slot_capacity(slot, capacity, user):
    """Change a slot's capacity; never below the places already booked (one conditional UPDATE)."""
    from kernel.audit.services import log_operation

    from .models import Slot

    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        raise _ValidationError({"capacity": "请输入可预约人数"}) from None
    if not 1 <= capacity <= 500:
        raise _ValidationError({"capacity": "可预约人数应为1至500"})
    with _transaction.atomic():
        if not Slot.objects.filter(pk=slot.pk, booked__lte=capacity).update(capacity=capacity):
            booked = Slot.objects.filter(pk=slot.pk).values_list("booked", flat=True).first()
            raise _ValidationError({"capacity": f"可预约人数不能少于已预约人数（{booked}人）"})
        log_operation("gs_slot_capacity", user=user, slot=slot.pk, before=slot.capacity, after=capacity)
    slot.capacity = capacity
    return slot


def windows_for(matter):
    """Active windows in the matter's centre region (and below) that take the matter's category."""
    from .models import Window

    qs = Window.objects.filter(active=True, region__path__startswith=matter.region.path).select_related("centre")
    return [w for w in qs if matter.category in (w.categories or [])]


def free_slots(matter, day):
    """Slots of `day` still open for booking `matter`: a window taking its category, a free place, not started."""
    from .models import Slot

    windows = windows_for(matter)
    if not windows or not _is_working_day(day):
        return []
    now = _tz.now()
    slots = (Slot.objects.filter(window__in=windows, date=day, booked__lt=_F("capacity"))
             .select_related("window", "window__centre").order_by("start", "window__number"))
    return [s for s in slots if slot_start(s) > now]


def booking_days(today=None):
    """The working days a citizen may book: the next BOOKING_DAYS days (today included)."""
    today = today or _tz.localdate()
    days = [today + _dt.timedelta(days=i) for i in range(BOOKING_DAYS)]
    return [d for d in days if _is_working_day(d)]


def _check_slot_for(matter, slot, now):
    window = slot.window
    if slot_start(slot) <= now:
        raise _ValidationError({"slot": "不能预约已开始或已过去的时段"})
    if not _is_working_day(slot.date):
        raise _ValidationError({"slot": f"{slot.date:%Y-%m-%d}不是工作日，不能预约"})
    if slot.date > _tz.localdate() + _dt.timedelta(days=BOOKING_DAYS - 1):
        raise _ValidationError({"slot": f"只能预约{BOOKING_DAYS}天内的时段"})
    if not window.active or matter.category not in (window.categories or []) or \
            not window.region.path.startswith(matter.region.path):
        raise _ValidationError({"slot": "该窗口不受理此事项，请选择其他时段"})


def _check_duplicate(matter, id_number, day, exclude=None):
    from .models import Appointment

    qs = Appointment.objects.filter(matter=matter, id_number=id_number, slot__date=day,
                                    status=Appointment.Status.BOOKED)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    other = qs.first()
    if other is not None:
        raise _ValidationError({"slot": f"该证件号码当天已预约此事项（预约编号{other.no}），不能重复预约"})


def _sms_params(appt):
    slot = appt.slot
    return {"date": f"{slot.date:%Y-%m-%d}", "time": f"{slot.start:%H:%M}-{slot.end:%H:%M}",
            "centre": slot.window.centre.name, "window": str(slot.window), "matter": appt.matter.name, "no": appt.no}


def book(matter, slot, user, name, id_number, phone):
    """Book a place of `slot` for `matter`: takes the place with one conditional UPDATE, creates the
    appointment with its number and queues the SMS, all in one transaction."""
    from kernel.notify.services import PHONE, send_sms
    from kernel.org.validators import validate_id_number

    from .models import Appointment, Matter

    errors = {}
    name = (name or "").strip()
    id_number = (id_number or "").strip().upper()
    phone = (phone or "").strip()
    if not name:
        errors["name"] = "请填写预约人姓名"
    try:
        validate_id_number(id_number)
    except _ValidationError as exc:
        errors["id_number"] = exc.messages[0]
    if not PHONE.match(phone):
        errors["phone"] = "请填写正确的11位手机号码"
    if slot is None:
        errors["slot"] = "请选择预约时段"
    if errors:
        raise _ValidationError(errors)
    if matter.status != Matter.Status.PUBLISHED or not matter.bookable or matter.is_deleted:
        raise _ValidationError("该事项未发布或不接受预约")
    now = _tz.now()
    _check_slot_for(matter, slot, now)
    _check_duplicate(matter, id_number, slot.date)
    with _transaction.atomic():
        if not type(slot).objects.filter(pk=slot.pk, booked__lt=_F("capacity")).update(booked=_F("booked") + 1):
            raise _ValidationError({"slot": FULL})
        appt = Appointment(no="T" + _uuid.uuid4().hex[:29], matter=matter, slot=slot,
                           applicant=user if getattr(user, "pk", None) else None, name=name, id_number=id_number,
                           phone=phone, created_by=user if getattr(user, "pk", None) else None)
        _save_unique(appt, matter, id_number, slot.date)
        appt.no = f"YY{_tz.localdate():%Y%m%d}{appt.pk:06d}"
        appt.save(update_fields=["no", "updated_at"])
        send_sms(phone, "gs_appointment_booked", _sms_params(appt), key=f"gs_appt:{appt.no}",
                 region=slot.window.region, related=f"gs_appointment:{appt.pk}", user=user)
    slot.booked += 1
    return appt


def _save_unique(appt, matter, id_number, day, **kwargs):
    """Save `appt`; a concurrent booking of the same person, matter and day that won the race (the
    database's partial unique constraint) becomes the same field error as the check before it."""
    from django.db import IntegrityError

    try:
        with _transaction.atomic():  # a savepoint, so the outer transaction (the slot place) rolls back whole
            appt.save(**kwargs)
    except IntegrityError:
        _check_duplicate(matter, id_number, day, exclude=appt if appt.pk else None)
        raise


def _release(slot):
    from .models import Slot

    Slot.objects.filter(pk=slot.pk, booked__gt=0).update(booked=_F("booked") - 1)


def cancel_appointment(appt, user):
    """Cancel a booked appointment until its slot starts: the place is freed, the person told by SMS."""
    from kernel.notify.services import send_sms

    from .models import Appointment

    with _transaction.atomic():
        appt = Appointment.objects.select_for_update().select_related("slot", "slot__window__centre", "matter") \
            .get(pk=appt.pk)
        if appt.status != Appointment.Status.BOOKED:
            raise _ValidationError(f"该预约{appt.get_status_display()}，不能取消")
        if slot_start(appt.slot) <= _tz.now():
            raise _ValidationError("预约时段已开始，不能取消")
        _release(appt.slot)
        appt.status = Appointment.Status.CANCELLED
        appt.cancelled_at = _tz.now()
        appt.save(update_fields=["status", "cancelled_at", "updated_at"])
        send_sms(appt.phone, "gs_appointment_cancelled", _sms_params(appt), key=f"gs_appt_cancel:{appt.no}",
                 region=appt.slot.window.region, related=f"gs_appointment:{appt.pk}", user=user)
    return appt


def reschedule_appointment(appt, new_slot, user):
    """Move a booked appointment to another free slot: the new place is taken first, then the old one is
    freed, in one transaction; the number stays. The person gets the booking SMS for the new time."""
    from kernel.notify.services import send_sms

    from .models import Appointment, Slot

    with _transaction.atomic():
        appt = Appointment.objects.select_for_update().select_related("slot", "matter", "matter__region") \
            .get(pk=appt.pk)
        if appt.status != Appointment.Status.BOOKED:
            raise _ValidationError(f"该预约{appt.get_status_display()}，不能改约")
        if new_slot is None:
            raise _ValidationError({"slot": "请选择新的预约时段"})
        if new_slot.pk == appt.slot_id:
            raise _ValidationError({"slot": "新时段与原时段相同"})
        now = _tz.now()
        if slot_start(appt.slot) <= now:
            raise _ValidationError("预约时段已开始，不能改约")
        _check_slot_for(appt.matter, new_slot, now)
        _check_duplicate(appt.matter, appt.id_number, new_slot.date, exclude=appt)
        if not Slot.objects.filter(pk=new_slot.pk, booked__lt=_F("capacity")).update(booked=_F("booked") + 1):
            raise _ValidationError({"slot": FULL})
        _release(appt.slot)
        appt.slot = new_slot
        _save_unique(appt, appt.matter, appt.id_number, new_slot.date, update_fields=["slot", "updated_at"])
        appt = Appointment.objects.select_related("slot__window__centre", "slot__window__region", "matter") \
            .get(pk=appt.pk)
        send_sms(appt.phone, "gs_appointment_booked", _sms_params(appt), key=f"gs_appt:{appt.no}:{new_slot.pk}",
                 region=appt.slot.window.region, related=f"gs_appointment:{appt.pk}", user=user)
    return appt


def mark_arrived(appt, user):
    """已到窗口: the person came to the window on the day of the appointment."""
    from .models import Appointment

    with _transaction.atomic():
        appt = Appointment.objects.select_for_update().select_related("slot").get(pk=appt.pk)
        if appt.status != Appointment.Status.BOOKED:
            raise _ValidationError(f"该预约{appt.get_status_display()}，不能确认到窗")
        if appt.slot.date != _tz.localdate():
            raise _ValidationError(f"该预约的日期是{appt.slot.date:%Y-%m-%d}，只能在预约当天确认到窗")
        appt.status = Appointment.Status.ARRIVED
        appt.save(update_fields=["status", "updated_at"])
    return appt


def appointment_for_acceptance(no, user):
    """The appointment numbered `no` that a window clerk may accept a case from: visible to the user,
    booked (or already marked arrived) and without a case yet. Raises a Chinese ValidationError otherwise."""
    from .models import Appointment

    no = (no or "").strip().upper()
    if not no:
        raise _ValidationError({"appointment": "请输入预约编号"})
    appt = (Appointment.objects.visible_to(user).select_related("matter", "slot", "slot__window").filter(no=no)
            .first())
    if appt is None:
        raise _ValidationError({"appointment": f"预约编号{no}不存在或不在您的管辖范围内"})
    if appt.status not in (Appointment.Status.BOOKED, Appointment.Status.ARRIVED):
        raise _ValidationError({"appointment": f"预约编号{no}{appt.get_status_display()}，不能受理"})
    if getattr(appt, "case", None) is not None:
        raise _ValidationError({"appointment": f"预约编号{no}已受理（申报号{appt.case.no}）"})
    return appt
