"""List filters of equipment and inspection reports (pages, exports and the API share them)."""
import django_filters
from django.utils import timezone

from kernel.dicts.services import choices
from kernel.org.models import Region
from kernel.ui.filters import DateInput, StyledFilterSet

from .models import CATEGORIES, Equipment, InspectionReport


def category_choices():
    return [(value, label) for value, label in choices("equipment_category") if value in CATEGORIES]


class RegionFilterMixin:
    """A '所在区划（含下级）' choice limited to the user's jurisdiction (agency pages)."""

    def _set_region_choices(self, request):
        from kernel.org.scope import region_choices

        self.form.fields["region"].choices = [("", "全部")] + region_choices(getattr(request, "user", None),
                                                                           Region.Level.COUNTY)

    def in_region(self, qs, name, value):
        from kernel.org.scope import in_region_subtree

        return in_region_subtree(qs, value)


class EntEquipmentFilter(StyledFilterSet):
    code = django_filters.CharFilter(label="设备代码", lookup_expr="icontains")
    category = django_filters.ChoiceFilter(label="设备种类", choices=category_choices, empty_label="全部")
    status = django_filters.ChoiceFilter(label="设备状态", choices=Equipment.Status.choices, empty_label="全部")
    unit_name = django_filters.CharFilter(label="使用单位", field_name="user_unit__name", lookup_expr="icontains")
    overdue = django_filters.ChoiceFilter(label="检验是否超期", choices=[("1", "已超期"), ("0", "未超期")],
                                          empty_label="全部", method="by_overdue")

    class Meta:
        model = Equipment
        fields = ["code", "category", "status", "unit_name", "overdue"]

    def by_overdue(self, qs, name, value):
        today = timezone.localdate()
        if value == "1":
            return qs.filter(next_inspection_on__lt=today)
        return qs.exclude(next_inspection_on__lt=today)


class EquipmentFilter(RegionFilterMixin, EntEquipmentFilter):
    region = django_filters.ChoiceFilter(label="所在区划（含下级）", choices=[], method="in_region", empty_label="全部")

    class Meta:
        model = Equipment
        fields = ["code", "category", "status", "region", "unit_name", "overdue"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self._set_region_choices(request)


class _ReportFilterBase(StyledFilterSet):
    report_no = django_filters.CharFilter(label="报告编号", lookup_expr="icontains")
    equipment_code = django_filters.CharFilter(label="设备代码", field_name="equipment__code", lookup_expr="icontains")
    category = django_filters.ChoiceFilter(label="设备种类", field_name="equipment__category",
                                           choices=category_choices, empty_label="全部")
    unit_name = django_filters.CharFilter(label="使用单位", field_name="user_unit__name", lookup_expr="icontains")
    agency_name = django_filters.CharFilter(label="检验机构", field_name="agency__name", lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label="检验类别", choices=InspectionReport.Kind.choices, empty_label="全部")
    inspected_from = django_filters.DateFilter(label="检验日期起", field_name="inspected_on", lookup_expr="gte",
                                               widget=DateInput)
    inspected_to = django_filters.DateFilter(label="检验日期止", field_name="inspected_on", lookup_expr="lte",
                                             widget=DateInput)

    class Meta:
        model = InspectionReport
        fields = ["report_no", "equipment_code", "category", "unit_name", "agency_name", "kind", "inspected_from",
                  "inspected_to"]


class EntReportFilter(_ReportFilterBase):
    conclusion = django_filters.ChoiceFilter(label="检验结论", choices=InspectionReport.Conclusion.choices,
                                             empty_label="全部")

    class Meta(_ReportFilterBase.Meta):
        fields = _ReportFilterBase.Meta.fields + ["conclusion"]


class UnreportedFilter(RegionFilterMixin, _ReportFilterBase):
    """The one-click list: every report in it is negative already, so there is no conclusion filter."""

    region = django_filters.ChoiceFilter(label="所在区划（含下级）", choices=[], method="in_region", empty_label="全部")

    class Meta(_ReportFilterBase.Meta):
        fields = _ReportFilterBase.Meta.fields + ["region"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self._set_region_choices(request)


class ReportFilter(UnreportedFilter):
    conclusion = django_filters.ChoiceFilter(label="检验结论", choices=InspectionReport.Conclusion.choices,
                                             empty_label="全部")
    hazard = django_filters.ChoiceFilter(label="重大隐患上报", empty_label="全部", method="by_hazard",
                                         choices=[("unreported", "不合格未上报"), ("reported", "不合格已上报")])

    class Meta(UnreportedFilter.Meta):
        fields = UnreportedFilter.Meta.fields + ["conclusion", "hazard"]

    def by_hazard(self, qs, name, value):
        from .services import REPORTED, UNREPORTED, with_hazard_flag

        qs = qs if "hazard_state" in qs.query.annotations else with_hazard_flag(qs)
        return qs.filter(hazard_state=REPORTED if value == "reported" else UNREPORTED)
