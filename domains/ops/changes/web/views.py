"""Pages of problems (/gov/ops/problems/), changes (/gov/ops/changes/) and notices (management under
/gov/ops/notices/manage/, readers' 运维公告 at /gov/ops/notices/).

Management pages look records up through the kernel scope (404 outside the jurisdiction); the readers' page
through the reader's own receipts (404 for a notice not addressed to them). Every write calls services."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views import View
from django.views.generic import TemplateView

from kernel.ui.forms import apply_errors
from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedFormView, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column
from kernel.workflow.engine import TransitionError, history

from .. import services
from ..models import Change, Notice, Problem
from ..workflows import CHANGE, NOTICE, PROBLEM
from .forms import ChangeForm, NoticeForm, ProblemForm, RuleForm

SECTION = ("运维服务管理", None)
HEX = {"secondary": "#6c757d", "primary": "#0d6efd", "success": "#198754", "danger": "#dc3545", "dark": "#212529",
       "warning": "#e0a800", "info": "#0aa2c0"}


def _badge(wf):
    colours = {s.code: s.colour for s in wf.states}
    return lambda obj: HEX[colours[obj.status]]


def workflow_context(obj, user, url_name):
    """The state, the steps the user may take (posted to this app's action view) and the step log."""
    wf = obj.workflow
    labels = {s.code: s.label for s in wf.states}
    return {"wf_state": wf.current(obj), "wf_actions": wf.available(obj, user), "wf_url": url_name,
            "wf_history": [{"log": log, "from_label": labels.get(log.from_state, log.from_state),
                            "to_label": labels.get(log.to_state, log.to_state)}
                           for log in history(obj).order_by("time", "id")]}


class SaveFormView(ScopedFormView):
    """A form page whose save is a service call; a refusal shows as field errors (400), nothing written; the
    service's ticket links show on the ticket-number field."""

    def show_refusal(self, form, exc):
        apply_errors(form, exc, lambda field: "ticket_numbers" if field == "tickets" else field)


class ActionView(ScopedObjectMixin, EntranceMixin, View):
    """POST: a workflow step with the comment, through services.act."""

    def post(self, request, pk, name):
        obj = self.get_object()
        try:
            log = services.act(obj, name, request.user, comment=request.POST.get("comment", ""))
        except (TransitionError, ValidationError) as exc:
            messages.error(request, f"操作未完成：{exc}")
        else:
            messages.success(request, f"已{log.transition_label}，当前状态：{obj.workflow.state(log.to_state).label}")
        return redirect(obj.get_absolute_url())


# == problems ==
PROBLEMS = ("问题管理", "/gov/ops/problems/")
PROBLEM_COLUMNS = [
    Column("number", "问题编号", link="gov:ops_changes_problem", width=18),
    Column("title", "问题标题", width=36),
    Column("system", "运维对象", accessor="system.name", order_by="system__name", width=24),
    Column("status", "状态", choices=True, width=10, colour=_badge(PROBLEM)),
    Column("created_at", "登记时间", width=18),
    Column("resolved_at", "解决时间", width=18, default=False),
]


class ProblemListView(ScopedListView):
    model = Problem
    title = "问题管理"
    list_key = "ops_changes_problems"
    template_name = "ops_changes/problems.html"
    permission_required = "ops_changes.view_problem"
    columns = PROBLEM_COLUMNS
    select_related = ("system",)
    breadcrumbs = [SECTION]
    create_url_name = "gov:ops_changes_problem_new"
    create_permission = "ops_changes.add_problem"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["rule"] = services.active_rule()
        ctx["candidates"] = services.candidates(user)
        ctx["can_open"] = user.has_perm("ops_changes.add_problem")
        if ctx["rule"] is not None and user.has_perm("ops_changes.change_repeatfaultrule"):
            ctx["rule_form"] = kwargs.get("rule_form") or RuleForm(instance=ctx["rule"])
        return ctx

    def post(self, request):
        if request.POST.get("form") == "rule":
            rule = services.active_rule()
            if rule is None or not request.user.has_perm("ops_changes.change_repeatfaultrule"):
                raise PermissionDenied("您没有修改重复故障规则的权限")
            form = RuleForm(request.POST, instance=rule)
            if form.is_valid():
                services.save_rule(form.instance, request.user)
                messages.success(request, f"重复故障规则已修改：{form.instance}")
                return redirect("gov:ops_changes_problems")
            return self.render_to_response(self.get_context_data(rule_form=form), status=400)
        try:
            problem = services.open_from_candidate(request.user, request.POST.get("system", "0") or "0")
        except (ValidationError, ValueError) as exc:
            messages.error(request, f"未能立为问题：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")
            return redirect("gov:ops_changes_problems")
        messages.success(request, f"已立为问题：{problem.number}")
        return redirect(problem.get_absolute_url())


class ProblemFormView(SaveFormView):
    model = Problem
    form_class = ProblemForm
    permission_required = "ops_changes.add_problem"
    title = "登记问题"
    breadcrumbs = [SECTION, PROBLEMS]
    success_message = "问题已保存"

    def save_form(self, form):
        return services.save_problem(form.instance, self.request.user, form.ticket_numbers_list())


class ProblemEditView(ScopedObjectMixin, ProblemFormView):
    permission_required = "ops_changes.change_problem"

    def get_title(self):
        return f"修改问题：{self.get_object().number}"

    def get_instance(self):
        return self.get_object()


class ProblemDetailView(ScopedDetailView):
    model = Problem
    template_name = "ops_changes/problem.html"
    permission_required = "ops_changes.view_problem"
    select_related = ("system",)
    breadcrumbs = [SECTION, PROBLEMS]
    fields = PROBLEM_COLUMNS[:4] + [Column("description", "问题描述"), Column("root_cause", "根本原因"),
                                    Column("prevention", "预防措施"), Column("resolved_at", "解决时间"),
                                    Column("closed_at", "关闭时间")]
    edit_url_name = "gov:ops_changes_problem_edit"
    edit_permission = "ops_changes.change_problem"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        problem = self.get_object()
        if problem.status == "closed":
            ctx["edit_url"] = None
        ctx.update(workflow_context(problem, self.request.user, "gov:ops_changes_problem_act"))
        ctx["tickets"] = list(problem.tickets.all().order_by("raised_at"))
        ctx["changes"] = list(Change.objects.visible_to(self.request.user).filter(problem=problem))
        return ctx


class ProblemActionView(ActionView):
    model = Problem
    permission_required = "ops_changes.view_problem"


# == changes ==
CHANGES = ("变更管理", "/gov/ops/changes/")
CHANGE_COLUMNS = [
    Column("number", "变更编号", link="gov:ops_changes_change", width=18),
    Column("title", "变更标题", width=36),
    Column("system", "运维对象", accessor="system.name", order_by="system__name", width=24),
    Column("risk_level", "风险等级", choices=True, width=10),
    Column("window_start", "实施窗口开始", width=18),
    Column("window_end", "实施窗口结束", width=18),
    Column("status", "状态", choices=True, width=10, colour=_badge(CHANGE)),
]


class ChangeListView(ScopedListView):
    model = Change
    title = "变更管理"
    list_key = "ops_changes_changes"
    permission_required = "ops_changes.view_change"
    columns = CHANGE_COLUMNS
    select_related = ("system",)
    breadcrumbs = [SECTION]
    create_url_name = "gov:ops_changes_change_new"
    create_permission = "ops_changes.add_change"


class ChangeFormView(SaveFormView):
    model = Change
    form_class = ChangeForm
    permission_required = "ops_changes.add_change"
    title = "新建变更"
    breadcrumbs = [SECTION, CHANGES]
    success_message = "变更已保存"

    def save_form(self, form):
        return services.save_change(form.instance, self.request.user, form.ticket_numbers_list())


class ChangeEditView(ScopedObjectMixin, ChangeFormView):
    permission_required = "ops_changes.change_change"

    def get_title(self):
        return f"修改变更：{self.get_object().number}"

    def get_instance(self):
        return self.get_object()


class ChangeDetailView(ScopedDetailView):
    model = Change
    template_name = "ops_changes/change.html"
    permission_required = "ops_changes.view_change"
    select_related = ("system", "problem")
    breadcrumbs = [SECTION, CHANGES]
    fields = CHANGE_COLUMNS[:4] + [
        Column("window_start", "实施窗口开始"), Column("window_end", "实施窗口结束"), Column("status", "状态", choices=True),
        Column("reason", "变更原因"), Column("plan", "实施方案"), Column("risk", "风险评估"), Column("impact", "影响范围"),
        Column("rollback_plan", "回退方案"), Column("problem", "关联问题", accessor="problem"),
        Column("started_at", "开始实施时间"), Column("finished_at", "实施结束时间"), Column("result", "实施结果")]
    edit_url_name = "gov:ops_changes_change_edit"
    edit_permission = "ops_changes.change_change"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        change = self.get_object()
        if change.status != "draft":
            ctx["edit_url"] = None
        ctx.update(workflow_context(change, self.request.user, "gov:ops_changes_change_act"))
        ctx["tickets"] = list(change.tickets.all().order_by("raised_at"))
        return ctx


class ChangeActionView(ActionView):
    model = Change
    permission_required = "ops_changes.view_change"


# == notices ==
NOTICES = ("公告管理", "/gov/ops/notices/manage/")
NOTICE_COLUMNS = [
    Column("title", "标题", link="gov:ops_changes_notice_manage", width=36),
    Column("kind", "类型", choices=True, width=8),
    Column("organisation", "发布单位", accessor="organisation.name", order_by="organisation__name", width=24),
    Column("status", "状态", choices=True, width=10, colour=_badge(NOTICE)),
    Column("created_at", "创建时间", width=18),
    Column("published_at", "发布时间", width=18),
]


class NoticeListView(ScopedListView):
    model = Notice
    title = "公告管理"
    list_key = "ops_changes_notices"
    permission_required = "ops_changes.view_notice"
    columns = NOTICE_COLUMNS
    select_related = ("organisation",)
    breadcrumbs = [SECTION]
    create_url_name = "gov:ops_changes_notice_new"
    create_permission = "ops_changes.add_notice"


class NoticeFormView(SaveFormView):
    model = Notice
    form_class = NoticeForm
    permission_required = "ops_changes.add_notice"
    title = "新建公告"
    breadcrumbs = [SECTION, NOTICES]
    success_message = "公告已保存，提交审核后发布"

    def save_form(self, form):
        data = form.cleaned_data
        return services.save_notice(form.instance, self.request.user, roles=list(data["roles"]),
                                    organisations=list(data["organisations"]), regions=list(data["regions"]))


class NoticeEditView(ScopedObjectMixin, NoticeFormView):
    permission_required = "ops_changes.change_notice"

    def get_title(self):
        return f"修改公告：{self.get_object()}"

    def get_instance(self):
        return self.get_object()


class NoticeManageView(ScopedDetailView):
    model = Notice
    template_name = "ops_changes/notice_manage.html"
    permission_required = "ops_changes.view_notice"
    select_related = ("organisation", "problem", "change", "published_by")
    breadcrumbs = [SECTION, NOTICES]
    fields = NOTICE_COLUMNS[1:] + [Column("published_by", "审核发布人", accessor="published_by.display_name"),
                                   Column("problem", "关联问题", accessor="problem"),
                                   Column("change", "关联变更", accessor="change")]
    edit_url_name = "gov:ops_changes_notice_edit"
    edit_permission = "ops_changes.change_notice"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        notice = self.get_object()
        if notice.status != "draft":
            ctx["edit_url"] = None
        ctx.update(workflow_context(notice, self.request.user, "gov:ops_changes_notice_act"))
        receipts = notice.receipts.all()
        ctx.update(roles=list(notice.roles.all()), organisations=list(notice.organisations.all()),
                   regions=list(notice.regions.all()), delivered=receipts.count(),
                   read=receipts.filter(read_at__isnull=False).count(),
                   expected=services.readers(notice).count() if notice.status != "published" else None)
        return ctx


class NoticeActionView(ActionView):
    model = Notice
    permission_required = "ops_changes.view_notice"


class InboxView(EntranceMixin, TemplateView):
    """运维公告: the published notices addressed to the user."""

    template_name = "ops_changes/inbox.html"
    permission_required = ()
    title = "运维公告"
    breadcrumbs = [SECTION]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        kind = self.request.GET.get("kind", "")
        receipts = services.inbox(self.request.user)
        if kind in Notice.Kind.values:
            receipts = receipts.filter(notice__kind=kind)
        ctx.update(receipts=list(receipts[:200]), kinds=Notice.Kind.choices, kind=kind)
        return ctx


class ReadView(EntranceMixin, TemplateView):
    template_name = "ops_changes/read.html"
    permission_required = ()
    breadcrumbs = [SECTION, ("运维公告", "/gov/ops/notices/")]

    def receipt(self):
        if not hasattr(self, "_receipt"):
            self._receipt = services.read(self.request.user, self.kwargs["pk"])
            if self._receipt is None:
                raise Http404("公告不存在或不是发给您的")
        return self._receipt

    def get_title(self):
        return self.receipt().notice.title

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["notice"] = self.receipt().notice
        return ctx
