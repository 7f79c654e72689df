"""Forms of the back office: a notice's draft (with an attachment), its push list, a manual version."""
from django import forms
from django.core.exceptions import ValidationError

from kernel.files.forms import AttachmentField
from kernel.org.models import Region
from kernel.org.scope import region_choices
from kernel.ui.filters import DateInput
from kernel.ui.forms import style as _style

from .models import Audience, Notice
from .services import ATTACHMENT_PURPOSE, EDITABLE


class NoticeForm(forms.ModelForm):
    attachment = AttachmentField(purpose=ATTACHMENT_PURPOSE, label="附件", required=False)

    class Meta:
        model = Notice
        fields = list(EDITABLE)
        widgets = {"content": forms.Textarea(attrs={"rows": 12}), "valid_from": DateInput(format="%Y-%m-%d"),
                   "valid_until": DateInput(format="%Y-%m-%d")}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        ids = [int(pk) for pk, _ in region_choices(user, 3)]
        regions = Region.objects.filter(pk__in=ids).order_by("path")
        self.fields["region"].queryset = regions
        self.fields["audience_prefecture"].queryset = regions
        self.fields["region"].error_messages["invalid_choice"] = "只能选择您管辖范围内的辖区"
        self.fields["audience_prefecture"].error_messages["invalid_choice"] = "只能选择您管辖范围内的辖区"
        if not self.instance.pk and user is not None and user.region is not None and user.region.pk in ids:
            self.initial.setdefault("region", user.region.pk)
        _style(self)

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", "有效期止不能早于有效期起")
        region, prefecture = data.get("region"), data.get("audience_prefecture")
        if region and prefecture and data.get("audience") == Audience.ALL and not prefecture.path.startswith(region.path):
            self.add_error("audience_prefecture", "限定地市须在发布辖区之内")
        return data


class AudienceForm(forms.Form):
    id_numbers = forms.CharField(
        label="推送名单（证件号码）", widget=forms.Textarea(attrs={"rows": 12, "class": "form-control font-monospace"}),
        help_text="每行一个证件号码（也可用逗号、空格分隔）；保存时将替换原名单",
        error_messages={"required": "请至少填写一个证件号码"})


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回原因", max_length=300, error_messages={"required": "请填写撤回原因"},
                             widget=forms.TextInput(attrs={"class": "form-control"}))


class ManualVersionForm(forms.Form):
    version = forms.CharField(label="版本号", max_length=20, help_text="如：V1.3")
    released_on = forms.DateField(label="发布日期", widget=DateInput)
    changes = forms.CharField(label="本次更新的功能", required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text="每行一项")
    content = forms.CharField(label="手册正文", required=False, widget=forms.Textarea(attrs={"rows": 20}),
                              help_text="每个章节以一行“# 章节标题”开头，其下为正文")
    video_url = forms.URLField(label="视频版地址", required=False, assume_scheme="https")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def add_service_errors(self, exc: ValidationError):
        for field, messages in exc.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)
