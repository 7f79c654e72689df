"""Forms of the problem, change and notice pages (field-level Chinese errors; services do the business checks)."""
import re

from django import forms

from domains.ops.contracts.models import MaintainedSystem
from kernel.accounts.models import Role
from kernel.org.models import Organisation, Region
from kernel.ui.forms import style

from ..models import Change, Notice, Problem, RepeatFaultRule

DT = {"type": "datetime-local"}


def _style(form):
    style(form)
    for field in form.fields.values():
        if field.required:
            field.error_messages["required"] = f"请填写{field.label}"


class TicketNumbersMixin:
    def init_tickets(self):
        if self.instance.pk:
            self.fields["ticket_numbers"].initial = " ".join(self.instance.tickets.values_list("number", flat=True))

    def ticket_numbers_list(self):
        return [n for n in re.split(r"[\s,，、;；]+", self.cleaned_data.get("ticket_numbers") or "") if n]


class ProblemForm(TicketNumbersMixin, forms.ModelForm):
    ticket_numbers = forms.CharField(label="关联故障工单编号", required=False, max_length=2000,
                                     help_text="多个编号以空格或逗号分隔")

    class Meta:
        model = Problem
        fields = ["system", "title", "description", "root_cause", "prevention"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in ("description", "root_cause", "prevention")}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = MaintainedSystem.objects.visible_to(user)
        self.init_tickets()
        _style(self)


class ChangeForm(TicketNumbersMixin, forms.ModelForm):
    ticket_numbers = forms.CharField(label="关联工单编号", required=False, max_length=2000,
                                     help_text="多个编号以空格或逗号分隔")

    class Meta:
        model = Change
        fields = ["system", "title", "reason", "plan", "risk_level", "risk", "impact", "window_start", "window_end",
                  "rollback_plan", "problem"]
        widgets = {**{f: forms.Textarea(attrs={"rows": 3}) for f in ("reason", "plan", "risk", "impact", "rollback_plan")},
                   "window_start": forms.DateTimeInput(attrs=DT, format="%Y-%m-%dT%H:%M"),
                   "window_end": forms.DateTimeInput(attrs=DT, format="%Y-%m-%dT%H:%M")}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].queryset = MaintainedSystem.objects.visible_to(user)
        self.fields["problem"].queryset = Problem.objects.visible_to(user).exclude(status="closed")
        for name in ("window_start", "window_end"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
            self.fields[name].error_messages["invalid"] = "请输入有效的日期时间"
        self.init_tickets()
        _style(self)


class NoticeForm(forms.ModelForm):
    class Meta:
        model = Notice
        fields = ["kind", "title", "body", "roles", "organisations", "regions", "problem", "change"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6}),
                   "roles": forms.SelectMultiple(attrs={"size": 6}),
                   "organisations": forms.SelectMultiple(attrs={"size": 6}),
                   "regions": forms.SelectMultiple(attrs={"size": 6})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        region = getattr(user, "region", None)
        root = region.path if region else "-"
        self.fields["roles"].queryset = Role.objects.filter(enabled=True).order_by("code")
        self.fields["organisations"].queryset = Organisation.objects.visible_to(user).filter(kind="agency").order_by(
            "region__path", "name")
        self.fields["regions"].queryset = Region.objects.filter(path__startswith=root, level__lte=3).order_by("path")
        self.fields["regions"].label_from_instance = lambda r: "　" * (r.level - 1) + r.name
        self.fields["problem"].queryset = Problem.objects.visible_to(user)
        self.fields["change"].queryset = Change.objects.visible_to(user)
        for name in ("roles", "organisations", "regions"):
            self.fields[name].error_messages["invalid_choice"] = "所选项不在可选范围内"
            self.fields[name].error_messages["invalid_pk_value"] = "所选项不在可选范围内"
            self.fields[name].help_text = "可多选；不选表示不按此项限制"
        _style(self)


class RuleForm(forms.ModelForm):
    class Meta:
        model = RepeatFaultRule
        fields = ["min_count", "window_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["min_count"].error_messages.update(min_value="故障工单数至少为2", max_value="故障工单数不超过100")
        self.fields["window_days"].error_messages.update(min_value="统计天数至少为1天", max_value="统计天数不超过366天")
        _style(self)


class ActionForm(forms.Form):
    comment = forms.CharField(label="处理意见", required=False, max_length=2000)
