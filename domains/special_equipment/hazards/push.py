"""What an inspection agency's own system pushes to the platform: its inspection reports and the
major hazards found in them (§4.3.7 "report button", as a machine interface).

Signed inbound endpoint `se.inspection_report_push` (kernel.interfaces; registered in
HazardsConfig.ready()), called by an ApiClient whose service user belongs to the institution and holds
the se_institution role. One message carries one report and, optionally, the major hazard found:

* the report is found by its report number: a new number creates the report (services.create_report,
  the same rules as the page and /api/se/reports/), a known number of the same institution updates it
  when something changed (services.update_report: not once a hazard hangs on it) or leaves it as it is;
  a number of another institution is refused. Pushing the same report twice never makes two.
* the hazard is reported through services.report_major_hazard exactly as the institution's report
  button does: it goes to the user unit (in-app message and SMS to its safety manager) and to the local
  regulator (the 待派单 to-do of the managing agency). The institution's live hazard of a report is
  updated while it waits for dispatch, left alone when nothing changed, and refused once dispatched.

Field errors (unknown equipment code or judgement code, deadline not after today, ...) are checked by
the serializer, so the sender gets HTTP 400 with Chinese messages and nothing is stored; what cannot be
applied now (a report with a hazard hanging on it changed, a dispatched hazard changed) is a 422."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from rest_framework import serializers

from domains.special_equipment.equipment import services as equipment_services
from domains.special_equipment.equipment.models import CATEGORIES, InspectionReport

from . import services
from .models import JudgementItem, MajorHazard

PUSH_ENDPOINT = "se.inspection_report_push"
PUSH_PERMISSIONS = ("se_equipment.add_inspectionreport", "se_hazards.report_majorhazard")
PUSH_LABEL = "检验报告及重大事故隐患推送"
# The sources a technical institution reports from, and its default by institution type (as on the page).
INSTITUTION_SOURCES = ("inspection", "self_testing", "maintenance", "other")
INSTITUTION_DEFAULT_SOURCE = {"inspection": "inspection", "self_testing": "self_testing", "maintenance": "maintenance"}
REPORT_FIELDS = equipment_services.REPORT_FIELDS


def is_institution(user):
    org = getattr(user, "organisation", None)
    return getattr(user, "kind", "") == "institution" and org is not None and org.kind == "institution"


# -- judgement items given by code ---------------------------------------------------------------------
def clean_coded_items(items, category):
    """[{"judgement_code", "description"}] -> (service items [{"judgement_item": pk, "description"}], errors).

    Each item names a GB 45067—2024 criterion by its code (条款号) and/or describes the problem; the
    criterion must be enabled and apply to the equipment category (its own or the general ones)."""
    codes = {(i.get("judgement_code") or "").strip().upper() for i in items} - {""}
    known = {j.code: j for j in JudgementItem.objects.filter(code__in=codes)}  # codes are stored upper case
    cleaned, errors = [], []
    for index, item in enumerate(items, start=1):
        code = (item.get("judgement_code") or "").strip().upper()
        description = (item.get("description") or "").strip()
        judgement = None
        if code:
            judgement = known.get(code)
            if judgement is None or not judgement.enabled:
                errors.append(f"第{index}项：判定项“{code}”不存在或已停用")
                continue
            if judgement.equipment_category not in ("", category):
                errors.append(f"第{index}项：判定项{judgement.code}不适用于该设备种类"
                              f"（{CATEGORIES.get(category, category)}）")
                continue
        elif not description:
            errors.append(f"第{index}项：请填写判定项条款号或问题描述")
            continue
        cleaned.append({"judgement_item": judgement.pk if judgement else None,
                        "description": description or judgement.text})
    return cleaned, errors


# -- the payload ---------------------------------------------------------------------------------------------
class HazardDateRules:
    """The dates of a reported hazard, as the forms check them (the API's entry and the inspection push)."""

    def validate_found_on(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError("发现日期不能晚于今天")
        return value

    def validate_deadline(self, value):
        if value is not None and value <= timezone.localdate():
            raise serializers.ValidationError("整改期限必须晚于今天")
        return value


class PushedItemSerializer(serializers.Serializer):
    judgement_code = serializers.CharField(label="判定项条款号", max_length=20, required=False, allow_blank=True,
                                           help_text="GB 45067—2024 判定项条款号，如 DT-01（见隐患判定项配置）")
    description = serializers.CharField(label="问题描述", max_length=2000, required=False, allow_blank=True,
                                        help_text="不填则取判定项内容；判定项未涵盖的问题只填描述")


class PushedHazardSerializer(HazardDateRules, serializers.Serializer):
    source = serializers.ChoiceField(label="隐患来源", required=False,
                                     choices=[(c, label) for c, label in MajorHazard.Source.choices
                                              if c in INSTITUTION_SOURCES],
                                     help_text="不填则按机构类型：检验检测机构为 inspection")
    description = serializers.CharField(label="隐患问题描述", max_length=2000,
                                        error_messages={"required": "请填写隐患问题描述",
                                                        "blank": "请填写隐患问题描述"})
    found_on = serializers.DateField(label="发现日期", required=False, help_text="不填则为检验日期")
    requirement = serializers.CharField(label="整改要求", max_length=2000,
                                        error_messages={"required": "请填写整改要求", "blank": "请填写整改要求"})
    deadline = serializers.DateField(label="整改期限", error_messages={"required": "请填写整改期限"})
    items = serializers.ListField(label="隐患明细", child=PushedItemSerializer(), allow_empty=False,
                                  error_messages={"required": "请至少登记一项隐患明细", "empty": "请至少登记一项隐患明细"})



class InspectionReportPushSerializer(serializers.Serializer):
    """One inspection report of the pushing institution, with the major hazard found (optional)."""

    report_no = serializers.CharField(label="报告编号", max_length=50,
                                      error_messages={"required": "请填写报告编号", "blank": "请填写报告编号"})
    equipment_code = serializers.CharField(label="设备代码", max_length=40,
                                           error_messages={"required": "请填写设备代码", "blank": "请填写设备代码"})
    kind = serializers.ChoiceField(label="检验类别", choices=InspectionReport.Kind.choices,
                                   default=InspectionReport.Kind.PERIODIC)
    inspected_on = serializers.DateField(label="检验日期", error_messages={"required": "请填写检验日期"})
    conclusion = serializers.ChoiceField(label="检验结论", choices=InspectionReport.Conclusion.choices,
                                         error_messages={"required": "请填写检验结论"})
    next_inspection_on = serializers.DateField(label="下次检验日期", required=False, allow_null=True)
    problems = serializers.CharField(label="主要问题", required=False, allow_blank=True, max_length=4000)
    inspector = serializers.CharField(label="检验人员", required=False, allow_blank=True, max_length=100)
    hazard = PushedHazardSerializer(label="重大事故隐患", required=False, allow_null=True)

    @property
    def user(self):
        return self.context["user"]

    def validate_report_no(self, value):
        value = value.strip()
        existing = InspectionReport.all_objects.filter(report_no=value).first()
        if existing is not None and existing.agency_id != self.user.organisation_id:
            raise serializers.ValidationError(f"报告编号“{value}”已被其他机构的检验报告使用")
        if existing is not None and existing.is_deleted:
            raise serializers.ValidationError(f"报告编号“{value}”的检验报告已删除，请联系平台管理员")
        return value

    def validate_equipment_code(self, value):
        try:
            return equipment_services.equipment_for_report(self.user, value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["equipment"]) from None

    def validate(self, attrs):
        equipment = attrs["equipment_code"]
        existing = InspectionReport.objects.filter(report_no=attrs["report_no"]).select_related("equipment").first()
        if existing is not None and existing.equipment_id != equipment.pk:
            raise serializers.ValidationError({"equipment_code": [
                f"报告编号“{existing.report_no}”已登记为设备{existing.equipment.code}的检验报告，设备不能更改"]})
        if is_institution(self.user):  # anyone else is refused by the handler (HTTP 403)
            report = InspectionReport(report_no=attrs["report_no"], equipment=equipment,
                                      agency_id=self.user.organisation_id, user_unit_id=equipment.user_unit_id,
                                      region_id=equipment.region_id,
                                      **{f: _stripped(f, attrs.get(f, "" if f in ("problems", "inspector") else None))
                                         for f in REPORT_FIELDS})
            try:
                equipment_services.check_report(self.user, report)
            except ValidationError as exc:
                raise serializers.ValidationError(exc.message_dict) from None
        hazard = attrs.get("hazard")
        if hazard:
            hazard.setdefault("found_on", attrs["inspected_on"])
            cleaned, errors = clean_coded_items(hazard["items"], equipment.category)
            if errors:
                raise serializers.ValidationError({"hazard": {"items": errors}})
            hazard["items"] = cleaned
        return attrs


def _stripped(name, value):
    return (value or "").strip() if name in ("problems", "inspector") else value


# -- the handler ---------------------------------------------------------------------------------------------
def inspection_report_push(message, data, user) -> dict:
    """Create or update the report, then report (or update) its major hazard; returns what was done."""
    if not is_institution(user):
        raise PermissionDenied("仅技术机构（检验检测机构）的接入客户端可以推送检验报告")
    equipment = data["equipment_code"]
    report, report_action = upsert_report(user, equipment, data)
    result = {"report_id": report.pk, "report_no": report.report_no, "report_action": report_action,
              "equipment_code": equipment.code, "user_unit": equipment.user_unit.name, "hazard": None}
    if data.get("hazard"):
        hazard, action = upsert_hazard(user, report, data["hazard"])
        result["hazard"] = {"id": hazard.pk, "no": hazard.no, "action": action, "status": hazard.status,
                            "status_label": hazard.get_status_display(),
                            "managing_agency": hazard.managing_agency.name}
    return result


def upsert_report(user, equipment, data):
    """(report, "created" | "updated" | "unchanged"), idempotent on the report number."""
    fields = {f: _stripped(f, data.get(f, "" if f in ("problems", "inspector") else None)) for f in REPORT_FIELDS}
    existing = InspectionReport.objects.filter(report_no=data["report_no"]).first()
    if existing is None:
        report = equipment_services.create_report(user, equipment=equipment, report_no=data["report_no"], **fields)
        return report, "created"
    if all(getattr(existing, name) == value for name, value in fields.items()):
        return existing, "unchanged"
    refusal = equipment_services.report_update_refusal(user, existing)
    if refusal is not None:
        raise ValidationError({"report_no": refusal})
    return equipment_services.update_report(existing, user, **fields), "updated"


def upsert_hazard(user, report, data):
    """(hazard, "created" | "updated" | "unchanged"): the institution's live hazard of the report."""
    equipment = report.equipment
    org = user.organisation
    fields = {"source": data.get("source") or INSTITUTION_DEFAULT_SOURCE.get(org.institution_type, "other"),
              "description": data["description"].strip(), "found_on": data["found_on"],
              "requirement": data["requirement"].strip(), "deadline": data["deadline"]}
    items = data["items"]
    # two pushes of one report at the same moment: the second waits here and then finds the first's hazard
    type(report).objects.select_for_update().filter(pk=report.pk).first()
    existing = (MajorHazard.objects.filter(report=report, reporter_org=org).exclude(status="revoked")
                .order_by("id").first())
    if existing is None:
        hazard = services.report_major_hazard(user, user_unit=equipment.user_unit, equipment=equipment, report=report,
                                              equipment_category=equipment.category, items=items, **fields)
        return hazard, "created"
    stored_items = [{"judgement_item": i.judgement_item_id, "description": i.description}
                    for i in existing.items.order_by("id")]
    if stored_items == items and all(getattr(existing, name) == value for name, value in fields.items()):
        return existing, "unchanged"
    if existing.status != "reported":
        raise ValidationError({"hazard": f"重大事故隐患{existing.no}已派单督办（当前状态：{existing.get_status_display()}），"
                                         "不能再通过推送修改，请与属地监管部门联系"})
    return services.update_major_hazard(existing, user, items=items, **fields), "updated"


def register():
    from kernel.interfaces.registry import register_inbound

    register_inbound(PUSH_ENDPOINT, inspection_report_push, InspectionReportPushSerializer, PUSH_PERMISSIONS,
                     label=PUSH_LABEL)
