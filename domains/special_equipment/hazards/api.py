"""Open API of the major-hazard closed loop (线上填报—派单督办—整改反馈—复核销号): /api/se/hazards/.

    GET    /api/se/hazards/                              the hazards the caller may see, with filters
    POST   /api/se/hazards/                              report one (services.report_major_hazard)
    GET    /api/se/hazards/{id}/                         one hazard, its items and its workflow history
    PUT    /api/se/hazards/{id}/   PATCH                 correct it (the reporter, while it waits for dispatch)
    DELETE /api/se/hazards/{id}/                         delete it (the same rule)
    POST   /api/se/hazards/{id}/transition/              {"transition", "comment", "data"}: the workflow
    POST   /api/se/hazards/{id}/items/{item_id}/feedback/   the unit's rectification of one item (暂存)
    POST   /api/se/hazards/{id}/items/{item_id}/review/     per-item review: {"passed", "comment"}
    GET    /api/se/hazards/{id}/logs/   POST             supervision / review logs (监察日志 / 复核日志)

Scope is the pages' scope (MajorHazard.objects.visible_to: regulators their region's subtree, the user
unit and the reporting institution their own): another county's hazard is a 404. Every change goes
through services.py or the workflow (workflows.MAJOR) with the same guards as the pages; refusals come
back as HTTP 400 with Chinese messages by field (`non_field_errors` for a rule of the whole record),
or 403 when the caller may not act on the hazard at all."""
import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from domains.special_equipment.equipment.models import CATEGORIES, Equipment, InspectionReport
from kernel.accounts.permissions import ModelPermissions
from kernel.alerts.models import LEVEL_LABELS
from kernel.core.api import ScopedModelViewSet
from kernel.org.models import Organisation, Region
from kernel.workflow.engine import TransitionError, history

from . import services
from .exports import deadline_level_q
from .models import HazardItem, MajorHazard, SupervisionLog
from .push import INSTITUTION_DEFAULT_SOURCE, INSTITUTION_SOURCES, HazardDateRules, clean_coded_items
from .workflows import MAJOR

VIEW, REPORT = "se_hazards.view_majorhazard", "se_hazards.report_majorhazard"
ADD_LOG = "se_hazards.add_supervisionlog"
LEVELS = [(level, LEVEL_LABELS[level]) for level in ("blue", "yellow", "orange", "red")]


def _errors(exc):
    """A service's ValidationError or the workflow's TransitionError as DRF field errors."""
    errors = getattr(exc, "errors", None)  # TransitionError
    if errors is None:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return serializers.ValidationError({("non_field_errors" if k == "__all__" else k): list(v)
                                        for k, v in errors.items()})


# == filters ===============================================================================================
class HazardApiFilter(django_filters.FilterSet):
    no = django_filters.CharFilter(label="隐患编号", lookup_expr="iexact")
    status = django_filters.ChoiceFilter(label="状态", choices=MAJOR.choices())
    source = django_filters.ChoiceFilter(label="隐患来源", choices=MajorHazard.Source.choices)
    equipment_category = django_filters.ChoiceFilter(label="隐患类型（设备种类）", choices=list(CATEGORIES.items()))
    region = django_filters.CharFilter(label="所在区划代码（含下级）", method="in_region")
    level = django_filters.ChoiceFilter(label="整改期限预警（blue/yellow/orange/red）", choices=LEVELS,
                                        method="at_level")
    unit = django_filters.NumberFilter(label="使用单位ID", field_name="user_unit_id")
    unit_uscc = django_filters.CharFilter(label="使用单位统一社会信用代码", field_name="user_unit__uscc",
                                          lookup_expr="iexact")
    unit_name = django_filters.CharFilter(label="使用单位名称", field_name="user_unit__name", lookup_expr="icontains")
    reporter_org = django_filters.NumberFilter(label="上报单位ID", field_name="reporter_org_id")
    equipment_code = django_filters.CharFilter(label="设备代码", field_name="equipment__code", lookup_expr="iexact")
    report_no = django_filters.CharFilter(label="检验报告编号", field_name="report__report_no", lookup_expr="iexact")
    found_from = django_filters.DateFilter(label="发现日期起", field_name="found_on", lookup_expr="gte")
    found_to = django_filters.DateFilter(label="发现日期止", field_name="found_on", lookup_expr="lte")
    deadline_from = django_filters.DateFilter(label="整改期限起", field_name="deadline", lookup_expr="gte")
    deadline_to = django_filters.DateFilter(label="整改期限止", field_name="deadline", lookup_expr="lte")

    class Meta:
        model = MajorHazard
        fields = []

    def in_region(self, qs, name, value):
        from kernel.org.scope import subtree_ids

        region = Region.objects.filter(code=value.strip()).only("path").first()
        return qs.filter(region__int_in=subtree_ids(region.path)) if region else qs.none()

    def at_level(self, qs, name, value):
        return qs.filter(deadline_level_q(value))


