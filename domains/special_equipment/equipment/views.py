"""Pages of the equipment registry: equipment and unit portraits, inspection reports and the
one-click list of non-conforming reports without a reported major hazard (spec 4.3.2).

Agency pages live at /gov/se/..., enterprise and institution pages at /ent/se/...; every query goes
through visible_to(user) (for institutions widened by services.visible_equipment)."""
from django.apps import apps
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.generic import TemplateView, View

from kernel.dicts import services as dicts
from kernel.org.models import Organisation
from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedFormView, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column

from . import services
from .filters import EntEquipmentFilter, EntReportFilter, EquipmentFilter, ReportFilter, UnreportedFilter
from .forms import EquipmentForm, ReportForm
from .models import CATEGORIES, Equipment, InspectionReport

BREAD = [("特种设备", None)]
STATUS_COLOURS = {"in_use": "#198754", "stopped": "#fd7e14", "scrapped": "#6c757d", "unregistered": "#dc3545"}
RED, GREEN, ORANGE, GREY = "#dc3545", "#198754", "#fd7e14", "#6c757d"


def _conclusion_colour(report):
    if report.conclusion in InspectionReport.NEGATIVE:
        return RED
    return ORANGE if report.conclusion == InspectionReport.Conclusion.BASIC else GREEN


class UnitColumn(Column):
    """A unit's name linking to its portrait page (agency entrance)."""

    def __init__(self, name, label, **kwargs):
        super().__init__(name, label, accessor=f"{name}.name", order_by=f"{name}__name", width=30, **kwargs)

    def html(self, obj, user=None, link=True):
        unit_id = getattr(obj, f"{self.name}_id", None)
        if unit_id is None:
            return ""
        return format_html('<a href="{}">{}</a>', reverse("gov:se_unit_portrait", args=[unit_id]), self.display(obj))


class EquipmentLinkColumn(Column):
    """The report's device, linking to its portrait at the same entrance."""

    def __init__(self, entrance):
        super().__init__("equipment", "设备", accessor="equipment")
        self.entrance = entrance

    def html(self, obj, user=None, link=True):
        url = reverse(f"{self.entrance}:se_equipment_detail", args=[obj.equipment_id])
        return format_html('<a href="{}">{}</a>', url, self.display(obj))


def equipment_columns(entrance):
    unit = UnitColumn if entrance == "gov" else (
        lambda name, label, **kw: Column(name, label, accessor=f"{name}.name", order_by=f"{name}__name", width=30, **kw))
    return [
        Column("code", "设备代码", link=f"{entrance}:se_equipment_detail", width=24),
        Column("category", "设备种类", dict_type="equipment_category", width=14),
        Column("type_name", "设备类别", default=False),
        Column("variety", "设备品种", default=False),
        Column("name", "设备名称", width=20),
        Column("registration_no", "使用登记证编号", width=22),
        Column("region", "所在区划", accessor="region.name", order_by="region__path"),
        Column("location", "设备使用地点", sortable=False, default=False, width=36),
        unit("user_unit", "使用单位"),
        unit("maintenance_unit", "维保单位", default=False),
        Column("status", "设备状态", choices=True, colour=lambda e: STATUS_COLOURS.get(e.status, GREY)),
        Column("manufactured_on", "制造日期", default=False),
        Column("commissioned_on", "投用日期", default=False),
        Column("next_inspection_on", "下次检验日期"),
        Column("inspection_overdue", "检验超期", sortable=False, colour=lambda e: RED if e.inspection_overdue else GREY),
    ]


def report_columns(entrance, *, problems=False):
    unit = UnitColumn if entrance == "gov" else (
        lambda name, label, **kw: Column(name, label, accessor=f"{name}.name", order_by=f"{name}__name", width=30, **kw))
    return [
        Column("report_no", "报告编号", link=f"{entrance}:se_report_detail", width=24),
        Column("equipment", "设备代码", accessor="equipment.code", order_by="equipment__code", width=24),
        Column("category", "设备种类", accessor="equipment.category", dict_type="equipment_category",
               order_by="equipment__category"),
        unit("user_unit", "使用单位"),
        Column("region", "所在区划", accessor="region.name", order_by="region__path"),
        unit("agency", "检验机构"),
        Column("kind", "检验类别", choices=True),
        Column("inspected_on", "检验日期"),
        Column("conclusion", "检验结论", choices=True, colour=_conclusion_colour),
        Column("next_inspection_on", "下次检验日期", default=False),
        Column("hazard_state", "重大隐患上报", sortable=False,
               colour=lambda r: GREEN if r.hazard_state == services.REPORTED else RED),
        Column("problems", "主要问题", sortable=False, default=problems, width=40),
        Column("inspector", "检验人员", default=False),
    ]


