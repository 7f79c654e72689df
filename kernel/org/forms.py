from django import forms

from .models import Organisation, Region
from .scope import restrict


class OrganisationForm(forms.ModelForm):
    """Agency staff register organisations inside their jurisdiction only."""

    class Meta:
        model = Organisation
        fields = ["name", "kind", "region", "uscc", "agency_type", "institution_type", "industry",
                  "legal_representative", "contact_person", "contact_phone", "address"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["region"].queryset = restrict_regions(Region.objects.all(), user)
        self.fields["region"].label_from_instance = lambda r: ("　" * (r.level - 1)) + r.name
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean_uscc(self):
        value = (self.cleaned_data.get("uscc") or "").strip().upper()
        return value or None

    def clean_contact_phone(self):
        import re

        value = (self.cleaned_data.get("contact_phone") or "").strip()
        if value and not re.fullmatch(r"(1[3-9]\d{9})|(0\d{2,3}-?\d{7,8})", value):
            raise forms.ValidationError("请输入有效的手机号或座机号（如 13800138000 或 0771-5881234）")
        return value


def restrict_regions(qs, user):
    """Regions a user may choose: their own region's subtree (all for superusers and 'all' scope)."""
    from .scope import scope_q

    if user is None:
        return qs.none()
    q = scope_q(Organisation, user)
    if q is None:
        return qs
    region = getattr(user, "region", None)
    if region is None:
        return qs.none()
    return qs.filter(path__startswith=region.path)


__all__ = ["OrganisationForm", "restrict", "restrict_regions"]
