"""Agency entrance (/gov/se/...): the regulator side of the major-hazard closed loop
线上填报—派单督办—整改反馈—复核销号, and the GB 45067—2024 judgement configuration.

* 重大事故隐患: the list of the jurisdiction (filters, deadline colours, Excel export), entry by a
  regulator of any level, and the hazard's page: dispatch with a 整改通知书 or 整改督处函 (Word / PDF),
  extension approval, per-item review, return, 复核销号, supervision and review logs, attachments.
* 隐患提醒单: hazards waiting for dispatch whose managing unit is the user's own agency (each level
  handles its own), by source.
* 隐患判定项配置: the criteria as editable data, with their change history.

Every queryset goes through visible_to(user); every change goes through services / the workflow."""
import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from domains.special_equipment.equipment.models import CATEGORIES
from kernel.alerts.models import LEVEL_COLOURS, LEVEL_LABELS
from kernel.files.services import attachments_of
from kernel.org.models import Region
from kernel.ui.filters import DateInput, StyledFilterSet
from kernel.ui.forms import apply_errors
from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedFormView, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column
from kernel.workflow.engine import TransitionError
from kernel.workflow.views import panel_context

from .. import documents, services
from ..exports import HAZARD_COLUMNS, HAZARD_SELECT, REMINDER_COLUMNS, REMINDER_SELECT, STATE_COLOURS, deadline_level_q
from ..models import HazardItem, JudgementItem, MajorHazard
from ..workflows import MAJOR, every_item_closed, has_review_log_if_directed, has_supervision_log, may_review_items
from . import forms_gov as f

EVIDENCE = "se_hazard_evidence"  # attachment purpose of the regulator's materials (registered in menus_gov)
RECTIFICATION = "se_rectification"  # the unit's rectification materials (registered in menus_ent)
VIEW, REPORT = "se_hazards.view_majorhazard", "se_hazards.report_majorhazard"
DISPATCH, REVIEW = "se_hazards.dispatch_majorhazard", "se_hazards.review_majorhazard"
ADD_LOG = "se_hazards.add_supervisionlog"
SECTION = ("特种设备", None)
HAZARD_BREAD = [SECTION, ("重大事故隐患", "/gov/se/hazards/")]
JUDGEMENT_BREAD = [SECTION, ("隐患判定项配置", "/gov/se/judgement-items/")]
ITEM_COLOURS = {"open": "warning", "fed_back": "primary", "returned": "danger", "closed": "success"}
LEVELS = [(level, LEVEL_LABELS[level]) for level in ("blue", "yellow", "orange", "red")]


def _call(form, fn, *args, **kwargs):
    """Run a service or transition; a refusal (ValidationError / TransitionError) becomes form errors."""
    try:
        return True, fn(*args, **kwargs)
    except (ValidationError, TransitionError) as exc:
        apply_errors(form, exc)
        return False, None


def _in_region(qs, name, value):
    from kernel.org.scope import in_region_subtree

    return in_region_subtree(qs, value)


# == list ================================================================================================
class HazardFilter(StyledFilterSet):
    no = django_filters.CharFilter(label="隐患编号", lookup_expr="iexact")
    region = django_filters.ChoiceFilter(label="所在区划（含下级）", choices=[], method="in_region", empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=MAJOR.choices(), empty_label="全部")
    source = django_filters.ChoiceFilter(label="隐患来源", choices=MajorHazard.Source.choices, empty_label="全部")
    equipment_category = django_filters.ChoiceFilter(label="隐患类型（设备种类）", choices=list(CATEGORIES.items()),
                                                     empty_label="全部")
    judgement_category = django_filters.ChoiceFilter(label="隐患原因（判定项类别）", choices=[], method="with_cause",
                                                     empty_label="全部")
    level = django_filters.ChoiceFilter(label="整改期限预警", choices=LEVELS, method="at_level", empty_label="全部")
    unit_name = django_filters.CharFilter(label="使用单位", field_name="user_unit__name", lookup_expr="icontains")
    # one unit exactly (links from the statistics' ranking and the unit portrait; shown by unit_name)
    unit = django_filters.NumberFilter(label="使用单位ID", field_name="user_unit_id", widget=forms.HiddenInput)
    found_from = django_filters.DateFilter(label="发现日期起", field_name="found_on", lookup_expr="gte", widget=DateInput)
    found_to = django_filters.DateFilter(label="发现日期止", field_name="found_on", lookup_expr="lte", widget=DateInput)
    deadline_from = django_filters.DateFilter(label="整改期限起", field_name="deadline", lookup_expr="gte",
                                              widget=DateInput)
    deadline_to = django_filters.DateFilter(label="整改期限止", field_name="deadline", lookup_expr="lte", widget=DateInput)

    class Meta:
        model = MajorHazard
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        from kernel.org.scope import region_choices

        self.form.fields["region"].choices = [("", "全部")] + region_choices(getattr(request, "user", None),
                                                                           Region.Level.COUNTY)
        self.form.fields["judgement_category"].choices = [("", "全部")] + [(c, c) for c in judgement_categories()]

    def in_region(self, qs, name, value):
        return _in_region(qs, name, value)

    def with_cause(self, qs, name, value):
        """Hazards with at least one item under a criterion of this category (the statistics' 隐患原因)."""
        return qs.filter(Exists(HazardItem.objects.filter(hazard=OuterRef("pk"), judgement_item__category=value)))

    def at_level(self, qs, name, value):
        return qs.filter(deadline_level_q(value))


