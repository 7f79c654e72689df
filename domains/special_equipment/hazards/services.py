"""Business operations of the hazard system: the only place that changes hazard data.

State changes go through the workflows (workflows.py); these functions validate input, write in
one transaction and leave the audit trail through the kernel models."""
import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kernel.notify import services as notify
from kernel.org.models import Organisation
from kernel.org.scope import can_see

from .models import Complaint, GeneralHazard, HazardItem, JudgementItem, MajorHazard, SupervisionLog
from .workflows import COMPLAINT, GENERAL, MAJOR, _unit_contact


# -- numbering ----------------------------------------------------------------------------------
def _number(prefix, model, obj):
    """YH20261122000123: prefix, date, the record id (unique without a counter table)."""
    return f"{prefix}{timezone.localdate():%Y%m%d}{obj.pk:06d}"


def _placeholder():
    return "tmp" + uuid.uuid4().hex[:24]


def managing_agency_of(user, region):
    """谁主管谁负责 (分级): a hazard a market-regulation bureau enters itself is managed by that bureau
    at its own level (a city's inspection, a province's special campaign); one reported by a unit, an
    institution or the public goes to the bureau of its place (属地)."""
    org = user.organisation if user.kind == "staff" else None
    if org is not None and org.kind == "agency" and org.agency_type == "market":
        return org
    return managing_agency_for(region)


def managing_agency_for(region):
    """属地: the market-regulation bureau of the region, else of the nearest region above it."""
    node = region
    while node is not None:
        agency = (Organisation.objects.filter(kind="agency", agency_type="market", region=node)
                  .order_by("id").first())
        if agency is not None:
            return agency
        node = node.parent
    raise ValidationError({"region": "该区划及上级均未设置市场监督管理部门，无法确定属地监管单位"})


# -- major hazards --------------------------------------------------------------------------------
ITEM_FIELDS = ("judgement_item", "description")


def _clean_items(items):
    cleaned = []
    for index, item in enumerate(items, start=1):
        description = (item.get("description") or "").strip()
        judgement = item.get("judgement_item")
        if isinstance(judgement, (int, str)) and judgement:
            judgement = JudgementItem.objects.filter(pk=judgement, enabled=True).first()
            if judgement is None:
                raise ValidationError({"items": f"第{index}项：判定项不存在或已停用"})
        if not description and judgement is None:
            raise ValidationError({"items": f"第{index}项：请选择判定项或填写问题描述"})
        cleaned.append((judgement or None, description or judgement.text))
    if not cleaned:
        raise ValidationError({"items": "请至少登记一项隐患明细"})
    return cleaned


@transaction.atomic
def report_major_hazard(user, *, user_unit, source, equipment_category, description, items, region=None,
                        equipment=None, report=None, found_on=None, requirement="", deadline=None, complaint=None):
    """Register a major hazard (线上填报) by a regulator, a technical institution or the unit itself.

    An institution's report may carry the rectification requirement and deadline it proposes; the
    hazard goes to the user unit and to the local regulator (managing agency) for dispatch."""
    if equipment is not None and equipment.user_unit_id != user_unit.pk:
        raise ValidationError({"equipment": "所选设备不属于该使用单位"})
    if user.kind == "enterprise" and user.organisation_id != user_unit.pk:
        raise PermissionDenied("只能上报本单位的隐患")
    if user.kind == "staff" and not can_see(user, user_unit):
        raise PermissionDenied("该使用单位不在您的管辖范围内")
    if deadline is not None and deadline <= timezone.localdate():
        raise ValidationError({"deadline": "整改期限必须晚于今天"})
    cleaned = _clean_items(items)
    region = region or (equipment.region if equipment is not None else user_unit.region)
    hazard = MajorHazard(
        no=_placeholder(), source=source, equipment_category=equipment_category, equipment=equipment, report=report,
        user_unit=user_unit, managing_agency=managing_agency_of(user, region), reporter_org=user.organisation or user_unit,
        region=region, description=description, found_on=found_on or timezone.localdate(),
        requirement=requirement, deadline=deadline, complaint=complaint,
    )
    hazard.full_clean(exclude=["reporter_org", "managing_agency"])
    hazard.save()
    hazard.no = _number("YH", MajorHazard, hazard)
    MajorHazard.objects.filter(pk=hazard.pk).update(no=hazard.no)
    HazardItem.objects.bulk_create([HazardItem(hazard=hazard, judgement_item=j, description=d) for j, d in cleaned])
    from kernel.todos.hooks import open_state_task

    open_state_task(hazard, MAJOR, "reported")
    transaction.on_commit(lambda: _notify_reported(hazard))
    return hazard


