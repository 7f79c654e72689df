"""Ticket pages (/gov/ops/tickets/): the list with its filters and Excel export, the ticket page (SLA clocks,
timeline, the steps the user may take with their fields), and the form to raise a ticket.

Every queryset goes through visible_to(user) (ScopedListView / ScopedDetailView); every change goes through
services.py, whose Chinese field errors come back on the step's form (HTTP 400, nothing saved)."""
import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import format_html
from django.views.generic import TemplateView

from domains.ops.contracts.models import ServiceContract
from kernel.ui.filters import DateInput, StyledFilterSet
from kernel.ui.forms import apply_errors
from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedListView
from kernel.ui.tables import Column
from kernel.workflow.engine import TransitionError, history

from .. import services, sla
from ..models import FAULT_LEVEL_SHORT, Channel, Kind, Ticket
from ..workflows import CLOCK_STATES, TICKET
from .forms import EXTRA_FORMS, TicketForm, step_form

VIEW, ADD, EXPORT = services.VIEW, services.ADD, services.EXPORT
SECTION = ("运维服务管理", None)
LIST_BREAD = [SECTION, ("运维工单", "/gov/ops/tickets/")]


# == the SLA state of a row =====================================================================================
def sla_state(t, now=None):
    """"overdue" (a running clock is past its deadline), "near" (past its warning moment), "paused", "breached"
    (finished late), "ok", or "" (no clock)."""
    now = now or timezone.now()
    if t.status in CLOCK_STATES:
        pending = [(due, warn) for done, due, warn in ((t.responded_at, t.response_due, t.response_warn_at),
                                                       (t.resolved_at, t.resolution_due, t.resolution_warn_at))
                   if done is None and due is not None]
        if any(now >= due for due, _ in pending):
            return "overdue"
        if any(warn is not None and now >= warn for _, warn in pending):
            return "near"
        return "ok" if pending else ""
    if t.status == "waiting":
        return "paused"
    if t.response_breached or t.resolution_breached:
        return "breached"
    return "ok" if t.status in ("resolved", "closed") else ""


SLA_BADGES = {"overdue": ("danger", "已超时"), "near": ("warning", "即将超时"), "paused": ("secondary", "暂停计时"),
              "breached": ("danger", "曾超时"), "ok": ("success", "正常")}


class SlaColumn(Column):
    def __init__(self):
        super().__init__("sla", "时限状态", sortable=False, width=10)

    def raw(self, obj):
        state = sla_state(obj)
        return SLA_BADGES[state][1] if state else ""

    def html(self, obj, user=None, link=True):
        state = sla_state(obj)
        if not state:
            return ""
        colour, label = SLA_BADGES[state]
        return format_html('<span class="badge text-bg-{}" data-sla="{}">{}</span>', colour, state, label)


class StateColumn(Column):
    def __init__(self):
        super().__init__("status", "状态", order_by="status", width=12)

    def raw(self, obj):
        return obj.workflow_state().label

    def html(self, obj, user=None, link=True):
        state = obj.workflow_state()
        return format_html('<span class="badge text-bg-{}">{}</span>', state.colour, state.label)


COLUMNS = [
    Column("number", "工单编号", link="gov:ops_ticket", width=18),
    Column("kind", "类型", accessor="kind_label", order_by="kind", width=12),
    Column("title", "标题", width=30),
    Column("system", "运维对象", accessor="contract.system.name", order_by="contract__system__name", width=22),
    Column("contract", "服务合同", accessor="contract.contract_no", order_by="contract__contract_no", default=False,
           width=20),
    Column("channel", "受理渠道", choices=True, default=False, width=12),
    Column("requester_name", "提出人", width=10),
    Column("contact_phone", "联系电话", mask="phone", sortable=False, default=False, width=14),
    StateColumn(),
    Column("assignee", "处理工程师", accessor="assignee.display_name", order_by="assignee__username", width=10),
    Column("raised_at", "提出时间", width=17),
    Column("response_due", "响应期限", width=17),
    Column("resolution_due", "解决期限", width=17),
    SlaColumn(),
    Column("responded_at", "受理时间", default=False, width=17),
    Column("resolved_at", "解决时间", default=False, width=17),
    Column("handling_mode", "处理方式", choices=True, default=False, width=12),
    Column("root_cause", "原因分析", default=False, sortable=False, width=30),
    Column("solution", "解决方案", default=False, sortable=False, width=30),
    Column("reopen_count", "重新打开次数", default=False, width=8),
]


