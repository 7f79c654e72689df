"""Columns of the agency lists of major hazards and reminder slips: one definition serves the page
and its Excel export (kernel.ui.tables.Column), so the export shows the same labels and colours."""
import datetime

from django.utils import timezone
from django.utils.html import format_html

from kernel.alerts.models import LEVEL_COLOURS, LEVEL_LABELS
from kernel.ui.tables import Column

from .alerts import DEADLINE_LEVELS
from .workflows import AWAITING_FEEDBACK, MAJOR

STATE_COLOURS = {s.code: s.colour for s in MAJOR.states}
REMINDER_DUE_WORKING_DAYS = 3  # the 待派单 state's to-do is due in three working days (workflows.MAJOR_STATES)


def level_range(level, today=None):
    """The deadline interval [low, high) of a warning level, as dates: days left below the level's threshold
    and not below the next worse one (红: past the deadline). The same boundaries as alerts.deadline_level."""
    today = today or timezone.localdate()
    ordered = sorted(DEADLINE_LEVELS, key=lambda e: -e["threshold"])  # blue 30, yellow 20, orange 10, red 0
    for index, entry in enumerate(ordered):
        if entry["level"] == level:
            high = today + datetime.timedelta(days=entry["threshold"])
            worse = ordered[index + 1] if index + 1 < len(ordered) else None
            low = today + datetime.timedelta(days=worse["threshold"]) if worse else None
            return low, high
    raise KeyError(level)


def deadline_level_q(level, today=None):
    """A DB filter for hazards at a warning level: awaiting feedback and the deadline in the level's range."""
    from django.db.models import Q

    low, high = level_range(level, today)
    q = Q(status__in=AWAITING_FEEDBACK, deadline__lt=high)
    return q & Q(deadline__gte=low) if low is not None else q


class LevelColumn(Column):
    """The deadline warning level (蓝/黄/橙/红) as a coloured badge; its label in the export."""

    def __init__(self, name="deadline_level", label="期限预警", **kwargs):
        super().__init__(name, label, sortable=False, **kwargs)

    def raw(self, obj):
        level = obj.deadline_colour
        return LEVEL_LABELS[level] if level else None

    def html(self, obj, user=None, link=True):
        level = obj.deadline_colour
        if not level:
            return ""
        days = obj.days_left
        hint = f"已超期{-days}天" if days < 0 else f"剩余{days}天"
        return format_html('<span class="badge zw-level" style="background:{}" data-level="{}" title="{}">{}</span>',
                           LEVEL_COLOURS[level], level, hint, LEVEL_LABELS[level])


class StateColumn(Column):
    """The workflow state as a Bootstrap badge."""

    def __init__(self, name="status", label="状态", **kwargs):
        super().__init__(name, label, choices=True, **kwargs)

    def html(self, obj, user=None, link=True):
        return format_html('<span class="badge text-bg-{}">{}</span>', STATE_COLOURS.get(obj.status, "secondary"),
                           obj.get_status_display())


def _short(value, n=40):
    return value if len(value) <= n else value[:n] + "…"


HAZARD_COLUMNS = [
    Column("no", "隐患编号", link="gov:se_hazard_detail", width=20),
    Column("source", "隐患来源", choices=True, width=12),
    Column("equipment_category", "隐患类型", dict_type="equipment_category", width=14),
    Column("user_unit", "使用单位", accessor="user_unit.name", order_by="user_unit__name", width=32),
    Column("region", "所在区划", accessor="region.name", order_by="region__path", width=12),
    Column("managing_agency", "管理单位", accessor="managing_agency.name", order_by="managing_agency__name",
           default=False, width=28),
    Column("equipment", "设备代码", accessor="equipment.code", order_by="equipment__code", default=False, width=24),
    Column("description", "隐患问题描述", sortable=False, width=40, fmt=_short),
    Column("found_on", "发现日期", width=12),
    Column("deadline", "整改期限", width=12),
    LevelColumn(),
    StateColumn(width=10),
    Column("directive", "下达文书", choices=True, default=False, width=12),
    Column("directive_no", "文书编号", default=False, width=24),
    Column("reporter_org", "上报单位", accessor="reporter_org.name", order_by="reporter_org__name", default=False,
           width=28),
    Column("created_at", "上报时间", default=False, width=18),
]
HAZARD_SELECT = ("region", "user_unit", "managing_agency", "equipment", "reporter_org")


class HandlingTimeColumn(Column):
    """处理时间 of a reminder slip: when it was reported and by when it should be dispatched."""

    def __init__(self):
        super().__init__("handling_time", "处理时间", order_by="created_at", width=30)

    def raw(self, obj):
        from kernel.calendar.services import add_working_days

        reported = timezone.localtime(obj.created_at)
        due = add_working_days(reported.date(), REMINDER_DUE_WORKING_DAYS)
        return f"{reported:%Y-%m-%d %H:%M} 上报，{due:%Y-%m-%d}前派单"

    def html(self, obj, user=None, link=True):
        from kernel.calendar.services import add_working_days

        reported = timezone.localtime(obj.created_at)
        due = add_working_days(reported.date(), REMINDER_DUE_WORKING_DAYS)
        late = due < timezone.localdate()
        return format_html('{}<div class="small {}">{}前派单{}</div>', f"{reported:%Y-%m-%d %H:%M}",
                           "text-danger" if late else "text-muted", f"{due:%Y-%m-%d}", "（已超时）" if late else "")


REMINDER_COLUMNS = [
    Column("no", "隐患编号", link="gov:se_hazard_detail", width=20),
    Column("source", "隐患来源", choices=True, width=12),
    Column("equipment_category", "隐患类型", dict_type="equipment_category", width=14),
    Column("description", "隐患问题描述", sortable=False, width=40, fmt=_short),
    HandlingTimeColumn(),
    Column("user_unit", "特种设备使用单位", accessor="user_unit.name", order_by="user_unit__name", width=32),
    Column("managing_agency", "管理单位", accessor="managing_agency.name", order_by="managing_agency__name", width=28),
    Column("reporter_org", "上报单位", accessor="reporter_org.name", order_by="reporter_org__name", default=False,
           width=28),
]
REMINDER_SELECT = ("user_unit", "managing_agency", "reporter_org")
