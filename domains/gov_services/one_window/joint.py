"""Pre-acceptance (预受理, seed 002 §2.4.8.2) and joint approval (联合审批, §2.4.8.7).

* 预受理: a department system that took an application on its own external network pushes it here
  (signed inbound endpoint "gs.pre_acceptance"); pre_accept_inbound creates a Case in 待受理 with channel
  "pre", keyed by the department's own application number (form_data["dept_no"]): the same number
  pushed again changes nothing. The window clerk then accepts or rejects it (review_case).
* 联合审批: market regulation's 双告知 message (signed inbound endpoint "gs.dual_notification") names an
  enterprise by USCC and its post-registration matters; start_joint_approval opens one Case per matter in
  待受理, grouped by form_data["joint"] = {"id", "uscc", "enterprise"}, and gives the window clerks of the
  region a to-do for the project. complete_hook(case), called by the exchange when a case is completed,
  sends the enterprise one SMS when every case of its group is completed.

No models of their own: the group lives in Case.form_data; writes are audited by the kernel
(BusinessModel saves, workflow log) and log_operation rows."""
import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework import serializers

from kernel.audit.services import log_operation

PRE_ENDPOINT = "gs.pre_acceptance"
DUAL_ENDPOINT = "gs.dual_notification"
PUSH_PERMISSIONS = ("gs_window.add_case",)
PUSHER_ROLE = "gs_dept_pusher"
JOINT_SMS = "gs_joint_completed"
JOINT_TODO_KEY = "gs_joint"
ROLES = {
    PUSHER_ROLE: ("部门业务系统接入（预受理/双告知推送）", "organisation", ["gs_window.add_case", "gs_window.view_case"],
                  "部门业务系统推送预受理申请、市场监管部门推送双告知信息"),
}
SMS_TEMPLATES = [
    (JOINT_SMS, "联合审批办结", "{enterprise}：您的联合审批项目（编号{group}）所涉{count}个事项已全部办结，请按通知领取结果。"),
]
MAX_MATERIALS = 100
MAX_MATTERS = 30


def load():
    """Role of the pushing systems and the SMS template of joint approval (call from reference.load())."""
    from kernel.accounts.reference import load_roles
    from kernel.notify.models import SmsTemplate

    load_roles(ROLES)
    for code, name, text in SMS_TEMPLATES:
        SmsTemplate.objects.get_or_create(code=code, defaults={"name": name, "content": text})
    return f"联合审批：角色{len(ROLES)}个，短信模板{len(SMS_TEMPLATES)}个"


# -- shared --------------------------------------------------------------------------------------------
def _department(system_or_department):
    """The department Organisation of a DepartmentSystem, an Organisation or a (service) user."""
    from kernel.org.models import Organisation

    if isinstance(system_or_department, Organisation):
        return system_or_department
    for attr in ("department", "organisation"):
        org = getattr(system_or_department, attr, None)
        if isinstance(org, Organisation):
            return org
    raise ValidationError({"department": "无法确定推送的部门"})


def _new_case(matter, *, channel, applicant_name, applicant_phone, applicant_id_number="", applicant_org=None,
              form_data=None, user=None, comment=""):
    """A case created as a draft and submitted by the system: state 待受理, with its 申报号 and the
    workflow's to-do for the window clerks of the matter's region."""
    from .models import Case
    from .services import _case_number

    case = Case(no="tmp" + uuid.uuid4().hex[:24], matter=matter, matter_version=matter.version, region=matter.region,
                channel=channel, status="draft", applicant_name=applicant_name, applicant_phone=applicant_phone,
                applicant_id_number=applicant_id_number, applicant_org=applicant_org, form_data=form_data or {},
                joint_group=((form_data or {}).get("joint") or {}).get("id", ""), created_by=user if getattr(user, "pk", None) else None)
    case.save()
    _case_number(case, timezone.localdate())
    Case.workflow.apply(case, "submit", None, system=True, comment=comment)
    return case


# == pre-acceptance ==
def find_pre_accepted(department, dept_no):
    from .models import Case

    return (Case.all_objects.filter(channel="pre", matter__department=department, form_data__dept_no=dept_no)
            .first())


