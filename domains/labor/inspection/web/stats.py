"""Warning statistics and analysis (预警统计与分析, seed 000 §A1 (4)) of the wage-arrears warnings:

* 预警统计分析 (/gov/labor/stats/): filters (dates, region drilled down the region tree, level, rule, status,
  origin, case source); cards; a) category statistics by region, channel (origin; complaints by 案件来源),
  warning condition (rule) and handling status; b) grid-warning statistics; c) automatic-warning statistics by
  rule and level and by month; the monthly trend and the unit ranking. Every figure is an ECharts chart with a
  table, and every number links to the warning query with the same filters (its count equals the figure). The
  whole page exports as one workbook (a sheet per table) and each statistic on its own (?part=...).
* Combined queries with Excel export (综合查询): 预警信息 (/gov/labor/stats/warnings/), 单位信息
  (/gov/labor/stats/units/), 操作日志 (/gov/labor/stats/logs/ for workflow actions on warnings and cases,
  .../logs/changes/ for data changes); grid information is the grids page (/gov/labor/grids/).
* 预警大屏 (/gov/labor/screen/): a dark full-screen page (bar by region as pseudo-3D columns, pie by level,
  daily / monthly trend, handling status, rules, units, indicator cards), drill down by clicking a region and
  up by the trail or the back button, an indicator choice, refreshing itself from /gov/labor/screen/data/ every
  30 seconds; the figures on screen export to Excel.

Every figure comes from domains.labor.inspection.stats over labour_warnings(user) (Warning.objects.visible_to)
and Complaint.objects.visible_to(user), cached until a table it reads changes (kernel.core.cache.versioned)."""
import functools
import hashlib
from urllib.parse import urlencode

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Count, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views import View
from django.views.generic import TemplateView

from kernel.alerts.models import LEVEL_COLOURS, LEVEL_LABELS, OPEN_STATES, Warning
from kernel.audit.models import ChangeLog
from kernel.core.cache import versioned
from kernel.exports.excel import Sheet, ValueColumn, workbook_response
from kernel.org.models import Organisation, Region
from kernel.org.scope import region_choices
from kernel.ui.filters import DateInput, StyledFilterSet, date_range
from kernel.ui.generic import EntranceMixin, ScopedListView
from kernel.ui.tables import Column
from kernel.workflow.models import TransitionLog

from .. import stats
from ..models import Complaint
from ..workflows import COMPLAINT
from .access import VIEW, LabourExportMixin, can_export

CASES_VIEW = "labor_inspection.view_complaint"
LOG_VIEW = (*VIEW, CASES_VIEW)  # the operation log: staff who handle warnings and cases (not grid owners)
TITLE = "预警统计分析"
SCREEN_TITLE = "欠薪预警监测大屏"
SECTION = ("劳动监察", None)
QUERY_BREAD = [SECTION, ("综合查询", None)]
# Tables the figures read, and those that decide the user's region and data scopes: a write to any of them
# refreshes the cached figures.
TABLES = ("alerts_warning", "alerts_alertrule", "labor_inspection_complaint", "labor_inspection_grid", "org_region",
          "org_organisation", "accounts_user", "accounts_user_roles", "accounts_role",
          "accounts_role_custom_regions")
LEVEL_CHOICES = [(lv, LEVEL_LABELS[lv]) for lv in stats.LEVELS]
STATE_CHOICES = [(stats.OPEN, "未办结"), (stats.CLOSED, "已办结")]
GROUP_CHOICES = [(key, label) for key, label, _ in stats.STATUS_GROUPS]
DATE_ERROR = "请输入有效的日期，格式如 2026-01-31"
REGION_ERROR = "请选择您管辖范围内的区划"
SCREEN_REFRESH_SECONDS = 30
METRICS = [("total", "预警总数"), ("open", "未办结预警"), ("red", "红色预警"), ("approving", "待领导审批"),
           ("released", "已解除预警")]
STATUS_COLOURS = {"generated": "#dc3545", "approving": "#a71d2a", "reviewed": "#f0ad4e", "assigned": "#0d6efd",
                  "handled": "#17a2b8", "released": "#198754", "escalated": "#343a40", "withdrawn": "#adb5bd"}
PARTS = {"category": "分类统计", "grid": "网格预警统计", "auto": "自动预警统计", "trend": "时间趋势",
         "unit": "单位排名"}


def _style(form):
    for field in form.fields.values():
        select = isinstance(field.widget, forms.Select)
        field.widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"


def region_field_choices(user, value):
    """The region options of a filter: the user's regions down to counties, plus a deeper region (a town or grid
    reached by drilling down) when it is the current value and within the user's jurisdiction."""
    choices = [("", "全部")] + region_choices(user, Region.Level.COUNTY)
    value = str(value or "")
    if value.isdigit() and value not in {c for c, _ in choices}:
        region = Region.objects.filter(pk=int(value)).select_related("parent").first()
        if region is not None and stats.region_in_scope(user, region):
            parent = f"{region.parent.name} · " if region.parent_id else ""
            choices.append((value, "　" * (region.level - 1) + parent + region.name))
    return choices


def rule_choices():
    return [("", "全部")] + [(str(pk), name) for pk, _, name in stats.labour_rules()]


def _bad_field(form):
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs["class"] += " is-invalid"


# == the statistics page ======================================================================================
class StatsFilterForm(forms.Form):
    date_from = forms.DateField(label="产生日期起", required=False, widget=DateInput,
                                error_messages={"invalid": DATE_ERROR})
    date_to = forms.DateField(label="产生日期止", required=False, widget=DateInput,
                              error_messages={"invalid": DATE_ERROR})
    region = forms.ChoiceField(label="区划（含下级）", required=False, error_messages={"invalid_choice": REGION_ERROR})
    level = forms.ChoiceField(label="预警等级", required=False, choices=[("", "全部")] + LEVEL_CHOICES,
                              error_messages={"invalid_choice": "请选择有效的预警等级"})
    rule = forms.ChoiceField(label="预警条件", required=False, error_messages={"invalid_choice": "请选择有效的预警条件"})
    status = forms.ChoiceField(label="处置状态", required=False, choices=[("", "全部")] + Warning.workflow.choices(),
                               error_messages={"invalid_choice": "请选择有效的处置状态"})
    origin = forms.ChoiceField(label="预警渠道", required=False, choices=[("", "全部")] + stats.ORIGINS,
                               error_messages={"invalid_choice": "请选择有效的预警渠道"})
    channel = forms.ChoiceField(label="案件来源（投诉举报）", required=False,
                                choices=[("", "全部")] + list(Complaint.Channel.choices),
                                error_messages={"invalid_choice": "请选择有效的案件来源"})

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        data = args[0] if args else kwargs.get("data")
        self.fields["region"].choices = region_field_choices(user, (data or {}).get("region"))
        self.fields["rule"].choices = rule_choices()
        _style(self)

    def clean_region(self):
        value = self.cleaned_data.get("region")
        return Region.objects.get(pk=int(value)) if value else None

    def clean_rule(self):
        value = self.cleaned_data.get("rule")
        return int(value) if value else None

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "产生日期止不能早于产生日期起")
        return data


