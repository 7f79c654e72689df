import django_filters

from kernel.dicts.services import choices
from kernel.ui.filters import StyledFilterSet

from .models import Organisation, Region


class OrganisationFilter(StyledFilterSet):
    name = django_filters.CharFilter(label="机构名称", lookup_expr="icontains")
    uscc = django_filters.CharFilter(label="统一社会信用代码", lookup_expr="iexact")
    kind = django_filters.ChoiceFilter(label="机构类别", choices=Organisation.Kind.choices, empty_label="全部")
    industry = django_filters.ChoiceFilter(label="所属行业", choices=lambda: choices("industry"), empty_label="全部")
    region = django_filters.ChoiceFilter(label="所属区划（含下级）", choices=[], method="in_region", empty_label="全部")

    class Meta:
        model = Organisation
        fields = ["name", "uscc", "kind", "industry", "region"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        from .scope import region_choices

        self.form.fields["region"].choices = [("", "全部")] + region_choices(getattr(request, "user", None),
                                                                           Region.Level.COUNTY)

    def in_region(self, qs, name, value):
        from .scope import in_region_subtree

        return in_region_subtree(qs, value)


class RegionFilter(StyledFilterSet):
    name = django_filters.CharFilter(label="名称", lookup_expr="contains")
    level = django_filters.ChoiceFilter(label="层级", choices=Region.Level.choices, empty_label="全部")
    parent = django_filters.CharFilter(label="上级区划代码", field_name="parent__code")

    class Meta:
        model = Region
        fields = ["name", "level", "parent"]