def pre_accept_inbound(system_or_department, payload, user=None):
    """Take in one application the department pre-accepted on its own network. `payload` (validated):
    dept_no, matter_code, applicant {name, id_number, phone, org_uscc}, form_data, materials [{name, ref}].
    Returns (case, created). The same department number again returns the first case unchanged."""
    from kernel.org.models import Organisation

    from .models import CaseMaterial, Matter

    department = _department(system_or_department)
    dept_no = str(payload["dept_no"]).strip()
    existing = find_pre_accepted(department, dept_no)
    if existing is not None:
        return existing, False
    errors = {}
    matter = Matter.objects.filter(code=payload["matter_code"], status=Matter.Status.PUBLISHED).first()
    if matter is None:
        errors["matter_code"] = [f"事项编码“{payload['matter_code']}”不存在或未发布"]
    elif matter.department_id != department.pk:
        errors["matter_code"] = [f"事项“{matter.name}”不由{department.name}办理"]
    applicant = payload["applicant"]
    org = None
    if applicant.get("org_uscc"):
        org = Organisation.objects.filter(uscc=applicant["org_uscc"]).first()
        if org is None:
            errors["applicant.org_uscc"] = [f"统一社会信用代码“{applicant['org_uscc']}”的单位未在系统中登记"]
    if errors:
        raise ValidationError(errors)
    materials = [{"name": m["name"], "ref": m.get("ref", "")} for m in payload.get("materials", [])]
    form_data = {"dept_no": dept_no, "department": department.name, "fields": payload.get("form_data") or {},
                 "materials": materials, "received_at": timezone.now().isoformat()}
    with transaction.atomic():
        Matter.objects.select_for_update().filter(pk=matter.pk).first()  # serialise pushes of one matter
        existing = find_pre_accepted(department, dept_no)
        if existing is not None:  # a concurrent push of the same number got there first
            return existing, False
        case = _new_case(matter, channel="pre", applicant_name=applicant["name"],
                         applicant_phone=applicant["phone"], applicant_id_number=applicant.get("id_number", ""),
                         applicant_org=org, form_data=form_data, user=user,
                         comment=f"{department.name}网上预受理推送（部门申请号{dept_no}）")
        for item in materials:
            CaseMaterial.objects.create(case=case, name=item["name"][:200], note=item["ref"][:300])
        log_operation("gs_pre_acceptance", user=user, entrance="api", case=case.no, dept_no=dept_no,
                      department=department.name)
    return case, True


def review_case(case, user, decision, reason=""):
    """The window clerk's review of a submitted (online or pre-accepted) case: "accept" -> 已受理 (due dates,
    SMS to the applicant) or "reject" -> 不予受理 with a reason. Chinese ValidationError on bad input."""
    from kernel.notify.services import send_sms
    from kernel.todos import services as todos
    from kernel.workflow.engine import TransitionError

    from .models import Case

    if not Case.objects.visible_to(user).filter(pk=case.pk).exists():
        raise PermissionDenied("该办件不在您的管辖范围内")
    reason = (reason or "").strip()
    if decision not in ("accept", "reject"):
        raise ValidationError({"decision": "请选择受理或不予受理"})
    if decision == "reject" and not reason:
        raise ValidationError({"reason": "不予受理须填写理由"})
    with transaction.atomic():
        try:
            Case.workflow.apply(case, decision, user, comment=reason)
        except TransitionError as exc:
            raise ValidationError({"decision": str(exc)}) from exc
        todos.close(case, by=user)
        if decision == "accept" and case.applicant_phone:
            case.refresh_from_db()
            try:  # an enterprise's landline cannot take an SMS: the acceptance stands without it
                send_sms(case.applicant_phone, "gs_case_accepted",
                         {"matter": case.matter.name, "no": case.no,
                          "due": f"{case.promised_due:%Y-%m-%d}" if case.promised_due else ""},
                         key=f"gs_case_accepted:{case.pk}", region=case.region, related=case.no, user=user)
            except ValidationError:
                pass
        log_operation("gs_case_review", user=user, entrance="gov", case=case.no, decision=decision, reason=reason)
    return case


# == joint approval ==
def enterprise_for(uscc):
    from kernel.org.models import Organisation

    org = Organisation.objects.filter(uscc=(uscc or "").strip().upper()).first()
    if org is None:
        raise ValidationError({"uscc": f"统一社会信用代码“{uscc}”的企业未在系统中登记，请先完成企业登记信息推送"})
    return org


def joint_cases(group_id):
    from .models import Case

    return Case.all_objects.filter(joint_group=group_id, is_deleted=False) if group_id else Case.all_objects.none()


