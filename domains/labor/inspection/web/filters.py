"""Filter pieces shared by the agency pages of labour inspection (warnings, cases, grids)."""
from kernel.org.models import Region


class CountyFilterMixin:
    """A region choice (含下级) among the counties of the user's jurisdiction, on a StyledFilterSet (before it in
    the bases). `county_filter` names the ChoiceFilter (declared with choices=[] and, to filter, method="in_region")."""

    county_filter = "region"

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        from kernel.org.scope import region_choices

        self.form.fields[self.county_filter].choices = [("", "全部")] + region_choices(getattr(request, "user", None),
                                                                                     Region.Level.COUNTY)

    def in_region(self, qs, name, value):
        from kernel.org.scope import in_region_subtree

        return in_region_subtree(qs, value)
