"""Inspection pages (/gov/ops/inspections/...): checklists with their items and the 立即巡检 button, probe
targets, runs with their colour-coded results, the manual items' form, completion and the Word report.

Every record is looked up through visible_to(user) (a user of another city gets 404); every change goes
through the services."""
import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View

from kernel.alerts.models import LEVEL_COLOURS, OPEN_STATES, Warning
from kernel.ui.filters import StyledFilterSet, date_range
from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedFormView, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column
from kernel.workflow.engine import TransitionError
from kernel.workflow.views import panel_context

from .. import documents, services
from ..models import Checklist, ChecklistItem, CheckPoint, Frequency, InspectionResult, InspectionRun, Target
from ..workflows import RUN
from . import forms as f

SECTION = ("运维服务管理", None)
CHECKLISTS = ("巡检清单", "/gov/ops/inspections/checklists/")
TARGETS = ("巡检目标", "/gov/ops/inspections/targets/")
RUNS = ("巡检记录", "/gov/ops/inspections/runs/")
STATE_COLOURS = {"filling": "#fd7e14", "completed": "#198754"}


# == checklists ==============================================================================================
class ChecklistFilter(StyledFilterSet):
    name = django_filters.CharFilter(label="清单名称", lookup_expr="icontains")
    frequency = django_filters.ChoiceFilter(label="巡检频次", choices=Frequency.choices, empty_label="全部")
    system = django_filters.CharFilter(label="运维对象", field_name="system__name", lookup_expr="icontains")

    class Meta:
        model = Checklist
        fields = []


CHECKLIST_COLUMNS = [
    Column("name", "清单名称", link="gov:ops_inspections_checklist", width=24),
    Column("system", "运维对象", accessor="system.name", order_by="system__name", width=24),
    Column("frequency", "巡检频次", choices=True, width=10),
    Column("n_items", "检查项数", sortable=False, width=10),
    Column("active", "启用", width=8),
    Column("description", "说明", default=False, width=30),
]


class ChecklistListView(ScopedListView):
    model = Checklist
    title = "巡检清单"
    list_key = "ops_inspections_checklists"
    permission_required = "ops_inspections.view_checklist"
    filterset_class = ChecklistFilter
    columns = CHECKLIST_COLUMNS
    select_related = ("system",)
    default_ordering = "system__code"
    create_url_name = "gov:ops_inspections_checklist_create"
    create_permission = "ops_inspections.add_checklist"
    breadcrumbs = [SECTION]

    def base_queryset(self):
        return super().base_queryset().annotate(n_items=Count("items", filter=Q(items__active=True)))


class ChecklistDetailView(ScopedDetailView):
    model = Checklist
    template_name = "ops_inspections/checklist.html"
    permission_required = "ops_inspections.view_checklist"
    select_related = ("system",)
    breadcrumbs = [SECTION, CHECKLISTS]
    edit_url_name = "gov:ops_inspections_checklist_edit"
    edit_permission = "ops_inspections.change_checklist"
    fields = [Column("system", "运维对象", accessor="system.name"), Column("name", "清单名称"),
              Column("frequency", "巡检频次", choices=True), Column("active", "启用"), Column("description", "说明")]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        checklist = self.get_object()
        user = self.request.user
        ctx["items"] = list(checklist.items.all())
        ctx["level_colours"] = LEVEL_COLOURS
        ctx["runs"] = list(checklist.runs.order_by("-started_at", "-id")[:10])
        ctx["can_run"] = user.has_perm("ops_inspections.perform_inspectionrun") and checklist.active
        ctx["can_edit_items"] = user.has_perm("ops_inspections.change_checklist")
        ctx["targets"] = list(Target.objects.visible_to(user).filter(system_id=checklist.system_id, enabled=True))
        return ctx


class ChecklistCreateView(ScopedFormView):
    model = Checklist
    form_class = f.ChecklistForm
    title = "新增巡检清单"
    permission_required = "ops_inspections.add_checklist"
    breadcrumbs = [SECTION, CHECKLISTS]
    success_message = "巡检清单已保存，请添加检查项"

    def save_form(self, form):
        return services.save_checklist(form.instance, self.request.user)

    def get_success_url(self, obj):
        return reverse("gov:ops_inspections_checklist", args=[obj.pk])


