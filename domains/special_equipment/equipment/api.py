"""Open API of the equipment registry: equipment (read-only) and inspection reports (read, create,
correct).

Every queryset goes through visible_to(request.user) (services.visible_equipment for equipment);
a report is created through services.create_report and corrected through services.update_report
(the issuing institution only, while no major hazard hangs on it); their rules come back as
field-level Chinese errors."""
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from kernel.accounts.permissions import ModelPermissions
from kernel.core.api import ScopedModelViewSet, ScopedReadOnlyViewSet
from kernel.dicts import services as dicts

from . import services
from .filters import EntReportFilter, EquipmentFilter
from .models import Equipment, InspectionReport


def _field_errors(exc):
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"non_field_errors": exc.messages})


class EquipmentSerializer(serializers.ModelSerializer):
    category_label = serializers.SerializerMethodField(label="设备种类名称")
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, label="所在区划代码")
    region_name = serializers.CharField(source="region.full_name", read_only=True, label="所在区划")
    user_unit_name = serializers.CharField(source="user_unit.name", read_only=True, label="使用单位")
    user_unit_uscc = serializers.CharField(source="user_unit.uscc", read_only=True, label="使用单位统一社会信用代码")
    maintenance_unit_name = serializers.CharField(source="maintenance_unit.name", read_only=True, default="",
                                                  label="维保单位")
    status_label = serializers.CharField(source="get_status_display", read_only=True, label="设备状态名称")
    inspection_overdue = serializers.BooleanField(read_only=True, label="检验超期")

    class Meta:
        model = Equipment
        fields = ["id", "code", "category", "category_label", "type_name", "variety", "name", "model_no",
                  "registration_no", "region", "region_name", "location", "user_unit", "user_unit_name",
                  "user_unit_uscc", "maintenance_unit", "maintenance_unit_name", "status", "status_label",
                  "manufactured_on", "commissioned_on", "next_inspection_on", "inspection_overdue", "updated_at"]

    def get_category_label(self, obj) -> str:
        return dicts.label("equipment_category", obj.category)


class EquipmentViewSet(ScopedReadOnlyViewSet):
    queryset_base = Equipment.objects
    serializer_class = EquipmentSerializer
    filterset_class = EquipmentFilter
    select_related = ("region", "user_unit", "maintenance_unit")

    def get_queryset(self):
        return services.visible_equipment(self.request.user).select_related(*self.select_related).order_by("-id")


class InspectionReportSerializer(serializers.ModelSerializer):
    equipment_code = serializers.CharField(source="equipment.code", max_length=40, label="设备代码",
                                           error_messages={"required": "请填写设备代码", "blank": "请填写设备代码"})
    agency_name = serializers.CharField(source="agency.name", read_only=True, label="检验机构")
    user_unit_name = serializers.CharField(source="user_unit.name", read_only=True, label="使用单位")
    region = serializers.SlugRelatedField(slug_field="code", read_only=True, label="所在区划代码")
    conclusion_label = serializers.CharField(source="get_conclusion_display", read_only=True, label="检验结论名称")
    hazard_reported = serializers.BooleanField(read_only=True, label="已上报重大事故隐患")

    class Meta:
        model = InspectionReport
        fields = ["id", "report_no", "equipment", "equipment_code", "agency", "agency_name", "user_unit",
                  "user_unit_name", "region", "kind", "inspected_on", "conclusion", "conclusion_label",
                  "next_inspection_on", "problems", "inspector", "hazard_reported", "created_at"]
        read_only_fields = ["equipment", "agency", "user_unit", "created_at"]

    def validate_equipment_code(self, value):
        try:
            return services.equipment_for_report(self.context["request"].user, value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["equipment"]) from None

    def create(self, validated_data):
        equipment = validated_data.pop("equipment")["code"]
        try:
            report = services.create_report(self.context["request"].user, equipment=equipment, **validated_data)
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None
        report.hazard_reported = False
        return report

    def update(self, instance, validated_data):
        """A correction: the device and the report number are the report's identity and stay."""
        equipment = validated_data.pop("equipment", {}).get("code")
        if equipment is not None and equipment.pk != instance.equipment_id:
            raise serializers.ValidationError({"equipment_code": ["检验报告的设备不能更改"]})
        report_no = validated_data.pop("report_no", instance.report_no)
        if report_no.strip() != instance.report_no:
            raise serializers.ValidationError({"report_no": ["报告编号不能更改"]})
        try:
            return services.update_report(instance, self.context["request"].user, **validated_data)
        except DjangoValidationError as exc:
            raise _field_errors(exc) from None


class ReportPermissions(ModelPermissions):
    """Whoever may enter reports may correct their own (services.update_report checks which)."""

    perms_map = {**ModelPermissions.perms_map, "PUT": ["%(app_label)s.add_%(model_name)s"],
                 "PATCH": ["%(app_label)s.add_%(model_name)s"]}


class InspectionReportViewSet(ScopedModelViewSet):
    queryset_base = InspectionReport.objects
    serializer_class = InspectionReportSerializer
    filterset_class = EntReportFilter
    permission_classes = [ReportPermissions]
    select_related = ("equipment", "agency", "user_unit", "region")
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return services.with_hazard_flag(super().get_queryset()).order_by("-inspected_on", "-id")