def _notify_reported(hazard):
    contact = _unit_contact(hazard)
    if contact is not None and hazard.reporter_org_id != hazard.user_unit_id:
        notify.notify(contact, f"贵单位有新的重大事故隐患：{hazard.no}", url=f"/ent/se/hazards/{hazard.pk}/",
                      sms_template="se_hazard_reported",
                      sms_params={"unit": hazard.user_unit.name, "no": hazard.no, "reporter": hazard.reporter_org.name},
                      key=f"se:hazard:{hazard.pk}:reported", region=hazard.region,
                      related=f"se_hazards.majorhazard:{hazard.pk}")


def check_editable(hazard, user):
    if hazard.status != "reported":
        raise ValidationError("隐患已派单督办，不能再修改或删除")
    if not can_see(user, hazard):
        raise PermissionDenied("该隐患不存在或不在您的管辖范围内")
    if user.kind in ("enterprise", "institution") and hazard.reporter_org_id != user.organisation_id:
        raise PermissionDenied("只能修改或删除本单位上报的隐患")


@transaction.atomic
def update_major_hazard(hazard, user, *, items=None, **fields):
    check_editable(hazard, user)
    allowed = {"source", "equipment_category", "equipment", "description", "found_on", "requirement", "deadline"}
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(name)
        setattr(hazard, name, value)
    if hazard.equipment is not None and hazard.equipment.user_unit_id != hazard.user_unit_id:
        raise ValidationError({"equipment": "所选设备不属于该使用单位"})
    if hazard.deadline is not None and hazard.deadline <= timezone.localdate():
        raise ValidationError({"deadline": "整改期限必须晚于今天"})
    hazard.full_clean(exclude=["no"])
    hazard.save()
    if items is not None:
        cleaned = _clean_items(items)
        hazard.items.all().delete()
        HazardItem.objects.bulk_create([HazardItem(hazard=hazard, judgement_item=j, description=d) for j, d in cleaned])
        from kernel.audit.services import log_operation  # items are plain rows: their change is logged here

        log_operation("se_hazard_items", user=user, object=hazard.no, items=[d[:60] for _, d in cleaned])
    return hazard


@transaction.atomic
def delete_major_hazard(hazard, user):
    check_editable(hazard, user)
    from kernel.todos import services as todos

    todos.close(hazard, key="workflow:reported", by=user, status="cancelled")
    hazard.delete()


def dispatch(hazard, user, *, directive, deadline, requirement="", comment=""):
    """派单督办: issue the rectification notice or supervision letter with a deadline."""
    if isinstance(deadline, datetime.date):
        deadline = deadline.isoformat()
    return MAJOR.apply(hazard, "dispatch", user, comment=comment,
                       data={"directive": directive, "deadline": deadline, "requirement": requirement})


@transaction.atomic
def record_item_feedback(hazard, user, feedback: dict):
    """The unit's rectification per item ({item id: text}); only open or returned items take feedback."""
    if hazard.status != "rectifying":
        raise ValidationError("隐患不在待整改状态，不能填写整改情况")
    if user.organisation_id != hazard.user_unit_id and not user.is_superuser:
        raise PermissionDenied("只有使用单位可以填写整改情况")
    items = {str(i.pk): i for i in hazard.items.filter(status__in=("open", "returned"))}
    saved = []
    for key, text in feedback.items():
        item = items.get(str(key))
        text = (text or "").strip()
        if item is None or not text:
            continue
        item.feedback = text
        item.fed_back_at = timezone.now()
        item.save(update_fields=["feedback", "fed_back_at"])
        saved.append(item.pk)
    if saved:
        from kernel.audit.services import log_operation

        log_operation("se_item_feedback", user=user, object=hazard.no, items=saved)


def submit_feedback(hazard, user, *, feedback: dict, comment, attachments=()):
    """整改反馈 / 销号申请: record every item's rectification, then move the hazard to review."""
    with transaction.atomic():
        record_item_feedback(hazard, user, feedback)
        missing = hazard.items.filter(status__in=("open", "returned"), feedback="").count()
        if missing:
            raise ValidationError({"feedback": f"尚有{missing}项隐患未填写整改情况"})
        return MAJOR.apply(hazard, "feedback", user, comment=comment, attachments=attachments)


