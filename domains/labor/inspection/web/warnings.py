"""Labour warnings (欠薪预警, /gov/labor/warnings/...): a thin layer over the kernel warning pages.

* The review list: the kernel warning list restricted to the wage-arrears rules (category 欠薪预警),
  with the display fields of the spec's warning review (§(1) 3): unit name, unit address, grid, warning
  item, time, type, content; batch review with an optional level change through kernel.alerts.services.batch.
* A labour warning's page: those fields, the warning's workflow history and two decisions the kernel
  page does not have: 转立案登记 (an unresolved warning becomes a complaint/report registration and
  escalates) and 撤回 (the originator withdraws a mistaken manual warning). Review, dispatch, disposition
  and release stay on the kernel warning page, linked from here."""
import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views import View

from kernel.alerts import services as alert_services
from kernel.alerts.models import LEVEL_LABELS, AlertRule, Warning
from kernel.org.models import Region
from kernel.ui.filters import StyledFilterSet, date_range
from kernel.ui.forms import apply_errors
from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedListView
from kernel.ui.tables import Column
from kernel.workflow.engine import TransitionError
from kernel.workflow.views import panel_context

from .. import services
from ..forms import ConvertForm, EditManualForm, WithdrawForm
from ..models import Complaint
from .access import VIEW, LabourExportMixin
from .filters import CountyFilterMixin

SECTION = ("劳动监察", None)
BREAD = [SECTION, ("欠薪预警审核", "/gov/labor/warnings/")]
LEVELS = [("yellow", "黄色"), ("orange", "橙色"), ("red", "红色")]


def _checkbox(pk):
    return format_html('<input type="checkbox" class="form-check-input" name="ids" value="{}" form="batch-form">', pk)


def grid_name(warning):
    region = warning.region
    return region.name if region is not None and region.level == Region.Level.GRID else ""


def unit_name(warning):
    return warning.organisation.name if warning.organisation_id else warning.subject_repr


class UnitColumn(Column):
    def __init__(self):
        super().__init__("unit", "单位名称", accessor="organisation.name", order_by="organisation__name", width=30)

    def raw(self, obj):
        return unit_name(obj)

    def html(self, obj, user=None, link=True):
        if link:
            return format_html('<a href="/gov/labor/warnings/{}/">{}</a>', obj.pk, unit_name(obj))
        return unit_name(obj)


class GridColumn(Column):
    def __init__(self):
        super().__init__("grid", "所在网格", sortable=False, width=16)

    def raw(self, obj):
        return grid_name(obj) or "—"


REVIEW_COLUMNS = [
    Column("select", "", accessor="pk", sortable=False, fmt=_checkbox),
    UnitColumn(),
    Column("address", "单位地址", accessor="organisation.address", sortable=False, width=30),
    GridColumn(),
    Column("region", "所属区划", accessor="region.name", order_by="region__path", default=False, width=12),
    Column("rule", "预警事项", accessor="rule.name", order_by="rule__name", width=26),
    Column("first_seen", "预警时间", width=18),
    Column("origin", "预警类型", choices=True, width=10),
    Column("level", "等级", accessor="level_label", order_by="level", colour=lambda w: w.level_colour, width=8),
    Column("message", "预警内容", sortable=False, width=40),
    Column("value", "监测值", sortable=False, default=False, width=16),
    Column("status", "状态", accessor="workflow_state.label", order_by="status", width=10),
    Column("assignee", "处置人", accessor="assignee.display_name", order_by="assignee__real_name", default=False,
           width=12),
]


class LabourWarningFilter(CountyFilterMixin, StyledFilterSet):
    unit = django_filters.CharFilter(label="单位名称", method="by_unit")
    rule = django_filters.ModelChoiceFilter(label="预警事项", empty_label="全部", queryset=AlertRule.objects.filter(
        category=services.LABOUR_CATEGORY).order_by("code"))
    level = django_filters.ChoiceFilter(label="等级", choices=LEVELS, empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=Warning.workflow.choices(), empty_label="全部")
    origin = django_filters.ChoiceFilter(label="预警类型", choices=Warning.Origin.choices, empty_label="全部")
    region = django_filters.ChoiceFilter(label="区划（含下级）", choices=[], method="in_region", empty_label="全部")
    date_from, date_to = date_range("first_seen")

    class Meta:
        model = Warning
        fields = []

    def by_unit(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(organisation__name__icontains=value) | Q(subject_repr__icontains=value))


