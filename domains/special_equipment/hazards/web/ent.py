"""Enterprise entrance (/ent/se/...): the user unit's and the technical institution's hazard pages.

* 重大事故隐患: a user unit sees the major hazards of its own unit from every source, reports its
  own, edits / deletes them while they wait for dispatch, answers the rectification notice item by
  item with attachments (整改反馈 = 销号申请) or asks for more time (延期整改). A technical
  institution sees the hazards it reported, reports new ones (from one of its inspection reports),
  and reviews the unit's feedback item by item, returning what is not rectified.
* 一般隐患 and 隐患排查计划: the unit's own findings, rectified by the responsible person and
  accepted by the investigator.

Every queryset goes through visible_to(user); every change goes through services / workflows."""
import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views import View
from django.views.generic import TemplateView

from domains.special_equipment.equipment.models import CATEGORIES, InspectionReport
from kernel.alerts.models import LEVEL_COLOURS, LEVEL_LABELS
from kernel.files.services import attachments_of
from kernel.ui.filters import StyledFilterSet, date_range
from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedFormView, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column
from kernel.workflow.engine import TransitionError
from kernel.workflow.views import panel_context

from .. import documents, services
from ..models import CheckPlan, GeneralHazard, HazardItem, MajorHazard
from ..workflows import GENERAL, MAJOR
from . import forms_ent as f

RECTIFICATION = "se_rectification"  # attachment purpose, registered in menus_ent
SECTION = ("隐患管理", None)
MAJOR_BREAD = [SECTION, ("重大事故隐患", "/ent/se/hazards/")]
GENERAL_BREAD = [SECTION, ("一般隐患", "/ent/se/general-hazards/")]
PLAN_BREAD = [SECTION, ("隐患排查计划", "/ent/se/check-plans/")]
STATE_COLOURS = {s.code: s.colour for s in MAJOR.states}
GENERAL_COLOURS = {s.code: s.colour for s in GENERAL.states}
ITEM_COLOURS = {"open": "warning", "fed_back": "primary", "returned": "danger", "closed": "success"}

# 全部 / 待派单 / 待整改 (the to-rectify list) / 待复核 / 已销号
TABS = [("", "全部", None), ("reported", "待派单", ("reported",)), ("todo", "待整改", ("rectifying", "extension")),
        ("feedback", "待复核", ("feedback",)), ("closed", "已销号", ("closed",))]
TAB_STATES = {key: states for key, _label, states in TABS if states}


class StateColumn(Column):
    """The workflow state as a Bootstrap badge."""

    def __init__(self, *args, colours, **kwargs):
        super().__init__(*args, choices=True, **kwargs)
        self.colours = colours

    def html(self, obj, user=None, link=True):
        return format_html('<span class="badge text-bg-{}">{}</span>', self.colours.get(obj.status, "secondary"),
                           self.display(obj, user))


class DeadlineColumn(Column):
    """The rectification deadline, coloured by its warning level while feedback is awaited."""

    def html(self, obj, user=None, link=True):
        level = obj.deadline_colour
        if obj.deadline is None:
            return ""
        if not level:
            return f"{obj.deadline:%Y-%m-%d}"
        return format_html('<span class="badge" style="background:{}" title="{}预警">{}</span>', LEVEL_COLOURS[level],
                           LEVEL_LABELS[level], f"{obj.deadline:%Y-%m-%d}")


def ymd(value):
    return f"{value:%Y-%m-%d}"


def _services_call(form, fn, *args, **kwargs):
    """Run a service; its ValidationError / TransitionError becomes form errors. Returns (ok, result)."""
    try:
        return True, fn(*args, **kwargs)
    except ValidationError as exc:
        f.apply_service_errors(form, exc)
    except TransitionError as exc:
        for field, msgs in exc.errors.items():
            form.add_error(field if field in form.fields else None, msgs)
    return False, None


