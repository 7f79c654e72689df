"""Staff pages of the department exchange (/gov/gs/exchange/): department systems, the shadow table
(影子表, Excel export) and the callback log. Scope: a system is visible when its department is
(Organisation.objects.visible_to); shadow rows and callbacks through the visible cases and systems."""
import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.urls import reverse

from domains.gov_services.one_window.models import Case
from kernel.org.models import Organisation
from kernel.ui.filters import StyledFilterSet, date_range
from kernel.ui.generic import ScopedFormView, ScopedListView
from kernel.ui.tables import Column

from .. import services
from ..models import CallbackLog, DepartmentSystem, ShadowRecord

SECTION = ("一窗受理", None)
SYSTEMS = "/gov/gs/exchange/systems/"
P = "gs_exchange."
SOURCES = {"notify": "通知", "scan": "定时扫描"}


def source_label(value):
    return SOURCES.get(value, value)


def visible_systems(user):
    return DepartmentSystem.objects.filter(department__in=Organisation.objects.visible_to(user))


def visible_shadows(user):
    return ShadowRecord.objects.filter(case__in=Case.objects.visible_to(user))


def visible_callbacks(user):
    nos = Case.objects.visible_to(user).values("no")
    return CallbackLog.objects.filter(Q(system__in=visible_systems(user)) | Q(system__isnull=True, sbh__in=nos))


