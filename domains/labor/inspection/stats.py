"""Statistics of the wage-arrears warnings (预警统计与分析, seed 000 §A1 (4)): plain aggregation functions.

The warnings are kernel.alerts.Warning rows of the rules in the category 欠薪预警 (alerts.py). Every
function takes a queryset the caller has limited to the user's jurisdiction (`labour_warnings(user)`, i.e.
`Warning.objects.visible_to(user)` of the labour rules) and filtered (`apply_filters`), and answers with one
GROUP BY (or one aggregate) in the database: nothing loops over warnings in Python, so the figures stay fast
with hundreds of thousands of warnings. Results are plain dicts and lists (cacheable, JSON-able).

Dimensions:
* status (处置状态): the warning workflow states, and the cards (total, open, awaiting leadership approval,
  released this month, automatic / manual);
* level (等级): yellow / orange / red;
* origin (预警渠道): automatic (data comparison) or manual registration; complaints by their 案件来源;
* rule (预警条件): every labour rule with its counts per level;
* region (区划): the children of a root region, from one GROUP BY region folded up the materialised paths;
* grid (网格): the grids under the root by level and by handling-status group;
* month / day (时间趋势): warnings raised per month with month-on-month and year-on-year growth, per day;
* unit (单位): the organisations with the most warnings.
"""
import datetime

from django.db.models import Count, Q
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from kernel.alerts.models import LEVEL_COLOURS, LEVEL_LABELS, OPEN_STATES, AlertRule, Warning
from kernel.core.cache import versioned
from kernel.org.models import Organisation, Region
from kernel.org.scope import region_path, subtree_ids, user_scopes

from . import services
from .models import Complaint, Grid
from .workflows import OPEN_STATES as CASE_OPEN_STATES

CATEGORY = services.LABOUR_CATEGORY
LEVELS = services.GRID_LEVELS  # yellow, orange, red
MONTHS = 12
DAYS = 30
STATES = Warning.workflow.states
STATE_LABELS = {s.code: s.label for s in STATES}
STATUS_GROUPS = services.GRID_STATUS_GROUPS  # (key, label, states): 待审核/审批, 待派发, 处置中, 已解除, ...
ORIGINS = list(Warning.Origin.choices)
OPEN, CLOSED = "open", "closed"  # the `state` filter: open (未办结) or finished (已办结) warnings


# == helpers ==================================================================================================
def percent(part, whole):
    """part / whole in %, one decimal; None when there is nothing to divide by."""
    return round(part * 100 / whole, 1) if whole else None


def growth(current, previous):
    """Growth from `previous` to `current` in %, one decimal; None when `previous` is 0 (undefined)."""
    return round((current - previous) * 100 / previous, 1) if previous else None


def month_start(day, back=0):
    """The first day of the month `back` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_bounds(start):
    """(first day, last day) of a month."""
    return start, month_start(start, -1) - datetime.timedelta(days=1)


def start_of_day(day):
    """The aware moment a local date begins (a date range on first_seen compares moments: index-friendly, and
    the same rows as first_seen__date)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    return value


def labour_rules():
    """[(id, code, name)] of the wage-arrears rules, by code; cached until a rule changes."""
    return versioned(f"labor_rules:{CATEGORY}", ("alerts_alertrule",), lambda: list(
        AlertRule.objects.filter(category=CATEGORY).order_by("code").values_list("pk", "code", "name")))


def labour_warnings(user):
    """The wage-arrears warnings (rule category 欠薪预警) the user may see: the one door of every figure."""
    ids = [pk for pk, _, _ in labour_rules()]
    return Warning.objects.visible_to(user).filter(rule_id__int_in=ids) if ids else Warning.objects.none()


def visible_complaints(user):
    return Complaint.objects.visible_to(user)


