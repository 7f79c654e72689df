"""Forms of the inspection pages. Field errors come from the models' clean() and the services, in Chinese."""
from decimal import Decimal, InvalidOperation

from django import forms

from domains.ops.contracts.models import MaintainedSystem
from kernel.ui.forms import style

from ..models import Checklist, ChecklistItem, Target


def visible_systems(user):
    return MaintainedSystem.objects.visible_to(user).order_by("code")


class ChecklistForm(forms.ModelForm):
    class Meta:
        model = Checklist
        fields = ["system", "name", "frequency", "active", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["system"].queryset = visible_systems(user)
        if self.instance.pk:  # a checklist stays with its system (its runs and check points belong to it)
            self.fields["system"].disabled = True
        style(self)


class ItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistItem
        fields = ["order", "category", "name", "method", "metric", "operator", "threshold", "level", "action",
                  "guidance", "active"]
        labels = {"order": "序号（留0自动排在最后）"}

    def __init__(self, *args, user=None, checklist=None, **kwargs):
        super().__init__(*args, **kwargs)
        if checklist is not None:
            self.instance.checklist = checklist
        self.fields["metric"].choices = [("", "（人工检查项不选）")] + list(self.fields["metric"].choices)[1:]
        style(self)


def _lines(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class TargetForm(forms.ModelForm):
    """One form for the three kinds: the fields of the other kinds are ignored. Lists are one entry a line."""

    password = forms.CharField(label="数据库密码", required=False, strip=False,
                               widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                               help_text="SM4加密存储，不回显；编辑时留空则保持原密码")
    clear_password = forms.BooleanField(label="清除已保存的密码", required=False)
    backends = forms.CharField(label="后端服务地址", required=False, widget=forms.Textarea(attrs={"rows": 4}),
                               help_text="负载均衡后的各服务地址，每行一个；不填则只检查负载均衡地址本身")
    paths = forms.CharField(label="磁盘路径", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="执行巡检的主机上的绝对路径，每行一个，如 /data")
    tablespace_capacity = forms.CharField(
        label="表空间容量（GB）", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行“表空间名=容量GB”，如 pg_default=500。PostgreSQL表空间没有容量上限：配置了容量按容量计算使用率；"
                  "未配置且数据库在本机时按所在文件系统的使用率计算")

    class Meta:
        model = Target
        fields = ["system", "kind", "name", "enabled", "timeout_seconds", "host", "port", "dbname", "db_user",
                  "lock_wait_seconds", "tablespace_capacity", "url", "backends", "paths"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = visible_systems(user)
        target = self.instance
        self.initial["backends"] = "\n".join(target.backends or [])
        self.initial["paths"] = "\n".join(target.paths or [])
        self.initial["tablespace_capacity"] = "\n".join(
            f"{k}={v:g}" for k, v in (target.tablespace_capacity or {}).items())
        if target.pk:
            self.fields["system"].disabled = True
            self.fields["kind"].disabled = True
            if target.has_password:
                self.fields["password"].help_text = "已设置（SM4加密存储，不回显）；留空则保持原密码"
        style(self)

    def clean_backends(self):
        return _lines(self.cleaned_data.get("backends"))

    def clean_paths(self):
        return _lines(self.cleaned_data.get("paths"))

    def clean_tablespace_capacity(self):
        capacity = {}
        for n, line in enumerate(_lines(self.cleaned_data.get("tablespace_capacity")), 1):
            name, sep, value = line.partition("=")
            try:
                number = Decimal(value.strip()) if sep else None
            except InvalidOperation:
                number = None
            if not name.strip() or number is None or not number.is_finite() or number <= 0:
                raise forms.ValidationError(f"第{n}行格式应为“表空间名=容量GB”，容量为正数")
            capacity[name.strip()] = float(number)
        return capacity

    def password_value(self):
        """None keeps the stored password; "" clears it."""
        if self.cleaned_data.get("clear_password"):
            return ""
        return self.cleaned_data.get("password") or None