# == reading ===============================================================================================
class HazardItemSerializer(serializers.ModelSerializer):
    judgement_code = serializers.CharField(source="judgement_item.code", default="", read_only=True,
                                           label="判定项条款号")
    judgement_category = serializers.CharField(source="judgement_item.category", default="", read_only=True,
                                               label="隐患类别")
    status = serializers.CharField(read_only=True, label="状态",
                                   help_text="open 待整改 | fed_back 已反馈 | returned 退回整改 | closed 已销项")
    status_label = serializers.CharField(source="get_status_display", read_only=True, label="状态名称")
    reviewed_by_name = serializers.CharField(source="reviewed_by.display_name", default="", read_only=True,
                                             label="复核人")

    class Meta:
        model = HazardItem
        fields = ["id", "judgement_item", "judgement_code", "judgement_category", "description", "status",
                  "status_label", "feedback", "fed_back_at", "review_comment", "reviewed_at", "reviewed_by_name",
                  "history"]
        read_only_fields = fields


class MajorHazardSerializer(serializers.ModelSerializer):
    source_label = serializers.CharField(source="get_source_display", read_only=True, label="隐患来源名称")
    equipment_category_label = serializers.SerializerMethodField(label="隐患类型名称")
    equipment_code = serializers.CharField(source="equipment.code", default="", read_only=True, label="设备代码")
    report_no = serializers.CharField(source="report.report_no", default="", read_only=True, label="检验报告编号")
    user_unit_name = serializers.CharField(source="user_unit.name", read_only=True, label="使用单位")
    user_unit_uscc = serializers.CharField(source="user_unit.uscc", read_only=True, label="使用单位统一社会信用代码")
    managing_agency_name = serializers.CharField(source="managing_agency.name", read_only=True,
                                                 label="管理单位（属地监管部门）")
    reporter_org_name = serializers.CharField(source="reporter_org.name", read_only=True, label="上报单位")
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, label="所在区划代码")
    region_name = serializers.CharField(source="region.name", read_only=True, label="所在区划")
    status = serializers.CharField(read_only=True, label="状态", help_text=" | ".join(
        f"{code} {label}" for code, label in MAJOR.choices()))
    status_label = serializers.CharField(source="get_status_display", read_only=True, label="状态名称")
    directive_label = serializers.CharField(source="get_directive_display", read_only=True, label="下达文书名称")
    days_left = serializers.IntegerField(read_only=True, allow_null=True, label="距整改期限天数")
    deadline_level = serializers.CharField(source="deadline_colour", read_only=True, allow_null=True,
                                           label="整改期限预警（blue/yellow/orange/red）")
    deadline_level_label = serializers.SerializerMethodField(label="整改期限预警名称")
    items = HazardItemSerializer(many=True, read_only=True, label="隐患明细")

    class Meta:
        model = MajorHazard
        fields = ["id", "no", "source", "source_label", "equipment_category", "equipment_category_label",
                  "equipment", "equipment_code", "report", "report_no", "user_unit", "user_unit_name",
                  "user_unit_uscc", "managing_agency", "managing_agency_name", "reporter_org", "reporter_org_name",
                  "region", "region_name", "description", "found_on", "requirement", "deadline", "days_left",
                  "deadline_level", "deadline_level_label", "status", "status_label", "directive", "directive_label",
                  "directive_no", "dispatched_at", "feedback_at", "closed_at", "extensions", "requested_deadline",
                  "items", "created_at", "updated_at"]
        read_only_fields = fields

    def get_equipment_category_label(self, obj) -> str:
        return CATEGORIES.get(obj.equipment_category, obj.equipment_category)

    def get_deadline_level_label(self, obj) -> str | None:
        level = obj.deadline_colour
        return LEVEL_LABELS[level] if level else None