def apply_filters(qs, *, date_from=None, date_to=None, region=None, level="", rule=None, status="", origin="",
                  state="", organisation=None):
    """The filters of the statistics page and the warning query: first_seen within [date_from, date_to] (local
    dates), the region's subtree, level, rule, workflow status, origin, open/finished, organisation."""
    if date_from:
        qs = qs.filter(first_seen__gte=start_of_day(date_from))
    if date_to:
        qs = qs.filter(first_seen__lt=start_of_day(date_to + datetime.timedelta(days=1)))
    if region is not None:
        qs = qs.filter(region_id__int_in=subtree_ids(region.path))
    if level:
        qs = qs.filter(level=level)
    if rule is not None:
        qs = qs.filter(rule_id=getattr(rule, "pk", rule))
    if status:
        qs = qs.filter(status=status)
    if origin:
        qs = qs.filter(origin=origin)
    if state == OPEN:
        qs = qs.filter(status__in=OPEN_STATES)
    elif state == CLOSED:
        qs = qs.exclude(status__in=OPEN_STATES)
    if organisation is not None:
        qs = qs.filter(organisation_id=getattr(organisation, "pk", organisation))
    return qs


def filter_complaints(qs, *, date_from=None, date_to=None, region=None, channel=""):
    """Complaints under the page's filters: received within the dates, in the region's subtree, of the channel."""
    if date_from:
        qs = qs.filter(received_on__gte=date_from)
    if date_to:
        qs = qs.filter(received_on__lte=date_to)
    if region is not None:
        qs = qs.filter(region_id__int_in=subtree_ids(region.path))
    if channel:
        qs = qs.filter(channel=channel)
    return qs


# == regions ==================================================================================================
def sees_everything(user):
    return user.is_superuser or "all" in user_scopes(user)[0]


def region_root(user, region=None):
    """The region whose children the region figures show: the chosen region, else the user's own region; for
    users who see everything, the single top region (自治区) if there is one, else None."""
    if region is not None:
        return region
    own = None if sees_everything(user) else user.region
    if own is not None:
        return own
    tops = list(Region.objects.filter(parent__isnull=True)[:2])
    return tops[0] if len(tops) == 1 else None


def region_in_scope(user, region):
    """May the user look at this region's figures (their own region's subtree; everything for 'all')?"""
    if region is None:
        return False
    if sees_everything(user):
        return True
    own = user.region
    return own is not None and region.path.startswith(own.path)


def region_trail(user, region):
    """The regions from the user's top region down to `region` (the drill-up path), as (id, name, level)."""
    if region is None:
        return []
    top = region_root(user)
    chain, current = [], region
    while current is not None:
        chain.append(current)
        if top is not None and current.pk == top.pk:
            break
        current = current.parent
    return [{"id": r.pk, "name": r.name, "level": r.level} for r in reversed(chain)]


def children_of(root):
    children = list(Region.objects.filter(parent=root) if root is not None
                    else Region.objects.filter(parent__isnull=True))
    children.sort(key=lambda r: (r.order, r.code))
    return children


def _fold(root, children, grouped, blank):
    """Fold (region_id, *counts) rows up to the children of `root`: {child path: row}, plus the root's own row.
    Rows outside the root (a scope wider than the chosen region) are dropped."""
    base = root.path if root is not None else ""
    rows = {c.path: {"key": c.pk, "label": c.name, "level": c.level, **blank()} for c in children}
    own = {"key": None, "label": f"{root.name}（本级）" if root is not None else "其他", "level": None, **blank()}
    for region_id, *counts in grouped:
        path = (region_path(region_id) or "") if region_id is not None else ""
        if not path or not path.startswith(base):
            continue
        rest = path[len(base):]
        row = rows.get(base + rest.split(".", 1)[0] + ".") if rest else own
        row = row if row is not None else own
        for name, n in zip(blank(), counts, strict=True):
            row[name] += n
    return list(rows.values()), own


REGION_METRICS = ("total", "open", "red", "approving", "released")


def _region_counts(qs):
    return (qs.order_by().values_list("region_id")
            .annotate(total=Count("id"), open=Count("id", filter=Q(status__in=OPEN_STATES)),
                      red=Count("id", filter=Q(level="red")), approving=Count("id", filter=Q(status="approving")),
                      released=Count("id", filter=Q(status="released"))))


def by_region(qs, root):
    """Per child region of `root` (all top regions when root is None): total, open, red, awaiting approval and
    released, in region order; warnings registered at the root itself form a last row (key None)."""
    children = children_of(root)
    rows, own = _fold(root, children, _region_counts(qs), lambda: dict.fromkeys(REGION_METRICS, 0))
    for row in rows + [own]:
        row["drillable"] = row["key"] is not None and row["level"] is not None and row["level"] < Region.Level.GRID
    return rows + ([own] if own["total"] else [])


