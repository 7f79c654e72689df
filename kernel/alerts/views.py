import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.html import format_html
from django.views import View
from django.views.generic import TemplateView

from kernel.accounts.models import User
from kernel.files.forms import AttachmentField
from kernel.ui.filters import StyledFilterSet, date_range
from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column
from kernel.workflow.engine import TransitionError
from kernel.workflow.views import panel_context

from . import services
from .models import LEVEL_COLOURS, LEVEL_LABELS, AlertRule, Warning
from .registry import detail_extensions

LEVEL_CHOICES = list(LEVEL_LABELS.items())
STATUS_CHOICES = Warning.workflow.choices()
BREAD = [("预警中心", None)]


class WarningFilter(StyledFilterSet):
    subject_repr = django_filters.CharFilter(label="预警对象", lookup_expr="icontains")
    rule = django_filters.ModelChoiceFilter(label="预警规则", queryset=AlertRule.objects.all(), empty_label="全部")
    level = django_filters.ChoiceFilter(label="等级", choices=LEVEL_CHOICES, empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=STATUS_CHOICES, empty_label="全部")
    origin = django_filters.ChoiceFilter(label="来源", choices=Warning.Origin.choices, empty_label="全部")
    date_from, date_to = date_range("first_seen")

    class Meta:
        model = Warning
        fields = []


def _checkbox(pk):
    return format_html('<input type="checkbox" class="form-check-input" name="ids" value="{}" form="batch-form">', pk)


def _levels_text(levels):
    return "；".join(f"{LEVEL_LABELS.get(e['level'], e['level'])} {e['threshold']}" for e in levels)


def _scan_text(stats):
    if not stats:
        return ""
    return (f"命中{stats.get('matched', 0)}，新增{stats.get('raised', 0)}，"
            f"升级{stats.get('changed', 0)}，解除{stats.get('released', 0)}")


WARNING_COLUMNS = [
    Column("select", "", accessor="pk", sortable=False, fmt=_checkbox),
    Column("subject_repr", "预警对象", link="gov:warning_detail", width=30),
    Column("rule", "预警规则", accessor="rule.name", order_by="rule__name", width=24),
    Column("level", "等级", accessor="level_label", order_by="level", colour=lambda w: w.level_colour),
    Column("status", "状态", accessor="workflow_state.label", order_by="status"),
    Column("region", "区划", accessor="region.name", order_by="region__path"),
    Column("value", "监测值", sortable=False),
    Column("origin", "来源", choices=True),
    Column("assignee", "处置人", accessor="assignee.display_name", order_by="assignee__real_name"),
    Column("first_seen", "产生时间", width=20),
    Column("message", "预警内容", default=False, sortable=False, width=40),
]


class WarningListView(ScopedListView):
    model = Warning
    title = "预警列表"
    list_key = "warnings"
    permission_required = "alerts.view_warning"
    export_permission = "alerts.export_warning"
    filterset_class = WarningFilter
    columns = WARNING_COLUMNS
    select_related = ("rule", "region", "assignee")
    default_ordering = "-first_seen"
    template_name = "alerts/warning_list.html"
    filter_form_tables = ("dicts_dictitem", "org_region", "alerts_alertrule")
    breadcrumbs = BREAD

    def visible_columns(self):
        cols = super().visible_columns()
        if self.request.GET.get("export") == "xlsx":
            return [c for c in cols if c.name != "select"]
        return cols

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["can_review"] = user.has_perm("alerts.review_warning")
        ctx["can_release"] = user.has_perm("alerts.release_warning")
        return ctx