class ChecklistEditView(ScopedObjectMixin, ChecklistCreateView):
    model = Checklist
    permission_required = "ops_inspections.change_checklist"
    success_message = "巡检清单已保存"

    def get_title(self):
        return f"编辑巡检清单：{self.get_object()}"

    def get_instance(self):
        return self.get_object()


class ItemFormView(ScopedObjectMixin, ScopedFormView):
    """Add (item_id absent) or change an item of a checklist the user may see."""

    model = Checklist
    form_class = f.ItemForm
    permission_required = "ops_inspections.change_checklist"
    breadcrumbs = [SECTION, CHECKLISTS]
    success_message = "检查项已保存"

    def get_title(self):
        return f"{'编辑' if self.kwargs.get('item_id') else '添加'}检查项：{self.get_object()}"

    def get_instance(self):
        if not self.kwargs.get("item_id"):
            return None
        item = self.get_object().items.filter(pk=self.kwargs["item_id"]).first()
        if item is None:
            raise Http404("检查项不存在")
        return item

    def get_form(self, data=None):
        return f.ItemForm(data=data, instance=self.get_instance(), checklist=self.get_object(), user=self.request.user)

    def save_form(self, form):
        return services.save_item(form.instance, self.request.user)

    def get_success_url(self, obj):
        return reverse("gov:ops_inspections_checklist", args=[obj.checklist_id])


