"""重大事故隐患统计分析 (/gov/se/hazards/stats/): figures of the user's jurisdiction by status, equipment
category, cause (判定项类别), region and month (growth trend), rankings of user units and regions, as
ECharts charts with a plain table under each. Every figure links to the hazard list with the matching
filter (the list's count equals the figure); the whole page exports as one workbook, a sheet per table.

The figures come from hazards.stats (database aggregation over MajorHazard.objects.visible_to(user))
and are cached until a table they read changes (kernel.core.cache.versioned)."""
import hashlib
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from kernel.core.cache import versioned
from kernel.exports.excel import Sheet, ValueColumn, workbook_response
from kernel.org.models import Region
from kernel.org.scope import region_choices
from kernel.ui.filters import DateInput
from kernel.ui.generic import EntranceMixin

from .. import stats
from ..models import MajorHazard

VIEW, EXPORT = "se_hazards.view_majorhazard", "se_hazards.export_majorhazard"
TITLE = "隐患统计分析"
# Tables the figures read, and those that decide the user's region and data scopes: a write to any of them
# refreshes the cached figures.
TABLES = ("se_hazards_majorhazard", "se_hazards_hazarditem", "se_hazards_judgementitem", "org_organisation",
          "org_region", "accounts_user", "accounts_user_roles", "accounts_role", "accounts_role_custom_regions")
STATUS_COLOURS = {"reported": "#17a2b8", "rectifying": "#f0ad4e", "extension": "#6f42c1", "feedback": "#0d6efd",
                  "closed": "#198754", "revoked": "#adb5bd"}
DATE_ERROR = "请输入有效的日期，格式如 2026-01-31"


class StatsFilterForm(forms.Form):
    date_from = forms.DateField(label="发现日期起", required=False, widget=DateInput,
                                error_messages={"invalid": DATE_ERROR})
    date_to = forms.DateField(label="发现日期止", required=False, widget=DateInput,
                              error_messages={"invalid": DATE_ERROR})
    region = forms.ChoiceField(label="区划（含下级）", required=False,
                               error_messages={"invalid_choice": "请选择您管辖范围内的区划"})
    source = forms.ChoiceField(label="隐患来源", required=False, choices=[("", "全部")] + MajorHazard.Source.choices,
                               error_messages={"invalid_choice": "请选择有效的隐患来源"})

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "全部")] + region_choices(user, Region.Level.COUNTY)
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if select else "form-control form-control-sm"

    def clean_region(self):
        value = self.cleaned_data.get("region")
        return Region.objects.get(pk=int(value)) if value else None

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "发现日期止不能早于发现日期起")
        return data


def _list_url(**params):
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("gov:se_hazard_list") + (f"?{query}" if query else "")