class BatchView(EntranceMixin, View):
    permission_required = "alerts.view_warning"

    def post(self, request):
        action = request.POST.get("action")
        perm = {"review": "alerts.review_warning", "release": "alerts.release_warning"}.get(action)
        if perm is None or not request.user.has_perm(perm):
            messages.error(request, "您没有该批量操作的权限")
            return redirect("gov:warning_list")
        ids = [i for i in request.POST.getlist("ids") if i.isdigit()][:500]
        warnings = list(Warning.objects.visible_to(request.user).filter(pk__in=ids).select_related("rule"))
        kwargs = {"comment": request.POST.get("comment", "")}
        if action == "review" and request.POST.get("level"):
            kwargs["level"] = request.POST["level"]
        results = services.batch(warnings, action, request.user, **kwargs)
        ok = sum(1 for _, good, _ in results if good)
        messages.success(request, f"批量{'审核' if action == 'review' else '解除'}：成功{ok}条，失败{len(results) - ok}条")
        for w, good, msg in results:
            if not good:
                messages.warning(request, f"{w}：{msg}")
        return redirect(request.POST.get("next") or "gov:warning_list")


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label="处置人", queryset=User.objects.none(), empty_label="请选择")
    comment = forms.CharField(label="派发说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, warning=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (User.objects.visible_to(user).filter(kind="staff", is_active=True)
                                            .order_by("username"))
        self.fields["assignee"].label_from_instance = lambda u: f"{u.display_name}（{u.organisation}）"
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-select form-select-sm" if isinstance(f.widget, forms.Select) else "form-control form-control-sm"


class HandleForm(forms.Form):
    disposition_type = forms.ChoiceField(label="处置方式", choices=())
    result = forms.CharField(label="处置结果", widget=forms.Textarea(attrs={"rows": 3}))
    transcript = AttachmentField(purpose="alert_disposition", label="笔录或书面材料", required=False)
    photo = AttachmentField(purpose="alert_disposition", label="现场照片", required=False)

    def files_to_store(self):
        return [self.cleaned_data[n] for n in ("transcript", "photo") if self.cleaned_data.get(n)]

    def __init__(self, *args, **kwargs):
        from kernel.dicts.services import choices

        super().__init__(*args, **kwargs)
        self.fields["disposition_type"].choices = [("", "请选择")] + choices("disposition_type")
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-select form-select-sm" if isinstance(f.widget, forms.Select) else "form-control form-control-sm"


