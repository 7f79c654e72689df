"""Agency pages of grids (网格, /gov/labor/grids/...): the grid tree under the counties, list with filters
and the Excel export of the spec's columns, create / edit / delete, and the grid warning statistics
(warnings of each grid by level and by handling status, with export).

A grid is a Region of level 网格 plus its Grid row (services.create_grid); its owner (网格员) receives the
low-level warnings of the grid by territory (services.sync_territory)."""
from types import SimpleNamespace

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views import View
from django.views.generic import TemplateView

from kernel.alerts.models import LEVEL_COLOURS, LEVEL_LABELS
from kernel.exports.excel import Sheet, workbook_response
from kernel.org.models import Region
from kernel.ui.filters import DateInput, StyledFilterSet
from kernel.ui.forms import apply_errors
from kernel.ui.generic import EntranceMixin, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column

from .. import services
from ..forms import GridForm
from ..models import Grid
from . import access
from .filters import CountyFilterMixin

VIEW, ADD, CHANGE, DELETE = ("labor_inspection.view_grid", "labor_inspection.add_grid", "labor_inspection.change_grid",
                             "labor_inspection.delete_grid")
EXPORT = "labor_inspection.export_grid"
SECTION = ("劳动监察", None)
BREAD = [SECTION, ("网格管理", "/gov/labor/grids/")]


def county_of(grid):
    """The county (县区) above a grid, from the region path (no query)."""
    region = grid.region
    parent = region.parent
    if parent is None:
        return ""
    if parent.level == Region.Level.COUNTY:
        return parent.name
    return parent.parent.name if parent.parent_id else ""


class GridNameColumn(Column):
    """The grid's name, a link to its edit page for those who may change grids."""

    def __init__(self):
        super().__init__("name", "网格名称", accessor="region.name", order_by="region__name", width=24)

    def html(self, obj, user=None, link=True):
        if link and user is not None and user.has_perm(CHANGE):
            return format_html('<a href="{}">{}</a>', reverse("gov:labor_grid_edit", args=[obj.pk]), obj.region.name)
        return obj.region.name


class CountyColumn(Column):
    def __init__(self):
        super().__init__("county", "所属县区", sortable=False, width=14)

    def raw(self, obj):
        return county_of(obj)


GRID_COLUMNS = [
    GridNameColumn(),
    Column("head", "网格长", width=12),
    Column("contact_person", "联系人", width=12),
    Column("phone", "联系电话", width=16),
    Column("address", "地址", width=30),
    Column("organisation", "所属机构", accessor="organisation.name", order_by="organisation__name", width=28),
    Column("parent", "上级网格", accessor="parent_name", order_by="region__parent__name", width=18),
    CountyColumn(),
    Column("owner", "网格员", accessor="owner.display_name", order_by="owner__real_name", width=12),
]
# The comprehensive grid query of the spec (§(4) 1) d): these columns, in this order, in the export.
EXPORT_COLUMNS = [c for c in GRID_COLUMNS if c.name in ("name", "head", "contact_person", "phone", "address",
                                                        "organisation", "parent")]


class GridFilter(CountyFilterMixin, StyledFilterSet):
    name = django_filters.CharFilter(label="网格名称", field_name="region__name", lookup_expr="icontains")
    head = django_filters.CharFilter(label="网格长", lookup_expr="icontains")
    county = django_filters.ChoiceFilter(label="所属县区", choices=[], method="in_region", empty_label="全部")
    county_filter = "county"

    class Meta:
        model = Grid
        fields = []


class GridListView(ScopedListView):
    model = Grid
    title = "网格管理"
    list_key = "labor_grids"
    permission_required = VIEW
    export_permission = EXPORT
    filterset_class = GridFilter
    columns = GRID_COLUMNS
    select_related = ("region", "region__parent", "region__parent__parent", "organisation", "owner")
    default_ordering = "region__path"
    template_name = "labor_inspection/grid_list.html"
    breadcrumbs = [SECTION]

    def related_for(self, columns):
        return list(self.select_related)

    def visible_columns(self):
        if self.request.GET.get("export") == "xlsx":
            return EXPORT_COLUMNS
        return super().visible_columns()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["tree"] = grid_tree(self.request.user)
        ctx["can_add"] = self.request.user.has_perm(ADD)
        ctx["can_grid_stats"] = access.can_view(self.request.user)
        return ctx


def grid_tree(user, max_grids=500):
    """The grid tree beside the list: counties → (towns →) grids, from the user's visible grids.

    [{"region": county, "count": n, "grids": [grid], "towns": [{"region": town, "grids": [grid]}]}]; at most
    `max_grids` grids are named (the counts are complete)."""
    grids = list(Grid.objects.visible_to(user).select_related("region", "region__parent", "region__parent__parent")
                 .order_by("region__path")[:max_grids])
    counts = dict(Grid.objects.visible_to(user).values_list("region__parent_id").annotate(n=Count("pk")).order_by())
    counties, towns = {}, {}
    for grid in grids:
        parent = grid.region.parent
        county = parent if parent.level == Region.Level.COUNTY else parent.parent
        entry = counties.setdefault(county.pk, {"region": county, "count": 0, "grids": [], "towns": []})
        if parent.level == Region.Level.COUNTY:
            entry["grids"].append(grid)
        else:
            town = towns.get(parent.pk)
            if town is None:
                town = towns[parent.pk] = {"region": parent, "grids": [], "count": counts.get(parent.pk, 0)}
                entry["towns"].append(town)
            town["grids"].append(grid)
    for entry in counties.values():
        entry["count"] = counts.get(entry["region"].pk, 0) + sum(t["count"] for t in entry["towns"])
    return sorted(counties.values(), key=lambda e: e["region"].path)


