import django_filters
from django import forms

from kernel.org.models import Organisation
from kernel.ui.filters import StyledFilterSet, date_range

from . import services
from .models import ApiClient, InboundMessage
from .registry import endpoint_choices


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


GRACE_CHOICES = [(0, "立即失效"), (1, "保留1小时"), (24, "保留24小时"), (72, "保留3天"), (168, "保留7天")]


class ApiClientForm(forms.ModelForm):
    """Create (with the organisation) or edit (roles, IP ranges, expiry, remark) a client."""

    organisation = forms.ModelChoiceField(label="所属机关或技术机构", queryset=Organisation.objects.none(), required=False,
                                          help_text="政府部门的系统或技术机构的系统；企业请填写下方统一社会信用代码")
    enterprise_uscc = forms.CharField(label="或：企业统一社会信用代码", max_length=18, required=False,
                                      help_text="为企业开通接口时填写")
    roles = forms.ModelMultipleChoiceField(label="接口账号角色", queryset=None, widget=forms.CheckboxSelectMultiple,
                                           help_text="接口按这些角色的权限和数据范围处理（只能选择您自己具备其全部权限的角色）",
                                           error_messages={"required": "请至少选择一个角色"})

    class Meta:
        model = ApiClient
        fields = ["name", "algorithm", "allowed_ips", "expires_at", "remark"]
        widgets = {"allowed_ips": forms.Textarea(attrs={"rows": 3, "placeholder": "例如：10.20.0.0/16"}),
                   "expires_at": DateTimeInput()}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["expires_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        roles = services.assignable_roles(user)
        from kernel.accounts.models import Role

        self.fields["roles"].queryset = Role.objects.filter(pk__in=[r.pk for r in roles]).order_by("code")
        if self.instance.pk:
            del self.fields["organisation"]
            del self.fields["enterprise_uscc"]
            self.fields["roles"].initial = list(self.instance.user.roles.values_list("pk", flat=True))
            # roles the operator may not grant but the client already has stay as they are
            self.kept_roles = list(self.instance.user.roles.exclude(pk__in=[r.pk for r in roles]))
        else:
            self.kept_roles = []
            self.fields["organisation"].queryset = (
                Organisation.objects.visible_to(user).filter(kind__in=["agency", "institution"])
                .select_related("region").order_by("region__path", "name"))
            self.fields["organisation"].label_from_instance = lambda o: f"{o.name}（{o.region.name}）"
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_enterprise_uscc(self):
        return (self.cleaned_data.get("enterprise_uscc") or "").strip().upper()

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            return data
        org, uscc = data.get("organisation"), data.get("enterprise_uscc")
        if org and uscc:
            self.add_error("enterprise_uscc", "机关/技术机构与企业只能选择其一")
        elif not org and not uscc:
            self.add_error("organisation", "请选择所属机关或技术机构，或填写企业统一社会信用代码")
        elif uscc:
            enterprise = Organisation.objects.visible_to(self.user).filter(kind="enterprise", uscc=uscc).first()
            if enterprise is None:
                self.add_error("enterprise_uscc", "未找到该统一社会信用代码对应的企业，或该企业不在您的管辖范围内")
            else:
                data["organisation"] = enterprise
        return data

    def save_client(self, actor):
        """Create or update through the services; returns (client, secret or None)."""
        data = self.cleaned_data
        fields = {k: data[k] for k in ("name", "algorithm", "allowed_ips", "expires_at", "remark")}
        roles = list(data["roles"]) + self.kept_roles
        if self.instance.pk:
            return services.update_client(self.instance, roles=roles, **fields), None
        return services.create_client(organisation=data["organisation"], roles=roles, actor=actor, **fields)


class RotateForm(forms.Form):
    grace_hours = forms.TypedChoiceField(label="旧密钥", choices=GRACE_CHOICES, coerce=int, initial=24)


class ApiClientFilter(StyledFilterSet):
    name = django_filters.CharFilter(label="客户端名称", lookup_expr="icontains")
    key_id = django_filters.CharFilter(label="接入密钥编号")
    enabled = django_filters.BooleanFilter(label="状态")

    class Meta:
        model = ApiClient
        fields = ["name", "key_id", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["enabled"].widget.choices = [("", "全部"), ("true", "启用"), ("false", "停用")]


class InboundMessageFilter(StyledFilterSet):
    client = django_filters.ModelChoiceFilter(label="接入客户端", queryset=ApiClient.objects.none(), empty_label="全部")
    endpoint = django_filters.ChoiceFilter(label="接口", choices=endpoint_choices, empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=InboundMessage.Status.choices, empty_label="全部")
    message_id = django_filters.CharFilter(label="消息编号")
    date_from, date_to = date_range("received_at")

    class Meta:
        model = InboundMessage
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        self.form.fields["client"].queryset = ApiClient.objects.visible_to(user).order_by("name")