# == major hazards =====================================================================================
MAJOR_COLUMNS = [
    Column("no", "隐患编号", link="ent:se_hazard_detail", width=20),
    Column("source", "隐患来源", choices=True),
    Column("equipment_category", "隐患类型", dict_type="equipment_category"),
    Column("equipment", "设备", accessor="equipment.code", order_by="equipment__code", width=22),
    Column("user_unit", "使用单位", accessor="user_unit.name", order_by="user_unit__name", width=30),
    Column("reporter_org", "上报单位", accessor="reporter_org.name", order_by="reporter_org__name", width=30),
    Column("description", "隐患问题描述", sortable=False, width=40, fmt=lambda v: v[:40]),
    Column("found_on", "发现日期", fmt=ymd),
    DeadlineColumn("deadline", "整改期限", fmt=ymd),
    StateColumn("status", "状态", colours=STATE_COLOURS),
    Column("directive_no", "文书编号", default=False),
    Column("created_at", "上报时间", default=False),
]


class MajorHazardFilter(StyledFilterSet):
    tab = django_filters.ChoiceFilter(label="办理环节", choices=[(k, label) for k, label, s in TABS if k],
                                      method="in_tab", empty_label="全部")
    no = django_filters.CharFilter(label="隐患编号", lookup_expr="icontains")
    source = django_filters.ChoiceFilter(label="隐患来源", choices=MajorHazard.Source.choices, empty_label="全部")
    equipment_category = django_filters.ChoiceFilter(label="隐患类型", choices=list(CATEGORIES.items()),
                                                     empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=MAJOR.choices(), empty_label="全部")
    found_from, found_to = (django_filters.DateFilter(label="发现日期起", field_name="found_on", lookup_expr="gte",
                                                      widget=f.DateInput()),
                            django_filters.DateFilter(label="发现日期止", field_name="found_on", lookup_expr="lte",
                                                      widget=f.DateInput()))

    class Meta:
        model = MajorHazard
        fields = []

    def in_tab(self, qs, name, value):
        return qs.filter(status__in=TAB_STATES[value])


class MajorHazardListView(ScopedListView):
    entrance = "ent"
    model = MajorHazard
    title = "重大事故隐患"
    list_key = "ent_se_hazards"
    permission_required = "se_hazards.view_majorhazard"
    filterset_class = MajorHazardFilter
    columns = MAJOR_COLUMNS
    select_related = ("equipment", "user_unit", "reporter_org")
    create_url_name = "ent:se_hazard_create"
    create_permission = "se_hazards.report_majorhazard"
    template_name = "se_hazards/ent/hazard_list.html"
    breadcrumbs = [SECTION]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        counts = (MajorHazard.objects.visible_to(user).values("status").annotate(n=Count("pk")).order_by())
        by_state = {row["status"]: row["n"] for row in counts}
        current = self.request.GET.get("tab", "")
        ctx["tabs"] = [{"key": key, "label": label, "active": key == current,
                        "count": sum(by_state.values()) if states is None else sum(by_state.get(s, 0) for s in states)}
                       for key, label, states in TABS]
        ctx["is_institution"] = user.kind == "institution"
        if ctx["is_institution"]:
            ctx["pending_reports"] = pending_reports(user)[:10]
        return ctx


def pending_reports(user):
    """Non-conforming reports the institution issued that no major hazard has been reported from."""
    reported = MajorHazard.objects.filter(report__isnull=False).values("report_id")
    return (InspectionReport.objects.visible_to(user)
            .filter(agency_id=user.organisation_id, conclusion__in=InspectionReport.NEGATIVE)
            .exclude(pk__in=reported).select_related("equipment", "user_unit").order_by("-inspected_on", "-id"))


class ServiceFormView(ScopedFormView):
    """A form page whose save is a service call; the service's refusals become form errors."""

    entrance = "ent"

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            ok, obj = _services_call(form, self.save_form, form)
            if ok:
                messages.success(request, self.success_message)
                return redirect(self.get_success_url(obj))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class MajorHazardFormMixin:
    template_name = "se_hazards/ent/hazard_form.html"
    permission_required = ("se_hazards.view_majorhazard", "se_hazards.report_majorhazard")
    breadcrumbs = MAJOR_BREAD

    def get_success_url(self, obj):
        return reverse("ent:se_hazard_detail", args=[obj.pk])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ctx["form"]
        category = form["equipment_category"].value() or ""
        ctx["judgement_groups"] = judgement_groups(category, [str(v) for v in (form["judgement_items"].value() or [])])
        ctx["is_institution"] = self.request.user.kind == "institution"
        ctx["items_url"] = reverse("ent:se_hazard_judgement_items")
        return ctx


