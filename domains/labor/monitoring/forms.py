"""Forms of the supervision-database pages: field-level Chinese errors, the rules from services."""
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator

from kernel.ui.filters import DateInput

from . import services
from .models import DifferentiatedEnterprise

DATE_FIELDS = ("valid_from", "valid_until")


def _style(form):
    for name, field in form.fields.items():
        if name in DATE_FIELDS:
            field.widget = DateInput(attrs={"class": "form-control"}, format="%Y-%m-%d")
            continue
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class DifferentiatedEnterpriseForm(forms.ModelForm):
    """差异化存储企业备案: the enterprise is given by its unified social credit code (an enterprise
    registered in the system), the region is one of the user's jurisdiction."""

    enterprise_uscc = forms.CharField(label="施工企业统一社会信用代码", max_length=18,
                                      help_text="须为系统中已登记的企业")

    class Meta:
        model = DifferentiatedEnterprise
        fields = ["region", "ratio", "reason", "valid_from", "valid_until"]
        widgets = {"reason": forms.TextInput()}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["region"].queryset = services.regions_for_registry(user)
        self.fields["region"].label_from_instance = lambda r: ("　" * (r.level - 1)) + r.name
        self.fields["ratio"].help_text = "按规定比例的百分之几存储，如 50 表示按规定比例的50%存储；0 为免存"
        self.fields["ratio"].error_messages["invalid"] = "请输入数字"
        self.fields["ratio"].validators.append(MinValueValidator(0, message="存储比例不能为负数"))
        self.fields["region"].error_messages["invalid_choice"] = "该区划不在您的管辖范围内"
        for field in self.fields.values():
            field.error_messages["required"] = f"请填写{field.label}"
        if self.instance.pk:
            self.fields["enterprise_uscc"].initial = self.instance.enterprise.uscc
        self.order_fields(["enterprise_uscc", "region", "ratio", "reason", "valid_from", "valid_until"])
        _style(self)

    def clean_enterprise_uscc(self):
        value = self.cleaned_data["enterprise_uscc"].strip().upper()
        enterprise = services.enterprises().filter(uscc=value).first()
        if enterprise is None:
            raise ValidationError("未找到该统一社会信用代码对应的企业，请先在机构管理中登记该企业")
        self.instance.enterprise = enterprise
        return enterprise

    def _post_clean(self):
        super()._post_clean()
        try:
            services.validate_differentiated(self.user, self.instance)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                field = "enterprise_uscc" if name == "enterprise" else name
                if field in self.errors:  # the field's own check already said what is wrong
                    continue
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