EQUIPMENT_SELECT = ("region", "user_unit", "maintenance_unit")
REPORT_SELECT = ("equipment", "region", "user_unit", "agency")


# -- equipment ------------------------------------------------------------------------------------
class EquipmentListView(ScopedListView):
    model = Equipment
    title = "设备管理"
    list_key = "se_equipment"  # also the key of the registered Excel import (imports.py)
    permission_required = "se_equipment.view_equipment"
    export_permission = "se_equipment.export_equipment"
    create_url_name = "gov:se_equipment_create"
    create_permission = "se_equipment.add_equipment"
    filterset_class = EquipmentFilter
    columns = equipment_columns("gov")
    select_related = EQUIPMENT_SELECT
    breadcrumbs = BREAD


class EntEquipmentListView(EquipmentListView):
    entrance = "ent"
    title = "本单位设备"
    list_key = "se_equipment_ent"
    create_url_name = None
    filterset_class = EntEquipmentFilter
    columns = equipment_columns("ent")
    breadcrumbs = BREAD

    def base_queryset(self):
        return services.visible_equipment(self.request.user)


def _hazard_rows(hazards, workflow):
    colours = {s.code: s.colour for s in workflow.states}
    return [(h, colours.get(h.status, "secondary")) for h in hazards]


class EquipmentPortraitView(ScopedDetailView):
    """The device portrait: registration data, inspection reports, major and general hazards."""

    model = Equipment
    permission_required = "se_equipment.view_equipment"
    template_name = "se_equipment/equipment_detail.html"
    select_related = EQUIPMENT_SELECT
    edit_url_name = "gov:se_equipment_edit"
    edit_permission = "se_equipment.change_equipment"
    breadcrumbs = BREAD + [("设备管理", "/gov/se/equipment/")]

    def get_object(self):
        if not hasattr(self, "_object"):
            qs = services.visible_equipment(self.request.user).select_related(*self.select_related)
            self._object = qs.filter(pk=self.kwargs["pk"]).first()
            if self._object is None:
                raise Http404("设备不存在或不在您的管辖范围内")
        return self._object

    @property
    def fields(self):
        columns = {c.name: c for c in equipment_columns(self.entrance)}
        columns["region"] = Column("region", "所在区划", accessor="region.full_name")
        order = ["code", "category", "type_name", "variety", "name", "registration_no", "region", "location",
                 "user_unit", "maintenance_unit", "status", "manufactured_on", "commissioned_on",
                 "next_inspection_on", "inspection_overdue"]
        return [columns[n] for n in order] + [Column("model_no", "型号规格")]

    def get_title(self):
        return f"设备画像：{self.get_object()}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj, user = self.get_object(), self.request.user
        ctx["reports"] = services.with_hazard_flag(
            InspectionReport.objects.visible_to(user).filter(equipment=obj).select_related("agency"))[:50]
        ctx["report_url"] = f"{self.entrance}:se_report_detail"
        if user.has_perm("se_hazards.view_majorhazard"):
            model = apps.get_model("se_hazards", "MajorHazard")
            hazards = model.objects.visible_to(user).filter(equipment=obj).select_related("reporter_org")
            ctx["major_hazards"] = _hazard_rows(hazards[:50], model.workflow)
        if user.has_perm("se_hazards.view_generalhazard"):
            model = apps.get_model("se_hazards", "GeneralHazard")
            ctx["general_hazards"] = _hazard_rows(model.objects.visible_to(user).filter(equipment=obj)[:50],
                                                  model.workflow)
        return ctx


class EntEquipmentPortraitView(EquipmentPortraitView):
    entrance = "ent"
    edit_url_name = None
    breadcrumbs = BREAD + [("本单位设备", "/ent/se/equipment/")]


class EquipmentCreateView(ScopedFormView):
    model = Equipment
    form_class = EquipmentForm
    title = "登记特种设备"
    permission_required = "se_equipment.add_equipment"
    breadcrumbs = BREAD + [("设备管理", "/gov/se/equipment/")]

    def save_form(self, form):
        return services.save_equipment(self.request.user, form.save(commit=False))


