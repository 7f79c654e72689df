"""Agency pages of complaint/report registrations and case supervision (/gov/labor/complaints/...).

* 投诉举报登记: the jurisdiction's cases with status tabs, combined filters (status, channel, region,
  overdue, supervisor, dates) and an Excel export with the same filters (the complainant masked); each
  row shows the limit that governs the case now, the working days left or overdue, and the supervisor.
* Registration by hand (a number LJ + date + id, accept_due = received + 5 working days).
* The case page: particulars, supervision (limits on the business calendar, supervisor), the decisions of
  the workflow (受理 / 不予受理 / 立案 / 申请延期 / 批准或不批准延期 / 办结) as forms calling the services,
  the workflow history and change history, and the Word 投诉举报登记表.

Every queryset goes through visible_to(user); every change goes through services.py."""
import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.utils.html import format_html
from django.views.generic import TemplateView

from kernel.accounts.models import User
from kernel.ui.filters import DateInput, StyledFilterSet
from kernel.ui.forms import apply_errors
from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column
from kernel.workflow.engine import TransitionError
from kernel.workflow.views import panel_context

from .. import documents, services
from ..forms import CloseForm, CommentForm, ComplaintForm, SupervisorForm, people_with
from ..models import Complaint
from ..workflows import COMPLAINT, OPEN_STATES
from . import access
from .filters import CountyFilterMixin

VIEW, ADD, CHANGE = "labor_inspection.view_complaint", "labor_inspection.add_complaint", "labor_inspection.change_complaint"
EXPORT = "labor_inspection.export_complaint"
SECTION = ("劳动监察", None)
BREAD = [SECTION, ("投诉举报登记", "/gov/labor/complaints/")]
STATE_COLOURS = {s.code: s.colour for s in COMPLAINT.states}
REMIND_WORKING_DAYS = 3  # "即将到期" on the list: the overdue rule's default yellow threshold


def mask_name(value):
    """张三 -> 张*, 欧阳娜娜 -> 欧***: the complainant in lists and exports."""
    value = (value or "").strip()
    return value[:1] + "*" * (len(value) - 1) if len(value) > 1 else value


def _short(value, n=30):
    return value if len(value) <= n else value[:n] + "…"


class StateColumn(Column):
    def __init__(self):
        super().__init__("status", "办理状态", accessor="workflow_state.label", order_by="status", width=12)

    def html(self, obj, user=None, link=True):
        state = obj.workflow_state()
        return format_html('<span class="badge text-bg-{}">{}</span>', state.colour, state.label)


class DueColumn(Column):
    """当前期限: the limit that governs the case now (受理期限 / 办结期限)."""

    def __init__(self):
        super().__init__("due", "当前期限", sortable=False, width=18)

    def raw(self, obj):
        what, due = services.current_due(obj)
        return f"{what} {due:%Y-%m-%d}" if due else ""


class DaysLeftColumn(Column):
    """剩余/超期: working days to the governing limit (negative past it), on the business calendar."""

    def __init__(self):
        super().__init__("days_left", "剩余/超期（工作日）", sortable=False, width=16)

    def days(self, obj):
        return services.working_days_left(services.current_due(obj)[1])

    def raw(self, obj):
        left = self.days(obj)
        if left is None:
            return ""
        return f"超期{-left}天" if left < 0 else f"剩余{left}天"

    def html(self, obj, user=None, link=True):
        left = self.days(obj)
        if left is None:
            return ""
        colour = "danger" if left < 0 else ("warning" if left <= REMIND_WORKING_DAYS else "light border text-dark")
        return format_html('<span class="badge text-bg-{}" data-days-left="{}">{}</span>', colour, left, self.raw(obj))


COMPLAINT_COLUMNS = [
    Column("no", "登记编号", link="gov:labor_complaint_detail", width=20),
    Column("received_on", "收到日期", width=12),
    Column("channel", "案件来源", choices=True, width=12),
    Column("respondent_name", "被投诉单位", width=30),
    Column("region", "所属区划", accessor="region.name", order_by="region__path", width=12),
    Column("complainant_name", "投诉人", fmt=mask_name, sortable=False, width=10),
    Column("complainant_phone", "投诉人电话", mask="phone", sortable=False, default=False, width=14),
    Column("workers_involved", "涉及人数", width=10),
    Column("amount_owed", "涉及金额（元）", width=14),
    StateColumn(),
    DueColumn(),
    DaysLeftColumn(),
    Column("supervisor", "督办责任人", accessor="supervisor.display_name", order_by="supervisor__real_name", width=12),
    Column("handler", "承办人", accessor="handler.display_name", order_by="handler__real_name", default=False,
           width=12),
    Column("facts", "投诉举报事项", sortable=False, default=False, fmt=_short, width=40),
    Column("result", "处理结果", sortable=False, default=False, width=40),
]