@transaction.atomic
def review_item(item, user, *, passed: bool, comment=""):
    """Per-item review of the unit's feedback: close the item, or return it for more rectification."""
    hazard = item.hazard
    if hazard.status != "feedback":
        raise ValidationError("隐患不在待复核状态")
    from .workflows import may_review_items

    refused = may_review_items(hazard, user, {})
    if refused or not can_see(user, hazard):
        raise PermissionDenied(refused or "该隐患不在您的管辖范围内")
    if item.status != "fed_back":
        raise ValidationError("该项已复核")
    if not passed and not comment.strip():
        raise ValidationError({"comment": "退回整改须填写复核意见"})
    item.status = "closed" if passed else "returned"
    item.review_comment = comment.strip()
    item.reviewed_at = timezone.now()
    item.reviewed_by = user
    if not passed:  # the unit answers a returned item afresh; this round stays in its history
        item.history = [*item.history, {"feedback": item.feedback, "fed_back_at": item.fed_back_at.isoformat()
                                        if item.fed_back_at else "", "review": item.review_comment,
                                        "reviewed_at": item.reviewed_at.isoformat(), "by": user.display_name}]
        item.feedback = ""
    item.save(update_fields=["status", "review_comment", "reviewed_at", "reviewed_by", "history", "feedback"])
    from kernel.audit.services import log_operation

    log_operation("se_item_review", user=user, object=f"{hazard.no}#{item.pk}",
                  result="销项" if passed else "退回", comment=comment[:200])
    if passed and user.kind != "staff" and not hazard.items.exclude(status="closed").exists():
        _hand_over_for_closing(hazard, user)
    return item


def _hand_over_for_closing(hazard, user):
    """The institution has passed every item: its to-do is done, and 销号 is the regulator's turn
    (same to-do key as the state's own task, so the close or return transition ends it)."""
    from kernel.calendar.services import add_working_days
    from kernel.todos import services as todos
    from kernel.todos.hooks import due_at_end_of

    from .workflows import REGULATOR, REVIEW_WORKING_DAYS, _agency_region, _url

    todos.close(hazard, key="workflow:feedback", by=user)
    todos.create(hazard, f"重大事故隐患待复核销号：{hazard.no}（{hazard.user_unit.name}）", key="workflow:feedback",
                 url=_url(hazard), role_code=REGULATOR, region=_agency_region(hazard),
                 due_at=due_at_end_of(add_working_days(timezone.localdate(), REVIEW_WORKING_DAYS)))


@transaction.atomic
def add_log(hazard, user, *, kind, date, inspectors, content):
    if user.kind != "staff" and not user.is_superuser:
        raise PermissionDenied("监察日志由监管部门填写")
    if not can_see(user, hazard):
        raise PermissionDenied("该隐患不在您的管辖范围内")
    if hazard.status in ("closed", "revoked"):
        raise ValidationError("隐患已办结，不能再添加日志")
    log = SupervisionLog(hazard=hazard, kind=kind, date=date, inspectors=inspectors, content=content)
    log.full_clean()
    log.save()
    return log


# -- workflow effects (after commit) ------------------------------------------------------------------
def _tell_unit(hazard, title, template, params, key):
    contact = _unit_contact(hazard)
    if contact is None:
        return
    notify.notify(contact, title, url=f"/ent/se/hazards/{hazard.pk}/", sms_template=template,
                  sms_params={"unit": hazard.user_unit.name, "no": hazard.no, **params},
                  key=f"se:hazard:{hazard.pk}:{key}", region=hazard.region,
                  related=f"se_hazards.majorhazard:{hazard.pk}")


def after_dispatch(hazard, log):
    _tell_unit(hazard, f"重大事故隐患整改{hazard.get_directive_display()}：{hazard.no}", "se_hazard_dispatched",
               {"directive": hazard.get_directive_display(), "deadline": f"{hazard.deadline:%Y年%m月%d日}"},
               f"dispatch:{log.pk}")


def after_feedback(hazard, log):
    """The reviewer hears of the feedback by message and SMS (beside the state's to-do): the reporting
    institution's reviewer, else the regulators of the managing agency."""

    from .workflows import REGULATOR, _reviewer, people_of

    reviewer = _reviewer(hazard)
    people = [reviewer] if reviewer is not None else list(
        people_of(hazard.managing_agency).filter(roles__code=REGULATOR).distinct())
    url = f"/ent/se/hazards/{hazard.pk}/" if reviewer is not None else f"/gov/se/hazards/{hazard.pk}/"
    notify.notify_many([dict(
        user=person, title=f"整改反馈待复核：{hazard.no}（{hazard.user_unit.name}）", url=url,
        sms_template="se_hazard_fed_back", sms_params={"unit": hazard.user_unit.name, "no": hazard.no},
        key=f"se:hazard:{hazard.pk}:feedback:{log.pk}:{person.pk}", region=hazard.region,
        related=f"se_hazards.majorhazard:{hazard.pk}") for person in people])


def after_extension(hazard, log):
    approved = log.transition == "approve_extension"
    _tell_unit(hazard, f"延期整改申请{'已同意' if approved else '未同意'}：{hazard.no}", "se_hazard_extension",
               {"result": "同意" if approved else "不同意", "deadline": f"{hazard.deadline:%Y年%m月%d日}"},
               f"extension:{log.pk}")


