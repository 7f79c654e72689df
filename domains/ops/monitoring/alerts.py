"""Alarms of the O&M node (告警) on the alert engine: one open warning per subject and rule, one SQL scan each.

ops_mon_threshold  a resource's metric at or above a threshold (MetricThreshold rows: per category and metric,
                   a node's own rows winning over the platform's defaults, then a category's own row over the
                   all-category row; yellow / orange / red). The subject is
                   the metric's current value (MetricState), so a resource has at most one open alarm per metric.
ops_mon_app_state  an application monitor that is down (red) or slower than its threshold (yellow): "a specified
                   state occurs" of seed 002.
The levels' thresholds live in the threshold table (and the node's slow threshold), not in the rule's levels;
the rule's levels only name and order the colours. New alarms go to the node's engineers (in-app and SMS)."""
from django.db.models import Case, CharField, F, Func, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Concat

from kernel.alerts.registry import RuleDefinition, register

THRESHOLD = "ops_mon_threshold"
APP_STATE = "ops_mon_app_state"
CATEGORY = "运维监控"
LEVELS = [{"level": "yellow", "threshold": 0}, {"level": "orange", "threshold": 0}, {"level": "red", "threshold": 0}]


def _threshold(column):
    from .models import MetricThreshold

    best = (MetricThreshold.objects.filter(metric=OuterRef("metric"))
            .filter(Q(node=OuterRef("resource__node")) | Q(node__isnull=True))
            .filter(Q(category=OuterRef("resource__category")) | Q(category=""))
            # the node's own rows before the platform's defaults, then the category's own row ("" sorts last)
            .order_by(F("node").asc(nulls_last=True), "-category"))
    return Subquery(best.values(column)[:1])


def threshold_levels(queryset):
    """MetricState rows annotated with _level: the worst level whose threshold the current value reaches."""
    annotated = queryset.annotate(_t_on=_threshold("enabled"), _t_yellow=_threshold("yellow"),
                                  _t_orange=_threshold("orange"), _t_red=_threshold("red"))
    whens = [When(_t_on=True, **{f"_t_{lv}__isnull": False, "value__gte": F(f"_t_{lv}")}, then=Value(lv))
             for lv in ("red", "orange", "yellow")]
    return annotated.annotate(_level=Case(*whens, default=Value(None), output_field=CharField()))


def _notify_engineers(rule, raised):
    """In-app messages and SMS to the O&M engineers of each new alarm's node."""
    from kernel.accounts.models import User
    from kernel.notify.services import notify_many

    notices = []
    for w in raised.select_related("organisation"):
        for user in User.objects.filter(organisation_id=w.organisation_id, is_active=True,
                                        roles__code="ops_engineer").distinct():
            notices.append({"user": user, "title": f"运维告警：{w.subject_repr}",
                            "body": f"{rule.name}，等级{w.level_label}，监测值{w.value}", "url": w.get_absolute_url(),
                            "sms_template": "ops_mon_alarm" if rule.notify_sms else None,
                            "sms_params": {"subject": w.subject_repr, "rule": rule.name, "level": w.level_label,
                                           "value": w.value},
                            "key": f"ops_mon_alarm:{w.pk}", "region": w.region, "related": f"alerts.warning:{w.pk}"})
    if notices:
        notify_many(notices)



class OneDecimal(Func):
    """A float as text with one decimal, the same on every database ("85.0"; a plain cast writes "85" on
    PostgreSQL and "85.0" on SQLite)."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="printf('%%.1f', %(expressions)s)", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection,
                              template="CAST(ROUND(CAST(%(expressions)s AS numeric), 1) AS varchar)", **extra)

@register
class ThresholdAlarm(RuleDefinition):
    code = THRESHOLD
    name = "资源性能指标超阈值"
    category = CATEGORY
    description = ("资源的指标当前值达到告警阈值（运维监控—告警阈值，按资源类别和指标设置，类别专有设置优先于"
                   "“所有类别”设置）时告警：达到黄色、橙色、红色阈值分别为黄色、橙色、红色告警；回落到阈值以下自动解除。")
    subject = "ops_monitoring.MetricState"
    default_levels = LEVELS
    only_rise = False  # a value falling back from red to yellow lowers the alarm

    def subjects(self):
        return self.subject_model().objects.filter(resource__is_deleted=False)

    def matches(self, rule):
        from .models import METRICS

        label = Case(*[When(metric=k, then=Value(v[0])) for k, v in METRICS.items()], default=F("metric"),
                     output_field=CharField())
        return threshold_levels(self.subjects()).annotate(
            alert_level=F("_level"), alert_region=F("resource__node__organisation__region_id"),
            alert_org=F("resource__node__organisation_id"),
            alert_repr=Concat(F("resource__number"), Value(" "), F("resource__name"), Value("·"), label,
                              output_field=CharField()),
            alert_value=OneDecimal("value"))

    def on_scan(self, rule, raised, changed):
        _notify_engineers(rule, raised)


@register
class AppStateAlarm(RuleDefinition):
    code = APP_STATE
    name = "应用访问异常"
    category = CATEGORY
    description = "应用监控检测到应用无法访问（红色）或响应时间超过响应慢阈值（黄色）时告警；恢复正常后自动解除。"
    subject = "ops_monitoring.AppMonitor"
    default_levels = [{"level": "yellow", "threshold": 0}, {"level": "red", "threshold": 0}]
    only_rise = False

    def matches(self, rule):
        level = Case(When(last_status="down", then=Value("red")), When(last_status="slow", then=Value("yellow")),
                     default=Value(None), output_field=CharField())
        value = Case(When(last_status="down", then=Concat(Value("无法访问 "), F("last_error"), output_field=CharField())),
                     default=Concat(Cast("last_latency_ms", CharField()), Value("ms"), output_field=CharField()),
                     output_field=CharField())
        return self.subjects().filter(enabled=True).annotate(
            alert_level=level, alert_region=F("node__organisation__region_id"), alert_org=F("node__organisation_id"),
            alert_repr=F("name"), alert_value=value)

    def on_scan(self, rule, raised, changed):
        _notify_engineers(rule, raised)