class ComplaintFilter(CountyFilterMixin, StyledFilterSet):
    keyword = django_filters.CharFilter(label="登记编号/被投诉单位", method="search")
    status = django_filters.ChoiceFilter(label="办理状态", choices=COMPLAINT.choices(), empty_label="全部")
    channel = django_filters.ChoiceFilter(label="案件来源", choices=Complaint.Channel.choices, empty_label="全部")
    region = django_filters.ChoiceFilter(label="所属区划（含下级）", choices=[], method="in_region", empty_label="全部")
    overdue = django_filters.ChoiceFilter(label="期限情况", method="by_due", empty_label="全部", choices=[
        ("overdue", "已超期"), ("soon", f"{REMIND_WORKING_DAYS}个工作日内到期"), ("open", "办理中（全部未办结）")])
    supervisor = django_filters.ModelChoiceFilter(label="督办责任人", queryset=User.objects.none(), empty_label="全部")
    received_from = django_filters.DateFilter(label="收到日期起", field_name="received_on", lookup_expr="gte",
                                              widget=DateInput)
    received_to = django_filters.DateFilter(label="收到日期止", field_name="received_on", lookup_expr="lte",
                                            widget=DateInput)

    class Meta:
        model = Complaint
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        self.form.fields["supervisor"].queryset = people_with(VIEW, user)
        self.form.fields["supervisor"].label_from_instance = lambda u: u.display_name

    def search(self, qs, name, value):
        from django.db.models import Q

        value = value.strip()
        return qs.filter(Q(no__iexact=value) | Q(respondent_name__icontains=value))

    def by_due(self, qs, name, value):
        if value == "overdue":
            return qs.filter(services.overdue_q())
        if value == "soon":
            return qs.filter(services.due_soon_q(REMIND_WORKING_DAYS))
        if value == "open":
            return qs.filter(status__in=OPEN_STATES)
        return qs


class ComplaintListView(ScopedListView):
    model = Complaint
    title = "投诉举报登记"
    list_key = "labor_complaints"
    permission_required = VIEW
    export_permission = EXPORT
    filterset_class = ComplaintFilter
    columns = COMPLAINT_COLUMNS
    select_related = ("region", "supervisor", "handler")
    default_ordering = "-received_on"
    template_name = "labor_inspection/complaint_list.html"
    filter_form_tables = ("dicts_dictitem", "org_region", "accounts_user", "accounts_user_roles")
    breadcrumbs = [SECTION]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        base = self.base_queryset()
        counts = dict(base.values_list("status").annotate(n=Count("pk")).order_by())
        current = self.request.GET.get("status", "")
        params = self.request.GET.copy()
        for key in ("status", "page", "export"):
            params.pop(key, None)
        query = params.urlencode()
        ctx["tabs"] = [{"key": "", "label": "全部", "count": sum(counts.values()), "active": not current,
                        "query": query}] + [
            {"key": s.code, "label": s.label, "count": counts.get(s.code, 0), "active": s.code == current,
             "colour": s.colour, "query": f"{query}&status={s.code}" if query else f"status={s.code}"}
            for s in COMPLAINT.states]
        ctx["overdue_count"] = base.filter(services.overdue_q()).count()
        ctx["soon_count"] = base.filter(services.due_soon_q(REMIND_WORKING_DAYS)).count()
        ctx["can_add"] = self.request.user.has_perm(ADD)
        return ctx