# == dimensions ===============================================================================================
def summary(qs, today=None):
    """The cards: total, open, awaiting leadership approval (red, 待领导审批), red open, released (and released
    this month), withdrawn, escalated to a case, automatic and manual. One aggregate query."""
    today = today or timezone.localdate()
    this_month = start_of_day(month_start(today))
    row = qs.order_by().aggregate(
        total=Count("id"), open=Count("id", filter=Q(status__in=OPEN_STATES)),
        approving=Count("id", filter=Q(status="approving")),
        red_open=Count("id", filter=Q(level="red", status__in=OPEN_STATES)),
        released=Count("id", filter=Q(status="released")),
        released_month=Count("id", filter=Q(status="released", released_at__gte=this_month)),
        escalated=Count("id", filter=Q(status="escalated")), withdrawn=Count("id", filter=Q(status="withdrawn")),
        auto=Count("id", filter=Q(origin=Warning.Origin.AUTO)), manual=Count("id", filter=Q(origin=Warning.Origin.MANUAL)),
        raised_month=Count("id", filter=Q(first_seen__gte=this_month)))
    row["release_rate"] = percent(row["released"], row["total"] - row["withdrawn"])
    return row


def by_status(qs):
    """Every workflow state in workflow order with its count (0 included)."""
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    return [{"key": s.code, "label": s.label, "colour": s.colour, "n": counts.get(s.code, 0)} for s in STATES]


def by_status_group(status_rows):
    """The handling-status groups (待审核/审批, 待派发, 处置中, 已解除, 已转立案, 已撤回) from by_status's rows."""
    n = {r["key"]: r["n"] for r in status_rows}
    return [{"key": key, "label": label, "states": list(states), "n": sum(n.get(s, 0) for s in states)}
            for key, label, states in STATUS_GROUPS]


def by_level(qs):
    """yellow / orange / red with their counts and open counts (0 included); other levels after them."""
    counts = {lv: (n, o) for lv, n, o in qs.order_by().values_list("level").annotate(
        n=Count("id"), o=Count("id", filter=Q(status__in=OPEN_STATES)))}
    levels = list(LEVELS) + sorted(set(counts) - set(LEVELS))
    return [{"key": lv, "label": LEVEL_LABELS.get(lv, lv), "colour": LEVEL_COLOURS.get(lv, "#6c757d"),
             "n": counts.get(lv, (0, 0))[0], "open": counts.get(lv, (0, 0))[1]} for lv in levels]


def by_origin(qs):
    """Automatic (data comparison) and manual (inspector or grid registration) warnings."""
    counts = {o: (n, op, rel) for o, n, op, rel in qs.order_by().values_list("origin").annotate(
        n=Count("id"), op=Count("id", filter=Q(status__in=OPEN_STATES)),
        rel=Count("id", filter=Q(status="released")))}
    return [{"key": code, "label": label, "n": counts.get(code, (0, 0, 0))[0],
             "open": counts.get(code, (0, 0, 0))[1], "released": counts.get(code, (0, 0, 0))[2]}
            for code, label in ORIGINS]


def by_rule(qs, rules=None):
    """Every labour rule (warning condition, 预警条件) with its total, counts per level, open, released and
    automatically released (条件消除自动解除) warnings, in code order (0 included)."""
    rules = labour_rules() if rules is None else rules
    level_counts = {lv: Count("id", filter=Q(level=lv)) for lv in LEVELS}
    grouped = {r[0]: r[1:] for r in qs.order_by().values_list("rule_id").annotate(
        total=Count("id"), **level_counts, open=Count("id", filter=Q(status__in=OPEN_STATES)),
        released=Count("id", filter=Q(status="released")),
        auto_released=Count("id", filter=Q(status="released", release_type=Warning.ReleaseType.AUTO)))}
    names = ("total",) + LEVELS + ("open", "released", "auto_released")
    rows = []
    for pk, code, name in rules:
        values = grouped.get(pk, (0,) * len(names))
        rows.append({"key": pk, "code": code, "label": name, **dict(zip(names, values, strict=True))})
    return rows