# -- department systems ----------------------------------------------------------------------------
class SystemList(ScopedListView):
    model = DepartmentSystem
    title = "部门业务系统"
    list_key = "gs_exchange_systems"
    permission_required = P + "view_departmentsystem"
    create_url_name = "gov:gs_exchange_system_create"
    create_permission = P + "add_departmentsystem"
    select_related = ("department",)
    default_ordering = "code"
    breadcrumbs = [SECTION]
    columns = [
        Column("code", "系统代码", link="gov:gs_exchange_system_edit"), Column("name", "系统名称"),
        Column("department", "所属部门", accessor="department.name", order_by="department__name"),
        Column("notify_url", "通知地址", fmt=None), Column("active", "启用"),
        Column("created_at", "创建时间"),
    ]

    def base_queryset(self):
        return visible_systems(self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        for row in ctx["rows"]:  # an empty notify URL means the in-process simulator
            if row[3] == "":
                row[3] = "（本地部门模拟器）"
        from kernel.ui.generic import rows_html

        ctx["rows_html"] = rows_html(ctx["rows"])
        return ctx


class SystemForm(forms.ModelForm):
    secret = forms.CharField(label="共享密钥", required=False, strip=True, max_length=200,
                             widget=forms.PasswordInput(render_value=False),
                             help_text="只写：保存后不再显示；编辑时留空则保持原密钥")

    class Meta:
        model = DepartmentSystem
        fields = ["code", "name", "department", "notify_url", "active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["department"].queryset = Organisation.objects.visible_to(user).filter(
            kind="agency").order_by("name")
        self.fields["notify_url"].label = "通知地址"
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "系统代码即前置库名称和签名密钥标识，创建后不能修改"
        for field in self.fields.values():
            w = field.widget
            w.attrs.setdefault("class", "form-check-input" if isinstance(w, forms.CheckboxInput)
                               else "form-select" if isinstance(w, forms.Select) else "form-control")

    def clean_notify_url(self):
        url = self.cleaned_data["notify_url"].strip()
        if url and not url.startswith(("http://", "https://")):
            raise ValidationError("通知地址须以 http:// 或 https:// 开头；留空使用本地部门模拟器")
        return url

    def clean_secret(self):
        secret = self.cleaned_data["secret"]
        if not self.instance.pk and not secret:
            raise ValidationError("请填写共享密钥")
        if secret and len(secret) < 8:
            raise ValidationError("共享密钥至少8位")
        return secret


class SystemFormView(ScopedFormView):
    model = DepartmentSystem
    form_class = SystemForm
    breadcrumbs = [SECTION, ("部门业务系统", SYSTEMS)]

    def get_instance(self):
        if "pk" not in self.kwargs:
            return None
        system = visible_systems(self.request.user).filter(pk=self.kwargs["pk"]).first()
        if system is None:
            raise Http404("记录不存在或不在您的管辖范围内")
        return system

    def get_title(self):
        return "编辑部门业务系统" if "pk" in self.kwargs else "新增部门业务系统"

    def save_form(self, form):
        try:
            return services.save_system(form.instance, secret=form.cleaned_data["secret"], user=self.request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            raise

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            form = self.get_form(request.POST)
            form.is_valid()
            return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_success_url(self, obj):
        return reverse("gov:gs_exchange_system_list")


class SystemCreate(SystemFormView):
    permission_required = P + "add_departmentsystem"


class SystemEdit(SystemFormView):
    permission_required = P + "change_departmentsystem"


# -- the shadow table ------------------------------------------------------------------------------
class ShadowFilter(StyledFilterSet):
    sbh = django_filters.CharFilter(label="申报号", lookup_expr="icontains")
    department = django_filters.ModelChoiceFilter(label="部门", field_name="system__department",
                                                  queryset=Organisation.objects.none())
    direction = django_filters.ChoiceFilter(label="方向", choices=ShadowRecord.Direction.choices)
    stage = django_filters.ChoiceFilter(label="环节", choices=ShadowRecord.Stage.choices)
    date_from, date_to = date_range("fetched_at")

    class Meta:
        model = ShadowRecord
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        ids = visible_systems(request.user).values("department")
        self.filters["department"].queryset = Organisation.objects.filter(pk__in=ids).order_by("name")
        self.form.fields["department"].queryset = self.filters["department"].queryset


class ShadowList(ScopedListView):
    model = ShadowRecord
    title = "分发跟踪（影子表）"
    list_key = "gs_exchange_shadows"
    permission_required = P + "view_shadowrecord"
    export_permission = P + "view_shadowrecord"
    filterset_class = ShadowFilter
    select_related = ("system", "case")
    filter_form_tables = ("org_region", "org_organisation", "gs_exchange_departmentsystem")
    breadcrumbs = [SECTION]
    columns = [
        Column("sbh", "申报号"), Column("version", "版本号"), Column("fetched_at", "取值时间"),
        Column("operator", "操作人"), Column("direction", "方向", choices=True),
        Column("stage", "环节", choices=True), Column("system", "部门系统", accessor="system.name",
                                                      order_by="system__name"),
        Column("source", "来源", fmt=source_label), Column("acknowledged_at", "部门确认时间"),
    ]

    def base_queryset(self):
        return visible_shadows(self.request.user)


# -- the callback log ------------------------------------------------------------------------------
class CallbackFilter(StyledFilterSet):
    sbh = django_filters.CharFilter(label="申报号", lookup_expr="icontains")
    outcome = django_filters.ChoiceFilter(label="结果", choices=CallbackLog.Outcome.choices)
    date_from, date_to = date_range("received_at")

    class Meta:
        model = CallbackLog
        fields = []


class CallbackList(ScopedListView):
    model = CallbackLog
    title = "回调记录"
    list_key = "gs_exchange_callbacks"
    permission_required = P + "view_callbacklog"
    filterset_class = CallbackFilter
    select_related = ("system",)
    filter_form_tables = ("gs_exchange_callbacklog",)
    breadcrumbs = [SECTION]
    columns = [
        Column("received_at", "接收时间"), Column("system", "部门系统", accessor="system.name", order_by="system__name"),
        Column("key_id", "密钥标识"), Column("sbh", "申报号"), Column("version", "版本号"),
        Column("stage", "环节", fmt=lambda v: dict(ShadowRecord.Stage.choices).get(v, v)),
        Column("source", "来源", fmt=source_label), Column("outcome", "结果", choices=True), Column("reason", "原因"),
        Column("remote_addr", "来源地址"),
    ]

    def base_queryset(self):
        return visible_callbacks(self.request.user)