class EquipmentEditView(ScopedObjectMixin, EquipmentCreateView):
    model = Equipment
    permission_required = "se_equipment.change_equipment"
    select_related = EQUIPMENT_SELECT

    def get_title(self):
        return f"编辑设备：{self.get_object()}"

    def get_instance(self):
        return self.get_object()


# -- units ---------------------------------------------------------------------------------------------
class UnitPortraitView(EntranceMixin, TemplateView):
    """A unit's portrait: its equipment by category, its major and general hazards, its reports."""

    permission_required = "se_equipment.view_equipment"
    template_name = "se_equipment/unit_portrait.html"
    breadcrumbs = BREAD + [("设备管理", "/gov/se/equipment/")]

    def get_unit(self):
        """A unit the user may see, or one that owns, maintains or inspected equipment the user may see."""
        if not hasattr(self, "_unit"):
            user = self.request.user
            equipment = Equipment.objects.visible_to(user)
            reports = InspectionReport.objects.visible_to(user)
            seen = (Q(pk__in=Organisation.objects.visible_to(user).values("pk"))
                    | Q(pk__in=equipment.values("user_unit_id")) | Q(pk__in=equipment.values("maintenance_unit_id"))
                    | Q(pk__in=reports.values("agency_id")))
            self._unit = Organisation.objects.filter(seen, pk=self.kwargs["pk"]).select_related("region").first()
            if self._unit is None:
                raise Http404("单位不存在或不在您的管辖范围内")
        return self._unit

    def get_title(self):
        return f"单位画像：{self.get_unit().name}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        unit, user, today = self.get_unit(), self.request.user, timezone.localdate()
        equipment = Equipment.objects.visible_to(user)
        owned = equipment.filter(user_unit=unit)
        counts = {row["category"]: row for row in owned.values("category").annotate(
            total=Count("id"), in_use=Count("id", filter=Q(status=Equipment.Status.IN_USE)),
            overdue=Count("id", filter=Q(next_inspection_on__lt=today)))}
        ctx["categories"] = [
            {"code": code, "label": dicts.label("equipment_category", code) or name,
             "total": counts.get(code, {}).get("total", 0), "in_use": counts.get(code, {}).get("in_use", 0),
             "overdue": counts.get(code, {}).get("overdue", 0)}
            for code, name in CATEGORIES.items()]
        ctx["total"] = sum(c["total"] for c in ctx["categories"])
        related = equipment.filter(Q(user_unit=unit) | Q(maintenance_unit=unit))
        ctx["maintained"] = equipment.filter(maintenance_unit=unit).count()
        ctx["equipment"] = related.select_related("region", "user_unit").order_by("-id")[:20]
        ctx["equipment_count"] = related.count()
        ctx["unit"] = unit
        if user.has_perm("se_hazards.view_majorhazard"):
            model = apps.get_model("se_hazards", "MajorHazard")
            hazards = model.objects.visible_to(user).filter(user_unit=unit)
            by_status = dict(hazards.values_list("status").annotate(n=Count("id")))
            ctx["major_by_status"] = [(s.label, s.colour, by_status.get(s.code, 0)) for s in model.workflow.states]
            ctx["major_hazards"] = _hazard_rows(hazards.select_related("reporter_org")[:20], model.workflow)
        if user.has_perm("se_hazards.view_generalhazard"):
            model = apps.get_model("se_hazards", "GeneralHazard")
            by_status = dict(model.objects.visible_to(user).filter(unit=unit).values_list("status")
                             .annotate(n=Count("id")))
            ctx["general_by_status"] = [(s.label, s.colour, by_status.get(s.code, 0)) for s in model.workflow.states]
        reports = services.with_hazard_flag(InspectionReport.objects.visible_to(user).filter(
            Q(user_unit=unit) | Q(agency=unit)))
        ctx["reports"] = reports.select_related("equipment", "agency").order_by("-inspected_on", "-id")[:20]
        ctx["report_count"] = reports.count()
        ctx["unreported"] = services.unreported_negative(reports).count()
        return ctx