def by_grid(qs, grids):
    """Per grid (the lowest region level: a warning is in a grid exactly when its region is the grid's): total,
    per level and per handling-status group. One grouped query; grids sorted by total (largest first)."""
    grids = list(grids)
    counts = services.counts_by_grid(qs, [g["region_id"] for g in grids])
    rows = []
    for g in grids:
        found = counts.get(g["region_id"], [])
        row = {**g, **services.grid_figures(found)}
        row["open"] = sum(n for _, status, n in found if status in OPEN_STATES)
        rows.append(row)
    rows.sort(key=lambda r: (-r["total"], r["path"]))
    return rows


def grids_under(user, root):
    """The grids the user may see under `root` (all when root is None), as plain dicts."""
    qs = Grid.objects.visible_to(user)
    if root is not None:
        qs = qs.filter(region__path__startswith=root.path)
    rows = qs.order_by("region__path").values_list("pk", "region_id", "region__name", "region__path",
                                                    "region__parent__name", "head", "owner__real_name",
                                                    "owner__username")
    return [{"key": pk, "region_id": rid, "label": name, "path": path, "parent": parent or "", "head": head,
             "owner": real or username or ""} for pk, rid, name, path, parent, head, real, username in rows]


def _month_counts(qs, since, until, *extra):
    """{(month start date, *extra values): n} of warnings raised within [since, until] (dates)."""
    rows = (qs.filter(first_seen__gte=start_of_day(since), first_seen__lt=start_of_day(until + datetime.timedelta(1)))
            .order_by().annotate(month=TruncMonth("first_seen")).values_list("month", *extra).annotate(n=Count("id")))
    out = {}
    for month, *rest, n in rows:
        key = (_as_date(month), *rest)
        out[key] = out.get(key, 0) + n
    return out


def by_month(qs, end=None, months=MONTHS):
    """Warnings raised per month for the `months` months up to `end`'s month (automatic and manual apart), with
    month-on-month (环比) and year-on-year (同比) growth in %. One GROUP BY over months + 12 months."""
    end = end or timezone.localdate()
    since = month_start(end, months - 1 + 12)
    until = month_bounds(month_start(end))[1]
    counts = _month_counts(qs, since, until, "origin")
    total = {}
    for (month, _), n in counts.items():
        total[month] = total.get(month, 0) + n
    rows = []
    for back in range(months - 1, -1, -1):
        start = month_start(end, back)
        n = total.get(start, 0)
        previous = total.get(month_start(start, 1), 0)
        last_year = total.get(month_start(start, 12), 0)
        rows.append({"key": start.strftime("%Y-%m"), "label": start.strftime("%Y-%m"), "start": start,
                     "end": month_bounds(start)[1], "n": n, "auto": counts.get((start, Warning.Origin.AUTO), 0),
                     "manual": counts.get((start, Warning.Origin.MANUAL), 0), "previous": previous,
                     "mom": growth(n, previous), "last_year": last_year, "yoy": growth(n, last_year)})
    return rows


def by_month_level(qs, end=None, months=MONTHS):
    """Warnings raised per month and level (the automatic-warning trend), the `months` months up to `end`."""
    end = end or timezone.localdate()
    since, until = month_start(end, months - 1), month_bounds(month_start(end))[1]
    counts = _month_counts(qs, since, until, "level")
    rows = []
    for back in range(months - 1, -1, -1):
        start = month_start(end, back)
        row = {"key": start.strftime("%Y-%m"), "label": start.strftime("%Y-%m"), "start": start,
               "end": month_bounds(start)[1]}
        for lv in LEVELS:
            row[lv] = counts.get((start, lv), 0)
        row["n"] = sum(n for (m, _), n in counts.items() if m == start)
        rows.append(row)
    return rows


def by_day(qs, end=None, days=DAYS):
    """Warnings raised per day over the `days` days up to `end` (the big screen's daily trend)."""
    end = end or timezone.localdate()
    since = end - datetime.timedelta(days=days - 1)
    rows = (qs.filter(first_seen__gte=start_of_day(since), first_seen__lt=start_of_day(end + datetime.timedelta(1)))
            .order_by().annotate(day=TruncDate("first_seen")).values_list("day").annotate(n=Count("id")))
    counts = {}
    for day, n in rows:
        day = _as_date(day) if not isinstance(day, str) else datetime.date.fromisoformat(day)
        counts[day] = counts.get(day, 0) + n
    out = []
    for i in range(days):
        day = since + datetime.timedelta(days=i)
        out.append({"key": day.isoformat(), "label": day.strftime("%m-%d"), "start": day, "end": day,
                    "n": counts.get(day, 0)})
    return out