class LabourWarningListView(LabourExportMixin, ScopedListView):
    model = Warning
    title = "欠薪预警审核"
    list_key = "labor_warnings"
    permission_required = VIEW
    filterset_class = LabourWarningFilter
    columns = REVIEW_COLUMNS
    select_related = ("rule", "region", "organisation", "assignee")
    default_ordering = "-first_seen"
    template_name = "labor_inspection/warning_list.html"
    filter_form_tables = ("dicts_dictitem", "org_region", "alerts_alertrule")
    breadcrumbs = [SECTION]

    def base_queryset(self):
        return services.labour_warnings(self.request.user)

    def visible_columns(self):
        cols = super().visible_columns()
        if self.request.GET.get("export") == "xlsx":
            return [c for c in cols if c.name != "select"]
        return cols

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_review"] = self.request.user.has_perm("alerts.review_warning")
        ctx["can_release"] = self.request.user.has_perm("alerts.release_warning")
        ctx["levels"] = LEVELS
        return ctx


class LabourBatchView(EntranceMixin, View):
    """Batch review (with an optional level change) or batch release (批量解除, after disposition) of labour
    warnings: kernel.alerts.services.batch, the same checks per record and a result per record."""

    permission_required = VIEW

    def post(self, request):
        action = request.POST.get("action", "review")
        if action not in ("review", "release") or not request.user.has_perm(f"alerts.{action}_warning"):
            raise PermissionDenied("您没有该批量操作的权限")
        ids = [i for i in request.POST.getlist("ids") if i.isdigit()][:500]
        warnings = list(services.labour_warnings(request.user).filter(pk__in=ids).select_related("rule"))
        if not warnings:
            messages.error(request, "请勾选要审核的预警")
            return redirect("gov:labor_warning_list")
        kwargs = {"comment": request.POST.get("comment", "")}
        level = request.POST.get("level") if action == "review" else ""
        if level:
            if level not in dict(LEVELS):
                messages.error(request, "请选择有效的预警等级")
                return redirect("gov:labor_warning_list")
            kwargs["level"] = level
        results = alert_services.batch(warnings, action, request.user, **kwargs)
        ok = sum(1 for _, good, _ in results if good)
        messages.success(request, f"批量{'审核' if action == 'review' else '解除'}：成功{ok}条，失败{len(results) - ok}条"
                         + (f"（等级调整为{LEVEL_LABELS[level]}）" if level else ""))
        for w, good, msg in results:
            if not good:
                messages.warning(request, f"{w}：{msg}")
        return redirect("gov:labor_warning_list")