class StatsView(EntranceMixin, TemplateView):
    template_name = "se_hazards/gov/stats.html"
    title = TITLE
    permission_required = VIEW
    breadcrumbs = [("特种设备", None), ("重大事故隐患", "/gov/se/hazards/")]

    def get(self, request, *args, **kwargs):
        params = {k: v for k, v in request.GET.items() if k != "export" and v != ""}
        form = StatsFilterForm(params or None, user=request.user)
        if form.is_bound and not form.is_valid():
            for name in form.errors:
                if name in form.fields:
                    form.fields[name].widget.attrs["class"] += " is-invalid"
            return self.render_to_response(self.get_context_data(form=form), status=400)
        filters = form.cleaned_data if form.is_bound else {"date_from": None, "date_to": None, "region": None,
                                                           "source": ""}
        figures = self.figures(filters)
        if request.GET.get("export") == "xlsx":
            if not request.user.has_perm(EXPORT):
                raise PermissionDenied("您没有导出权限")
            return workbook_response(request, TITLE, export_sheets(figures, filters))
        return self.render_to_response(self.get_context_data(form=form, figures=figures, filters=filters))

    def figures(self, filters):
        """The figures of the user's jurisdiction under the filters, cached until the data changes."""
        user, today = self.request.user, timezone.localdate()
        region = filters["region"]
        key = repr((filters["date_from"], filters["date_to"], region.pk if region else None, filters["source"],
                    today))
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]

        def compute():
            trend = stats.apply_filters(MajorHazard.objects.visible_to(user), region=region, source=filters["source"])
            qs = stats.apply_filters(trend, date_from=filters["date_from"], date_to=filters["date_to"])
            return stats.compute(qs, trend_qs=trend, root=stats.region_root(user, region),
                                 end=filters["date_to"] or today, today=today)

        return versioned(f"se_hstats:{user.pk}:{digest}", TABLES, compute)

    def get_context_data(self, form=None, figures=None, filters=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["form"] = form
        ctx["can_export"] = self.request.user.has_perm(EXPORT)
        ctx["export_query"] = urlencode({k: v for k, v in self.request.GET.items() if k != "export" and v != ""})
        ctx["quick_ranges"] = quick_ranges(self.request.GET)
        if figures is None:
            return ctx
        ctx.update(page_context(figures, filters))
        return ctx


def quick_ranges(params):
    """Links for common date ranges (本月, 本年, 近12个月, 全部) that keep the other filters."""
    today = timezone.localdate()
    keep = {k: v for k, v in params.items() if k not in ("date_from", "date_to", "export") and v}
    ranges = [("本月", today.replace(day=1), today), ("本年", today.replace(month=1, day=1), today),
              ("近12个月", stats.month_start(today, 11), today), ("全部", None, None)]
    current = (params.get("date_from", ""), params.get("date_to", ""))
    result = []
    for label, start, end in ranges:
        values = (start.isoformat() if start else "", end.isoformat() if end else "")
        query = urlencode({**keep, **({"date_from": values[0], "date_to": values[1]} if start else {})})
        result.append({"label": label, "query": query, "active": values == current})
    return result


def page_context(figures, filters):
    """Tables (rows with drill-down links) and chart data (the same rows) for the template."""
    region = filters["region"]
    base = {"found_from": filters["date_from"], "found_to": filters["date_to"],
            "region": region.pk if region else None, "source": filters["source"]}
    trend_base = {**base, "found_from": None, "found_to": None}

    def url(**extra):
        return _list_url(**{**base, **extra})

    summary = figures["summary"]
    month = figures["month"]
    this_month = month[-1]
    cards = [
        {"key": "total", "label": "隐患总数", "value": summary["total"], "icon": "bi-clipboard-data",
         "colour": "#1f4e79", "url": url()},
        {"key": "open", "label": "整改中（未销号）", "value": summary["open"], "icon": "bi-hourglass-split",
         "colour": "#f0ad4e", "url": None},
        {"key": "closed", "label": "已销号", "value": summary["closed"], "icon": "bi-check2-circle",
         "colour": "#198754", "url": url(status="closed")},
        {"key": "overdue", "label": "超期未整改", "value": summary["overdue"], "icon": "bi-alarm",
         "colour": "#dc3545", "url": url(level="red")},
        {"key": "closure_rate", "label": "销号率", "icon": "bi-percent", "colour": "#0d6efd", "url": None,
         "value": "—" if summary["closure_rate"] is None else f"{summary['closure_rate']}%"},
        {"key": "this_month", "label": f"本月新增（{this_month['label']}）", "value": this_month["n"],
         "icon": "bi-graph-up-arrow", "colour": "#6f42c1", "mom": this_month["mom"], "yoy": this_month["yoy"],
         "url": _list_url(**{**trend_base, "found_from": this_month["start"], "found_to": this_month["end"]})},
    ]
    status = [{**r, "url": url(status=r["key"]), "colour": STATUS_COLOURS.get(r["key"], "#6c757d")}
              for r in figures["status"]]
    category = [{**r, "url": url(equipment_category=r["key"])} for r in figures["category"]]
    cause = [{**r, "url": url(judgement_category=r["key"]) if r["key"] else None} for r in figures["cause"]]
    regions = [{**r, "url": url(region=r["key"]) if r["key"] else None,
                "closed_url": url(region=r["key"], status="closed") if r["key"] else None,
                "overdue_url": url(region=r["key"], level="red") if r["key"] else None} for r in figures["region"]]
    months = [{**r, "url": _list_url(**{**trend_base, "found_from": r["start"], "found_to": r["end"]})}
              for r in month]
    units = [{**r, "url": url(unit=r["key"], unit_name=r["label"])} for r in figures["units"]]
    by_rate = [{**r, "url": url(region=r["key"]), "closed_url": url(region=r["key"], status="closed")}
               for r in figures["region_by_rate"]]
    by_overdue = [{**r, "url": url(region=r["key"], level="red")} for r in figures["region_by_overdue"]]

    def series(rows, value="n", link="url"):
        return {"labels": [r["label"] for r in rows], "values": [r[value] for r in rows],
                "urls": [r.get(link) for r in rows]}

    chart = {
        "status": {**series(status), "colours": [r["colour"] for r in status]},
        "category": series(category),
        "cause": series(cause),
        "region": {**series(regions, "total"), "rates": [r["closure_rate"] for r in regions],
                   "overdue": [r["overdue"] for r in regions], "closed_urls": [r["closed_url"] for r in regions],
                   "overdue_urls": [r["overdue_url"] for r in regions]},
        "month": {**series(months), "mom": [r["mom"] for r in months], "yoy": [r["yoy"] for r in months],
                  "last_year": [r["last_year"] for r in months]},
        "units": series(units),
        "region_rate": {**series(by_rate, "closure_rate"), "closed": [r["closed"] for r in by_rate]},
        "region_overdue": series(by_overdue, "overdue"),
    }
    region_title = "各下级区划" if region is None else f"{region.name}下级区划"
    return {"cards": cards, "status_rows": status, "category_rows": category, "cause_rows": cause,
            "region_rows": regions, "month_rows_desc": months[::-1], "unit_rows": units, "rate_rows": by_rate,
            "overdue_rows": by_overdue, "chart": chart, "summary": summary, "region_title": region_title,
            "trend_end": month[-1]["label"], "trend_start": month[0]["label"]}


# == Excel ===================================================================================================
def export_sheets(figures, filters):
    """One sheet per table of the page, and the filters and totals first."""
    region = filters["region"]
    summary = figures["summary"]
    conditions = [
        ("统计时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        ("发现日期起", filters["date_from"] or "不限"), ("发现日期止", filters["date_to"] or "不限"),
        ("区划", region.name if region else "本辖区全部"),
        ("隐患来源", dict(MajorHazard.Source.choices).get(filters["source"], "全部")),
        ("隐患总数", summary["total"]), ("整改中（未销号）", summary["open"]), ("已销号", summary["closed"]),
        ("已撤销", summary["revoked"]), ("超期未整改", summary["overdue"]),
        ("销号率(%)", summary["closure_rate"]),
    ]
    pair = [ValueColumn("项目", 0, 20), ValueColumn("数值", 1, 24)]
    count = [ValueColumn("隐患数", "n", 12)]
    ranked = lambda rows: [{**r, "rank": i} for i, r in enumerate(rows, start=1)]  # noqa: E731
    regional = [ValueColumn("隐患数", "total", 12), ValueColumn("已销号", "closed", 12),
                ValueColumn("已撤销", "revoked", 12), ValueColumn("超期未整改", "overdue", 12),
                ValueColumn("销号率(%)", "closure_rate", 12)]
    return [
        Sheet("统计概况", pair, conditions),
        Sheet("按状态", [ValueColumn("状态", "label", 20)] + count, figures["status"]),
        Sheet("按设备种类", [ValueColumn("设备种类", "label", 26)] + count, figures["category"]),
        Sheet("按隐患原因", [ValueColumn("隐患原因（判定项类别）", "label", 28)] + count, figures["cause"]),
        Sheet("按区划", [ValueColumn("区划", "label", 24)] + regional, figures["region"]),
        Sheet("月度趋势", [ValueColumn("月份", "label", 12), ValueColumn("隐患数", "n", 12),
                       ValueColumn("上月", "previous", 12), ValueColumn("环比(%)", "mom", 12),
                       ValueColumn("去年同月", "last_year", 12), ValueColumn("同比(%)", "yoy", 12)], figures["month"]),
        Sheet("使用单位排名", [ValueColumn("名次", "rank", 8), ValueColumn("使用单位", "label", 40),
                         ValueColumn("隐患数", "n", 12), ValueColumn("已销号", "closed", 12),
                         ValueColumn("超期未整改", "overdue", 12)], ranked(figures["units"])),
        Sheet("区划销号率排名", [ValueColumn("名次", "rank", 8), ValueColumn("区划", "label", 24)] + regional,
              ranked(figures["region_by_rate"])),
        Sheet("区划超期排名", [ValueColumn("名次", "rank", 8), ValueColumn("区划", "label", 24)] + regional,
              ranked(figures["region_by_overdue"])),
    ]