class WarningDetailView(ScopedDetailView):
    model = Warning
    permission_required = "alerts.view_warning"
    select_related = ("rule", "region", "assignee", "organisation")
    template_name = "alerts/warning_detail.html"
    breadcrumbs = BREAD + [("预警列表", "/gov/alerts/warnings/")]
    fields = [
        Column("subject_repr", "预警对象"), Column("rule", "预警规则", accessor="rule.name"),
        Column("level", "等级", accessor="level_label"), Column("value", "监测值"),
        Column("message", "预警内容"), Column("origin", "来源", choices=True),
        Column("region", "所属区划", accessor="region.full_name"), Column("organisation", "相关单位", accessor="organisation.name"),
        Column("first_seen", "产生时间"), Column("assignee", "处置人", accessor="assignee.display_name"),
        Column("disposition_type", "处置方式", dict_type="disposition_type"), Column("result", "处置结果"),
        Column("release_type", "解除方式", choices=True), Column("released_at", "解除时间"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        w = self.get_object()
        user = self.request.user
        ctx.update(panel_context(w, user))
        # the panel's generic buttons cover transitions without extra fields; these need forms
        extra_actions, hidden = detail_extensions(w, user)
        hidden |= {"assign", "handle", "review", "submit"}
        ctx["wf_actions"] = [t for t in ctx["wf_actions"] if t.name not in hidden]
        ctx["extra_actions"] = extra_actions
        ctx["events"] = w.events.all()
        ctx["level_colour"] = LEVEL_COLOURS.get(w.level)
        ctx["level_choices"] = [(c, LEVEL_LABELS.get(c, c)) for c in w.rule.level_codes()]
        ctx["can_review"] = w.status == "generated" and user.has_perm("alerts.review_warning")
        ctx["assign_form"] = (AssignForm(warning=w, user=user)
                              if w.status == "reviewed" and user.has_perm("alerts.assign_warning") else None)
        ctx["handle_form"] = (HandleForm() if w.status == "assigned" and
                              (w.assignee_id == user.pk or user.has_perm("alerts.release_warning")) else None)
        return ctx


class WarningActionView(ScopedObjectMixin, EntranceMixin, View):
    model = Warning
    permission_required = "alerts.view_warning"

    def post(self, request, pk, action):
        w = self.get_object()
        try:
            if action == "review":
                services.review(w, request.user, level=request.POST.get("level") or None,
                                comment=request.POST.get("comment", ""))
            elif action == "assign":
                form = AssignForm(request.POST, warning=w, user=request.user)
                if not form.is_valid():
                    raise ValidationError("请选择处置人（须在您的管辖范围内）")
                services.assign(w, request.user, form.cleaned_data["assignee"], form.cleaned_data["comment"])
            elif action == "handle":
                form = HandleForm(request.POST, request.FILES)
                if not form.is_valid():
                    raise ValidationError([f"{form.fields[name].label}：{msg}" if name in form.fields else msg
                                           for name, msgs in form.errors.items() for msg in msgs])
                services.handle(w, request.user, disposition_type=form.cleaned_data["disposition_type"],
                                result=form.cleaned_data["result"], files=form.files_to_store())
            elif action == "release":
                services.release(w, request.user, comment=request.POST.get("comment", ""))
            else:
                raise ValidationError("未知操作")
        except (TransitionError, ValidationError) as exc:
            messages.error(request, "操作未完成：" + "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, "已办理")
        return redirect(w.get_absolute_url())


class RegisterForm(forms.Form):
    rule = forms.ModelChoiceField(label="预警规则", queryset=AlertRule.objects.filter(enabled=True), empty_label="请选择")
    organisation = forms.ModelChoiceField(label="预警对象（单位）", queryset=None, empty_label="请选择")
    level = forms.ChoiceField(label="等级", choices=[("", "请选择")] + LEVEL_CHOICES)
    message = forms.CharField(label="预警内容", widget=forms.Textarea(attrs={"rows": 3}), max_length=500)

    def __init__(self, *args, user=None, **kwargs):
        from django.contrib.contenttypes.models import ContentType

        from kernel.org.models import Organisation

        super().__init__(*args, **kwargs)
        # the warning is about a unit: only the rules that watch units (a rule about projects or accounts
        # would let a manual warning stand in for, and hide, another record's automatic one)
        self.fields["rule"].queryset = AlertRule.objects.filter(
            enabled=True, subject_type=ContentType.objects.get_for_model(Organisation, for_concrete_model=False))
        self.fields["organisation"].queryset = Organisation.objects.visible_to(user).filter(kind="enterprise").order_by("name")
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-select" if isinstance(f.widget, forms.Select) else "form-control"


class RegisterView(EntranceMixin, TemplateView):
    template_name = "ui/form.html"
    title = "人工登记预警"
    permission_required = "alerts.register_warning"
    breadcrumbs = BREAD

    def get(self, request):
        return self.render_to_response(self.get_context_data(form=RegisterForm(user=request.user)))

    def post(self, request):
        form = RegisterForm(request.POST, user=request.user)
        if form.is_valid():
            org = form.cleaned_data["organisation"]
            try:
                w = services.register_manual(rule=form.cleaned_data["rule"], subject=org, level=form.cleaned_data["level"],
                                             message=form.cleaned_data["message"], user=request.user,
                                             region=org.region, organisation=org)
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(None if field in ("__all__", "region") else field, errs)
            else:
                messages.success(request, "预警已登记")
                return redirect(w.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


class StatsView(EntranceMixin, TemplateView):
    template_name = "alerts/stats.html"
    title = "预警统计"
    permission_required = "alerts.view_warning"
    breadcrumbs = BREAD

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        stats = services.statistics(self.request.user, date_from=self.request.GET.get("date_from") or None,
                                    date_to=self.request.GET.get("date_to") or None)
        states = dict(Warning.workflow.choices())
        chart = {
            "level": [{"name": LEVEL_LABELS.get(r["level"], r["level"]), "value": r["n"],
                       "itemStyle": {"color": LEVEL_COLOURS.get(r["level"], "#999")}} for r in stats["by_level"]],
            "status": [{"name": states.get(r["status"], r["status"]), "value": r["n"]} for r in stats["by_status"]],
            "rule": [[r["rule__name"], r["n"]] for r in stats["by_rule"]],
            "region": [[r["region__name"] or "未知", r["n"]] for r in stats["by_region"]],
            "month": [[r["month"], r["n"]] for r in stats["by_month"]],
        }
        ctx.update(stats=stats, chart=chart)
        return ctx


class RuleListView(ScopedListView):
    model = AlertRule
    title = "预警规则"
    list_key = "alertrules"
    permission_required = "alerts.view_alertrule"
    default_ordering = "code"
    breadcrumbs = BREAD
    columns = [
        Column("code", "规则编码", link="gov:alertrule_edit"), Column("name", "规则名称"), Column("category", "业务分类"),
        Column("levels", "等级与阈值", sortable=False, fmt=_levels_text),
        Column("enabled", "启用"), Column("last_scan_at", "最近扫描"),
        Column("last_scan_stats", "最近扫描结果", sortable=False, fmt=_scan_text),
    ]

    def base_queryset(self):
        return AlertRule.objects.all()  # rules are platform configuration


class RuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = ["name", "enabled", "levels", "params", "auto_assign_max_level", "approval_min_level", "notify_sms"]
        widgets = {"levels": forms.Textarea(attrs={"rows": 4}), "params": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, f in self.fields.items():
            f.widget.attrs["class"] = "form-check-input" if name in ("enabled", "notify_sms") else "form-control"

    def clean_levels(self):
        levels = self.cleaned_data["levels"]
        codes = self.instance.level_codes()
        if not isinstance(levels, list) or [e.get("level") for e in levels if isinstance(e, dict)] != codes:
            raise forms.ValidationError("等级不能增删或调整顺序，只能修改阈值：" + "、".join(LEVEL_LABELS.get(c, c) for c in codes))
        for e in levels:
            if not isinstance(e.get("threshold"), (int, float)):
                raise forms.ValidationError("阈值必须是数字")
        return levels

    def clean_params(self):
        """Condition parameters (e.g. days without attendance): the rule's own keys, numbers only."""
        params = self.cleaned_data["params"] or {}
        keys = set(self.instance.params or {})
        if not isinstance(params, dict) or set(params) != keys:
            raise forms.ValidationError("参数项不能增删，只能修改取值：" + "、".join(sorted(keys)) if keys else "本规则没有参数")
        for key, value in params.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise forms.ValidationError(f"参数“{key}”必须是不小于0的数字")
        return params

    def _level_code(self, name):
        value = self.cleaned_data[name]
        if value and value not in self.instance.level_codes():
            raise forms.ValidationError("请填写本规则的一个等级编码，如 " + "、".join(self.instance.level_codes()))
        return value

    def clean_auto_assign_max_level(self):
        return self._level_code("auto_assign_max_level")

    def clean_approval_min_level(self):
        return self._level_code("approval_min_level")


def rule_editor(user) -> bool:
    """Rules (thresholds, routing, approval) apply to the whole region tree: a county or city
    administrator must not change them for everyone; the autonomous region's may."""
    if user.is_superuser:
        return True
    org = getattr(user, "organisation", None)
    return org is not None and org.region.parent_id is None


class RuleEditView(EntranceMixin, TemplateView):
    template_name = "ui/form.html"
    permission_required = "alerts.change_alertrule"
    breadcrumbs = BREAD + [("预警规则", "/gov/alerts/rules/")]

    def get_title(self):
        return f"修改预警规则：{self.rule().name}"

    def rule(self):
        if not rule_editor(self.request.user):
            raise PermissionDenied("预警规则全区统一，只有自治区级管理员可以修改")
        return get_object_or_404(AlertRule, pk=self.kwargs["pk"])

    def get(self, request, pk):
        return self.render_to_response(self.get_context_data(form=RuleForm(instance=self.rule())))

    def post(self, request, pk):
        form = RuleForm(request.POST, instance=self.rule())
        if form.is_valid():
            form.save()
            messages.success(request, "规则已保存，下次扫描生效")
            return redirect("gov:alertrule_list")
        return self.render_to_response(self.get_context_data(form=form), status=400)
