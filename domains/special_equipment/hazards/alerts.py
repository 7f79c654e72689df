"""Warning rules of the hazard system (kernel/alerts scans them set-based)."""
import datetime

from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from kernel.alerts.registry import RuleDefinition, register

from .workflows import AWAITING_FEEDBACK

# Days left before the rectification deadline: fewer than 30 blue, 20 yellow, 10 orange; past it red.
DEADLINE_LEVELS = [{"level": "blue", "threshold": 30}, {"level": "yellow", "threshold": 20},
                   {"level": "orange", "threshold": 10}, {"level": "red", "threshold": 0}]


def deadline_level(days_left, levels=DEADLINE_LEVELS):
    """The level for a number of days left (the same boundaries the scan uses), or None."""
    if days_left is None:
        return None
    worst = None
    for entry in levels:  # ordered from the mildest to the worst
        if days_left < entry["threshold"]:
            worst = entry["level"]
    return worst


@register
class RectificationDeadline(RuleDefinition):
    code = "se_hazard_deadline"
    name = "重大事故隐患整改期限预警"
    category = "特种设备"
    description = "已派单督办、尚未反馈整改情况的重大事故隐患，按距整改期限的天数分级：不足30天蓝色、不足20天黄色、不足10天橙色、超过期限红色。"
    subject = "se_hazards.MajorHazard"
    default_levels = DEADLINE_LEVELS
    # The level follows the deadline both ways: an approved extension (延期整改) sets a new deadline,
    # and the warning drops to that deadline's colour (or is released when it is 30 days or more away).
    only_rise = False

    def matches(self, rule, today=None):
        today = today or timezone.localdate()
        # deadline < today + threshold  <=>  days left < threshold; the worst level wins.
        whens = [When(deadline__lt=today + datetime.timedelta(days=entry["threshold"]), then=Value(entry["level"]))
                 for entry in sorted(rule.levels, key=lambda e: e["threshold"])]
        level = Case(*whens, default=Value(None), output_field=CharField())
        return (self.subjects().filter(status__in=AWAITING_FEEDBACK, deadline__isnull=False)
                .annotate(alert_level=level, alert_region=F("region_id"), alert_org=F("user_unit_id"),
                          alert_repr=F("no"), alert_value=Cast("deadline", CharField())))

    def on_scan(self, rule, raised, changed):
        """The unit's safety manager gets the fixed-template SMS on every new level."""
        from kernel.alerts.models import Warning

        from .services import sms_deadline_levels

        ids = sorted(set(raised.values_list("pk", flat=True)) | set(changed.values_list("pk", flat=True)))
        for start in range(0, len(ids), 5000):  # in slices: a first scan raises tens of thousands
            sms_deadline_levels(list(Warning.objects.filter(pk__in=ids[start:start + 5000])))