class TicketFilter(StyledFilterSet):
    keyword = django_filters.CharFilter(label="编号/标题/提出人", method="search")
    kind = django_filters.ChoiceFilter(label="工单类型", choices=Kind.choices, empty_label="全部")
    level = django_filters.ChoiceFilter(label="故障级别", choices=[(1, "1级"), (2, "2级"), (3, "3级")],
                                        empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=TICKET.choices(), empty_label="全部")
    contract = django_filters.ModelChoiceFilter(label="服务合同", queryset=ServiceContract.objects.none(),
                                                empty_label="全部")
    channel = django_filters.ChoiceFilter(label="受理渠道", choices=Channel.choices, empty_label="全部")
    sla = django_filters.ChoiceFilter(label="时限", method="by_sla", empty_label="全部", choices=[
        ("near", "即将超时"), ("overdue", "已超时"), ("attention", "即将超时和已超时"), ("breached", "已完成但超时")])
    raised_from = django_filters.DateFilter(label="提出日期起", field_name="raised_at", lookup_expr="date__gte",
                                            widget=DateInput)
    raised_to = django_filters.DateFilter(label="提出日期止", field_name="raised_at", lookup_expr="date__lte",
                                          widget=DateInput)

    class Meta:
        model = Ticket
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            field = self.form.fields["contract"]
            field.queryset = ServiceContract.objects.visible_to(user).select_related("system").order_by("contract_no")
            field.label_from_instance = lambda c: f"{c.system.name}（{c.contract_no}）"

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(number__iexact=value) | Q(title__icontains=value) | Q(requester_name__icontains=value))

    def by_sla(self, qs, name, value):
        now = timezone.now()
        if value == "overdue":
            return qs.filter(sla.overdue_q(now))
        if value == "near":
            return qs.filter(sla.near_q(now)).exclude(sla.overdue_q(now))
        if value == "attention":
            return qs.filter(sla.overdue_q(now) | sla.near_q(now))
        return qs.filter(Q(response_breached=True) | Q(resolution_breached=True))


class TicketListView(ScopedListView):
    model = Ticket
    title = "运维工单"
    list_key = "ops_tickets"
    permission_required = VIEW
    export_permission = EXPORT
    filterset_class = TicketFilter
    columns = COLUMNS
    select_related = ("contract", "contract__system", "assignee")
    create_url_name = "gov:ops_ticket_new"
    create_permission = ADD
    template_name = "ops_tickets/list.html"
    filter_form_tables = ("dicts_dictitem", "org_region", "ops_contracts_servicecontract")
    breadcrumbs = [SECTION]

    def related_for(self, columns):
        wanted = {c.accessor.split(".")[0] for c in columns}
        return [r for r in self.select_related if r.split("__")[0] in wanted]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["attention"] = sla.attention_counts(self.base_queryset())
        return ctx


# == the ticket page ===========================================================================================
def timeline(ticket):
    """Raising, then every transition (who, when, from, to, comment)."""
    states = {s.code: s.label for s in TICKET.states}
    rows = [{"time": ticket.raised_at, "label": "提出工单", "actor": ticket.requester_name,
             "text": " · ".join(p for p in (ticket.kind_label, ticket.get_channel_display()) if p),
             "colour": "secondary"}]
    for log in history(ticket).order_by("time", "id"):
        rows.append({"time": log.time, "label": log.transition_label, "actor": log.actor_name,
                     "text": f"{states.get(log.from_state, log.from_state)} → {states.get(log.to_state, log.to_state)}",
                     "comment": log.comment, "colour": TICKET.state(log.to_state).colour})
    return rows