def after_return(hazard, log):
    _tell_unit(hazard, f"隐患整改被退回：{hazard.no}", "se_hazard_returned", {}, f"return:{log.pk}")


def after_close(hazard, log):
    _tell_unit(hazard, f"重大事故隐患已复核销号：{hazard.no}", "se_hazard_closed", {}, f"close:{log.pk}")


def unit_contacts(unit_ids):
    """{unit id: the person who receives its to-dos} for many units in two queries (see _unit_contact)."""
    from kernel.accounts.models import User

    users = User.objects.filter(organisation_id__in=set(unit_ids), is_active=True,
                                api_client__isnull=True).order_by("id")
    contacts = {}
    for user in users.filter(roles__code="se_unit_safety"):
        contacts.setdefault(user.organisation_id, user)
    missing = set(unit_ids) - set(contacts)
    if missing:
        for user in users.filter(organisation_id__in=missing):
            contacts.setdefault(user.organisation_id, user)
    return contacts


def sms_deadline_levels(warnings):
    """Deadline warnings: the fixed-template SMS (and in-app message) to each unit's safety manager on
    every new level, written in batches (a first scan raises tens of thousands)."""
    by_hazard = {w.subject_id: w for w in warnings}
    hazards = list(MajorHazard.all_objects.select_related("user_unit", "region").filter(pk__in=by_hazard))
    contacts = unit_contacts({h.user_unit_id for h in hazards})
    notices = []
    for hazard in hazards:
        warning, contact = by_hazard[hazard.pk], contacts.get(hazard.user_unit_id)
        if contact is None:
            continue
        notices.append(dict(
            user=contact, title=f"重大事故隐患整改期限预警（{warning.level_label}）：{hazard.no}",
            url=f"/ent/se/hazards/{hazard.pk}/", sms_template="se_hazard_deadline",
            sms_params={"unit": hazard.user_unit.name, "no": hazard.no, "deadline": f"{hazard.deadline:%Y年%m月%d日}",
                        "level": warning.level_label},
            key=f"se:hazard:{hazard.pk}:deadline:{warning.pk}:{warning.level}", region=hazard.region,
            related=f"se_hazards.majorhazard:{hazard.pk}"))
    return notify.notify_many(notices)


# -- public complaints --------------------------------------------------------------------------------
@transaction.atomic
def submit_complaint(*, region, location, description, phone, name="", unit_name="", equipment_category="",
                     ip=None):
    complaint = Complaint(no=_placeholder(), region=region, location=location, description=description, phone=phone, name=name,
                          unit_name=unit_name, equipment_category=equipment_category, ip=ip)
    complaint.full_clean()
    complaint.save()
    complaint.no = _number("TS", Complaint, complaint)
    Complaint.objects.filter(pk=complaint.pk).update(no=complaint.no)
    from kernel.todos.hooks import open_state_task

    open_state_task(complaint, COMPLAINT, "submitted")
    return complaint


COMPLAINT_SMS_CHARS = 60  # of the reply, in the SMS; the whole reply is on the public query page


def sms_result_text(result, limit=COMPLAINT_SMS_CHARS):
    """The reply as the SMS template's {result}: one line, at most `limit` characters (… when cut), without
    the final full stop that the template adds."""
    text = " ".join((result or "").split())
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    return text.rstrip("。.")


def complaint_result(complaint, log):
    notify.send_sms(complaint.phone, "se_complaint_result",
                    {"no": complaint.no, "result": sms_result_text(complaint.result)},
                    key=f"se:complaint:{complaint.pk}:result", region=complaint.region,
                    related=f"se_hazards.complaint:{complaint.pk}")


# -- general hazards --------------------------------------------------------------------------------------
@transaction.atomic
def register_general_hazard(user, **fields):
    if user.kind != "enterprise" or user.organisation_id is None:
        raise PermissionDenied("一般隐患由使用单位登记")
    hazard = GeneralHazard(unit_id=user.organisation_id, investigator=fields.pop("investigator", user), **fields)
    if hazard.responsible_id and hazard.responsible.organisation_id != user.organisation_id:
        raise ValidationError({"responsible": "整改责任人须为本单位人员"})
    if hazard.equipment_id and hazard.equipment.user_unit_id != user.organisation_id:
        raise ValidationError({"equipment": "所选设备不属于本单位"})
    hazard.full_clean()
    hazard.save()
    from kernel.todos.hooks import open_state_task

    open_state_task(hazard, GENERAL, "rectifying")
    return hazard


@transaction.atomic
def update_general_hazard(hazard, user, **fields):
    if hazard.status != "rectifying" or user.pk != hazard.investigator_id:
        raise ValidationError("只有排查人员可以在整改完成前修改该隐患")
    for name, value in fields.items():
        setattr(hazard, name, value)
    hazard.full_clean()
    hazard.save()
    return hazard
