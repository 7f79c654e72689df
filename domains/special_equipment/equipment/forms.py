"""Forms of the equipment registry: field-level Chinese errors, business rules from services."""
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kernel.org.forms import restrict_regions
from kernel.org.models import Region
from kernel.ui.filters import DateInput

from . import services
from .filters import category_choices
from .models import Equipment, InspectionReport

UNIT_FIELDS = {"user_unit": "user_unit_uscc", "maintenance_unit": "maintenance_unit_uscc"}
DATE_FIELDS = ("manufactured_on", "commissioned_on", "next_inspection_on", "inspected_on")


def _style(form):
    for name, field in form.fields.items():
        if name in DATE_FIELDS:
            field.widget = DateInput(attrs={"class": "form-control"})
            continue
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class EquipmentForm(forms.ModelForm):
    """Regulators register equipment of their jurisdiction; units are given by their USCC."""

    user_unit_uscc = forms.CharField(label="使用单位统一社会信用代码", max_length=18,
                                     help_text="使用单位须为您管辖范围内已登记的企业")
    maintenance_unit_uscc = forms.CharField(label="维保单位统一社会信用代码", max_length=18, required=False)

    class Meta:
        model = Equipment
        fields = ["code", "category", "type_name", "variety", "name", "model_no", "registration_no", "region",
                  "location", "status", "manufactured_on", "commissioned_on", "next_inspection_on"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["category"].choices = [("", "---------")] + category_choices()
        self.fields["region"].queryset = restrict_regions(Region.objects.all(), user).order_by("path")
        self.fields["region"].label_from_instance = lambda r: ("　" * (r.level - 1)) + r.name
        if self.instance.pk:
            self.fields["user_unit_uscc"].initial = self.instance.user_unit.uscc
            if self.instance.maintenance_unit_id:
                self.fields["maintenance_unit_uscc"].initial = self.instance.maintenance_unit.uscc
        self.order_fields(["code", "category", "type_name", "variety", "name", "model_no", "registration_no",
                           "region", "location", "user_unit_uscc", "maintenance_unit_uscc"])
        _style(self)

    def clean_code(self):
        return self.cleaned_data["code"].strip()

    def clean_user_unit_uscc(self):
        value = self.cleaned_data["user_unit_uscc"].strip().upper()
        if self.instance.pk and self.instance.user_unit.uscc == value:
            return self.instance.user_unit  # unchanged, even if registered outside the jurisdiction
        unit = services.units_in_scope(self.user).filter(uscc=value).first()
        if unit is None:
            raise ValidationError("未找到该统一社会信用代码对应的使用单位，或该单位不在您的管辖范围内")
        return unit

    def clean_maintenance_unit_uscc(self):
        value = (self.cleaned_data.get("maintenance_unit_uscc") or "").strip().upper()
        if not value:
            return None
        unit = services.maintenance_units().filter(uscc=value).first()
        if unit is None:
            raise ValidationError("未找到该统一社会信用代码对应的维保单位")
        return unit

    def clean(self):
        data = super().clean()
        if data.get("user_unit_uscc") is not None:
            self.instance.user_unit = data["user_unit_uscc"]
        if "maintenance_unit_uscc" in data:
            self.instance.maintenance_unit = data["maintenance_unit_uscc"]
        return data

    def _post_clean(self):
        super()._post_clean()
        try:
            services.validate_equipment(self.user, self.instance)
        except ValidationError as exc:
            renamed = {UNIT_FIELDS.get(k, k): v for k, v in exc.message_dict.items()}
            self._update_errors(ValidationError(renamed))


class ReportForm(forms.ModelForm):
    """An institution enters a report for a device found by its exact 设备代码."""

    equipment_code = forms.CharField(label="设备代码", max_length=40,
                                     help_text="填写设备铭牌或使用登记证上的设备代码（须完全一致）")

    class Meta:
        model = InspectionReport
        fields = ["report_no", "kind", "inspected_on", "conclusion", "next_inspection_on", "problems", "inspector"]
        widgets = {"problems": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.order_fields(["equipment_code"])
        self.fields["equipment_code"].widget.attrs.update({
            "hx-get": reverse("ent:se_report_lookup"), "hx-trigger": "input changed delay:400ms, change", "hx-target": "#equipment-lookup"})
        _style(self)

    def clean_equipment_code(self):
        try:
            equipment = services.equipment_for_report(self.user, self.cleaned_data["equipment_code"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["equipment"]) from None
        self.instance.equipment = equipment
        return equipment

    def _post_clean(self):
        super()._post_clean()
        try:
            services.check_report(self.user, self.instance)
        except ValidationError as exc:
            self._update_errors(exc)
        except PermissionDenied as exc:
            self.add_error(None, str(exc))