class RunNowView(ScopedObjectMixin, EntranceMixin, View):
    """立即巡检: probe the checklist's targets now and open the stored run."""

    model = Checklist
    permission_required = "ops_inspections.perform_inspectionrun"

    def post(self, request, pk):
        checklist = self.get_object()
        try:
            run = services.run_inspection(checklist, request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("gov:ops_inspections_checklist", pk=checklist.pk)
        messages.success(request, f"巡检完成：{run.targets_probed}个目标，超限{run.breached}项，无法探测{run.failed}项"
                                  + (f"，请填写{run.pending}项人工检查" if run.pending else ""))
        return redirect("gov:ops_inspections_run", pk=run.pk)


# == targets =================================================================================================
class TargetFilter(StyledFilterSet):
    name = django_filters.CharFilter(label="目标名称", lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label="目标类型", choices=Target._meta.get_field("kind").choices,
                                       empty_label="全部")
    system = django_filters.CharFilter(label="运维对象", field_name="system__name", lookup_expr="icontains")

    class Meta:
        model = Target
        fields = []


TARGET_COLUMNS = [
    Column("name", "目标名称", link="gov:ops_inspections_target", width=24),
    Column("system", "运维对象", accessor="system.name", order_by="system__name", width=22),
    Column("kind", "目标类型", choices=True, width=18),
    Column("address", "地址", sortable=False, width=40),
    Column("enabled", "启用", width=8),
    Column("probe_state", "最近探测", sortable=False, width=10,
           colour=lambda t: {None: "#adb5bd", True: "#198754", False: "#dc3545"}[t.last_ok]),
    Column("last_probed_at", "探测时间", width=18),
    Column("last_error", "错误", default=False, width=30),
]


class TargetListView(ScopedListView):
    model = Target
    title = "巡检目标"
    list_key = "ops_inspections_targets"
    permission_required = "ops_inspections.view_target"
    filterset_class = TargetFilter
    columns = TARGET_COLUMNS
    select_related = ("system",)
    default_ordering = "system__code"
    create_url_name = "gov:ops_inspections_target_create"
    create_permission = "ops_inspections.add_target"
    breadcrumbs = [SECTION]


class TargetDetailView(ScopedDetailView):
    model = Target
    template_name = "ops_inspections/target.html"
    permission_required = "ops_inspections.view_target"
    select_related = ("system",)
    breadcrumbs = [SECTION, TARGETS]
    edit_url_name = "gov:ops_inspections_target_edit"
    edit_permission = "ops_inspections.change_target"
    fields = TARGET_COLUMNS[1:3] + [Column("address", "地址"), Column("enabled", "启用"),
                                    Column("timeout_seconds", "超时（秒）"), TARGET_COLUMNS[5], TARGET_COLUMNS[6],
                                    Column("last_error", "最近探测错误")]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["target"] = self.get_object()
        return ctx


class TargetCreateView(ScopedFormView):
    model = Target
    form_class = f.TargetForm
    title = "新增巡检目标"
    template_name = "ops_inspections/target_form.html"
    permission_required = "ops_inspections.add_target"
    breadcrumbs = [SECTION, TARGETS]
    success_message = "巡检目标已保存"

    def save_form(self, form):
        return services.save_target(form.instance, self.request.user, password=form.password_value())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["groups"] = [
            (("common", "基本信息"), ["system", "kind", "name", "enabled", "timeout_seconds"]),
            (("postgresql", "PostgreSQL数据库"), ["host", "port", "dbname", "db_user", "password", "clear_password",
                                                  "lock_wait_seconds", "tablespace_capacity"]),
            (("http", "HTTP应用"), ["url", "backends"]),
            (("disk", "主机磁盘"), ["paths"]),
        ]
        return ctx

    def get_success_url(self, obj):
        return reverse("gov:ops_inspections_target", args=[obj.pk])


class TargetEditView(ScopedObjectMixin, TargetCreateView):
    model = Target
    permission_required = "ops_inspections.change_target"

    def get_title(self):
        return f"编辑巡检目标：{self.get_object()}"

    def get_instance(self):
        return self.get_object()


# == runs ====================================================================================================
class RunFilter(StyledFilterSet):
    system = django_filters.CharFilter(label="运维对象", field_name="system__name", lookup_expr="icontains")
    checklist = django_filters.CharFilter(label="巡检清单", field_name="checklist__name", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label="状态", choices=RUN.choices(), empty_label="全部")
    trigger = django_filters.ChoiceFilter(label="触发方式", choices=InspectionRun.Trigger.choices, empty_label="全部")
    breach = django_filters.ChoiceFilter(label="有无超限", choices=[("1", "有超限"), ("0", "无超限")],
                                         method="with_breach", empty_label="全部")
    started_from, started_to = date_range("started_at")

    class Meta:
        model = InspectionRun
        fields = []

    def with_breach(self, qs, name, value):
        return qs.filter(breached__gt=0) if value == "1" else qs.filter(breached=0)


def _count_colour(colour):
    return lambda run, name=None: colour


RUN_COLUMNS = [
    Column("no", "巡检编号", accessor="no", order_by="started_at", link="gov:ops_inspections_run", width=18),
    Column("system", "运维对象", accessor="system.name", order_by="system__name", width=22),
    Column("checklist", "巡检清单", accessor="checklist.name", order_by="checklist__name", width=18),
    Column("frequency", "频次", accessor="checklist.get_frequency_display", sortable=False, width=8),
    Column("started_at", "巡检时间", width=18),
    Column("trigger", "触发方式", choices=True, width=10),
    Column("status", "状态", choices=True, width=10, colour=lambda r: STATE_COLOURS.get(r.status, "#6c757d")),
    Column("passed", "正常", width=8),
    Column("breached", "超限", width=8, colour=lambda r: "#dc3545" if r.breached else "#198754"),
    Column("failed", "无法探测", width=10, colour=lambda r: "#6c757d" if r.failed else "#198754"),
    Column("pending", "待填写", width=8, default=False),
    Column("targets_probed", "探测目标数", default=False, width=10),
    Column("probe_seconds", "探测耗时（秒）", default=False, width=12),
    Column("inspector", "巡检人", accessor="inspector.display_name", order_by="inspector__real_name", width=12),
]


class RunListView(ScopedListView):
    model = InspectionRun
    title = "巡检记录"
    list_key = "ops_inspections_runs"
    permission_required = "ops_inspections.view_inspectionrun"
    filterset_class = RunFilter
    columns = RUN_COLUMNS
    select_related = ("system", "checklist", "inspector")
    default_ordering = "-started_at"
    breadcrumbs = [SECTION]

    def related_for(self, columns):
        return list(self.select_related)


CATEGORY_LABELS = dict(ChecklistItem.Category.choices)


class RunDetailView(ScopedDetailView):
    model = InspectionRun
    template_name = "ops_inspections/run.html"
    permission_required = "ops_inspections.view_inspectionrun"
    select_related = ("system", "checklist", "inspector")
    breadcrumbs = [SECTION, RUNS]
    fields = [RUN_COLUMNS[1], RUN_COLUMNS[2], RUN_COLUMNS[3], RUN_COLUMNS[4], RUN_COLUMNS[5], RUN_COLUMNS[6],
              Column("completed_at", "完成时间"), RUN_COLUMNS[13], RUN_COLUMNS[11], RUN_COLUMNS[12]]

    def get_title(self):
        run = self.get_object()
        return f"巡检记录 {run.no}"

    def get_context_data(self, form_errors=None, posted=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        run = self.get_object()
        user = self.request.user
        results = list(run.results.select_related("item", "target", "filled_by").order_by(
            "item__order", "item_id", "target__name", "pk"))
        groups = {}
        for r in results:
            groups.setdefault(CATEGORY_LABELS.get(r.item.category, r.item.category), []).append(r)
        manual = [r for r in results if r.item.method == ChecklistItem.Method.MANUAL]
        for r in manual:  # what the form shows: the posted values after a refusal, else the stored ones
            source = posted if posted is not None else None
            r.form_outcome = source.get(f"r{r.pk}_outcome", "") if source else r.outcome
            r.form_value_text = source.get(f"r{r.pk}_value_text", "") if source else r.value_text
            r.form_detail = source.get(f"r{r.pk}_detail", "") if source else r.detail
            r.errors = [m for name in ("outcome", "value_text", "detail") for m in (form_errors or {}).get(
                f"r{r.pk}_{name}", [])]
        can_fill = run.status == "filling" and user.has_perm("ops_inspections.perform_inspectionrun")
        ctx.update(
            run=run, groups=list(groups.items()), manual=manual, can_fill=can_fill,
            form_errors=form_errors or {}, posted=posted,
            outcomes=[(o.value, o.label) for o in InspectionResult.Outcome if o.value in ("pass", "breach")],
            can_export=user.has_perm("ops_inspections.export_inspectionrun"),
            warnings=self.open_warnings(run, user), **panel_context(run, user),
            legend=[("正常", "#198754"), ("超限（按预警等级着色）", LEVEL_COLOURS["red"]), ("无法探测", "#6c757d"),
                    ("仅记录", "#0dcaf0"), ("待填写", "#adb5bd")],
        )
        return ctx

    @staticmethod
    def open_warnings(run, user):
        """The open warnings of this system's check points and targets, as the user may see them."""
        from django.contrib.contenttypes.models import ContentType

        if not user.has_perm("alerts.view_warning"):
            return []
        points = CheckPoint.objects.filter(system_id=run.system_id).values_list("pk", flat=True)
        targets = Target.all_objects.filter(system_id=run.system_id).values_list("pk", flat=True)
        q = (Q(subject_type=ContentType.objects.get_for_model(CheckPoint), subject_id__in=list(points))
             | Q(subject_type=ContentType.objects.get_for_model(Target), subject_id__in=list(targets)))
        return list(Warning.objects.visible_to(user).filter(q, status__in=OPEN_STATES).select_related("rule")
                    .order_by("-level_changed_at", "-id")[:50])

    def post(self, request, pk):
        """Save the manual items (action=save) or complete the run (action=complete)."""
        run = self.get_object()
        entries = {}
        for r in run.results.filter(item__method=ChecklistItem.Method.MANUAL):
            entries[r.pk] = {"outcome": request.POST.get(f"r{r.pk}_outcome", ""),
                             "value_text": request.POST.get(f"r{r.pk}_value_text", ""),
                             "detail": request.POST.get(f"r{r.pk}_detail", "")}
        try:
            if run.status == "filling" and entries:
                services.fill_manual(run, request.user, entries)
            if request.POST.get("action") == "complete":
                services.complete_run(run, request.user, request.POST.get("conclusion", ""))
                messages.success(request, "巡检已完成")
            else:
                messages.success(request, "检查结果已保存")
        except PermissionDenied:
            raise
        except (ValidationError, TransitionError) as exc:
            errors = getattr(exc, "error_dict", None) and exc.message_dict or getattr(exc, "errors", None) or {
                "__all__": [str(exc)]}
            self._object = InspectionRun.objects.visible_to(request.user).select_related(*self.select_related).get(
                pk=pk)
            return self.render_to_response(self.get_context_data(form_errors=errors, posted=request.POST), status=400)
        return redirect("gov:ops_inspections_run", pk=run.pk)


class RunReportView(ScopedObjectMixin, EntranceMixin, View):
    """The Word inspection report of a run."""

    model = InspectionRun
    permission_required = ("ops_inspections.view_inspectionrun", "ops_inspections.export_inspectionrun")

    def get(self, request, pk):
        return documents.report_response(self.get_object(), request.user)