def start_joint_approval(uscc, matter_codes, *, enterprise_name="", notice_no="", user=None):
    """双告知 -> 联合审批 project: one Case per matter (channel "pre", 待受理) with the enterprise's basic data
    from its Organisation, grouped by form_data["joint"]["id"]; a to-do for the window clerks of each region.
    The same notice number again returns the first group. Returns (group_id, cases, created)."""
    from kernel.todos import services as todos

    from .models import Matter

    org = enterprise_for(uscc)
    notice_no = (notice_no or "").strip()
    if notice_no:
        from .models import Case

        first = Case.all_objects.filter(form_data__joint__notice_no=notice_no, applicant_org=org).first()
        if first is not None:
            gid = first.form_data["joint"]["id"]
            return gid, list(joint_cases(gid).order_by("pk")), False
    codes = list(dict.fromkeys(c.strip() for c in matter_codes if c and c.strip()))
    if not codes:
        raise ValidationError({"matter_codes": "请提供后置审批事项编码"})
    matters = {m.code: m for m in Matter.objects.filter(code__in=codes, status=Matter.Status.PUBLISHED)
               .select_related("region", "department")}
    missing = [c for c in codes if c not in matters]
    if missing:
        raise ValidationError({"matter_codes": f"事项编码{'、'.join(missing)}不存在或未发布"})
    gid = f"LH{timezone.localdate():%Y%m%d}{uuid.uuid4().hex[:6].upper()}"
    joint = {"id": gid, "uscc": org.uscc, "enterprise": org.name, "notice_no": notice_no,
             "notified_name": (enterprise_name or "").strip()}
    enterprise = {"name": org.name, "uscc": org.uscc, "legal_representative": org.legal_representative,
                  "contact_person": org.contact_person, "contact_phone": org.contact_phone, "address": org.address}
    cases = []
    with transaction.atomic():
        for code in codes:
            cases.append(_new_case(matters[code], channel="pre", applicant_name=org.name,
                                   applicant_phone=org.contact_phone or "", applicant_org=org,
                                   form_data={"joint": joint, "enterprise": enterprise}, user=user,
                                   comment=f"市场监管部门双告知，联合审批项目{gid}"))
        for region in {c.region_id: c.region for c in cases}.values():
            todos.create(cases[0], f"联合审批：{org.name}（{len(cases)}个后置审批事项）", key=f"{JOINT_TODO_KEY}:{gid}",
                         url=f"/gov/gs/joint/{gid}/", role_code="gs_window_clerk", region=region,
                         due_at=timezone.now() + datetime.timedelta(days=2))
        log_operation("gs_joint_start", user=user, entrance="api", group=gid, uscc=org.uscc,
                      cases=[c.no for c in cases])
    return gid, cases, True


def complete_hook(case):
    """Called when a case is completed (the exchange's completion path): once every case of its joint
    group is completed, the enterprise's contact gets one SMS (idempotent by the group id)."""
    from kernel.notify.services import send_sms
    from kernel.org.models import Organisation

    joint = (case.form_data or {}).get("joint") if isinstance(case.form_data, dict) else None
    if not joint or not joint.get("id"):
        return None
    cases = joint_cases(joint["id"])
    if cases.exclude(status="completed").exists():
        return None
    org = Organisation.objects.filter(uscc=joint.get("uscc")).first()
    phone = getattr(org, "contact_phone", "") or ""
    if not phone:
        log_operation("gs_joint_completed", success=False, group=joint["id"], reason="企业未登记联系电话")
        return None
    try:  # never let the enterprise's SMS break the department's completion callback
        message = send_sms(phone, JOINT_SMS, {"enterprise": joint.get("enterprise", ""), "group": joint["id"],
                                              "count": cases.count()},
                           key=f"{JOINT_SMS}:{joint['id']}", region=case.region, related=joint["id"])
    except ValidationError as exc:
        log_operation("gs_joint_completed", success=False, group=joint["id"], reason="；".join(exc.messages))
        return None
    log_operation("gs_joint_completed", group=joint["id"], sms=message.pk)
    return message


# == signed inbound endpoints ==
def _messages(label):
    return {"required": f"请填写{label}", "blank": f"请填写{label}", "null": f"请填写{label}",
            "max_length": f"{label}过长", "invalid": f"{label}格式错误"}


def _text(label, max_length, required=False):
    return serializers.CharField(label=label, max_length=max_length, required=required, allow_blank=not required,
                                 error_messages=_messages(label))


class _UsccField(serializers.CharField):
    def to_internal_value(self, data):
        from kernel.org.validators import validate_uscc

        value = super().to_internal_value(data).strip().upper()
        if value:
            try:
                validate_uscc(value)
            except ValidationError as exc:
                raise serializers.ValidationError(exc.messages) from None
        return value


class _IdField(serializers.CharField):
    def to_internal_value(self, data):
        from kernel.org.validators import validate_id_number

        value = super().to_internal_value(data).strip().upper()
        if value:
            try:
                validate_id_number(value)
            except ValidationError as exc:
                raise serializers.ValidationError(exc.messages) from None
        return value


class _MobileField(serializers.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data).strip()
        if not (value.isdigit() and len(value) == 11 and value.startswith("1")):
            raise serializers.ValidationError("手机号码应为11位数字")
        return value