def judgement_categories():
    """The hazard categories (隐患类别) of the configured criteria, in configuration order."""
    from kernel.core.cache import versioned

    def load():
        rows = JudgementItem.objects.order_by("order", "code").values_list("category", flat=True)
        return list(dict.fromkeys(c for c in rows if c))

    return versioned("se:judgement_categories", ["se_hazards_judgementitem"], load)


class HazardListView(ScopedListView):
    model = MajorHazard
    title = "重大事故隐患"
    list_key = "se_hazards"
    permission_required = VIEW
    export_permission = "se_hazards.export_majorhazard"
    create_url_name = "gov:se_hazard_create"
    create_permission = REPORT
    filterset_class = HazardFilter
    columns = HAZARD_COLUMNS
    select_related = HAZARD_SELECT
    template_name = "se_hazards/gov/hazard_list.html"
    breadcrumbs = [SECTION]
    filter_form_tables = ScopedListView.filter_form_tables + ("se_hazards_judgementitem",)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        current = self.request.GET.get("level", "")
        params = self.request.GET.copy()
        for key in ("level", "page", "export"):
            params.pop(key, None)
        base = params.urlencode()
        ctx["levels"] = [{"key": key, "label": label, "colour": LEVEL_COLOURS[key], "active": key == current,
                          "query": f"{base}&level={key}" if base else f"level={key}"} for key, label in LEVELS]
        return ctx