class LabourWarningDetailView(ScopedDetailView):
    model = Warning
    permission_required = VIEW
    select_related = ("rule", "region", "organisation", "assignee", "created_by")
    template_name = "labor_inspection/warning_detail.html"
    breadcrumbs = BREAD
    fields = [
        Column("unit", "单位名称", accessor="organisation.name"), Column("address", "单位地址", accessor="organisation.address"),
        Column("region", "所属区划", accessor="region.full_name"), Column("rule", "预警事项", accessor="rule.name"),
        Column("first_seen", "预警时间"), Column("origin", "预警类型", choices=True),
        Column("level", "等级", accessor="level_label"), Column("message", "预警内容"), Column("value", "监测值"),
        Column("assignee", "处置人", accessor="assignee.display_name"),
        Column("disposition_type", "处置方式", dict_type="disposition_type"), Column("result", "处置结果"),
    ]

    def base(self):
        return services.labour_warnings(self.request.user)

    def object_queryset(self):
        return self.base()

    def get_title(self):
        return f"欠薪预警：{unit_name(self.get_object())}"

    def get_context_data(self, convert_form=None, withdraw_form=None, edit_form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        w, user = self.get_object(), self.request.user
        ctx.update(panel_context(w, user))
        ctx["wf_actions"] = []  # decisions on the kernel page or in the forms below
        ctx["grid"] = grid_name(w)
        complaint = Complaint.objects.visible_to(user).filter(warning=w).first()
        ctx["complaint"] = complaint
        refusal = services.conversion_refusal(w)
        can_convert = (refusal is None and user.has_perm("labor_inspection.add_complaint")
                       and user.has_perm("alerts.release_warning"))
        ctx["conversion_note"] = refusal
        # a posted form is shown again with its errors, even when the refusal is why it failed
        ctx["convert_form"] = convert_form or (ConvertForm(user=user) if can_convert else None)
        can_withdraw = (w.origin == Warning.Origin.MANUAL and w.created_by_id == user.pk
                        and "withdraw" in {t.name for t in Warning.workflow.available(w, user)})
        ctx["withdraw_form"] = withdraw_form or (WithdrawForm() if can_withdraw else None)
        can_edit = (w.origin == Warning.Origin.MANUAL and w.is_open
                    and (w.created_by_id == user.pk or user.has_perm("alerts.review_warning")))
        ctx["edit_form"] = edit_form or (EditManualForm(warning=w, initial={"message": w.message, "level": w.level})
                                         if can_edit else None)
        return ctx


class ConvertView(LabourWarningDetailView):
    """POST /gov/labor/warnings/<pk>/convert/: 转立案登记."""

    permission_required = (*VIEW, "labor_inspection.add_complaint")

    def get(self, request, pk):
        return redirect("gov:labor_warning_detail", pk=pk)

    def post(self, request, pk):
        w = self.get_object()
        form = ConvertForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = services.convert_warning(w, request.user, comment=data["comment"],
                                                     supervisor=data["supervisor"], amount_owed=data["amount_owed"],
                                                     workers_involved=data["workers_involved"])
            except (ValidationError, TransitionError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已转立案登记（{complaint.no}），预警已升级转办")
                return redirect(complaint.get_absolute_url())
        del self._object
        return self.render_to_response(self.get_context_data(convert_form=form), status=400)


class WithdrawView(LabourWarningDetailView):
    """POST /gov/labor/warnings/<pk>/withdraw/: the originator withdraws a mistaken manual warning."""

    def get(self, request, pk):
        return redirect("gov:labor_warning_detail", pk=pk)

    def post(self, request, pk):
        w = self.get_object()
        form = WithdrawForm(request.POST)
        if form.is_valid():
            try:
                services.withdraw_warning(w, request.user, form.cleaned_data["comment"])
            except (ValidationError, TransitionError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "预警已撤回")
                return redirect("gov:labor_warning_detail", pk=w.pk)
        del self._object
        return self.render_to_response(self.get_context_data(withdraw_form=form), status=400)


class EditManualView(LabourWarningDetailView):
    """POST /gov/labor/warnings/<pk>/edit/: correct a manual warning (automatic ones cannot be edited)."""

    def get(self, request, pk):
        return redirect("gov:labor_warning_detail", pk=pk)

    def post(self, request, pk):
        w = self.get_object()
        form = EditManualForm(request.POST, warning=w, initial={"level": w.level})
        if form.is_valid():
            level = form.cleaned_data["level"] if w.status == "generated" else None
            try:
                alert_services.edit_manual(w, request.user, message=form.cleaned_data["message"], level=level)
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "预警内容已修改")
                return redirect("gov:labor_warning_detail", pk=w.pk)
        del self._object
        return self.render_to_response(self.get_context_data(edit_form=form), status=400)


def kernel_page_extension(warning, user):
    """On the kernel's warning page (/gov/alerts/warnings/<pk>/), a labour warning links to its labour page
    (转立案登记, 撤回) for users who may see the labour pages, and hides the generic 升级转办 for everyone, as it
    would end the warning without a registration."""
    from ..reference import WARNING_CATEGORY
    from .access import can_view

    if warning.rule.category != WARNING_CATEGORY:
        return None
    actions = ([("转立案登记 / 撤回", reverse("gov:labor_warning_detail", args=[warning.pk]))]
               if can_view(user) else [])
    return {"actions": actions, "hide": {"escalate"}}