class ApplicantSerializer(serializers.Serializer):
    name = _text("申请人", 100, required=True)
    id_number = _IdField(label="证件号码", max_length=18, required=False, allow_blank=True,
                         error_messages=_messages("证件号码"))
    phone = _MobileField(label="联系电话", max_length=20, error_messages=_messages("联系电话"))
    org_uscc = _UsccField(label="申请单位统一社会信用代码", max_length=18, required=False, allow_blank=True,
                          error_messages=_messages("申请单位统一社会信用代码"))

    def validate(self, attrs):
        if not attrs.get("id_number") and not attrs.get("org_uscc"):
            raise serializers.ValidationError({"id_number": "个人申请请填写证件号码，单位申请请填写统一社会信用代码"})
        return attrs


class MaterialRefSerializer(serializers.Serializer):
    name = _text("材料名称", 200, required=True)
    ref = _text("材料地址或编号", 300)


class PreAcceptanceSerializer(serializers.Serializer):
    """One application pre-accepted by the department on its own external network."""

    dept_no = _text("部门申请号", 60, required=True)
    matter_code = _text("事项编码", 40, required=True)
    applicant = ApplicantSerializer(label="申请人信息", error_messages={"required": "请提供申请人信息"})
    form_data = serializers.DictField(label="申请表内容", required=False, default=dict,
                                      error_messages={"not_a_dict": "申请表内容应为对象"})
    materials = serializers.ListField(child=MaterialRefSerializer(), label="申请材料", required=False, default=list,
                                      max_length=MAX_MATERIALS,
                                      error_messages={"not_a_list": "申请材料应为数组",
                                                      "max_length": f"申请材料一次最多{MAX_MATERIALS}项"})

    def validate(self, attrs):
        from .models import Matter

        user = self.context["user"]
        department = user.organisation
        if department is None:
            raise serializers.ValidationError({"non_field_errors": "接入账号未关联部门"})
        if find_pre_accepted(department, attrs["dept_no"].strip()) is not None:
            return attrs  # a repeat: nothing is checked again, nothing changes
        matter = Matter.objects.filter(code=attrs["matter_code"], status=Matter.Status.PUBLISHED).first()
        if matter is None:
            raise serializers.ValidationError({"matter_code": f"事项编码“{attrs['matter_code']}”不存在或未发布"})
        if matter.department_id != department.pk:
            raise serializers.ValidationError({"matter_code": f"事项“{matter.name}”不由{department.name}办理"})
        return attrs


def pre_acceptance_push(message, data, user):
    case, created = pre_accept_inbound(user, data, user=user)
    return {"sbh": case.no, "dept_no": case.form_data.get("dept_no"), "status": case.status,
            "action": "created" if created else "unchanged"}


class DualNotificationSerializer(serializers.Serializer):
    """双告知: market regulation tells us an enterprise registered and which post-registration matters apply."""

    notice_no = _text("告知书编号", 60)
    uscc = _UsccField(label="统一社会信用代码", max_length=18, error_messages=_messages("统一社会信用代码"))
    enterprise_name = _text("企业名称", 200, required=True)
    matter_codes = serializers.ListField(
        child=serializers.CharField(max_length=40, error_messages=_messages("事项编码")), label="后置审批事项编码",
        allow_empty=False, max_length=MAX_MATTERS,
        error_messages={"required": "请提供后置审批事项编码", "empty": "后置审批事项编码不能为空",
                        "not_a_list": "后置审批事项编码应为数组",
                        "max_length": f"后置审批事项一次最多{MAX_MATTERS}项"})

    def validate(self, attrs):
        from .models import Matter

        try:
            enterprise_for(attrs["uscc"])
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        known = set(Matter.objects.filter(code__in=attrs["matter_codes"], status=Matter.Status.PUBLISHED)
                    .values_list("code", flat=True))
        errors = {str(i): [f"事项编码“{c}”不存在或未发布"] for i, c in enumerate(attrs["matter_codes"]) if c not in known}
        if errors:
            raise serializers.ValidationError({"matter_codes": errors})
        return attrs


def dual_notification_push(message, data, user):
    gid, cases, created = start_joint_approval(data["uscc"], data["matter_codes"],
                                               enterprise_name=data["enterprise_name"],
                                               notice_no=data.get("notice_no", ""), user=user)
    return {"group": gid, "cases": [c.no for c in cases], "action": "created" if created else "unchanged"}


def register():
    """The two signed inbound endpoints (call from OneWindowConfig.ready())."""
    from kernel.interfaces.registry import register_inbound

    register_inbound(PRE_ENDPOINT, pre_acceptance_push, PreAcceptanceSerializer, PUSH_PERMISSIONS,
                     label="部门网上预受理申请推送")
    register_inbound(DUAL_ENDPOINT, dual_notification_push, DualNotificationSerializer, PUSH_PERMISSIONS,
                     label="市场监管双告知信息推送（联合审批）")
