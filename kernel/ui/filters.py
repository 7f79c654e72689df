import django_filters
from django import forms


class StyledFilterSet(django_filters.FilterSet):
    """A FilterSet whose widgets carry Bootstrap classes and which accepts the request
    (list pages pass it so that choices can depend on the user's scope)."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        for field in self.form.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"


class DateInput(forms.DateInput):
    input_type = "date"


def date_range(field_name="time"):
    """A pair of date filters (开始日期, 结束日期) on a datetime field."""
    return (
        django_filters.DateFilter(label="开始日期", field_name=field_name, lookup_expr="date__gte", widget=DateInput),
        django_filters.DateFilter(label="结束日期", field_name=field_name, lookup_expr="date__lte", widget=DateInput),
    )