class TicketDetailView(ScopedDetailView):
    model = Ticket
    permission_required = VIEW
    select_related = ("contract", "contract__system", "sla_term", "sla_term__schedule", "assignee", "requester",
                      "signed_off_by", "region", "organisation")
    template_name = "ops_tickets/detail.html"
    breadcrumbs = LIST_BREAD
    fields = [
        Column("number", "工单编号"), Column("kind", "工单类型", accessor="kind_label"),
        Column("system", "运维对象", accessor="contract.system.name"),
        Column("contract", "服务合同", accessor="contract"),
        Column("organisation", "使用单位", accessor="organisation.name"),
        Column("channel", "受理渠道", choices=True),
        Column("requester_name", "提出人"), Column("contact_phone", "联系电话"),
        Column("raised_at", "提出时间"), Column("assignee", "处理工程师", accessor="assignee.display_name"),
        Column("handling_mode", "处理方式", choices=True),
        Column("reopen_count", "重新打开次数"),
    ]

    def get_title(self):
        return f"运维工单 {self.get_object().number}"

    def get_context_data(self, forms=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ticket, user = self.get_object(), self.request.user
        forms = forms or {}
        steps = services.available_steps(ticket, user)
        ctx["steps"] = [{"t": t, "form": forms.get(t.name) or step_form(t.name, ticket, user)} for t in steps]
        ctx["open_step"] = next(iter(forms), "")
        ctx["state"] = ticket.workflow_state()
        ctx["clocks"] = sla.clocks(ticket)
        ctx["timeline"] = timeline(ticket)
        ctx["level_text"] = FAULT_LEVEL_SHORT.get(ticket.level, "")
        ctx["attachments"] = list(services.attachments(ticket))
        ctx["auth_files"] = list(services.authorisation_files(ticket))
        extras = {}
        if ticket.kind == Kind.UPGRADE and ticket.status in services.UPGRADE_STATES:
            extras["signoff"] = forms.get("signoff") or step_form("signoff", ticket, user)
            if ticket.signed_off_at:
                extras["test"] = forms.get("test") or step_form("test", ticket, user)
        if ticket.kind == Kind.DATA and ticket.status == "new":
            extras["authorise"] = forms.get("authorise") or step_form("authorise", ticket, user)
        ctx["extras"] = extras
        return ctx


class TicketStepView(TicketDetailView):
    """POST one step (a transition, the upgrade's sign-off or test, the data request's authorisation)."""

    http_method_names = ["post"]

    def post(self, request, pk, name):
        ticket = self.get_object()
        if name not in services.STEPS and name not in EXTRA_FORMS:
            raise Http404("没有这个操作")
        form = step_form(name, ticket, request.user, request.POST, request.FILES)
        if form.is_valid():
            try:
                form.run(name)
            except (ValidationError, TransitionError) as exc:
                apply_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or "您没有办理该操作的权限")
            else:
                ticket.refresh_from_db()
                label = TICKET.transition(name).label if name in services.STEPS else {
                    "signoff": "需求确认签字", "test": "登记测试结果", "authorise": "登记授权"}[name]
                messages.success(request, f"已{label}，当前状态：{ticket.workflow_state().label}")
                return redirect(ticket.get_absolute_url())
        self._object = Ticket.objects.select_related(*self.select_related).get(pk=ticket.pk)  # unsaved edits dropped
        return self.render_to_response(self.get_context_data(forms={name: form}), status=400)


# == raising a ticket ==========================================================================================
class TicketCreateView(EntranceMixin, TemplateView):
    template_name = "ops_tickets/form.html"
    title = "提出运维工单"
    permission_required = (VIEW, ADD)
    breadcrumbs = LIST_BREAD

    def get(self, request):
        return self.render_to_response(self.get_context_data(form=TicketForm(user=request.user)))

    def post(self, request):
        form = TicketForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                ticket = services.create_ticket(request.user, **form.service_kwargs())
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已提出工单 {ticket.number}")
                return redirect(ticket.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)