def unit_ranking(qs, limit=10):
    """The organisations with the most warnings: [{key (id), label (name), uscc, n, open, red}]."""
    top = list(qs.filter(organisation_id__isnull=False).order_by().values_list("organisation_id")
               .annotate(n=Count("id"), open=Count("id", filter=Q(status__in=OPEN_STATES)),
                         red=Count("id", filter=Q(level="red"))).order_by("-n", "organisation_id")[:limit])
    orgs = {pk: (name, uscc) for pk, name, uscc in
            Organisation.all_objects.filter(pk__in=[r[0] for r in top]).values_list("pk", "name", "uscc")}
    return [{"key": pk, "label": orgs.get(pk, ("", ""))[0], "uscc": orgs.get(pk, ("", ""))[1], "n": n,
             "open": open_, "red": red} for pk, n, open_, red in top]


def complaints_by_channel(qs, today=None):
    """Complaint/report registrations per case source (案件来源, 0 included): total, open and overdue."""
    counts = {c: (n, o, od) for c, n, o, od in qs.order_by().values_list("channel").annotate(
        n=Count("id"), o=Count("id", filter=Q(status__in=CASE_OPEN_STATES)),
        od=Count("id", filter=services.overdue_q(today)))}
    return [{"key": code, "label": label, "n": counts.get(code, (0, 0, 0))[0], "open": counts.get(code, (0, 0, 0))[1],
             "overdue": counts.get(code, (0, 0, 0))[2]} for code, label in Complaint.Channel.choices]


def case_summary(qs, today=None):
    """Open and overdue complaint/report cases (案件督办)."""
    return qs.order_by().aggregate(total=Count("id"), open=Count("id", filter=Q(status__in=CASE_OPEN_STATES)),
                                   overdue=Count("id", filter=services.overdue_q(today)))



# == everything of a page =====================================================================================
def compute(qs, *, trend_qs=None, complaints=None, root=None, grids=(), end=None, today=None):
    """All figures of the statistics page. `qs`: the scoped and filtered warnings; `trend_qs`: the same without
    the date range (the monthly trends always cover the 12 months up to `end`); `complaints`: the scoped and
    filtered complaints; `grids`: grids_under(user, root)."""
    today = today or timezone.localdate()
    trend_qs = trend_qs if trend_qs is not None else qs
    status = by_status(qs)
    auto = qs.filter(origin=Warning.Origin.AUTO)
    return {
        "summary": summary(qs, today),
        "status": status,
        "status_groups": by_status_group(status),
        "level": by_level(qs),
        "origin": by_origin(qs),
        "rule": by_rule(qs),
        "region": by_region(qs, root),
        "grid": by_grid(qs, grids),
        "auto_rule": by_rule(auto),
        "auto_month": by_month_level(trend_qs.filter(origin=Warning.Origin.AUTO), end or today),
        "month": by_month(trend_qs, end or today),
        "units": unit_ranking(qs),
        "channel": complaints_by_channel(complaints, today) if complaints is not None else [],
        "cases": case_summary(complaints, today) if complaints is not None else None,
    }


def screen(qs, complaints, root, *, today=None):
    """The big screen's figures for a region (no date filter: the current state). `qs` and `complaints` are the
    user's visible labour warnings and complaints limited to the root's subtree."""
    today = today or timezone.localdate()
    cards = summary(qs, today)
    cases = case_summary(complaints, today)
    status = by_status(qs)
    return {
        "cards": {"open": cards["open"], "approving": cards["approving"], "released_month": cards["released_month"],
                  "overdue_cases": cases["overdue"], "total": cards["total"], "red_open": cards["red_open"],
                  "raised_month": cards["raised_month"], "open_cases": cases["open"]},
        "region": by_region(qs, root),
        "level": by_level(qs),
        "status_groups": by_status_group(status),
        "rule": [r for r in by_rule(qs) if r["total"]],
        "day": by_day(qs, today),
        "month": by_month(qs, today),
        "units": unit_ranking(qs, limit=5),
    }