def judgement_groups(category, checked):
    """[(hazard category, [(item, checked)])] of the criteria that apply to an equipment category."""
    groups = {}
    for item in f.judgement_items_for(category):
        groups.setdefault(item.category, []).append((item, str(item.pk) in checked))
    return list(groups.items())


class MajorHazardCreateView(MajorHazardFormMixin, ServiceFormView):
    title = "上报重大事故隐患"
    success_message = "重大事故隐患已上报，已告知使用单位并报属地监管部门"

    def report(self):
        """?report=<pk>: an inspection report the institution issued, to fill the form from."""
        pk = self.request.GET.get("report")
        if not pk or self.request.user.kind != "institution":
            return None
        report = (InspectionReport.objects.visible_to(self.request.user).select_related("equipment")
                  .filter(pk=pk if str(pk).isdigit() else 0, agency_id=self.request.user.organisation_id).first())
        if report is None:
            raise Http404("检验报告不存在或不是本机构出具的")
        return report

    def get_form(self, data=None):
        return f.MajorHazardForm(data=data, user=self.request.user, report=self.report() if data is None else None)

    def save_form(self, form):
        fields = form.service_fields()
        return services.report_major_hazard(self.request.user, **fields)


class MajorHazardEditView(MajorHazardFormMixin, ScopedObjectMixin, ServiceFormView):
    model = MajorHazard
    success_message = "已保存修改"

    def get_title(self):
        return f"修改重大事故隐患：{self.get_object().no}"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.kind in ("enterprise", "institution"):
            hazard = self.get_object()
            refusal = edit_refusal(hazard, request.user)
            if refusal:
                messages.error(request, refusal)
                return redirect("ent:se_hazard_detail", pk=hazard.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        return f.MajorHazardForm(data=data, user=self.request.user, hazard=self.get_object())

    def save_form(self, form):
        fields = form.service_fields()
        return services.update_major_hazard(self.get_object(), self.request.user, **fields)


def edit_refusal(hazard, user):
    """Why the user may not edit / delete the hazard, or None."""
    if hazard.status != "reported":
        return "隐患已派单督办，不能再修改或删除"
    if hazard.reporter_org_id != user.organisation_id or not user.has_perm("se_hazards.report_majorhazard"):
        return "只能修改或删除本单位上报的隐患"
    return None


class MajorHazardDeleteView(ScopedObjectMixin, EntranceMixin, View):
    entrance = "ent"
    model = MajorHazard
    permission_required = ("se_hazards.view_majorhazard", "se_hazards.report_majorhazard")

    def post(self, request, pk):
        hazard = self.get_object()
        try:
            services.delete_major_hazard(hazard, request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("ent:se_hazard_detail", pk=hazard.pk)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("ent:se_hazard_detail", pk=hazard.pk)
        messages.success(request, f"已删除重大事故隐患{hazard.no}")
        return redirect("ent:se_hazard_list")


class MajorHazardDocumentView(ScopedObjectMixin, EntranceMixin, View):
    """The 整改通知书 / 整改督处函 the unit was sent (and the reporting institution), as Word or PDF."""

    entrance = "ent"
    model = MajorHazard
    permission_required = "se_hazards.view_majorhazard"
    select_related = ("user_unit", "equipment", "managing_agency")

    def get(self, request, pk, fmt):
        return documents.document_response(self.get_object(), fmt, request.user, entrance="ent")


class JudgementItemsView(EntranceMixin, TemplateView):
    """HTMX: the criteria check boxes for the chosen equipment category."""

    entrance = "ent"
    permission_required = "se_hazards.report_majorhazard"
    template_name = "se_hazards/ent/_judgement_items.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        category = self.request.GET.get("equipment_category", "")
        ctx["judgement_groups"] = judgement_groups(category if category in CATEGORIES else "",
                                                   self.request.GET.getlist("judgement_items"))
        return ctx


MAJOR_FIELDS = [
    Column("no", "隐患编号"),
    Column("source", "隐患来源", choices=True),
    Column("equipment_category", "隐患类型（设备种类）", dict_type="equipment_category"),
    Column("equipment", "设备", accessor="equipment"),
    Column("report", "关联检验报告", accessor="report.report_no"),
    Column("user_unit", "特种设备使用单位", accessor="user_unit.name"),
    Column("managing_agency", "管理单位（属地监管部门）", accessor="managing_agency.name"),
    Column("reporter_org", "上报单位", accessor="reporter_org.name"),
    Column("description", "隐患问题描述"),
    Column("found_on", "发现日期", fmt=ymd),
    Column("requirement", "整改要求"),
    Column("deadline_text", "整改期限", accessor="deadline", fmt=ymd),
    Column("directive", "下达文书", choices=True),
    Column("directive_no", "文书编号"),
    Column("dispatched_at", "派单时间"),
    Column("requested_deadline", "申请延期至", fmt=ymd),
    Column("extensions", "延期次数"),
    Column("feedback_at", "最近反馈时间"),
    Column("closed_at", "销号时间"),
]


class MajorHazardDetailView(ScopedDetailView):
    """The hazard, its items and the unit's / institution's actions (POST: one form per action)."""

    entrance = "ent"
    model = MajorHazard
    permission_required = "se_hazards.view_majorhazard"
    select_related = ("equipment", "report", "user_unit", "managing_agency", "reporter_org")
    template_name = "se_hazards/ent/hazard_detail.html"
    fields = MAJOR_FIELDS
    breadcrumbs = MAJOR_BREAD

    def get_title(self):
        return f"重大事故隐患 {self.get_object().no}"

    # -- who may do what ---------------------------------------------------------------------------
    def roles(self, hazard):
        user = self.request.user
        is_unit = user.organisation_id == hazard.user_unit_id
        is_reporter = user.organisation_id == hazard.reporter_org_id
        return {
            "can_edit": edit_refusal(hazard, user) is None,
            "can_rectify": is_unit and hazard.status == "rectifying" and user.has_perm("se_hazards.rectify_majorhazard"),
            "can_review": (hazard.status == "feedback" and is_reporter and user.kind == "institution"
                           and user.has_perm("se_hazards.check_majorhazard")),
        }

    def get_context_data(self, forms=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        hazard = self.get_object()
        user = self.request.user
        forms = forms or {}
        roles = self.roles(hazard)
        ctx.update(roles)
        ctx.update(panel_context(hazard, user))
        ctx["wf_actions"] = []  # the actions need their own fields: the forms of this page
        items = list(hazard.items.select_related("judgement_item", "reviewed_by"))
        ctx["items"] = [{"item": i, "colour": ITEM_COLOURS.get(i.status, "secondary"),
                         "review_form": forms.get(f"review_{i.pk}")} for i in items]
        ctx["closed_count"] = sum(1 for i in items if i.status == HazardItem.Status.CLOSED)
        ctx["all_closed"] = bool(items) and ctx["closed_count"] == len(items)
        ctx["deadline_colour"] = LEVEL_COLOURS.get(hazard.deadline_colour) if hazard.deadline_colour else None
        ctx["deadline_level"] = LEVEL_LABELS.get(hazard.deadline_colour) if hazard.deadline_colour else None
        ctx["state_colour"] = STATE_COLOURS.get(hazard.status, "secondary")
        ctx["logs"] = hazard.logs.all()
        ctx["attachments_purpose"] = RECTIFICATION
        ctx["rectification_files"] = attachments_of(hazard, user, RECTIFICATION)
        if roles["can_rectify"]:
            ctx["feedback_form"] = forms.get("feedback") or f.FeedbackForm(hazard=hazard)
            ctx["extension_form"] = forms.get("extension") or f.ExtensionForm(hazard=hazard)
        if roles["can_review"]:
            ctx["return_form"] = forms.get("return") or f.CommentForm(label="退回意见")
            ctx["can_return"] = "return" in forms or hazard.items.filter(status=HazardItem.Status.RETURNED).exists()
            ctx["pending_review"] = sum(1 for i in items if i.status == HazardItem.Status.FED_BACK)
        ctx["delete_url"] = reverse("ent:se_hazard_delete", args=[hazard.pk]) if roles["can_edit"] else None
        ctx["edit_url"] = reverse("ent:se_hazard_edit", args=[hazard.pk]) if roles["can_edit"] else None
        return ctx

    # -- actions -------------------------------------------------------------------------------------
    def post(self, request, pk):
        hazard = self.get_object()
        action = request.POST.get("action", "")
        roles = self.roles(hazard)
        handlers = {"save_feedback": ("can_rectify", self.save_feedback),
                    "submit_feedback": ("can_rectify", self.submit_feedback),
                    "request_extension": ("can_rectify", self.request_extension),
                    "review_item": ("can_review", self.review_item), "return": ("can_review", self.return_hazard)}
        if action not in handlers:
            raise Http404("没有该操作")
        role, handler = handlers[action]
        if not roles[role]:
            raise PermissionDenied("当前状态下您不能办理该事项")
        forms = handler(hazard)
        if not forms:
            return redirect("ent:se_hazard_detail", pk=hazard.pk)
        self._object = MajorHazard.objects.visible_to(request.user).get(pk=hazard.pk)  # state as stored
        return self.render_to_response(self.get_context_data(forms=forms), status=400)

    def save_feedback(self, hazard):
        form = f.FeedbackForm(self.request.POST, hazard=hazard)
        if form.is_valid():
            ok, _ = _services_call(form, services.record_item_feedback, hazard, self.request.user, form.feedback())
            if ok:
                messages.success(self.request, "已暂存整改情况")
                return None
        return {"feedback": form}

    def submit_feedback(self, hazard):
        form = f.FeedbackForm(self.request.POST, hazard=hazard, submit=True)
        if form.is_valid():
            files = [a.pk for a in attachments_of(hazard, self.request.user, RECTIFICATION)]
            ok, _ = _services_call(form, services.submit_feedback, hazard, self.request.user, feedback=form.feedback(),
                                   comment=form.cleaned_data["comment"], attachments=files)
            if ok:
                messages.success(self.request, "已提交整改反馈（销号申请），等待复核")
                return None
        return {"feedback": form}

    def request_extension(self, hazard):
        form = f.ExtensionForm(self.request.POST, hazard=hazard)
        if form.is_valid():
            wanted = form.cleaned_data["requested_deadline"]
            ok, _ = _services_call(form, MAJOR.apply, hazard, "request_extension", self.request.user,
                                   comment=form.cleaned_data["reason"], data={"requested_deadline": wanted.isoformat()})
            if ok:
                messages.success(self.request, f"已申请延期整改至{wanted:%Y-%m-%d}，等待属地监管部门审批")
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
            ok, _ = _services_call(form, services.review_item, item, self.request.user, passed=passed,
                                   comment=form.cleaned_data.get("comment", ""))
            if ok:
                messages.success(self.request, "已复核通过该项" if passed else "已退回该项，请在全部复核后办理“退回整改”")
                return None
        key = item.pk if item is not None else self.request.POST.get("item", "")
        return {f"review_{key}": form}

    def return_hazard(self, hazard):
        form = f.CommentForm(self.request.POST, label="退回意见")
        if form.is_valid():
            ok, _ = _services_call(form, MAJOR.apply, hazard, "return", self.request.user,
                                   comment=form.cleaned_data["comment"])
            if ok:
                messages.success(self.request, "已退回使用单位继续整改")
                return None
        return {"return": form}


# == general hazards ===================================================================================
GENERAL_COLUMNS = [
    Column("problem", "主要问题", link="ent:se_general_detail", sortable=False, width=40, fmt=lambda v: v[:30]),
    Column("check_type", "检查类型", choices=True),
    Column("category", "隐患类别"),
    Column("count", "隐患条数", width=8),
    Column("level", "隐患级别", choices=True),
    Column("found_at", "发现隐患时间"),
    Column("deadline", "整改期限", fmt=ymd),
    Column("hazard_source", "关联危险源", default=False),
    Column("investigator", "排查人员", accessor="investigator.display_name", order_by="investigator__real_name"),
    Column("responsible", "整改责任人", accessor="responsible.display_name", order_by="responsible__real_name"),
    Column("plan", "排查计划", accessor="plan.title", order_by="plan__title", default=False),
    StateColumn("status", "状态", colours=GENERAL_COLOURS),
]


class GeneralHazardFilter(StyledFilterSet):
    check_type = django_filters.ChoiceFilter(label="检查类型", choices=GeneralHazard.CheckType.choices, empty_label="全部")
    level = django_filters.ChoiceFilter(label="隐患级别", choices=GeneralHazard.Level.choices, empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=GENERAL.choices(), empty_label="全部")
    mine = django_filters.ChoiceFilter(label="与我相关", choices=[("responsible", "我负责整改的"), ("investigator", "我排查的")],
                                       method="for_me", empty_label="全部")
    plan = django_filters.ModelChoiceFilter(label="排查计划", queryset=CheckPlan.objects.none(), empty_label="全部")
    keyword = django_filters.CharFilter(label="主要问题/隐患类别", method="search")
    found_from, found_to = date_range("found_at")

    class Meta:
        model = GeneralHazard
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.filters["plan"].queryset = CheckPlan.objects.visible_to(request.user) if request else CheckPlan.objects.none()
        self.form.fields["plan"].queryset = self.filters["plan"].queryset
        self.user = getattr(request, "user", None)

    def for_me(self, qs, name, value):
        return qs.filter(**{value: self.user})

    def search(self, qs, name, value):
        return qs.filter(Q(problem__icontains=value) | Q(category__icontains=value))


class GeneralHazardListView(ScopedListView):
    entrance = "ent"
    model = GeneralHazard
    title = "一般隐患"
    list_key = "ent_se_general"
    permission_required = "se_hazards.view_generalhazard"
    filterset_class = GeneralHazardFilter
    filter_form_tables = ("dicts_dictitem", "org_region", "se_hazards_checkplan")
    columns = GENERAL_COLUMNS
    select_related = ("investigator", "responsible", "plan")
    create_url_name = "ent:se_general_create"
    create_permission = "se_hazards.add_generalhazard"
    breadcrumbs = [SECTION]


class GeneralHazardCreateView(ServiceFormView):
    title = "登记一般隐患"
    template_name = "se_hazards/ent/general_form.html"
    permission_required = ("se_hazards.view_generalhazard", "se_hazards.add_generalhazard")
    breadcrumbs = GENERAL_BREAD
    success_message = "一般隐患已登记，已通知整改责任人"

    def plan(self):
        pk = self.request.GET.get("plan", "")
        if not pk:
            return None
        plan = CheckPlan.objects.visible_to(self.request.user).filter(pk=pk if pk.isdigit() else 0).first()
        if plan is None:
            raise Http404("排查计划不存在")
        return plan

    def get_form(self, data=None):
        return f.GeneralHazardForm(data=data, user=self.request.user, plan=self.plan())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["categories"] = f.GENERAL_CATEGORIES
        return ctx

    def save_form(self, form):
        return services.register_general_hazard(self.request.user, **form.service_fields())

    def get_success_url(self, obj):
        return reverse("ent:se_general_detail", args=[obj.pk])


class GeneralHazardEditView(ScopedObjectMixin, GeneralHazardCreateView):
    model = GeneralHazard
    permission_required = ("se_hazards.view_generalhazard", "se_hazards.change_generalhazard")
    success_message = "已保存修改"

    def get_title(self):
        return "修改一般隐患"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.kind in ("enterprise", "institution"):
            hazard = self.get_object()
            if hazard.status != "rectifying" or hazard.investigator_id != request.user.pk:
                messages.error(request, "只有排查人员可以在整改完成前修改该隐患")
                return redirect("ent:se_general_detail", pk=hazard.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        # the form works on a copy: the service decides on the record as stored
        copy = GeneralHazard.objects.get(pk=self.get_object().pk)
        return f.GeneralHazardForm(data=data, user=self.request.user, instance=copy)

    def save_form(self, form):
        return services.update_general_hazard(self.get_object(), self.request.user, **form.service_fields())


GENERAL_FIELDS = [
    Column("check_type", "检查类型", choices=True),
    Column("plan", "排查计划", accessor="plan.title"),
    Column("equipment", "设备", accessor="equipment"),
    Column("category", "隐患类别"),
    Column("count", "隐患条数"),
    Column("level", "隐患级别", choices=True),
    Column("problem", "主要问题"),
    Column("found_at", "发现隐患时间"),
    Column("deadline", "整改期限", fmt=ymd),
    Column("hazard_source", "关联危险源"),
    Column("investigator", "排查人员", accessor="investigator.display_name"),
    Column("investigating_unit", "排查单位"),
    Column("responsible", "整改责任人", accessor="responsible.display_name"),
]
RECTIFICATION_FIELDS = [
    Column("handled_on", "隐患处理日期", fmt=ymd), Column("handler", "处理人"), Column("handling_result", "处理结果"),
    Column("remarks", "备注"),
]
ACCEPTANCE_FIELDS = [
    Column("accepted_at", "验收时间"), Column("acceptor", "验收人", accessor="acceptor.display_name"),
    Column("acceptance_opinion", "验收意见"),
]


class GeneralHazardDetailView(ScopedDetailView):
    entrance = "ent"
    model = GeneralHazard
    select_related = ("investigator", "responsible", "acceptor", "plan", "equipment")
    template_name = "se_hazards/ent/general_detail.html"
    fields = GENERAL_FIELDS
    breadcrumbs = GENERAL_BREAD

    def get_title(self):
        return f"一般隐患：{self.get_object().problem[:20]}"

    def get_object(self):
        obj = super().get_object()
        user = self.request.user
        # the unit's hazard pages; the responsible person and the investigator reach theirs from a to-do
        if not (user.has_perm("se_hazards.view_generalhazard") or user.pk in (obj.responsible_id, obj.investigator_id)):
            raise PermissionDenied("您没有访问此页面的权限")
        return obj

    def get_context_data(self, forms=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        hazard, user = self.get_object(), self.request.user
        forms = forms or {}
        ctx.update(panel_context(hazard, user))
        ctx["wf_actions"] = []
        ctx["rectification_rows"] = [(c.label, c.html(hazard, user, link=False)) for c in RECTIFICATION_FIELDS]
        ctx["acceptance_rows"] = [(c.label, c.html(hazard, user, link=False)) for c in ACCEPTANCE_FIELDS]
        ctx["state_colour"] = GENERAL_COLOURS.get(hazard.status, "secondary")
        ctx["attachments_purpose"] = RECTIFICATION
        ctx["rectification_files"] = attachments_of(hazard, user, RECTIFICATION)
        if hazard.status == "rectifying" and user.pk == hazard.responsible_id:
            ctx["rectify_form"] = forms.get("rectify") or f.RectifyForm(hazard=hazard, user=user)
        if hazard.status == "accepting" and user.pk == hazard.investigator_id:
            ctx["accept_form"] = forms.get("accept") or f.AcceptForm()
        ctx["edit_url"] = (reverse("ent:se_general_edit", args=[hazard.pk])
                           if hazard.status == "rectifying" and user.pk == hazard.investigator_id
                           and user.has_perm("se_hazards.change_generalhazard") else None)
        ctx["delete_url"] = None
        return ctx

    def post(self, request, pk):
        hazard, user = self.get_object(), request.user
        action = request.POST.get("action", "")
        if action == "rectify":
            if hazard.status != "rectifying" or user.pk != hazard.responsible_id:
                raise PermissionDenied("只有整改责任人可以在待整改时提交整改结果")
            form = f.RectifyForm(request.POST, hazard=hazard, user=user)
            if form.is_valid():
                files = [a.pk for a in attachments_of(hazard, user, RECTIFICATION)]
                ok, _ = _services_call(form, GENERAL.apply, hazard, "rectify", user, data=form.data_for_workflow(),
                                       attachments=files)
                if ok:
                    messages.success(request, "已提交整改结果，等待排查人员验收")
                    return redirect("ent:se_general_detail", pk=hazard.pk)
        elif action == "accept":
            if hazard.status != "accepting" or user.pk != hazard.investigator_id:
                raise PermissionDenied("只有排查人员（复查人）可以在待验收时验收")
            form = f.AcceptForm(request.POST)
            if form.is_valid():
                verdict = form.cleaned_data["verdict"]
                ok, _ = _services_call(form, GENERAL.apply, hazard, verdict, user, comment=form.cleaned_data["opinion"])
                if ok:
                    messages.success(request, "验收通过" if verdict == "accept" else "验收不通过，已退回整改责任人")
                    return redirect("ent:se_general_detail", pk=hazard.pk)
        else:
            raise Http404("没有该操作")
        self._object = GeneralHazard.objects.visible_to(user).select_related(*self.select_related).get(pk=hazard.pk)
        return self.render_to_response(self.get_context_data(forms={action: form}), status=400)


# == check plans ===========================================================================================
PLAN_COLUMNS = [
    Column("title", "计划名称", link="ent:se_plan_detail", width=36),
    Column("period", "计划类型", choices=True),
    Column("year", "年度"),
    Column("number", "季度/月份"),
    Column("hazard_count", "发现隐患（项）", sortable=False),
    Column("created_at", "创建时间"),
]


class CheckPlanFilter(StyledFilterSet):
    period = django_filters.ChoiceFilter(label="计划类型", choices=CheckPlan.Period.choices, empty_label="全部")
    year = django_filters.NumberFilter(label="年度")
    title = django_filters.CharFilter(label="计划名称", lookup_expr="icontains")

    class Meta:
        model = CheckPlan
        fields = []


class CheckPlanListView(ScopedListView):
    entrance = "ent"
    model = CheckPlan
    title = "隐患排查计划"
    list_key = "ent_se_plans"
    permission_required = "se_hazards.view_checkplan"
    filterset_class = CheckPlanFilter
    columns = PLAN_COLUMNS
    create_url_name = "ent:se_plan_create"
    create_permission = "se_hazards.add_checkplan"
    breadcrumbs = [SECTION]

    def base_queryset(self):
        return super().base_queryset().annotate(hazard_count=Count("hazards", filter=Q(hazards__is_deleted=False)))


class CheckPlanCreateView(ScopedFormView):
    entrance = "ent"
    model = CheckPlan
    form_class = f.CheckPlanForm
    title = "新建隐患排查计划"
    permission_required = ("se_hazards.view_checkplan", "se_hazards.add_checkplan")
    breadcrumbs = PLAN_BREAD

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.kind != "enterprise" and not request.user.is_superuser:
            raise PermissionDenied("隐患排查计划由使用单位制定")
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self, obj):
        return reverse("ent:se_plan_detail", args=[obj.pk])


class CheckPlanEditView(ScopedObjectMixin, CheckPlanCreateView):
    model = CheckPlan
    permission_required = ("se_hazards.view_checkplan", "se_hazards.change_checkplan")

    def get_title(self):
        return f"修改排查计划：{self.get_object()}"

    def get_instance(self):
        return self.get_object()


class CheckPlanDetailView(ScopedDetailView):
    entrance = "ent"
    model = CheckPlan
    permission_required = "se_hazards.view_checkplan"
    template_name = "se_hazards/ent/plan_detail.html"
    fields = [Column("title", "计划名称"), Column("period", "计划类型", choices=True), Column("year", "年度"),
              Column("number", "季度/月份"), Column("content", "排查内容"), Column("unit", "单位", accessor="unit.name")]
    edit_url_name = "ent:se_plan_edit"
    edit_permission = "se_hazards.change_checkplan"
    breadcrumbs = PLAN_BREAD

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        plan = self.get_object()
        user = self.request.user
        hazards = (GeneralHazard.objects.visible_to(user).filter(plan=plan)
                   .select_related("responsible", "investigator").order_by("-found_at"))
        columns = [c for c in GENERAL_COLUMNS if c.name not in ("plan", "hazard_source")]
        ctx["hazard_columns"] = columns
        ctx["hazard_rows"] = [[c.html(h, user) for c in columns] for h in hazards[:200]]
        ctx["can_register"] = user.has_perm("se_hazards.add_generalhazard") and user.kind == "enterprise"
        ctx["register_url"] = reverse("ent:se_general_create") + f"?plan={plan.pk}"
        return ctx