class TransitionLogSerializer(serializers.Serializer):
    transition = serializers.CharField(label="操作")
    transition_label = serializers.CharField(label="操作名称")
    from_state = serializers.CharField(label="原状态")
    to_state = serializers.CharField(label="新状态")
    actor_name = serializers.CharField(label="操作人")
    time = serializers.DateTimeField(label="时间")
    comment = serializers.CharField(label="意见")


class MajorHazardDetailSerializer(MajorHazardSerializer):
    region_full_name = serializers.CharField(source="region.full_name", read_only=True, label="所在区划（全称）")
    history = serializers.SerializerMethodField(label="办理记录")

    class Meta(MajorHazardSerializer.Meta):
        fields = MajorHazardSerializer.Meta.fields + ["region_full_name", "history"]
        read_only_fields = fields

    @extend_schema_field(TransitionLogSerializer(many=True))
    def get_history(self, obj):
        return TransitionLogSerializer(history(obj).order_by("time", "id"), many=True).data


class SupervisionLogSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, label="日志类型名称")
    created_by_name = serializers.CharField(source="created_by.display_name", default="", read_only=True,
                                            label="填写人")

    class Meta:
        model = SupervisionLog
        fields = ["id", "kind", "kind_label", "date", "inspectors", "content", "created_at", "created_by_name"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"inspectors": {"error_messages": {"required": "请填写执法（检查）人员",
                                                          "blank": "请填写执法（检查）人员"}},
                        "content": {"error_messages": {"required": "请填写检查情况", "blank": "请填写检查情况"}}}

    def validate_date(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError("检查日期不能晚于今天")
        return value


# == reporting and correcting ================================================================================
class ItemInputSerializer(serializers.Serializer):
    judgement_code = serializers.CharField(label="判定项条款号", max_length=20, required=False, allow_blank=True)
    description = serializers.CharField(label="问题描述", max_length=2000, required=False, allow_blank=True)


def visible_units(user):
    """User units (enterprises) a regulator may report a hazard for: those of the jurisdiction."""
    return Organisation.objects.visible_to(user).filter(kind=Organisation.Kind.ENTERPRISE)


def allowed_sources(user):
    if user.kind == "institution":
        return INSTITUTION_SOURCES
    if user.kind == "enterprise":
        return tuple(c for c, _ in MajorHazard.Source.choices if c != "complaint")
    return tuple(c for c, _ in MajorHazard.Source.choices)


def default_source(user):
    if user.kind == "institution":
        return INSTITUTION_DEFAULT_SOURCE.get(getattr(user.organisation, "institution_type", ""), "other")
    return "unit" if user.kind == "enterprise" else "supervision"


def find_equipment(user, code):
    """The device a caller may report a hazard on, by its code; (equipment, error)."""
    qs = Equipment.objects.visible_to(user)
    if user.kind == "enterprise":
        equipment = qs.filter(code=code, user_unit_id=user.organisation_id).first()
        return equipment, None if equipment else f"设备代码“{code}”不存在或不是本单位的设备"
    if user.kind == "institution":  # devices it maintains (scope) or has inspected, as on the page
        inspected = InspectionReport.objects.visible_to(user).filter(agency_id=user.organisation_id)
        equipment = (Equipment.objects.filter(Q(pk__in=qs.values("pk")) | Q(pk__in=inspected.values("equipment_id")))
                     .filter(code=code).first())
        return equipment, None if equipment else "未找到该设备，或该设备不是本机构检验、维保的设备"
    equipment = qs.filter(code=code).first()
    return equipment, None if equipment else f"设备代码“{code}”不存在或不在您的辖区内"


class MajorHazardWriteSerializer(HazardDateRules, serializers.Serializer):
    """线上填报 (POST) and its correction (PUT / PATCH) by the reporter while the hazard waits for dispatch.

    A user unit reports its own hazards; a technical institution reports from one of its inspection
    reports (report_no) or a device it inspected or maintains (equipment_code), with the rectification
    requirement and deadline; a regulator reports for a user unit of its jurisdiction (user_unit)."""

    user_unit = serializers.IntegerField(label="使用单位ID", required=False,
                                         help_text="监管部门录入时必填（或由设备带出）；使用单位、技术机构不填")
    report_no = serializers.CharField(label="关联检验报告编号", max_length=50, required=False, allow_blank=True,
                                      help_text="技术机构从本机构出具的检验报告上报时填写")
    equipment_code = serializers.CharField(label="设备代码", max_length=40, required=False, allow_blank=True)
    source = serializers.ChoiceField(label="隐患来源", choices=MajorHazard.Source.choices, required=False)
    equipment_category = serializers.ChoiceField(label="隐患类型（设备种类）", choices=list(CATEGORIES.items()),
                                                 required=False, help_text="不填则取设备的种类")
    description = serializers.CharField(label="隐患问题描述", max_length=2000,
                                        error_messages={"required": "请填写隐患问题描述", "blank": "请填写隐患问题描述"})
    found_on = serializers.DateField(label="发现日期", required=False, help_text="不填则为今天")
    requirement = serializers.CharField(label="整改要求", max_length=2000, required=False, allow_blank=True)
    deadline = serializers.DateField(label="整改期限", required=False, allow_null=True)
    items = serializers.ListField(label="隐患明细", child=ItemInputSerializer(), allow_empty=False,
                                  error_messages={"required": "请至少登记一项隐患明细", "empty": "请至少登记一项隐患明细"})


    def validate(self, attrs):
        user, hazard = self.context["request"].user, self.instance
        errors = {}

        def add(field, message):
            errors.setdefault(field, []).append(message)

        report = None
        given_report = (attrs.get("report_no") or "").strip()
        if hazard is not None:
            if "report_no" in attrs and given_report != (hazard.report.report_no if hazard.report_id else ""):
                add("report_no", "关联检验报告不能更改")
            if "user_unit" in attrs and attrs["user_unit"] != hazard.user_unit_id:
                add("user_unit", "使用单位不能更改")
        elif given_report:
            if user.kind != "institution":
                add("report_no", "仅技术机构上报时关联本机构出具的检验报告")
            else:
                report = (InspectionReport.objects.visible_to(user).select_related("equipment__user_unit")
                          .filter(agency_id=user.organisation_id, report_no=given_report).first())
                if report is None:
                    add("report_no", "未找到本机构出具的该编号检验报告")

        equipment = hazard.equipment if hazard is not None else None
        if "equipment_code" in attrs:
            code = attrs["equipment_code"].strip()
            equipment = None
            if code:
                equipment, error = find_equipment(user, code)
                if error:
                    add("equipment_code", error)
            elif user.kind == "institution" and hazard is not None:
                add("equipment_code", "请填写设备代码")
        if report is not None:
            if equipment is not None and equipment.pk != report.equipment_id:
                add("equipment_code", "设备与检验报告不一致")
            equipment = report.equipment

        unit = hazard.user_unit if hazard is not None else None
        if hazard is None:
            wanted = attrs.get("user_unit")
            if user.kind == "enterprise":
                unit = user.organisation
                if wanted not in (None, user.organisation_id):
                    add("user_unit", "只能上报本单位的隐患")
            elif user.kind == "institution":
                unit = equipment.user_unit if equipment is not None else None
                if unit is None and not errors:
                    add("equipment_code", "请填写检验报告编号或设备代码")
                elif wanted is not None and unit is not None and wanted != unit.pk:
                    add("user_unit", "使用单位随设备带出，与所填不一致")
            elif wanted is not None:
                unit = visible_units(user).filter(pk=wanted).first()
                if unit is None:
                    add("user_unit", "请选择您辖区内的使用单位")
            elif equipment is not None:
                unit = equipment.user_unit
            else:
                add("user_unit", "请选择使用单位")
        if equipment is not None and unit is not None and equipment.user_unit_id != unit.pk:
            add("equipment_code", "所选设备不属于该使用单位")

        category = (attrs.get("equipment_category") or (hazard.equipment_category if hazard is not None else "")
                    or (equipment.category if equipment is not None else ""))
        if not category:
            add("equipment_category", "请选择隐患类型（设备种类）")
        elif equipment is not None and equipment.category != category:
            add("equipment_category", f"所选设备的种类为“{CATEGORIES.get(equipment.category, equipment.category)}”，"
                                      "与隐患类型不一致")

        source = attrs.get("source") or (hazard.source if hazard is not None else default_source(user))
        if source not in allowed_sources(user) and (hazard is None or source != hazard.source):
            add("source", f"“{MajorHazard.Source(source).label}”不是您可选的隐患来源")

        if user.kind == "institution":  # §4.3.7: the institution sets the requirement and the deadline
            requirement = attrs.get("requirement", hazard.requirement if hazard is not None else "")
            deadline = attrs.get("deadline", hazard.deadline if hazard is not None else None)
            if not (requirement or "").strip():
                add("requirement", "请填写整改要求")
            if deadline is None and "deadline" not in errors:
                add("deadline", "请填写整改期限")

        items = None
        if "items" in attrs and category:
            items, item_errors = clean_coded_items(attrs["items"], category)
            for message in item_errors:
                add("items", message)
        if errors:
            raise serializers.ValidationError(errors)

        fields = {name: attrs[name] for name in ("description", "found_on", "requirement", "deadline") if name in attrs}
        fields.update(source=source, equipment_category=category)
        if "equipment_code" in attrs or report is not None:
            fields["equipment"] = equipment
        if hazard is None:
            fields.update(user_unit=unit, report=report, equipment=equipment)
        return {"fields": fields, "items": items}

    def create(self, validated_data):
        user = self.context["request"].user
        try:
            return services.report_major_hazard(user, items=validated_data["items"], **validated_data["fields"])
        except DjangoValidationError as exc:
            raise _errors(exc) from None

    def update(self, instance, validated_data):
        user = self.context["request"].user
        try:
            return services.update_major_hazard(instance, user, items=validated_data["items"],
                                                **validated_data["fields"])
        except DjangoValidationError as exc:
            raise _errors(exc) from None


# == the workflow ==============================================================================================
class DispatchDataSerializer(serializers.Serializer):
    directive = serializers.ChoiceField(label="下达文书", choices=MajorHazard.Directive.choices,
                                        error_messages={"required": "请选择下达的文书（整改通知书或整改督处函）"})
    deadline = serializers.DateField(label="整改期限", error_messages={"required": "请填写整改期限"})
    requirement = serializers.CharField(label="整改要求", max_length=2000, required=False, allow_blank=True,
                                        help_text="不填则沿用上报时的整改要求")

    def validate_deadline(self, value):
        if value <= timezone.localdate():
            raise serializers.ValidationError("整改期限必须晚于今天")
        return value

    def validate(self, attrs):
        if not (attrs.get("requirement") or "").strip() and not self.context["hazard"].requirement:
            raise serializers.ValidationError({"requirement": ["请填写整改要求"]})
        return attrs


class FeedbackItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(label="隐患明细ID")
    feedback = serializers.CharField(label="整改情况", max_length=2000,
                                     error_messages={"blank": "请填写该项隐患的整改情况"})


class FeedbackDataSerializer(serializers.Serializer):
    items = FeedbackItemSerializer(label="逐项整改情况", many=True, required=False)

    def validate_items(self, value):
        hazard = self.context["hazard"]
        mine = set(hazard.items.values_list("pk", flat=True))
        wrong = [str(i["id"]) for i in value if i["id"] not in mine]
        if wrong:
            raise serializers.ValidationError(f"隐患明细{'、'.join(wrong)}不属于该隐患")
        return value


class ExtensionDataSerializer(serializers.Serializer):
    requested_deadline = serializers.DateField(label="申请延期至", error_messages={"required": "请填写申请延期至的日期"})


TRANSITION_DATA = {"dispatch": DispatchDataSerializer, "feedback": FeedbackDataSerializer,
                   "request_extension": ExtensionDataSerializer}


class TransitionSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(
        label="操作", choices=[(t.name, t.label) for t in MAJOR.transitions],
        error_messages={"required": "请填写要办理的操作", "invalid_choice": "没有名为“{input}”的操作"},
        help_text="dispatch 派单督办 | revoke 撤销 | feedback 提交整改反馈 | request_extension 申请延期整改 | "
                  "approve_extension 同意延期 | reject_extension 不同意延期 | return 退回整改 | close 复核销号")
    comment = serializers.CharField(label="处理意见", required=False, allow_blank=True, max_length=2000)
    data = serializers.DictField(label="操作数据", required=False, default=dict,
                                 help_text="dispatch: {directive: notice|letter, deadline, requirement}；"
                                           "feedback: {items: [{id, feedback}]}；request_extension: {requested_deadline}")

    def validate(self, attrs):
        data_class = TRANSITION_DATA.get(attrs["transition"])
        if data_class is not None:
            data = data_class(data=attrs.get("data") or {}, context=self.context)
            if not data.is_valid():
                raise serializers.ValidationError({"data": data.errors})
            attrs["data"] = data.validated_data
        return attrs


def run_transition(hazard, user, name, comment, data):
    """The named transition, through the same service or workflow call as the pages."""
    if name == "dispatch":
        return services.dispatch(hazard, user, directive=data["directive"], deadline=data["deadline"],
                                 requirement=(data.get("requirement") or "").strip() or hazard.requirement,
                                 comment=comment)
    if name == "feedback":
        feedback = {str(i["id"]): i["feedback"] for i in data.get("items", [])}
        return services.submit_feedback(hazard, user, feedback=feedback, comment=comment)
    if name == "request_extension":
        return MAJOR.apply(hazard, name, user, comment=comment,
                           data={"requested_deadline": data["requested_deadline"].isoformat()})
    return MAJOR.apply(hazard, name, user, comment=comment)


class ItemFeedbackSerializer(serializers.Serializer):
    feedback = serializers.CharField(label="整改情况", max_length=2000,
                                     error_messages={"required": "请填写整改情况", "blank": "请填写整改情况"})


class ItemReviewSerializer(serializers.Serializer):
    passed = serializers.BooleanField(label="复核通过", help_text="true 复核通过（销项）；false 退回整改（须填复核意见）")
    comment = serializers.CharField(label="复核意见", required=False, allow_blank=True, max_length=1000)

    def validate(self, attrs):
        if not attrs["passed"] and not (attrs.get("comment") or "").strip():
            raise serializers.ValidationError({"comment": ["退回整改须填写复核意见"]})
        return attrs


# == permissions and the viewset ==============================================================================
class HazardPermissions(ModelPermissions):
    """Reading needs view_majorhazard; reporting, correcting and deleting report_majorhazard (the
    services then check who reported it). The workflow actions need the hazard to be visible; the
    workflow checks each transition's own permission, role and guards."""

    perms_map = {**ModelPermissions.perms_map, **{m: ["%(app_label)s.report_%(model_name)s"]
                                                   for m in ("POST", "PUT", "PATCH", "DELETE")}}

    def has_permission(self, request, view):
        if getattr(view, "action", None) in view.workflow_actions:
            user = request.user
            if not (user and user.is_authenticated and user.has_perm(VIEW)):
                return False
            return user.has_perm(ADD_LOG) if view.action == "logs" and request.method == "POST" else True
        return super().has_permission(request, view)


HAZARD_DETAIL = OpenApiResponse(MajorHazardDetailSerializer, description="the hazard after the change")
REFUSED = OpenApiResponse(description="400: field errors in Chinese, e.g. {\"non_field_errors\": [\"该隐患没有监察日志，不能销号\"]}")


@extend_schema_view(
    list=extend_schema(summary="重大事故隐患列表（本辖区/本单位）"),
    retrieve=extend_schema(summary="重大事故隐患详情（含隐患明细与办理记录）"),
    create=extend_schema(summary="上报重大事故隐患", request=MajorHazardWriteSerializer,
                         responses={201: MajorHazardDetailSerializer, 400: REFUSED}),
    update=extend_schema(summary="修改重大事故隐患（待派单时，上报单位）", request=MajorHazardWriteSerializer,
                         responses={200: MajorHazardDetailSerializer, 400: REFUSED}),
    partial_update=extend_schema(summary="修改重大事故隐患（部分字段）", request=MajorHazardWriteSerializer,
                                 responses={200: MajorHazardDetailSerializer, 400: REFUSED}),
    destroy=extend_schema(summary="删除重大事故隐患（待派单时，上报单位）"),
)
class MajorHazardViewSet(ScopedModelViewSet):
    queryset_base = MajorHazard.objects
    serializer_class = MajorHazardSerializer
    filterset_class = HazardApiFilter
    permission_classes = [HazardPermissions]
    select_related = ("region", "user_unit", "managing_agency", "reporter_org", "equipment", "report")
    workflow_actions = ("transition", "item_feedback", "review_item", "logs")

    def get_queryset(self):
        items = HazardItem.objects.select_related("judgement_item", "reviewed_by")
        return super().get_queryset().prefetch_related(Prefetch("items", queryset=items)).order_by("-id")

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return MajorHazardWriteSerializer
        if self.action == "retrieve":
            return MajorHazardDetailSerializer
        return MajorHazardSerializer

    def _detail(self, hazard, code=status.HTTP_200_OK):
        hazard = self.get_queryset().get(pk=hazard.pk)
        return Response(MajorHazardDetailSerializer(hazard, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            hazard = serializer.save()
        return self._detail(hazard, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        hazard = self.get_object()
        try:
            services.check_editable(hazard, request.user)  # the pages' refusal, before any field check
        except DjangoValidationError as exc:
            raise _errors(exc) from None
        serializer = self.get_serializer(hazard, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return self._detail(hazard)

    def perform_destroy(self, instance):
        try:
            services.delete_major_hazard(instance, self.request.user)
        except DjangoValidationError as exc:
            raise _errors(exc) from None

    # -- the closed loop ---------------------------------------------------------------------------------------
    @extend_schema(summary="办理流程操作（派单督办、整改反馈、延期、退回、复核销号等）", request=TransitionSerializer,
                   responses={200: HAZARD_DETAIL, 400: REFUSED})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        hazard = self.get_object()
        serializer = TransitionSerializer(data=request.data, context={"hazard": hazard, "request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            run_transition(hazard, request.user, data["transition"], (data.get("comment") or "").strip(),
                           data["data"])
        except (DjangoValidationError, TransitionError) as exc:
            raise _errors(exc) from None
        return self._detail(hazard)

    def _item(self, hazard, item_id):
        return get_object_or_404(HazardItem.objects.select_related("judgement_item", "reviewed_by", "hazard"),
                                 hazard=hazard, pk=item_id)

    @extend_schema(summary="暂存一项隐患的整改情况（使用单位）", request=ItemFeedbackSerializer,
                   parameters=[OpenApiParameter("item_id", int, OpenApiParameter.PATH, description="隐患明细ID")],
                   responses={200: HazardItemSerializer, 400: REFUSED})
    @action(detail=True, methods=["post"], url_path=r"items/(?P<item_id>\d+)/feedback")
    def item_feedback(self, request, pk=None, item_id=None):
        hazard = self.get_object()
        item = self._item(hazard, item_id)
        serializer = ItemFeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not request.user.has_perm("se_hazards.rectify_majorhazard"):
            raise PermissionDenied("您没有整改反馈的权限")
        if item.status not in ("open", "returned"):
            raise serializers.ValidationError({"non_field_errors": [f"该项隐患状态为“{item.get_status_display()}”，"
                                                                    "不能填写整改情况"]})
        try:
            services.record_item_feedback(hazard, request.user, {str(item.pk): serializer.validated_data["feedback"]})
        except DjangoValidationError as exc:
            raise _errors(exc) from None
        return Response(HazardItemSerializer(self._item(hazard, item_id)).data)

    @extend_schema(summary="逐项复核（技术机构或监管部门）", request=ItemReviewSerializer,
                   parameters=[OpenApiParameter("item_id", int, OpenApiParameter.PATH, description="隐患明细ID")],
                   responses={200: HazardItemSerializer, 400: REFUSED})
    @action(detail=True, methods=["post"], url_path=r"items/(?P<item_id>\d+)/review")
    def review_item(self, request, pk=None, item_id=None):
        hazard = self.get_object()
        item = self._item(hazard, item_id)
        serializer = ItemReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.review_item(item, request.user, passed=serializer.validated_data["passed"],
                                 comment=(serializer.validated_data.get("comment") or "").strip())
        except DjangoValidationError as exc:
            raise _errors(exc) from None
        return Response(HazardItemSerializer(self._item(hazard, item_id)).data)

    @extend_schema(summary="监察日志与复核日志", methods=["GET"], request=None,
                   responses={200: SupervisionLogSerializer(many=True)})
    @extend_schema(summary="添加监察日志或复核日志（监管部门）", methods=["POST"], request=SupervisionLogSerializer,
                   responses={201: SupervisionLogSerializer, 400: REFUSED})
    @action(detail=True, methods=["get", "post"])
    def logs(self, request, pk=None):
        hazard = self.get_object()
        if request.method == "GET":
            logs = hazard.logs.select_related("created_by").order_by("-date", "-id")
            return Response(SupervisionLogSerializer(logs, many=True).data)
        serializer = SupervisionLogSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            log = services.add_log(hazard, request.user, **{f: serializer.validated_data[f]
                                                            for f in ("kind", "date", "inspectors", "content")})
        except DjangoValidationError as exc:
            raise _errors(exc) from None
        return Response(SupervisionLogSerializer(log).data, status=status.HTTP_201_CREATED)
