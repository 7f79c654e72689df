"""Statistics of major hazards (重大事故隐患统计分析): plain aggregation functions.

Every function takes a queryset of MajorHazard that the caller has already limited to the user's
jurisdiction (`MajorHazard.objects.visible_to(user)`) and filtered, and answers with one GROUP BY
(or one aggregate) in the database: nothing here loops over hazards in Python, so the figures stay
fast with hundreds of thousands of rows. Results are plain dicts and lists (cacheable, JSON-able).

Dimensions:
* status (隐患状态): the workflow states, with the totals, closure rate and overdue count as cards;
* equipment category (隐患类别 / 设备种类): CATEGORIES of the equipment module;
* cause (隐患原因): the category (隐患类别) of the GB 45067—2024 judgement items of a hazard's items,
  a hazard counted once per category it has items in;
* region (区划): the children of a root region (a city user: the counties), from one GROUP BY region
  folded up the materialised region paths;
* month (月度趋势): hazards found per month over 12 months with month-on-month and year-on-year growth;
* rankings: user units by hazard count; regions by closure rate and by overdue count.
"""
import datetime

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from domains.special_equipment.equipment.models import CATEGORIES
from kernel.org.models import Organisation, Region
from kernel.org.scope import region_path, subtree_ids

from .exports import deadline_level_q
from .models import HazardItem
from .workflows import MAJOR

CLOSED, REVOKED = "closed", "revoked"
NO_CAUSE = "未关联判定项"
MONTHS = 12


def percent(part, whole):
    """part / whole in %, one decimal; None when there is nothing to divide by."""
    return round(part * 100 / whole, 1) if whole else None


def growth(current, previous):
    """Growth from `previous` to `current` in %, one decimal; None when `previous` is 0 (undefined)."""
    return round((current - previous) * 100 / previous, 1) if previous else None


def apply_filters(qs, *, date_from=None, date_to=None, region=None, source=""):
    """The page's filters: found_on within [date_from, date_to], the region's subtree, the source."""
    if date_from:
        qs = qs.filter(found_on__gte=date_from)
    if date_to:
        qs = qs.filter(found_on__lte=date_to)
    if region is not None:
        qs = qs.filter(region__int_in=subtree_ids(region.path))
    if source:
        qs = qs.filter(source=source)
    return qs


def _overdue_q(today):
    """Past the rectification deadline and not fed back: the red deadline level of the list page."""
    return deadline_level_q("red", today)


def by_status(qs, today=None):
    """Every workflow state in workflow order with its count and its overdue count (0 included)."""
    today = today or timezone.localdate()
    counts = {status: (n, overdue) for status, n, overdue in qs.order_by().values_list("status").annotate(
        n=Count("id"), overdue=Count("id", filter=_overdue_q(today)))}
    return [{"key": s.code, "label": s.label, "colour": s.colour, "n": counts.get(s.code, (0, 0))[0],
             "overdue": counts.get(s.code, (0, 0))[1]} for s in MAJOR.states]


def summary_of(status_rows):
    """The cards from by_status's rows: total, open (not closed or revoked), closed, revoked, overdue and the
    closure rate (closed among those not revoked)."""
    n = {r["key"]: r["n"] for r in status_rows}
    total = sum(n.values())
    row = {"total": total, "closed": n.get(CLOSED, 0), "revoked": n.get(REVOKED, 0),
           "overdue": sum(r["overdue"] for r in status_rows)}
    row["open"] = total - row["closed"] - row["revoked"]
    row["closure_rate"] = percent(row["closed"], total - row["revoked"])
    return row


def summary(qs, today=None):
    return summary_of(by_status(qs, today))


def by_category(qs):
    """Every equipment category with its count, the largest first (0 included, in CATEGORIES order)."""
    counts = dict(qs.order_by().values_list("equipment_category").annotate(n=Count("id")))
    rows = [{"key": code, "label": label, "n": counts.get(code, 0)} for code, label in CATEGORIES.items()]
    return sorted(rows, key=lambda r: -r["n"])


def by_cause(qs):
    """Hazards per judgement-item category (隐患原因), the largest first. A hazard with items in two
    categories counts in both; items without a criterion fall under NO_CAUSE (key None)."""
    rows = (HazardItem.objects.filter(hazard__in=qs.order_by().values("pk")).order_by()
            .values_list("judgement_item__category").annotate(n=Count("hazard_id", distinct=True)))
    result = [{"key": key or None, "label": key or NO_CAUSE, "n": n} for key, n in rows]
    return sorted(result, key=lambda r: (r["key"] is None, -r["n"], r["label"]))


def region_root(user, region=None):
    """The region whose children the region figures show: the chosen filter region, else the user's own
    region; for users who see everything, the single top region (自治区) if there is one, else None."""
    if region is not None:
        return region
    from kernel.org.scope import user_scopes

    own = None if user.is_superuser or "all" in user_scopes(user)[0] else user.region
    if own is not None:
        return own
    tops = list(Region.objects.filter(parent__isnull=True)[:2])
    return tops[0] if len(tops) == 1 else None