EMPTY_FILTERS = {"date_from": None, "date_to": None, "region": None, "level": "", "rule": None, "status": "",
                 "origin": "", "channel": ""}
WARNING_FILTERS = ("date_from", "date_to", "region", "level", "rule", "status", "origin")


@functools.cache
def _path(url_name):
    """A parameterless page's path, reversed once a process (the statistics page links hundreds of figures)."""
    return reverse(url_name)


def query_url(**params):
    """The warning query (预警信息查询) with these filters."""
    query = urlencode({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in params.items()
                       if v not in (None, "")})
    return _path("gov:labor_stats_warnings") + (f"?{query}" if query else "")


def complaints_url(**params):
    query = urlencode({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in params.items()
                       if v not in (None, "")})
    return _path("gov:labor_complaint_list") + (f"?{query}" if query else "")


class StatsView(EntranceMixin, TemplateView):
    template_name = "labor_inspection/stats/stats.html"
    title = TITLE
    permission_required = VIEW
    breadcrumbs = [SECTION]

    def get(self, request, *args, **kwargs):
        params = {k: v for k, v in request.GET.items() if k not in ("export", "part") and v != ""}
        form = StatsFilterForm(params or None, user=request.user)
        if form.is_bound and not form.is_valid():
            _bad_field(form)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        filters = form.cleaned_data if form.is_bound else dict(EMPTY_FILTERS)
        figures = self.figures(filters)
        if request.GET.get("export") == "xlsx":
            if not can_export(request.user):
                raise PermissionDenied("您没有导出权限")
            part = request.GET.get("part", "")
            if part and part not in PARTS:
                raise Http404("没有这项统计")
            title = f"{TITLE}-{PARTS[part]}" if part else TITLE
            return workbook_response(request, title, export_sheets(figures, filters, part, self.with_cases()))
        return self.render_to_response(self.get_context_data(form=form, figures=figures, filters=filters))

    def with_cases(self):
        return self.request.user.has_perm(CASES_VIEW)

    def figures(self, filters):
        """The figures of the user's jurisdiction under the filters, cached until the data changes."""
        user, today = self.request.user, timezone.localdate()
        region = filters["region"]
        key = repr(tuple((k, getattr(filters.get(k), "pk", filters.get(k))) for k in sorted(EMPTY_FILTERS))
                   + (today, self.with_cases()))
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]

        def compute():
            warning_filters = {k: filters[k] for k in WARNING_FILTERS}
            trend = stats.apply_filters(stats.labour_warnings(user),
                                        **{**warning_filters, "date_from": None, "date_to": None})
            qs = stats.apply_filters(trend, date_from=filters["date_from"], date_to=filters["date_to"])
            root = stats.region_root(user, region)
            complaints = None
            if self.with_cases():
                complaints = stats.filter_complaints(stats.visible_complaints(user), date_from=filters["date_from"],
                                                     date_to=filters["date_to"], region=region,
                                                     channel=filters["channel"])
            return stats.compute(qs, trend_qs=trend, complaints=complaints, root=root,
                                 grids=stats.grids_under(user, root), end=filters["date_to"] or today, today=today)

        return versioned(f"labor_stats:{user.pk}:{digest}", TABLES, compute)

    def get_context_data(self, form=None, figures=None, filters=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["form"] = form
        ctx["can_export"] = can_export(user)
        ctx["export_query"] = urlencode({k: v for k, v in self.request.GET.items()
                                         if k not in ("export", "part") and v != ""})
        ctx["parts"] = list(PARTS.items())
        ctx["quick_ranges"] = quick_ranges(self.request.GET)
        if figures is None:
            return ctx
        ctx["trail"] = [{**r, "query": urlencode({**{k: v for k, v in self.request.GET.items()
                                                     if k not in ("export", "part", "region") and v != ""},
                                                  "region": r["id"]})}
                        for r in stats.region_trail(user, stats.region_root(user, filters["region"]))]
        ctx["drill_up"] = ctx["trail"][-2]["query"] if len(ctx["trail"]) > 1 else ""
        ctx["screen_url"] = reverse("gov:labor_screen")
        ctx.update(page_context(figures, filters, self.request.GET, self.with_cases()))
        return ctx


def quick_ranges(params):
    """Links for common date ranges (本月, 本年, 近12个月, 全部) that keep the other filters."""
    today = timezone.localdate()
    keep = {k: v for k, v in params.items() if k not in ("date_from", "date_to", "export", "part") and v}
    ranges = [("本月", today.replace(day=1), today), ("本年", today.replace(month=1, day=1), today),
              ("近12个月", stats.month_start(today, 11), today), ("全部", None, None)]
    current = (params.get("date_from", ""), params.get("date_to", ""))
    result = []
    for label, start, end in ranges:
        values = (start.isoformat() if start else "", end.isoformat() if end else "")
        query = urlencode({**keep, **({"date_from": values[0], "date_to": values[1]} if start else {})})
        result.append({"label": label, "query": query, "active": values == current})
    return result


def page_context(figures, filters, params, with_cases):
    """Tables (rows with drill-down links) and chart data (the same rows) for the template."""
    region = filters["region"]
    base = {k: getattr(filters[k], "pk", filters[k]) for k in WARNING_FILTERS}
    trend_base = {**base, "date_from": None, "date_to": None}

    def url(_base=None, **extra):
        """The warning query of a figure. A figure on a dimension the page already filters on a different value is
        0 (both conditions hold), and has no link: the query would drop the page's condition."""
        _base = base if _base is None else _base
        for key, value in extra.items():
            current = _base.get(key)
            if key not in ("region", "date_from", "date_to") and current not in (None, "") and str(current) != str(value):
                return None
        return query_url(**{**_base, **extra})

    def drill(region_id):
        keep = {k: v for k, v in params.items() if k not in ("export", "part", "region") and v != ""}
        return "?" + urlencode({**keep, "region": region_id})

    s = figures["summary"]
    month = figures["month"]
    this_month = month[-1]
    cards = [
        {"key": "total", "label": "预警总数", "value": s["total"], "icon": "bi-exclamation-triangle",
         "colour": "#1f4e79", "url": url()},
        {"key": "open", "label": "未办结预警", "value": s["open"], "icon": "bi-hourglass-split", "colour": "#fd7e14",
         "url": url(state=stats.OPEN)},
        {"key": "approving", "label": "红色预警待领导审批", "value": s["approving"], "icon": "bi-person-badge",
         "colour": "#dc3545", "url": url(status="approving")},
        {"key": "released", "label": "已解除", "value": s["released"], "icon": "bi-check2-circle", "colour": "#198754",
         "url": url(status="released")},
        {"key": "release_rate", "label": "解除率", "icon": "bi-percent", "colour": "#0d6efd", "url": None,
         "value": "—" if s["release_rate"] is None else f"{s['release_rate']}%"},
        {"key": "this_month", "label": f"本月新增（{this_month['label']}）", "value": this_month["n"],
         "icon": "bi-graph-up-arrow", "colour": "#6f42c1", "mom": this_month["mom"], "yoy": this_month["yoy"],
         "url": url(trend_base, date_from=this_month["start"], date_to=this_month["end"])},
    ]
    status = [{**r, "url": url(status=r["key"])} for r in figures["status"]]
    groups = [{**r, "url": url(group=r["key"])} for r in figures["status_groups"]]
    levels = [{**r, "url": url(level=r["key"]), "open_url": url(level=r["key"], state=stats.OPEN)}
              for r in figures["level"]]
    origins = [{**r, "url": url(origin=r["key"]), "open_url": url(origin=r["key"], state=stats.OPEN),
                "released_url": url(origin=r["key"], status="released")} for r in figures["origin"]]

    def rule_rows(rows, **fixed):
        out = []
        for r in rows:
            row = {**r, "url": url(rule=r["key"], **fixed), "open_url": url(rule=r["key"], state=stats.OPEN, **fixed),
                   "released_url": url(rule=r["key"], status="released", **fixed)}
            for lv in stats.LEVELS:
                row[f"{lv}_url"] = url(rule=r["key"], level=lv, **fixed)
            out.append(row)
        return out

    rules = rule_rows(figures["rule"])
    auto_rules = rule_rows(figures["auto_rule"], origin=Warning.Origin.AUTO)
    regions = [{**r, "url": url(region=r["key"]) if r["key"] else None,
                "open_url": url(region=r["key"], state=stats.OPEN) if r["key"] else None,
                "red_url": url(region=r["key"], level="red") if r["key"] else None,
                "approving_url": url(region=r["key"], status="approving") if r["key"] else None,
                "released_url": url(region=r["key"], status="released") if r["key"] else None,
                "drill": drill(r["key"]) if r["drillable"] else None} for r in figures["region"]]
    grids = []
    for r in figures["grid"]:
        row = {**r, "url": url(region=r["region_id"]), "open_url": url(region=r["region_id"], state=stats.OPEN)}
        for lv in stats.LEVELS:
            row[f"{lv}_url"] = url(region=r["region_id"], level=lv)
        for key, _, _ in stats.STATUS_GROUPS:
            row[f"{key}_url"] = url(region=r["region_id"], group=key)
        grids.append(row)
    grid_rows = [g for g in grids if g["total"]][:30]
    months = [{**r, "url": url(trend_base, date_from=r["start"], date_to=r["end"]),
               "auto_url": url(trend_base, date_from=r["start"], date_to=r["end"], origin=Warning.Origin.AUTO),
               "manual_url": url(trend_base, date_from=r["start"], date_to=r["end"], origin=Warning.Origin.MANUAL)}
              for r in month]
    auto_months = []
    for r in figures["auto_month"]:
        row = {**r, "url": url(trend_base, date_from=r["start"], date_to=r["end"], origin=Warning.Origin.AUTO)}
        for lv in stats.LEVELS:
            row[f"{lv}_url"] = url(trend_base, date_from=r["start"], date_to=r["end"], origin=Warning.Origin.AUTO,
                                   level=lv)
        auto_months.append(row)
    units = [{**r, "url": url(organisation=r["key"]), "open_url": url(organisation=r["key"], state=stats.OPEN)}
             for r in figures["units"]]
    case_link = with_cases and (region is None or region.level <= Region.Level.COUNTY)
    case_base = {"region": region.pk if region else None, "received_from": filters["date_from"],
                 "received_to": filters["date_to"]}
    channels = []
    for r in figures["channel"]:
        same = not filters["channel"] or filters["channel"] == r["key"]
        channels.append({**r, "url": complaints_url(**case_base, channel=r["key"]) if case_link and same else None,
                         "overdue_url": (complaints_url(**case_base, channel=r["key"], overdue="overdue")
                                         if case_link and same else None)})

    def series(rows, value="n", link="url"):
        return {"labels": [r["label"] for r in rows], "values": [r[value] for r in rows],
                "urls": [r.get(link) for r in rows]}

    level_keys = list(stats.LEVELS)
    chart = {
        "status": {**series(status), "colours": [STATUS_COLOURS.get(r["key"], "#6c757d") for r in status]},
        "level": {**series(levels), "colours": [r["colour"] for r in levels]},
        "origin": series(origins),
        "channel": series(channels),
        "rule": {"labels": [r["label"] for r in rules], "levels": level_keys,
                 "level_labels": [LEVEL_LABELS[lv] for lv in level_keys],
                 "values": [[r[lv] for r in rules] for lv in level_keys],
                 "urls": [[r[f"{lv}_url"] for r in rules] for lv in level_keys]},
        "region": {**series(regions, "total"), "open": [r["open"] for r in regions], "red": [r["red"] for r in regions],
                   "open_urls": [r["open_url"] for r in regions], "red_urls": [r["red_url"] for r in regions]},
        "grid": {"labels": [g["label"] for g in grid_rows[:15]], "levels": level_keys,
                 "level_labels": [LEVEL_LABELS[lv] for lv in level_keys],
                 "values": [[g[lv] for g in grid_rows[:15]] for lv in level_keys],
                 "urls": [[g[f"{lv}_url"] for g in grid_rows[:15]] for lv in level_keys]},
        "auto_rule": {"labels": [r["label"] for r in auto_rules], "levels": level_keys,
                      "level_labels": [LEVEL_LABELS[lv] for lv in level_keys],
                      "values": [[r[lv] for r in auto_rules] for lv in level_keys],
                      "urls": [[r[f"{lv}_url"] for r in auto_rules] for lv in level_keys]},
        "auto_month": {"labels": [r["label"] for r in auto_months], "levels": level_keys,
                       "level_labels": [LEVEL_LABELS[lv] for lv in level_keys],
                       "values": [[r[lv] for r in auto_months] for lv in level_keys],
                       "urls": [[r[f"{lv}_url"] for r in auto_months] for lv in level_keys]},
        "month": {**series(months), "auto": [r["auto"] for r in months], "manual": [r["manual"] for r in months],
                  "mom": [r["mom"] for r in months], "yoy": [r["yoy"] for r in months],
                  "auto_urls": [r["auto_url"] for r in months], "manual_urls": [r["manual_url"] for r in months]},
        "units": series(units),
        "level_colours": {lv: LEVEL_COLOURS[lv] for lv in level_keys},
    }
    root_label = region.name if region is not None else "本辖区"
    grids_total = sum(g["total"] for g in grids)
    return {"cards": cards, "status_rows": status, "group_rows": groups, "level_rows": levels,
            "origin_rows": origins, "channel_rows": channels, "rule_rows": rules, "auto_rule_rows": auto_rules,
            "region_rows": regions, "grid_rows": grid_rows, "grid_count": len(grids),
            "grid_with_warnings": sum(1 for g in grids if g["total"]), "grids_total": grids_total,
            "month_rows_desc": months[::-1], "auto_month_rows_desc": auto_months[::-1], "unit_rows": units,
            "chart": chart, "summary": s, "cases": figures["cases"], "with_cases": with_cases,
            "root_label": root_label, "trend_start": month[0]["label"], "trend_end": month[-1]["label"],
            "levels": LEVEL_CHOICES, "status_groups": GROUP_CHOICES,
            "auto_total": sum(r["total"] for r in figures["auto_rule"])}



# == Excel ===================================================================================================
def export_sheets(figures, filters, part="", with_cases=True):
    """One sheet per table of the page (the filters and totals first); `part` limits the workbook to one
    statistic: category (a), grid (b), auto (c), trend or unit."""
    region = filters["region"]
    s = figures["summary"]
    rules = {pk: name for pk, _, name in stats.labour_rules()}
    conditions = [
        ("统计时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        ("产生日期起", filters["date_from"] or "不限"), ("产生日期止", filters["date_to"] or "不限"),
        ("区划", region.name if region else "本辖区全部"),
        ("预警等级", LEVEL_LABELS.get(filters["level"], "全部")),
        ("预警条件", rules.get(filters["rule"], "全部")),
        ("处置状态", stats.STATE_LABELS.get(filters["status"], "全部")),
        ("预警渠道", dict(stats.ORIGINS).get(filters["origin"], "全部")),
        ("案件来源", dict(Complaint.Channel.choices).get(filters["channel"], "全部")),
        ("预警总数", s["total"]), ("未办结", s["open"]), ("红色预警待领导审批", s["approving"]),
        ("已解除", s["released"]), ("本月解除", s["released_month"]), ("已转立案", s["escalated"]),
        ("已撤回", s["withdrawn"]), ("系统自动预警", s["auto"]), ("人工登记预警", s["manual"]),
        ("解除率(%)", s["release_rate"]),
    ]
    if with_cases and figures["cases"] is not None:
        conditions += [("投诉举报案件", figures["cases"]["total"]), ("办理中案件", figures["cases"]["open"]),
                       ("超期案件", figures["cases"]["overdue"])]
    pair = [ValueColumn("项目", 0, 22), ValueColumn("数值", 1, 24)]
    n = [ValueColumn("预警数", "n", 12)]
    by_level = [ValueColumn(f"{LEVEL_LABELS[lv]}", lv, 10) for lv in stats.LEVELS]
    rule_cols = ([ValueColumn("预警条件", "label", 36), ValueColumn("规则编码", "code", 26), ValueColumn("预警数", "total", 10)]
                 + by_level + [ValueColumn("未办结", "open", 10), ValueColumn("已解除", "released", 10),
                               ValueColumn("条件消除自动解除", "auto_released", 16)])
    groups = [ValueColumn(label, key, 12) for key, label, _ in stats.STATUS_GROUPS]
    ranked = lambda rows: [{**r, "rank": i} for i, r in enumerate(rows, start=1)]  # noqa: E731
    category = [
        Sheet("按区划", [ValueColumn("区划", "label", 24), ValueColumn("预警数", "total", 10),
                      ValueColumn("未办结", "open", 10), ValueColumn("红色预警", "red", 10),
                      ValueColumn("待领导审批", "approving", 12), ValueColumn("已解除", "released", 10)],
              figures["region"]),
        Sheet("按预警渠道", [ValueColumn("预警渠道", "label", 16)] + n + [ValueColumn("未办结", "open", 10),
                                                                  ValueColumn("已解除", "released", 10)],
              figures["origin"]),
        Sheet("按预警条件", rule_cols, figures["rule"]),
        Sheet("按处置状态", [ValueColumn("处置状态", "label", 16)] + n, figures["status"]),
        Sheet("按处置阶段", [ValueColumn("处置阶段", "label", 16)] + n, figures["status_groups"]),
        Sheet("按预警等级", [ValueColumn("预警等级", "label", 12)] + n + [ValueColumn("未办结", "open", 10)],
              figures["level"]),
    ]
    if with_cases:
        category.append(Sheet("投诉举报按案件来源", [ValueColumn("案件来源", "label", 16), ValueColumn("案件数", "n", 10),
                                                ValueColumn("办理中", "open", 10), ValueColumn("超期", "overdue", 10)],
                              figures["channel"]))
    grid = [Sheet("网格预警统计", [ValueColumn("网格名称", "label", 24), ValueColumn("上级区划", "parent", 16),
                               ValueColumn("网格长", "head", 12), ValueColumn("网格员", "owner", 12),
                               ValueColumn("预警总数", "total", 10)] + by_level + groups, figures["grid"])]
    auto = [Sheet("自动预警-按条件和等级", rule_cols, figures["auto_rule"]),
            Sheet("自动预警-月度", [ValueColumn("月份", "label", 12), ValueColumn("自动预警数", "n", 12)] + by_level,
                  figures["auto_month"])]
    trend = [Sheet("月度趋势", [ValueColumn("月份", "label", 12), ValueColumn("预警数", "n", 10),
                            ValueColumn("系统自动", "auto", 10), ValueColumn("人工登记", "manual", 10),
                            ValueColumn("上月", "previous", 10), ValueColumn("环比(%)", "mom", 10),
                            ValueColumn("去年同月", "last_year", 10), ValueColumn("同比(%)", "yoy", 10)], figures["month"])]
    unit = [Sheet("单位排名", [ValueColumn("名次", "rank", 8), ValueColumn("单位", "label", 40),
                           ValueColumn("统一社会信用代码", "uscc", 22), ValueColumn("预警数", "n", 10),
                           ValueColumn("未办结", "open", 10), ValueColumn("红色预警", "red", 10)],
                  ranked(figures["units"]))]
    parts = {"category": category, "grid": grid, "auto": auto, "trend": trend, "unit": unit}
    overview = Sheet("统计概况", pair, conditions)
    if part:
        return [overview] + parts[part]
    return [overview] + category + grid + auto + trend + unit


# == combined queries ========================================================================================
class RegionFilterMixin:
    """A region filter (含下级) whose options reach the region picked by drilling down (a town or grid)."""

    def _init_region(self, request):
        user = getattr(request, "user", None)
        self.form.fields["region"].choices = region_field_choices(user, (self.data or {}).get("region"))
        self.form.fields["region"].error_messages["invalid_choice"] = REGION_ERROR

    def in_region(self, qs, name, value):
        from kernel.org.scope import in_region_subtree

        return in_region_subtree(qs, value)


class WarningQueryFilter(RegionFilterMixin, StyledFilterSet):
    unit = django_filters.CharFilter(label="单位名称/预警对象", method="by_unit")
    rule = django_filters.ChoiceFilter(label="预警条件", choices=[], empty_label="全部", method="by_rule")
    level = django_filters.ChoiceFilter(label="预警等级", choices=LEVEL_CHOICES, empty_label="全部")
    status = django_filters.ChoiceFilter(label="处置状态", choices=Warning.workflow.choices(), empty_label="全部")
    group = django_filters.ChoiceFilter(label="处置阶段", choices=GROUP_CHOICES, empty_label="全部", method="by_group")
    state = django_filters.ChoiceFilter(label="是否办结", choices=STATE_CHOICES, empty_label="全部", method="by_state")
    origin = django_filters.ChoiceFilter(label="预警渠道", choices=Warning.Origin.choices, empty_label="全部")
    region = django_filters.ChoiceFilter(label="区划（含下级）", choices=[], empty_label="全部", method="in_region")
    date_from, date_to = date_range("first_seen")
    organisation = django_filters.NumberFilter(field_name="organisation_id", widget=forms.HiddenInput)

    class Meta:
        model = Warning
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self._init_region(request)
        self.form.fields["rule"].choices = rule_choices()[1:]
        self.form.fields["date_from"].label, self.form.fields["date_to"].label = "产生日期起", "产生日期止"
        for name in ("date_from", "date_to"):
            self.form.fields[name].error_messages["invalid"] = DATE_ERROR

    def by_unit(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(organisation__name__icontains=value) | Q(subject_repr__icontains=value)) if value else qs

    def by_rule(self, qs, name, value):
        return qs.filter(rule_id=int(value))

    def by_group(self, qs, name, value):
        states = {key: states for key, _, states in stats.STATUS_GROUPS}[value]
        return qs.filter(status__in=states)

    def by_state(self, qs, name, value):
        return stats.apply_filters(qs, state=value)


def _grid_name(w):
    region = w.region
    return region.name if region is not None and region.level == Region.Level.GRID else ""


class UnitLinkColumn(Column):
    """The unit of a warning (its subject when it has no organisation), linking to the labour warning's page."""

    def raw(self, obj):
        return obj.organisation.name if obj.organisation_id else obj.subject_repr


class GridColumn(Column):
    def raw(self, obj):
        return _grid_name(obj)


WARNING_COLUMNS = [
    UnitLinkColumn("unit", "单位名称", accessor="organisation.name", order_by="organisation__name",
                   link="gov:labor_warning_detail", width=30),
    Column("subject_repr", "预警对象", width=30, default=False),
    GridColumn("grid", "所在网格", accessor="region", sortable=False, width=16),
    Column("region", "所属区划", accessor="region.name", order_by="region__path", width=14),
    Column("rule", "预警条件", accessor="rule.name", order_by="rule__name", width=30),
    Column("level", "等级", accessor="level_label", order_by="level", colour=lambda w: w.level_colour, width=8),
    Column("status", "处置状态", accessor="workflow_state.label", order_by="status", width=10),
    Column("origin", "预警渠道", choices=True, width=10),
    Column("first_seen", "产生时间", width=18),
    Column("message", "预警内容", sortable=False, width=40),
    Column("value", "监测值", sortable=False, default=False, width=16),
    Column("assignee", "处置人", accessor="assignee.display_name", order_by="assignee__real_name", width=12),
    Column("disposition_type", "处置方式", dict_type="disposition_type", default=False, width=12),
    Column("released_at", "解除时间", default=False, width=18),
    Column("release_type", "解除方式", choices=True, default=False, width=14),
]


class QueryTabsMixin:
    """The tabs between the combined queries (预警信息 / 单位信息 / 操作日志 / 网格信息)."""

    query_tab = ""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        tabs = [("warnings", "预警信息", reverse("gov:labor_stats_warnings"), VIEW),
                ("units", "单位信息", reverse("gov:labor_stats_units"), VIEW),
                ("logs", "操作日志", reverse("gov:labor_stats_logs"), LOG_VIEW),
                ("grids", "网格信息", "/gov/labor/grids/", "labor_inspection.view_grid")]
        ctx["query_tabs"] = [{"key": key, "label": label, "url": url, "active": key == self.query_tab}
                             for key, label, url, perm in tabs
                             if user.has_perms((perm,) if isinstance(perm, str) else perm)]
        return ctx


class WarningQueryView(LabourExportMixin, QueryTabsMixin, ScopedListView):
    model = Warning
    title = "预警信息查询"
    list_key = "labor_stats_warnings"
    query_tab = "warnings"
    permission_required = VIEW
    filterset_class = WarningQueryFilter
    columns = WARNING_COLUMNS
    select_related = ("rule", "region", "organisation", "assignee")
    default_ordering = "-first_seen"
    template_name = "labor_inspection/stats/query_list.html"
    filter_form_tables = ("dicts_dictitem", "org_region", "alerts_alertrule")
    breadcrumbs = QUERY_BREAD

    def base_queryset(self):
        return stats.labour_warnings(self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        org = self.request.GET.get("organisation", "")
        if org.isdigit():
            # the name of a unit the user may see; any other id stays a number
            ctx["unit_filter"] = (Organisation.objects.visible_to(self.request.user).filter(pk=int(org))
                                  .values_list("name", flat=True).first() or org)
        return ctx


# -- units --------------------------------------------------------------------------------------------------
class UnitQueryFilter(RegionFilterMixin, StyledFilterSet):
    """Only its form is used: the filters apply to the warnings the units are counted from."""

    keyword = django_filters.CharFilter(label="单位名称/统一社会信用代码", method="noop")
    region = django_filters.ChoiceFilter(label="预警区划（含下级）", choices=[], empty_label="全部", method="noop")
    rule = django_filters.ChoiceFilter(label="预警条件", choices=[], empty_label="全部", method="noop")
    level = django_filters.ChoiceFilter(label="预警等级", choices=LEVEL_CHOICES, empty_label="全部", method="noop")
    state = django_filters.ChoiceFilter(label="是否办结", choices=STATE_CHOICES, empty_label="全部", method="noop")
    date_from = django_filters.DateFilter(label="产生日期起", widget=DateInput, method="noop")
    date_to = django_filters.DateFilter(label="产生日期止", widget=DateInput, method="noop")

    class Meta:
        model = Organisation
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self._init_region(request)
        self.form.fields["rule"].choices = rule_choices()[1:]
        for name in ("date_from", "date_to"):
            self.form.fields[name].error_messages["invalid"] = DATE_ERROR

    def noop(self, qs, name, value):
        return qs


class CountColumn(Column):
    """A warning count of a unit, linking to that unit's warnings under the page's filters (`query`, bound per
    request by UnitQueryView.visible_columns)."""

    def __init__(self, name, label, query=None, **extra):
        super().__init__(name, label, width=10)
        self.extra = extra
        self.query = query or {}

    def bound(self, query):
        return CountColumn(self.name, self.label, query, **self.extra)

    def html(self, obj, user=None, link=True):
        n = getattr(obj, self.name)
        if not link or not n:
            return n
        return format_html('<a href="{}" data-n="{}">{}</a>',
                           query_url(**{**self.query, **self.extra, "organisation": obj.pk}), n, n)


UNIT_COLUMNS = [
    Column("name", "单位名称", width=36),
    Column("uscc", "统一社会信用代码", width=22),
    Column("region", "所属区划", accessor="region.name", order_by="region__path", width=14),
    Column("address", "单位地址", sortable=False, width=30),
    Column("legal_representative", "法定代表人", sortable=False, default=False, width=12),
    Column("contact_person", "联系人", sortable=False, default=False, width=12),
    Column("contact_phone", "联系电话", mask="phone", sortable=False, default=False, width=14),
    CountColumn("total", "预警总数"),
    CountColumn("yellow", "黄色", level="yellow"),
    CountColumn("orange", "橙色", level="orange"),
    CountColumn("red", "红色", level="red"),
    CountColumn("open", "未办结", state=stats.OPEN),
    CountColumn("released", "已解除", status="released"),
    Column("last_seen", "最近预警时间", width=18),
]


class UnitQueryView(LabourExportMixin, QueryTabsMixin, ScopedListView):
    """单位信息查询: the units (organisations) of the user's labour warnings with their warning counts."""

    model = Organisation
    title = "单位信息查询"
    list_key = "labor_stats_units"
    query_tab = "units"
    permission_required = VIEW
    filterset_class = UnitQueryFilter
    columns = UNIT_COLUMNS
    select_related = ("region",)
    default_ordering = "-total"
    template_name = "labor_inspection/stats/query_list.html"
    filter_form_tables = ("dicts_dictitem", "org_region", "alerts_alertrule")
    breadcrumbs = QUERY_BREAD

    def get_queryset(self):
        if hasattr(self, "_qs"):
            return self._qs
        user = self.request.user
        self.filterset = self.filterset_class(self.request.GET or None, queryset=Organisation.objects.none(),
                                              request=self.request)
        if self.filterset.is_bound and not self.filterset.is_valid():
            self._qs, self._query = Organisation.objects.none(), {}
            return self._qs
        data = self.filterset.form.cleaned_data if self.filterset.is_bound else {}
        region = Region.objects.filter(pk=int(data["region"])).first() if data.get("region") else None
        query = {"date_from": data.get("date_from"), "date_to": data.get("date_to"),
                 "region": region.pk if region else None, "rule": data.get("rule") or None,
                 "level": data.get("level") or "", "state": data.get("state") or ""}
        self._query = {k: v for k, v in query.items() if v not in (None, "")}
        warnings = stats.apply_filters(stats.labour_warnings(user), date_from=query["date_from"],
                                       date_to=query["date_to"], region=region, rule=query["rule"],
                                       level=query["level"], state=query["state"])
        per_unit = warnings.filter(organisation_id=OuterRef("pk")).order_by().values("organisation_id")

        def count(**where):
            return Coalesce(Subquery(per_unit.filter(**where).annotate(n=Count("id")).values("n")[:1],
                                     output_field=IntegerField()), Value(0))

        qs = (Organisation.all_objects.filter(pk__in=warnings.filter(organisation_id__isnull=False)
                                              .order_by().values("organisation_id"))
              .annotate(total=count(), yellow=count(level="yellow"), orange=count(level="orange"),
                        red=count(level="red"), open=count(status__in=OPEN_STATES),
                        released=count(status="released"),
                        last_seen=Subquery(per_unit.annotate(m=Max("first_seen")).values("m")[:1])))
        keyword = (data.get("keyword") or "").strip()
        if keyword:
            qs = qs.filter(Q(name__icontains=keyword) | Q(uscc__iexact=keyword.upper()))
        self._qs = qs.select_related("region").order_by(*self.ordering())
        return self._qs

    def ordering(self):
        sort = self.request.GET.get("sort", "")
        if sort.lstrip("-") in {c.name for c in self.columns if c.order_by}:
            return super().ordering()
        return ["-total", "name", "pk"]

    def visible_columns(self):
        query = getattr(self, "_query", {})
        return [c.bound(query) if isinstance(c, CountColumn) else c for c in super().visible_columns()]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["query_note"] = "单位为本辖区欠薪预警所涉及的单位（施工总承包单位、开户单位、存储单位等），预警数按上方条件统计；点击数字查看该单位的预警。"
        return ctx


# -- operation log -------------------------------------------------------------------------------------------
def _labour_content_types():
    """Content types of the labour apps' records, the labour warnings and the warning rules."""
    from django.apps import apps

    models = [m for m in apps.get_models() if m._meta.app_label in ("labor_monitoring", "labor_inspection")
              and getattr(m, "audit_enabled", False)]
    return [ContentType.objects.get_for_model(m, for_concrete_model=False) for m in models]


def _ids_as_text(qs):
    return qs.order_by().annotate(zw_id=Cast("pk", CharField())).values("zw_id")


TRANSITION_CHOICES = list({t.name: (t.name, t.label) for t in [*Warning.workflow.transitions,
                                                               *COMPLAINT.transitions]}.values())


class TransitionLogFilter(StyledFilterSet):
    kind = django_filters.ChoiceFilter(label="业务类型", empty_label="全部", method="by_kind",
                                       choices=[("warning", "欠薪预警"), ("complaint", "投诉举报案件")])
    transition = django_filters.ChoiceFilter(label="操作", choices=TRANSITION_CHOICES, empty_label="全部")
    actor_name = django_filters.CharFilter(label="操作人", lookup_expr="icontains")
    object_id = django_filters.CharFilter(label="记录编号")
    date_from, date_to = date_range("time")

    class Meta:
        model = TransitionLog
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("date_from", "date_to"):
            self.form.fields[name].error_messages["invalid"] = DATE_ERROR

    def by_kind(self, qs, name, value):
        model = Warning if value == "warning" else Complaint
        return qs.filter(content_type=ContentType.objects.get_for_model(model))


def _state_label(obj, attr):
    states = dict(Warning.workflow.choices()) if obj.workflow == Warning.workflow.name else dict(COMPLAINT.choices())
    code = getattr(obj, attr)
    return states.get(code, code)


class StateColumn(Column):
    def raw(self, obj):
        return _state_label(obj, self.accessor)


def _object_link(obj):
    if obj.workflow == Warning.workflow.name:
        return f"/gov/labor/warnings/{obj.object_id}/"
    return f"/gov/labor/complaints/{obj.object_id}/"


class ObjectColumn(Column):
    def raw(self, obj):
        kind = "预警" if obj.workflow == Warning.workflow.name else "案件"
        return f"{kind} #{obj.object_id}"

    def html(self, obj, user=None, link=True):
        return format_html('<a href="{}">{}</a>', _object_link(obj), self.raw(obj)) if link else self.raw(obj)


TRANSITION_COLUMNS = [
    Column("time", "时间", width=20),
    ObjectColumn("object", "业务记录", accessor="object_id", sortable=False, width=16),
    Column("transition_label", "操作", order_by="transition", width=16),
    StateColumn("from_state", "原状态", sortable=False, width=12),
    StateColumn("to_state", "新状态", sortable=False, width=12),
    Column("actor_name", "操作人", fmt=None, width=12),
    Column("comment", "意见", sortable=False, width=40),
]


class LogQueryMixin(LabourExportMixin, QueryTabsMixin):
    query_tab = "logs"
    permission_required = LOG_VIEW
    template_name = "labor_inspection/stats/query_list.html"
    breadcrumbs = QUERY_BREAD
    default_ordering = "-time"
    log_tab = ""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["log_tabs"] = [{"label": "流程操作记录", "url": reverse("gov:labor_stats_logs"), "active": self.log_tab == "flow"},
                           {"label": "数据变更记录", "url": reverse("gov:labor_stats_changes"),
                            "active": self.log_tab == "changes"}]
        return ctx


class TransitionLogQueryView(LogQueryMixin, ScopedListView):
    """操作日志 (流程操作): the workflow actions (review, approval, dispatch, disposition, release, case
    acceptance, filing, extension, closing ...) on the labour warnings and complaint cases the user may see;
    system actions (automatic assignment, automatic release) included."""

    model = TransitionLog
    title = "操作日志查询"
    list_key = "labor_stats_logs"
    log_tab = "flow"
    filterset_class = TransitionLogFilter
    columns = TRANSITION_COLUMNS

    def base_queryset(self):
        user = self.request.user
        warning_ct = ContentType.objects.get_for_model(Warning)
        complaint_ct = ContentType.objects.get_for_model(Complaint)
        return TransitionLog.objects.filter(
            Q(content_type=warning_ct, object_id__in=_ids_as_text(stats.labour_warnings(user)))
            | Q(content_type=complaint_ct, object_id__in=_ids_as_text(stats.visible_complaints(user))))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["query_note"] = "记录本辖区欠薪预警和投诉举报案件的每一步办理操作（含系统自动审核、派发和解除）。"
        return ctx


class ChangeLogFilter(StyledFilterSet):
    content_type = django_filters.ChoiceFilter(label="数据类型", choices=[], empty_label="全部", method="by_type")
    action = django_filters.ChoiceFilter(label="操作", choices=ChangeLog.Action.choices, empty_label="全部")
    actor_name = django_filters.CharFilter(label="操作人", lookup_expr="icontains")
    object_repr = django_filters.CharFilter(label="对象名称", lookup_expr="icontains")
    date_from, date_to = date_range("time")

    class Meta:
        model = ChangeLog
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = [(str(ct.pk), str(ct.model_class()._meta.verbose_name)) for ct in _labour_content_types()]
        types += [(str(ContentType.objects.get_for_model(Warning).pk), "预警")]
        self.form.fields["content_type"].choices = types
        for name in ("date_from", "date_to"):
            self.form.fields[name].error_messages["invalid"] = DATE_ERROR

    def by_type(self, qs, name, value):
        return qs.filter(content_type_id=int(value))


CHANGE_COLUMNS = [
    Column("time", "时间", width=20),
    Column("actor_name", "操作人", width=12),
    Column("action", "操作", choices=True, width=8),
    Column("content_type", "数据类型", accessor="content_type.name", sortable=False, width=14),
    Column("object_repr", "对象", width=30),
    Column("changed_fields", "变更字段", sortable=False, fmt=lambda v: "、".join(v), width=30),
    Column("ip", "IP地址", default=False, width=14),
]


class ChangeLogQueryView(LogQueryMixin, ScopedListView):
    """操作日志 (数据变更): changes to the supervision database, grids, cases and labour warnings made by operators
    of the user's jurisdiction (the audit trail's own scope: the operator's region)."""

    model = ChangeLog
    title = "操作日志查询"
    list_key = "labor_stats_changes"
    log_tab = "changes"
    filterset_class = ChangeLogFilter
    columns = CHANGE_COLUMNS
    select_related = ("content_type",)

    def base_queryset(self):
        user = self.request.user
        warning_ct = ContentType.objects.get_for_model(Warning)
        return ChangeLog.objects.visible_to(user).filter(
            Q(content_type__in=[ct.pk for ct in _labour_content_types()])
            | Q(content_type=warning_ct, object_id__in=_ids_as_text(stats.labour_warnings(user))))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["query_note"] = "记录本辖区操作人员对监管数据、网格、投诉举报案件和欠薪预警的新增、修改、删除。"
        return ctx


# == the big screen ==========================================================================================
def screen_region(request):
    """The region of the screen: ?region=<id> (404 when unknown or outside the user's jurisdiction), else the
    user's own region (the top region for users who see everything)."""
    user = request.user
    value = request.GET.get("region", "")
    if value:
        region = Region.objects.filter(pk=int(value)).first() if value.isdigit() else None
        if region is None or not stats.region_in_scope(user, region):
            raise Http404("区划不存在或不在您的管辖范围内")
        return region
    return stats.region_root(user)


def screen_figures(user, region):
    """The screen's figures of a region, cached until the data changes."""
    today = timezone.localdate()

    def compute():
        qs = stats.labour_warnings(user)
        complaints = stats.visible_complaints(user)
        if region is not None:
            qs = stats.apply_filters(qs, region=region)
            complaints = stats.filter_complaints(complaints, region=region)
        if not user.has_perm(CASES_VIEW):
            complaints = Complaint.objects.none()
        return stats.screen(qs, complaints, region, today=today)

    return versioned(f"labor_screen:{user.pk}:{region.pk if region else 0}:{today}", TABLES, compute)


def screen_payload(user, region):
    """The JSON of the screen: figures, the region trail (drill-up) and links."""
    figures = screen_figures(user, region)
    trail = stats.region_trail(user, region)
    base = {"region": region.pk if region else None}
    rows = [{**r, "url": query_url(**{**base, "region": r["key"] or base["region"]}) if r["key"] else None}
            for r in figures["region"]]
    levels = [{**r, "url": query_url(**base, level=r["key"])} for r in figures["level"]]
    groups = [{**r, "url": query_url(**base, group=r["key"])} for r in figures["status_groups"]]
    rules = [{**r, "url": query_url(**base, rule=r["key"])} for r in figures["rule"]]
    units = [{**r, "url": query_url(**base, organisation=r["key"])} for r in figures["units"]]
    day = [{k: r[k] for k in ("key", "label", "n")} for r in figures["day"]]
    month = [{k: r[k] for k in ("key", "label", "n", "auto", "manual")} for r in figures["month"]]
    today = timezone.localdate()
    card_urls = {"open": query_url(**base, state=stats.OPEN), "approving": query_url(**base, status="approving"),
                 "released_month": query_url(**base, status="released"),
                 "overdue_cases": (complaints_url(region=region.pk if region and region.level <= Region.Level.COUNTY
                                                  else None, overdue="overdue")
                                   if user.has_perm(CASES_VIEW) else None)}
    return {
        "region": {"id": region.pk, "name": region.name, "level": region.level} if region else None,
        "trail": trail,
        "parent": trail[-2]["id"] if len(trail) > 1 else None,
        "cards": figures["cards"],
        "card_urls": card_urls,
        "regions": rows,
        "levels": levels,
        "status_groups": groups,
        "rules": rules,
        "units": units,
        "day": day,
        "month": month,
        "metrics": [{"key": k, "label": label} for k, label in METRICS],
        "month_label": today.strftime("%Y年%m月"),
        "generated_at": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
        "export_url": reverse("gov:labor_screen_data") + "?" + urlencode({**({"region": region.pk} if region else {}),
                                                                           "export": "xlsx"}),
    }


def screen_sheets(payload):
    cards = payload["cards"]
    region = payload["region"]["name"] if payload["region"] else "全部"
    overview = [("区划", region), ("统计时间", payload["generated_at"]), ("未办结预警", cards["open"]),
                ("红色预警待领导审批", cards["approving"]), (f"本月解除（{payload['month_label']}）", cards["released_month"]),
                ("超期案件", cards["overdue_cases"]), ("预警总数", cards["total"]), ("红色未办结", cards["red_open"]),
                ("本月新增", cards["raised_month"]), ("办理中案件", cards["open_cases"])]
    return [
        Sheet("大屏指标", [ValueColumn("指标", 0, 24), ValueColumn("数值", 1, 20)], overview),
        Sheet("区划分布", [ValueColumn("区划", "label", 24)] + [ValueColumn(label, key, 12) for key, label in METRICS],
              payload["regions"]),
        Sheet("等级分布", [ValueColumn("等级", "label", 10), ValueColumn("预警数", "n", 10),
                       ValueColumn("未办结", "open", 10)], payload["levels"]),
        Sheet("处置阶段", [ValueColumn("处置阶段", "label", 14), ValueColumn("预警数", "n", 10)], payload["status_groups"]),
        Sheet("预警条件", [ValueColumn("预警条件", "label", 36), ValueColumn("预警数", "total", 10),
                       ValueColumn("未办结", "open", 10)] + [ValueColumn(LEVEL_LABELS[lv], lv, 8) for lv in stats.LEVELS],
              payload["rules"]),
        Sheet("近30日趋势", [ValueColumn("日期", "key", 12), ValueColumn("新增预警", "n", 10)], payload["day"]),
        Sheet("近12个月趋势", [ValueColumn("月份", "label", 12), ValueColumn("新增预警", "n", 10),
                          ValueColumn("系统自动", "auto", 10), ValueColumn("人工登记", "manual", 10)], payload["month"]),
        Sheet("单位排名", [ValueColumn("单位", "label", 40), ValueColumn("预警数", "n", 10),
                       ValueColumn("未办结", "open", 10), ValueColumn("红色预警", "red", 10)], payload["units"]),
    ]


class ScreenView(EntranceMixin, TemplateView):
    template_name = "labor_inspection/stats/screen.html"
    title = SCREEN_TITLE
    permission_required = VIEW

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        region = screen_region(self.request)
        ctx["payload"] = screen_payload(self.request.user, region)
        ctx["data_url"] = reverse("gov:labor_screen_data")
        ctx["stats_url"] = reverse("gov:labor_stats")
        ctx["refresh_seconds"] = SCREEN_REFRESH_SECONDS
        ctx["can_export"] = can_export(self.request.user)
        return ctx


class ScreenDataView(EntranceMixin, View):
    """The screen's figures as JSON (?region=<id>), or as a workbook (&export=xlsx)."""

    permission_required = VIEW

    def get(self, request):
        region = screen_region(request)
        payload = screen_payload(request.user, region)
        if request.GET.get("export") == "xlsx":
            if not can_export(request.user):
                raise PermissionDenied("您没有导出权限")
            return workbook_response(request, SCREEN_TITLE, screen_sheets(payload))
        response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
        response["Cache-Control"] = "no-store"
        return response