# -- inspection reports ------------------------------------------------------------------------------
class ReportListView(ScopedListView):
    model = InspectionReport
    title = "检验报告"
    list_key = "se_reports"
    permission_required = "se_equipment.view_inspectionreport"
    export_permission = "se_equipment.export_inspectionreport"
    filterset_class = ReportFilter
    columns = report_columns("gov")
    select_related = REPORT_SELECT
    default_ordering = "-inspected_on"
    breadcrumbs = BREAD

    def base_queryset(self):
        return services.with_hazard_flag(super().base_queryset())


class UnreportedListView(ReportListView):
    """一键生成: the negative reports for which no major hazard has been reported."""

    title = "不合格报告未报隐患清单"
    list_key = "se_reports_unreported"
    filterset_class = UnreportedFilter
    columns = [c for c in report_columns("gov", problems=True) if c.name not in ("hazard_state",)]
    template_name = "se_equipment/unreported_list.html"

    def base_queryset(self):
        return services.unreported_negative(InspectionReport.objects.visible_to(self.request.user))


class EntReportListView(ReportListView):
    entrance = "ent"
    list_key = "se_reports_ent"
    filterset_class = EntReportFilter
    columns = report_columns("ent")
    create_url_name = "ent:se_report_create"
    create_permission = "se_equipment.add_inspectionreport"


class ReportDetailView(ScopedDetailView):
    model = InspectionReport
    permission_required = "se_equipment.view_inspectionreport"
    template_name = "se_equipment/report_detail.html"
    select_related = REPORT_SELECT
    breadcrumbs = BREAD + [("检验报告", "/gov/se/reports/")]

    @property
    def fields(self):
        columns = {c.name: c for c in report_columns(self.entrance)}
        columns["equipment"] = EquipmentLinkColumn(self.entrance)
        order = ["report_no", "equipment", "category", "user_unit", "region", "agency", "kind", "inspected_on",
                 "conclusion", "next_inspection_on", "problems", "inspector"]
        return [columns[n] for n in order]

    def get_title(self):
        return f"检验报告：{self.get_object()}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj, user = self.get_object(), self.request.user
        ctx["unreported"] = services.unreported_negative(InspectionReport.objects.filter(pk=obj.pk)).exists()
        if user.has_perm("se_hazards.view_majorhazard"):
            model = apps.get_model("se_hazards", "MajorHazard")
            ctx["major_hazards"] = _hazard_rows(model.objects.visible_to(user).filter(report=obj), model.workflow)
        return ctx


class EntReportDetailView(ReportDetailView):
    entrance = "ent"
    breadcrumbs = BREAD + [("检验报告", "/ent/se/reports/")]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj, user = self.get_object(), self.request.user
        if user.organisation_id == obj.agency_id and user.has_perm("se_hazards.report_majorhazard"):
            ctx["report_hazard_url"] = f"/ent/se/hazards/new/?report={obj.pk}"
        return ctx


class ReportCreateView(ScopedFormView):
    """An institution enters an inspection report for equipment found by its exact 设备代码."""

    entrance = "ent"
    model = InspectionReport
    form_class = ReportForm
    title = "录入检验报告"
    permission_required = "se_equipment.add_inspectionreport"
    template_name = "se_equipment/report_form.html"
    success_message = "检验报告已录入"
    breadcrumbs = BREAD + [("检验报告", "/ent/se/reports/")]

    def save_form(self, form):
        data = form.cleaned_data
        return services.create_report(
            self.request.user, equipment=data["equipment_code"],
            **{name: data[name] for name in ReportForm.Meta.fields})

    def get_success_url(self, obj):
        return reverse("ent:se_report_detail", args=[obj.pk])


class EquipmentLookupView(EntranceMixin, View):
    """HTMX: the device a typed 设备代码 names (exact match), so the inspector can check it."""

    entrance = "ent"
    permission_required = "se_equipment.add_inspectionreport"

    def get(self, request):
        from django.core.exceptions import ValidationError

        code = request.GET.get("equipment_code", "")
        equipment, error = None, ""
        if code.strip():
            try:
                equipment = services.equipment_for_report(request.user, code)
            except ValidationError as exc:
                error = exc.message_dict["equipment"][0]
        category = dicts.label("equipment_category", equipment.category) if equipment else ""
        html = render_to_string("se_equipment/_equipment_lookup.html",
                                {"equipment": equipment, "category": category, "error": error}, request=request)
        return HttpResponse(html)