def by_region(qs, root, today=None):
    """Per child region of `root` (all top regions when root is None): total, closed, revoked, overdue and
    closure rate, in region order; hazards registered at the root itself form a last row (key None).

    One GROUP BY region_id; each region id is folded to its child of the root by its materialised path."""
    today = today or timezone.localdate()
    children = list(Region.objects.filter(parent=root) if root is not None
                    else Region.objects.filter(parent__isnull=True))
    children.sort(key=lambda r: (r.order, r.code))
    base = root.path if root is not None else ""
    rows = {c.path: {"key": c.pk, "label": c.name, "total": 0, "closed": 0, "revoked": 0, "overdue": 0}
            for c in children}
    own = {"key": None, "label": f"{root.name}（本级）" if root is not None else "其他",
           "total": 0, "closed": 0, "revoked": 0, "overdue": 0}
    grouped = (qs.order_by().values_list("region_id")
               .annotate(total=Count("id"), closed=Count("id", filter=Q(status=CLOSED)),
                         revoked=Count("id", filter=Q(status=REVOKED)),
                         overdue=Count("id", filter=_overdue_q(today))))
    for region_id, total, closed, revoked, overdue in grouped:
        path = region_path(region_id) or ""
        if not path.startswith(base):
            continue  # outside the root (a custom scope wider than the chosen region): not this table's
        rest = path[len(base):]
        row = rows.get(base + rest.split(".", 1)[0] + ".") if rest else own
        row = row if row is not None else own
        row["total"] += total
        row["closed"] += closed
        row["revoked"] += revoked
        row["overdue"] += overdue
    result = list(rows.values()) + ([own] if own["total"] else [])
    for row in result:
        row["closure_rate"] = percent(row["closed"], row["total"] - row["revoked"])
    return result


def region_rankings(region_rows):
    """From by_region's rows (children with hazards only): by closure rate (highest first, then by
    the number closed) and by overdue count (most first)."""
    rows = [r for r in region_rows if r["key"] is not None and r["total"]]
    by_rate = sorted([r for r in rows if r["closure_rate"] is not None],
                     key=lambda r: (-r["closure_rate"], -r["closed"], r["label"]))
    by_overdue = sorted([r for r in rows if r["overdue"]], key=lambda r: (-r["overdue"], r["label"]))
    return by_rate, by_overdue


def month_start(day, back=0):
    """The first day of the month `back` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_bounds(start):
    """(first day, last day) of a month."""
    return start, month_start(start, -1) - datetime.timedelta(days=1)


def by_month(qs, end=None, months=MONTHS):
    """Hazards found per month for the `months` months up to `end`'s month, with month-on-month (环比) and
    year-on-year (同比) growth in %. One GROUP BY over months + 12 months (for the year-on-year base)."""
    end = end or timezone.localdate()
    since = month_start(end, months - 1 + 12)
    until = month_bounds(month_start(end))[1]
    counts = {m: n for m, n in (qs.filter(found_on__gte=since, found_on__lte=until).order_by()
                                .annotate(month=TruncMonth("found_on")).values_list("month")
                                .annotate(n=Count("id")))}
    counts = {(m.date() if isinstance(m, datetime.datetime) else m): n for m, n in counts.items()}
    rows = []
    for back in range(months - 1, -1, -1):
        start = month_start(end, back)
        n = counts.get(start, 0)
        previous = counts.get(month_start(start, 1), 0)
        last_year = counts.get(month_start(start, 12), 0)
        rows.append({"key": start.strftime("%Y-%m"), "label": start.strftime("%Y-%m"), "start": start,
                     "end": month_bounds(start)[1], "n": n, "previous": previous, "mom": growth(n, previous),
                     "last_year": last_year, "yoy": growth(n, last_year)})
    return rows


def unit_ranking(qs, limit=10, today=None):
    """The user units with the most hazards: [{key (unit id), label (name), n, closed, overdue}]."""
    today = today or timezone.localdate()
    top = list(qs.order_by().values_list("user_unit_id")
               .annotate(n=Count("id"), closed=Count("id", filter=Q(status=CLOSED)),
                         overdue=Count("id", filter=_overdue_q(today))).order_by("-n", "user_unit_id")[:limit])
    names = dict(Organisation.all_objects.filter(pk__in=[r[0] for r in top]).values_list("pk", "name"))
    return [{"key": pk, "label": names.get(pk, ""), "n": n, "closed": closed, "overdue": overdue}
            for pk, n, closed, overdue in top]


def compute(qs, *, trend_qs=None, root=None, end=None, today=None):
    """All figures of the page. `qs`: the scoped and filtered hazards; `trend_qs`: the same without the date
    range (the monthly trend always covers the 12 months up to `end`)."""
    today = today or timezone.localdate()
    regions = by_region(qs, root, today)
    by_rate, by_overdue = region_rankings(regions)
    status = by_status(qs, today)
    return {
        "summary": summary_of(status),
        "status": status,
        "category": by_category(qs),
        "cause": by_cause(qs),
        "region": regions,
        "month": by_month(trend_qs if trend_qs is not None else qs, end or today),
        "units": unit_ranking(qs, today=today),
        "region_by_rate": by_rate[:10],
        "region_by_overdue": by_overdue[:10],
    }