class GridCreateView(EntranceMixin, TemplateView):
    template_name = "labor_inspection/grid_form.html"
    title = "新增网格"
    permission_required = (VIEW, ADD)
    breadcrumbs = BREAD

    def get(self, request):
        return self.render_to_response(self.get_context_data(form=GridForm(user=request.user)))

    def post(self, request):
        form = GridForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                grid = services.create_grid(request.user, parent=form.cleaned_data["parent"], **form.service_fields())
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"网格“{grid.name}”已新增（区划代码 {grid.region.code}）")
                return redirect("gov:labor_grid_list")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class GridEditView(ScopedObjectMixin, EntranceMixin, TemplateView):
    model = Grid
    template_name = "labor_inspection/grid_form.html"
    permission_required = (VIEW, CHANGE)
    breadcrumbs = BREAD
    select_related = ("region", "region__parent", "organisation", "owner")

    def get_title(self):
        return f"修改网格：{self.get_object().name}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        from kernel.audit.services import history_for

        ctx["grid"] = self.get_object()
        ctx["history"] = history_for(self.get_object())[:30]
        ctx["can_delete"] = self.request.user.has_perm(DELETE)
        return ctx

    def get(self, request, pk):
        grid = self.get_object()
        return self.render_to_response(self.get_context_data(form=GridForm(user=request.user, grid=grid)))

    def post(self, request, pk):
        grid = self.get_object()
        form = GridForm(request.POST, user=request.user, grid=grid)
        if form.is_valid():
            try:
                services.update_grid(grid, request.user, **form.service_fields())
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "网格已保存")
                return redirect("gov:labor_grid_list")
        del self._object
        return self.render_to_response(self.get_context_data(form=form), status=400)


class GridDeleteView(ScopedObjectMixin, EntranceMixin, View):
    model = Grid
    permission_required = (VIEW, DELETE)

    def post(self, request, pk):
        grid = self.get_object()
        services.delete_grid(grid, request.user)
        messages.success(request, f"网格“{grid.name}”已删除，其网格员不再按属地接收预警")
        return redirect("gov:labor_grid_list")


# == grid warning statistics =================================================================================
class StatsFilter(CountyFilterMixin, StyledFilterSet):
    """Only its form is used (the statistics aggregate warnings, not grids)."""

    county = django_filters.ChoiceFilter(label="所属县区", choices=[], empty_label="全部", method="noop")
    category = django_filters.ChoiceFilter(label="预警类别", empty_label="全部", method="noop",
                                           choices=[(services.LABOUR_CATEGORY, services.LABOUR_CATEGORY)])
    date_from = django_filters.DateFilter(label="产生日期起", widget=DateInput, method="noop")
    date_to = django_filters.DateFilter(label="产生日期止", widget=DateInput, method="noop")

    county_filter = "county"

    class Meta:
        model = Grid
        fields = []

    def noop(self, qs, name, value):
        return qs


def _stat_columns():
    cols = [Column("grid", "网格名称", accessor="grid.region.name", width=24),
            Column("county", "所属县区", width=14),
            Column("owner", "网格员", accessor="grid.owner.display_name", width=12),
            Column("total", "预警总数", width=10)]
    cols += [Column(level, f"{LEVEL_LABELS[level]}预警", width=10) for level in services.GRID_LEVELS]
    cols += [Column(key, label, width=12) for key, label, _ in services.GRID_STATUS_GROUPS]
    return cols


class GridStatsView(EntranceMixin, TemplateView):
    template_name = "labor_inspection/grid_stats.html"
    title = "网格预警统计"
    permission_required = (VIEW, *access.VIEW)
    breadcrumbs = [SECTION]

    def rows(self):
        user = self.request.user
        self.filterset = StatsFilter(self.request.GET or None, queryset=Grid.objects.none(), request=self.request)
        data = self.filterset.form.cleaned_data if self.filterset.is_bound and self.filterset.form.is_valid() else {}
        grids = Grid.objects.visible_to(user).select_related("region", "region__parent", "region__parent__parent",
                                                             "owner").order_by("region__path")
        if data.get("county"):
            from kernel.org.scope import in_region_subtree

            grids = in_region_subtree(grids, data["county"])
        rows = services.grid_warning_stats(user, grids, date_from=data.get("date_from"), date_to=data.get("date_to"),
                                           category=data.get("category") or None)
        return [SimpleNamespace(county=county_of(r["grid"]), **r) for r in rows]

    def get(self, request, *args, **kwargs):
        rows = self.rows()
        if request.GET.get("export") == "xlsx":
            if not (request.user.has_perm(EXPORT) and access.can_export(request.user)):
                raise PermissionDenied("您没有导出权限")
            return workbook_response(request, "网格预警统计", [Sheet("网格预警统计", _stat_columns(), rows)])
        return self.render_to_response(self.get_context_data(rows=rows))

    def get_context_data(self, rows=(), **kwargs):
        ctx = super().get_context_data(**kwargs)
        totals = {c.name: sum(getattr(r, c.name) for r in rows) for c in _stat_columns()[3:]}
        params = self.request.GET.copy()
        params.pop("export", None)
        chart = [{"name": r.grid.region.name, **{lv: getattr(r, lv) for lv in services.GRID_LEVELS}}
                 for r in rows if r.total][:30]
        ctx.update(rows=rows, totals=totals, filterset=self.filterset, querystring=params.urlencode(),
                   levels=[(lv, LEVEL_LABELS[lv], LEVEL_COLOURS[lv]) for lv in services.GRID_LEVELS],
                   status_groups=services.GRID_STATUS_GROUPS,
                   can_export=self.request.user.has_perm(EXPORT) and access.can_export(self.request.user),
                   chart=chart, with_warnings=sum(1 for r in rows if r.total))
        return ctx

