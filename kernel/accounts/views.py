import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from kernel.org.validators import mask_id_number, mask_phone
from kernel.ui.context_processors import ENTRANCE_TITLES
from kernel.ui.filters import StyledFilterSet
from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedListView
from kernel.ui.tables import Column

from . import services
from .models import Role, User

ENTRANCE_HINTS = {"gov": "机关工作人员登录", "ent": "企业及技术机构登录", "m": "个人及移动办公登录"}


def login_view(request, entrance):
    home = reverse(f"{entrance}:home")
    if request.user.is_authenticated and request.method == "GET":
        return redirect(home)
    error, username = "", ""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST":
        username = request.POST.get("username", "")
        result = services.attempt_login(request, username, request.POST.get("password", ""), entrance)
        if result.user is not None:
            if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}) and next_url.startswith(f"/{entrance}/"):
                return redirect(next_url)
            return redirect(home)
        error = result.error
    others = [(k, ENTRANCE_TITLES[k]) for k in ("gov", "ent", "m") if k != entrance]
    template = "mobile/login.html" if entrance == "m" else "ui/login.html"
    return render(request, template, {
        "error": error, "username": username, "next": next_url, "entrance_hint": ENTRANCE_HINTS[entrance],
        "other_entrances": others,
    }, status=400 if error else 200)


@require_POST
def logout_view(request, entrance):
    services.sign_out(request)
    return redirect(reverse(f"{entrance}:login"))


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "current-password"}))
    new_password = forms.CharField(label="新密码", widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "new-password"}))
    new_password2 = forms.CharField(label="确认新密码", widget=forms.PasswordInput(attrs={"class": "form-control", "autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致")
        return data


@login_required
def password_change_view(request, entrance):
    form = PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            errors = services.change_password(request, request.user, form.cleaned_data["old_password"], form.cleaned_data["new_password"])
            if not errors:
                messages.success(request, "密码已修改")
                return redirect(reverse(f"{entrance}:home"))
            for field, msgs in errors.items():
                for msg in msgs:
                    form.add_error(field, msg)
        status = 400
    template = "mobile/form.html" if entrance == "m" else "ui/form.html"
    title = "首次登录请修改密码" if request.user.must_change_password else "修改密码"
    return render(request, template, {"form": form, "title": title, "breadcrumbs": [(title, None)],
                                      "help": services.password_help()}, status=status)


@login_required
@require_POST
def logout_all_view(request, entrance):
    services.logout_everywhere(request, request.user)
    return redirect(reverse(f"{entrance}:login"))


class ProfileView(EntranceMixin, TemplateView):
    template_name = "ui/profile.html"
    title = "个人中心"

    def get_template_names(self):
        return ["mobile/profile.html"] if self.entrance == "m" else [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["roles"] = user.roles.filter(enabled=True)
        ctx["masked_id"] = mask_id_number(user.id_number)
        ctx["masked_phone"] = mask_phone(user.phone)
        return ctx


class UserFilter(StyledFilterSet):
    q = django_filters.CharFilter(label="账号/姓名", method="search")
    kind = django_filters.ChoiceFilter(label="用户类别", choices=User.Kind.choices)
    organisation__name = django_filters.CharFilter(label="所属机构", lookup_expr="icontains")
    is_active = django_filters.BooleanFilter(label="状态")

    class Meta:
        model = User
        fields = ["q", "kind", "organisation__name", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["is_active"].widget.choices = [("", "全部"), ("true", "启用"), ("false", "停用")]

    def search(self, qs, name, value):
        return qs.filter(Q(username__icontains=value) | Q(real_name__icontains=value))


USER_COLUMNS = [
    Column("username", "账号", link="gov:user_detail"),
    Column("real_name", "姓名"),
    Column("kind", "用户类别", choices=True),
    Column("organisation", "所属机构", accessor="organisation.name", order_by="organisation__name"),
    Column("region", "所属区划", accessor="organisation.region.name", order_by="organisation__region__path"),
    Column("phone", "手机号", mask="phone", unmask_perm="accounts.view_personal_data"),
    Column("is_active", "启用"),
    Column("last_login", "最后登录", default=False),
]


class UserListView(ScopedListView):
    model = User
    title = "用户管理"
    list_key = "users"
    permission_required = "accounts.view_user"
    export_permission = "accounts.view_user"
    filterset_class = UserFilter
    columns = USER_COLUMNS
    select_related = ("organisation__region",)
    default_ordering = "username"
    breadcrumbs = [("系统管理", None)]


class UserDetailView(ScopedDetailView):
    model = User
    permission_required = "accounts.view_user"
    select_related = ("organisation__region",)
    fields = USER_COLUMNS + [
        Column("id_number", "证件号码", mask="id_number", unmask_perm="accounts.view_personal_data"),
        Column("date_joined", "创建时间"),
    ]
    breadcrumbs = [("系统管理", None), ("用户管理", "/gov/system/users/")]


class RoleListView(ScopedListView):
    model = Role
    title = "角色管理"
    list_key = "roles"
    permission_required = "accounts.view_role"
    columns = [
        Column("code", "角色编码"),
        Column("name", "角色名称"),
        Column("data_scope", "数据范围", choices=True),
        Column("enabled", "启用"),
        Column("remark", "备注", sortable=False),
    ]
    default_ordering = "code"
    breadcrumbs = [("系统管理", None)]

    def base_queryset(self):
        return Role.objects.all()  # roles are platform configuration, not jurisdiction data