class ComplaintCreateView(EntranceMixin, TemplateView):
    template_name = "labor_inspection/complaint_form.html"
    title = "登记投诉举报"
    permission_required = (VIEW, ADD)
    breadcrumbs = BREAD

    def get(self, request):
        return self.render_to_response(self.get_context_data(form=ComplaintForm(user=request.user)))

    def post(self, request):
        form = ComplaintForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                complaint = services.register_complaint(request.user, **form.service_fields())
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已登记（{complaint.no}），受理期限 {complaint.accept_due:%Y-%m-%d}")
                return redirect(complaint.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


# == the case page ===========================================================================================
FIELDS = [
    Column("no", "登记编号"), Column("channel", "案件来源", choices=True), Column("received_on", "收到日期"),
    Column("region", "所属区划", accessor="region.full_name"),
    Column("complainant_name", "投诉人姓名"), Column("complainant_id_number", "投诉人身份证号", mask="id_number",
                                                     unmask_perm=CHANGE),
    Column("complainant_phone", "投诉人电话", mask="phone", unmask_perm=CHANGE),
    Column("respondent_name", "被投诉单位"), Column("respondent_address", "单位地址"),
    Column("respondent_contact", "单位负责人"), Column("project", "涉及项目", accessor="project.name"),
    Column("workers_involved", "涉及人数"), Column("amount_owed", "涉及金额（元）"),
    Column("facts", "投诉举报事项"), Column("demands", "投诉请求"), Column("result", "处理结果"),
]

# transition: (form kind, comment label, comment required, success message)
DECISIONS = {
    "accept": ("comment", "受理意见", False, "已受理，请在5个工作日内立案"),
    "reject": ("comment", "不予受理理由", True, "已不予受理，理由将反馈来源"),
    "file": ("comment", "立案意见", False, "已立案，办结期限为立案后60个工作日"),
    "request_extension": ("comment", "延期理由", True, "已申请延期，待领导审批"),
    "approve_extension": ("comment", "审批意见", False, "已批准延期，办结期限延长30个工作日"),
    "refuse_extension": ("comment", "不批准理由", True, "已不批准延期，请按原期限办结"),
    "close": ("close", "处理结果", True, "已办结"),
}


def allowed_decisions(complaint, user):
    """The decisions the user may take now (the workflow re-checks on submit)."""
    names = {t.name for t in COMPLAINT.available(complaint, user)}
    if complaint.status == "filed" and user.has_perm("labor_inspection.close_complaint"):
        names.add("close")  # its guard wants the result, which comes with the form
    return [n for n in DECISIONS if n in names]


def decision_form(name, data=None):
    kind, label, required, _ = DECISIONS[name]
    if kind == "close":
        return CloseForm(data, prefix=name)
    return CommentForm(data, label=label, required=required, prefix=name)


def _call(name, complaint, user, form):
    data = form.cleaned_data
    if name == "close":
        return services.close(complaint, user, data["result"])
    if name in ("request_extension",):
        return services.request_extension(complaint, user, data["comment"])
    return services.ACTIONS[name](complaint, user, data["comment"])


class ComplaintDetailView(ScopedDetailView):
    model = Complaint
    permission_required = VIEW
    select_related = ("region", "supervisor", "handler", "respondent", "project", "warning", "warning__rule")
    template_name = "labor_inspection/complaint_detail.html"
    fields = FIELDS
    breadcrumbs = BREAD

    def get_title(self):
        return f"投诉举报登记 {self.get_object().no}"

    def get_context_data(self, forms=None, supervisor_form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        complaint, user = self.get_object(), self.request.user
        forms = forms or {}
        ctx.update(panel_context(complaint, user))
        ctx["wf_actions"] = []  # the decisions have their own forms on this page
        ctx["decisions"] = [{"name": n, "label": COMPLAINT.transition(n).label, "style": COMPLAINT.transition(n).style,
                             "form": forms.get(n) or decision_form(n)} for n in allowed_decisions(complaint, user)]
        what, due = services.current_due(complaint)
        ctx["due_what"], ctx["due"] = what, due
        ctx["days_left"] = services.working_days_left(due)
        ctx["state_colour"] = STATE_COLOURS.get(complaint.status, "secondary")
        ctx["can_supervise"] = complaint.status in OPEN_STATES and user.has_perm(CHANGE)
        if ctx["can_supervise"]:
            ctx["supervisor_form"] = supervisor_form or SupervisorForm(user=user, complaint=complaint)
        ctx["can_document"] = user.has_perm(EXPORT)
        ctx["warning_visible"] = (complaint.warning_id is not None and access.can_view(user)
                                  and complaint.warning.__class__.objects
                                  .visible_to(user).filter(pk=complaint.warning_id).exists())
        return ctx

    def post(self, request, pk):
        complaint = self.get_object()
        name = request.POST.get("action", "")
        if name == "supervisor":
            return self.post_supervisor(request, complaint)
        if name not in DECISIONS:
            raise Http404("没有该操作")
        if name not in allowed_decisions(complaint, request.user):
            messages.error(request, f"当前状态为“{complaint.workflow_state().label}”，您不能办理“{COMPLAINT.transition(name).label}”")
            return redirect(complaint.get_absolute_url())
        form = decision_form(name, request.POST)
        if form.is_valid():
            try:
                _call(name, complaint, request.user, form)
            except (TransitionError, ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, DECISIONS[name][3])
                return redirect(complaint.get_absolute_url())
        self._reload()
        return self.render_to_response(self.get_context_data(forms={name: form}), status=400)

    def post_supervisor(self, request, complaint):
        form = SupervisorForm(request.POST, user=request.user, complaint=complaint)
        if not (complaint.status in OPEN_STATES and request.user.has_perm(CHANGE)):
            raise PermissionDenied("您不能指定该案件的督办责任人")
        if form.is_valid():
            try:
                services.assign_supervisor(complaint, request.user, form.cleaned_data["supervisor"])
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已指定督办责任人：{form.cleaned_data['supervisor'].display_name}")
                return redirect(complaint.get_absolute_url())
        self._reload()
        return self.render_to_response(self.get_context_data(supervisor_form=form), status=400)

    def _reload(self):
        """The record as stored: a refused action changed nothing."""
        del self._object
        self.get_object()


class ComplaintDocumentView(ScopedObjectMixin, EntranceMixin, TemplateView):
    """投诉举报登记表 (Word) of one case."""

    model = Complaint
    permission_required = (VIEW, EXPORT)
    select_related = ("region", "supervisor", "handler", "respondent", "project", "warning", "warning__rule",
                      "created_by", "created_by__organisation")

    def get(self, request, pk):
        return documents.document_response(self.get_object(), request.user)