# == entry =================================================================================================
class HazardCreateView(ScopedFormView):
    model = MajorHazard
    title = "录入重大事故隐患"
    template_name = "se_hazards/gov/hazard_form.html"
    permission_required = (VIEW, REPORT)
    breadcrumbs = HAZARD_BREAD
    success_message = "重大事故隐患已录入，已告知使用单位并生成提醒单"

    def get_form(self, data=None):
        return f.HazardEntryForm(data=data, user=self.request.user)

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            ok, hazard = _call(form, services.report_major_hazard, request.user, **form.service_fields())
            if ok:
                messages.success(request, f"{self.success_message}（{hazard.no}）")
                return redirect("gov:se_hazard_detail", pk=hazard.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ctx["form"]
        ctx["judgement_groups"] = f.judgement_groups(form["equipment_category"].value() or "",
                                                     form["judgement_items"].value() or [])
        return ctx


class UnitOptionsView(EntranceMixin, TemplateView):
    """HTMX: the user units of the jurisdiction matching a name or credit code, as <option>s."""

    permission_required = REPORT
    template_name = "se_hazards/gov/_options.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        units = f.search_units(self.request.user, self.request.GET.get("q", ""))
        ctx["options"] = [("", f"找到{len(units)}个使用单位，请选择" if units else "未找到匹配的使用单位")] + [
            (u.pk, f.unit_label(u)) for u in units]
        return ctx


class UnitEquipmentView(EntranceMixin, TemplateView):
    """HTMX: the devices of the chosen unit, as <option>s."""

    permission_required = REPORT
    template_name = "se_hazards/gov/_options.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        value = self.request.GET.get("user_unit", "")
        unit = f.visible_units(self.request.user).filter(pk=value).first() if value.isdigit() else None
        ctx["options"] = f.equipment_choices(self.request.user, unit)
        return ctx


class JudgementOptionsView(EntranceMixin, TemplateView):
    """HTMX: the criteria check boxes (with recommended measures) of an equipment category."""

    permission_required = REPORT
    template_name = "se_hazards/gov/_judgement_items.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        category = self.request.GET.get("equipment_category", "")
        ctx["judgement_groups"] = f.judgement_groups(category if category in CATEGORIES else "",
                                                     self.request.GET.getlist("judgement_items"))
        return ctx


# == detail and the closed loop =============================================================================
HAZARD_FIELDS = [
    Column("no", "隐患编号"),
    Column("source", "隐患来源", choices=True),
    Column("equipment_category", "隐患类型（设备种类）", dict_type="equipment_category"),
    Column("user_unit", "特种设备使用单位", accessor="user_unit.name"),
    Column("uscc", "统一社会信用代码", accessor="user_unit.uscc"),
    Column("equipment", "设备", accessor="equipment"),
    Column("report", "关联检验报告", accessor="report.report_no"),
    Column("region", "所在区划", accessor="region.name"),
    Column("managing_agency", "管理单位（属地监管部门）", accessor="managing_agency.name"),
    Column("reporter_org", "上报单位", accessor="reporter_org.name"),
    Column("description", "隐患问题描述"),
    Column("found_on", "发现日期"),
    Column("created_at", "上报时间"),
    Column("requirement", "整改要求"),
    Column("deadline", "整改期限"),
    Column("directive", "下达文书", choices=True),
    Column("directive_no", "文书编号"),
    Column("dispatched_at", "派单时间"),
    Column("requested_deadline", "申请延期至"),
    Column("extensions", "延期次数"),
    Column("feedback_at", "最近反馈时间"),
    Column("closed_at", "销号时间"),
]


def allowed(hazard, user):
    """What the user may do on the hazard now (the workflow re-checks everything on submit)."""
    state = hazard.status

    def has(perm):
        return user.is_superuser or user.has_perm(perm)

    return {
        "can_dispatch": state == "reported" and has(DISPATCH),
        "can_revoke": state == "reported" and has(DISPATCH),
        "can_decide_extension": state == "extension" and has(DISPATCH),
        "can_review": state == "feedback" and may_review_items(hazard, user, {}) is None,
        "can_close": state == "feedback" and has(REVIEW),
        "can_log": state not in ("closed", "revoked") and has(ADD_LOG),
    }


def close_conditions(hazard):
    """The rules of 复核销号, each with its refusal (None when it holds)."""
    rows = [("全部隐患明细已复核销项", every_item_closed(hazard, None, {})),
            ("已有监察日志", has_supervision_log(hazard, None, {}))]
    if hazard.directive == MajorHazard.Directive.NOTICE:
        rows.append(("已下达整改通知书（指令书），须有复核日志", has_review_log_if_directed(hazard, None, {})))
    return [{"label": label, "ok": refusal is None, "refusal": refusal} for label, refusal in rows]


class HazardDetailView(ScopedDetailView):
    model = MajorHazard
    permission_required = VIEW
    select_related = ("equipment", "report", "user_unit", "managing_agency", "reporter_org", "region")
    template_name = "se_hazards/gov/hazard_detail.html"
    fields = HAZARD_FIELDS
    breadcrumbs = HAZARD_BREAD

    def get_title(self):
        return f"重大事故隐患 {self.get_object().no}"

    def get_context_data(self, forms=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        hazard, user = self.get_object(), self.request.user
        forms = forms or {}
        can = allowed(hazard, user)
        ctx.update(can)
        ctx.update(panel_context(hazard, user))
        ctx["wf_actions"] = []  # every action needs its own fields: the forms of this page
        items = list(hazard.items.select_related("judgement_item", "reviewed_by"))
        ctx["items"] = [{"item": i, "colour": ITEM_COLOURS.get(i.status, "secondary"),
                         "form": forms.get(f"review_{i.pk}")} for i in items]
        ctx["closed_count"] = sum(1 for i in items if i.status == HazardItem.Status.CLOSED)
        ctx["returned_count"] = sum(1 for i in items if i.status == HazardItem.Status.RETURNED)
        ctx["pending_review"] = sum(1 for i in items if i.status == HazardItem.Status.FED_BACK)
        level = hazard.deadline_colour
        ctx["deadline_colour"] = LEVEL_COLOURS[level] if level else None
        ctx["deadline_label"] = LEVEL_LABELS[level] if level else None
        days = hazard.days_left
        ctx["deadline_hint"] = "" if days is None else (f"已超期{-days}天" if days < 0 else f"剩余{days}天")
        ctx["state_colour"] = STATE_COLOURS.get(hazard.status, "secondary")
        ctx["logs"] = list(hazard.logs.select_related("created_by"))
        ctx["has_documents"] = bool(hazard.directive)
        ctx["evidence_purpose"] = EVIDENCE
        ctx["rectification_files"] = attachments_of(hazard, user, RECTIFICATION)
        if can["can_dispatch"]:
            ctx["dispatch_form"] = forms.get("dispatch") or f.DispatchForm(hazard=hazard)
            ctx["revoke_form"] = forms.get("revoke") or f.CommentForm(label="撤销理由")
        if can["can_decide_extension"]:
            ctx["extension_form"] = forms.get("extension") or f.ExtensionDecisionForm()
            ctx["extension_reason"] = (self.transitions().filter(transition="request_extension")
                                       .order_by("-time", "-id").first())
        if can["can_review"] and ctx["returned_count"] and not ctx["pending_review"]:
            ctx["return_form"] = forms.get("return") or f.CommentForm(label="退回意见")
        if can["can_close"]:
            ctx["close_form"] = forms.get("close") or f.CommentForm(label="销号意见", required=False)
            ctx["close_conditions"] = close_conditions(hazard)
            ctx["close_ready"] = all(c["ok"] for c in ctx["close_conditions"])
        if can["can_log"]:
            ctx["log_form"] = forms.get("add_log") or f.LogForm()
        return ctx

    def transitions(self):
        from kernel.workflow.engine import history

        return history(self.get_object())

    # -- actions (POST, one form each) ---------------------------------------------------------------------
    def post(self, request, pk):
        hazard = self.get_object()
        action = request.POST.get("action", "")
        handlers = {"dispatch": ("can_dispatch", self.dispatch_hazard), "revoke": ("can_revoke", self.revoke),
                    "extension": ("can_decide_extension", self.decide_extension),
                    "review_item": ("can_review", self.review_item), "return": ("can_review", self.return_hazard),
                    "close": ("can_close", self.close), "add_log": ("can_log", self.add_log)}
        if action not in handlers:
            raise Http404("没有该操作")
        right, handler = handlers[action]
        if not allowed(hazard, request.user)[right]:
            state = hazard.get_status_display()
            messages.error(request, f"当前状态为“{state}”，您不能办理该事项")
            return redirect("gov:se_hazard_detail", pk=hazard.pk)
        forms = handler(hazard)
        if not forms:
            return redirect("gov:se_hazard_detail", pk=hazard.pk)
        self._object = (MajorHazard.objects.visible_to(request.user).select_related(*self.select_related)
                        .get(pk=hazard.pk))  # the state as stored: a refused action changed nothing
        return self.render_to_response(self.get_context_data(forms=forms), status=400)

    def _apply(self, form, hazard, name, **kwargs):
        return _call(form, MAJOR.apply, hazard, name, self.request.user, **kwargs)[0]

    def dispatch_hazard(self, hazard):
        form = f.DispatchForm(self.request.POST)
        if form.is_valid():
            data = form.cleaned_data
            ok, _ = _call(form, services.dispatch, hazard, self.request.user, directive=data["directive"],
                          deadline=data["deadline"], requirement=data["requirement"], comment=data["comment"])
            if ok:
                messages.success(self.request, f"已派单督办，下达{hazard.get_directive_display()}"
                                               f"（{hazard.directive_no}），整改期限{hazard.deadline:%Y-%m-%d}")
                return None
        return {"dispatch": form}

    def revoke(self, hazard):
        form = f.CommentForm(self.request.POST, label="撤销理由")
        if form.is_valid() and self._apply(form, hazard, "revoke", comment=form.cleaned_data["comment"]):
            messages.success(self.request, "已撤销该隐患")
            return None
        return {"revoke": form}

    def decide_extension(self, hazard):
        form = f.ExtensionDecisionForm(self.request.POST)
        if form.is_valid():
            decision = form.cleaned_data["decision"]
            if self._apply(form, hazard, decision, comment=form.cleaned_data["comment"]):
                messages.success(self.request, f"已同意延期，整改期限延至{hazard.deadline:%Y-%m-%d}"
                                 if decision == "approve_extension" else "已不同意延期，整改期限不变")
                return None
        return {"extension": form}

    def review_item(self, hazard):
        form = f.ItemReviewForm(self.request.POST)
        item = None
        if form.is_valid():
            item = hazard.items.filter(pk=form.cleaned_data["item"]).first()
            if item is None:
                raise Http404("隐患明细不存在")
            passed = form.cleaned_data["verdict"] == "pass"
            ok, _ = _call(form, services.review_item, item, self.request.user, passed=passed,
                          comment=form.cleaned_data.get("comment") or "")
            if ok:
                messages.success(self.request, "该项已复核销项" if passed else "该项已退回，全部复核后请办理“退回整改”")
                return None
        key = item.pk if item is not None else self.request.POST.get("item", "")
        return {f"review_{key}": form}

    def return_hazard(self, hazard):
        form = f.CommentForm(self.request.POST, label="退回意见")
        if form.is_valid() and self._apply(form, hazard, "return", comment=form.cleaned_data["comment"]):
            messages.success(self.request, "已退回使用单位，退回的隐患明细须重新整改并反馈")
            return None
        return {"return": form}

    def close(self, hazard):
        form = f.CommentForm(self.request.POST, label="销号意见", required=False)
        if form.is_valid() and self._apply(form, hazard, "close", comment=form.cleaned_data["comment"]):
            messages.success(self.request, "已复核销号")
            return None
        return {"close": form}

    def add_log(self, hazard):
        form = f.LogForm(self.request.POST)
        if form.is_valid():
            data = form.cleaned_data
            ok, log = _call(form, services.add_log, hazard, self.request.user, kind=data["kind"], date=data["date"],
                            inspectors=data["inspectors"], content=data["content"])
            if ok:
                messages.success(self.request, f"已添加{log.get_kind_display()}")
                return None
        return {"add_log": form}


class HazardDocumentView(ScopedObjectMixin, EntranceMixin, View):
    """整改通知书 / 整改督处函 of a dispatched hazard, as Word or PDF (scope-checked, logged)."""

    model = MajorHazard
    permission_required = VIEW
    select_related = ("user_unit", "equipment", "managing_agency")

    def get(self, request, pk, fmt):
        return documents.document_response(self.get_object(), fmt, request.user)


# == reminder slips ===========================================================================================
class ReminderFilter(StyledFilterSet):
    source = django_filters.ChoiceFilter(label="隐患来源", choices=MajorHazard.Source.choices, empty_label="全部")
    equipment_category = django_filters.ChoiceFilter(label="隐患类型", choices=list(CATEGORIES.items()),
                                                     empty_label="全部")
    unit_name = django_filters.CharFilter(label="使用单位", field_name="user_unit__name", lookup_expr="icontains")

    class Meta:
        model = MajorHazard
        fields = []


class ReminderListView(ScopedListView):
    """隐患提醒单: hazards waiting for dispatch that the user's own agency manages (each level its own)."""

    model = MajorHazard
    title = "隐患提醒单"
    list_key = "se_hazard_reminders"
    permission_required = (VIEW, DISPATCH)
    export_permission = "se_hazards.export_majorhazard"
    filterset_class = ReminderFilter
    columns = REMINDER_COLUMNS
    select_related = REMINDER_SELECT
    default_ordering = "id"  # the oldest first: the first to be due
    template_name = "se_hazards/gov/reminder_list.html"
    breadcrumbs = [SECTION]

    def base_queryset(self):
        org = self.request.user.organisation_id
        return super().base_queryset().filter(status="reported", managing_agency_id=org if org else 0)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        counts = dict(self.base_queryset().values_list("source").annotate(n=Count("pk")).order_by())
        current = self.request.GET.get("source", "")
        params = self.request.GET.copy()
        for key in ("source", "page", "export"):
            params.pop(key, None)
        base = params.urlencode()
        ctx["tabs"] = [{"key": "", "label": "全部", "count": sum(counts.values()), "active": not current,
                        "query": base}] + [
            {"key": key, "label": label, "count": counts.get(key, 0), "active": key == current,
             "query": f"{base}&source={key}" if base else f"source={key}"}
            for key, label in MajorHazard.Source.choices]
        ctx["agency"] = self.request.user.organisation
        return ctx


# == judgement configuration ===================================================================================
class CategoryColumn(Column):
    """The equipment category of a criterion; empty means every category (通用)."""

    def raw(self, obj):
        return CATEGORIES.get(obj.equipment_category, obj.equipment_category) if obj.equipment_category else "通用"


JUDGEMENT_COLUMNS = [
    Column("code", "条款号", link="gov:se_judgement_detail", width=10),
    CategoryColumn("equipment_category", "设备种类", width=14),
    Column("parent_category", "所属隐患类别", width=18),
    Column("category", "隐患类别", width=18),
    Column("text", "判定项", sortable=False, width=50),
    Column("measures", "建议处置措施", sortable=False, width=40),
    Column("enabled", "启用", width=6),
    Column("order", "排序", default=False, width=6),
]
GENERAL = "general"  # filter value of the criteria common to every category (stored as "")


class JudgementFilter(StyledFilterSet):
    equipment_category = django_filters.ChoiceFilter(
        label="设备种类", choices=[(GENERAL, "通用")] + list(CATEGORIES.items()), method="by_category",
        empty_label="全部")
    parent_category = django_filters.CharFilter(label="所属隐患类别", lookup_expr="icontains")
    category = django_filters.CharFilter(label="隐患类别", lookup_expr="icontains")
    enabled = django_filters.ChoiceFilter(label="状态", choices=[("1", "启用"), ("0", "停用")], method="by_enabled",
                                          empty_label="全部")
    keyword = django_filters.CharFilter(label="条款号/判定项", method="search")

    class Meta:
        model = JudgementItem
        fields = []

    def by_category(self, qs, name, value):
        return qs.filter(equipment_category="" if value == GENERAL else value)

    def by_enabled(self, qs, name, value):
        return qs.filter(enabled=value == "1")

    def search(self, qs, name, value):
        from django.db.models import Q

        return qs.filter(Q(code__icontains=value) | Q(text__icontains=value))


class JudgementScopeMixin:
    """Judgement items are reference data of the whole platform (no region): whoever holds the view
    permission sees all of them. Their scope_fields are empty, which the kernel scope fails closed on
    for agency staff, so these pages read the table directly behind the permission check."""

    def base_queryset(self):
        return JudgementItem.objects.all()

    def get_object(self):
        if not hasattr(self, "_object"):
            obj = JudgementItem.objects.filter(pk=self.kwargs["pk"]).first()
            if obj is None:
                raise Http404("判定项不存在")
            self._object = obj
        return self._object


class JudgementListView(JudgementScopeMixin, ScopedListView):
    model = JudgementItem
    title = "隐患判定项配置"
    list_key = "se_judgement_items"
    permission_required = "se_hazards.view_judgementitem"
    create_url_name = "gov:se_judgement_create"
    create_permission = "se_hazards.add_judgementitem"
    filterset_class = JudgementFilter
    columns = JUDGEMENT_COLUMNS
    default_ordering = "equipment_category"
    breadcrumbs = [SECTION]

    def ordering(self):
        ordering = super().ordering()
        return ordering + ["order", "code"] if ordering == [self.default_ordering] else ordering


class JudgementDetailView(JudgementScopeMixin, ScopedDetailView):
    model = JudgementItem
    permission_required = "se_hazards.view_judgementitem"
    template_name = "se_hazards/gov/judgement_detail.html"
    fields = JUDGEMENT_COLUMNS + [Column("updated_at", "最近修改时间")]
    edit_url_name = "gov:se_judgement_edit"
    edit_permission = "se_hazards.change_judgementitem"
    breadcrumbs = JUDGEMENT_BREAD

    def get_title(self):
        return f"判定项 {self.get_object().code}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # how often the criterion was found in the user's jurisdiction (statistics use the same link)
        hazards = MajorHazard.objects.visible_to(self.request.user)
        ctx["usage"] = HazardItem.objects.filter(judgement_item=self.get_object(), hazard__in=hazards).count()
        return ctx


class JudgementFormMixin:
    model = JudgementItem
    form_class = f.JudgementItemForm
    template_name = "se_hazards/gov/judgement_form.html"
    breadcrumbs = JUDGEMENT_BREAD

    def get_success_url(self, obj):
        return reverse("gov:se_judgement_detail", args=[obj.pk])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["known_categories"] = sorted(set(JudgementItem.objects.values_list("category", flat=True)))
        ctx["known_parents"] = sorted(set(JudgementItem.objects.exclude(parent_category="")
                                          .values_list("parent_category", flat=True)))
        return ctx


class JudgementCreateView(JudgementFormMixin, ScopedFormView):
    title = "新增判定项"
    permission_required = ("se_hazards.view_judgementitem", "se_hazards.add_judgementitem")
    success_message = "判定项已保存"


class JudgementEditView(JudgementFormMixin, JudgementScopeMixin, ScopedFormView):
    permission_required = ("se_hazards.view_judgementitem", "se_hazards.change_judgementitem")
    success_message = "判定项已修改"

    def get_title(self):
        return f"修改判定项：{self.get_object().code}"

    def get_instance(self):
        return self.get_object()

