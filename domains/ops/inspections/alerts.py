"""Inspection breaches as warnings on the alert engine.

The subject of a breach warning is a check point (models.CheckPoint: one item on one target and key, e.g. the
pg_default tablespace of the pension database), so a breach that persists across runs stays one open warning,
and the scan releases it when a later run finds the value back within the threshold. The thresholds and the
colour of each breach are data on the checklist items (seed 004: tablespace use > 90% -> red, 立即扩容; more
than 5 services down behind one load-balanced address -> the early-warning response), edited on the checklist
page; the rules' level lists only rank the colours. One rule per kind of breach, so that each shows under its
own name in the warning centre, plus one for targets that cannot be probed at all.

When a warning is raised, the O&M engineers of the system's agency get an in-app message and an SMS."""
from django.db.models import BigIntegerField, Case, CharField, F, Q, Value, When
from django.db.models.functions import Cast, Concat

from kernel.alerts.registry import RuleDefinition, register

from .metrics import METRICS

CATEGORY = "运维巡检"
ALL_LEVELS = [{"level": "blue", "threshold": 0}, {"level": "yellow", "threshold": 0},
              {"level": "orange", "threshold": 0}, {"level": "red", "threshold": 0}]
RULE_CODES = []


def _notify_engineers(warnings):
    """In-app message and SMS to the ops engineers of the agency that owns each warned system."""
    from kernel.accounts.models import User
    from kernel.notify.services import notify_many

    notices = []
    for w in warnings.select_related("rule", "region"):
        if not w.organisation_id:
            continue
        engineers = User.objects.filter(is_active=True, organisation_id=w.organisation_id,
                                        roles__code="ops_engineer", roles__enabled=True).distinct()
        for user in engineers:
            notices.append({"user": user, "title": f"巡检预警：{w.subject_repr}"[:200],
                            "body": f"{w.rule.name}，{w.level_label}：{w.value}", "url": w.get_absolute_url(),
                            "sms_template": "alert_raised" if w.rule.notify_sms else None,
                            "sms_params": {"subject": w.subject_repr[:60], "rule": w.rule.name,
                                           "level": w.level_label},
                            "key": f"ops_insp_alert:{w.pk}:{user.pk}", "region": w.region,
                            "related": f"alerts.warning:{w.pk}"})
    return notify_many(notices)


class BreachRule(RuleDefinition):
    """Check points in breach whose item measures one of `metrics` (None: any item not claimed by another
    breach rule, manual findings included)."""

    category = CATEGORY
    subject = "ops_inspections.CheckPoint"
    default_levels = ALL_LEVELS
    only_rise = False  # the colour is the item's: a changed item changes the open warning's colour
    metrics: tuple | None = None

    def metric_q(self):
        if self.metrics is not None:
            return Q(item__metric__in=self.metrics)
        claimed = [m for rule in BREACH_RULES if rule.metrics for m in rule.metrics]
        return ~Q(item__metric__in=claimed)

    def matches(self, rule):
        qs = self.subjects().filter(
            self.metric_q(), breach=True, item__active=True, item__checklist__active=True,
            item__checklist__is_deleted=False).filter(
            Q(target__isnull=True) | Q(target__enabled=True, target__is_deleted=False))
        levels = [entry["level"] for entry in rule.levels]
        return qs.annotate(
            alert_level=Case(*[When(level=lv, then=Value(lv)) for lv in levels], default=Value(None),
                             output_field=CharField()),
            alert_region=F("system__agency__region_id"), alert_org=F("system__agency_id"), alert_repr=F("label"),
            alert_value=F("summary"))

    def on_scan(self, rule, raised, changed):
        _notify_engineers(raised)


BREACH_RULES = []


def _breach_rule(cls):
    register(cls)
    BREACH_RULES.append(cls)
    RULE_CODES.append(cls.code)
    return cls


@_breach_rule
class TablespaceRule(BreachRule):
    code = "ops_insp_tablespace"
    name = "表空间使用率超限（立即扩容）"
    description = ("数据库巡检：核心用户表空间及索引表空间使用率超过检查项阈值（seed 004：超过90%须立即扩容），"
                   "按检查项设定的等级（默认红色）预警；后续巡检回落到阈值以内自动解除。阈值在巡检清单的检查项中配置。")
    metrics = ("pg_tablespace_pct",)


@_breach_rule
class ServicesDownRule(BreachRule):
    code = "ops_insp_services_down"
    name = "负载均衡地址下服务宕机"
    description = ("应用巡检：同一负载均衡地址下宕机的服务数超过检查项阈值（seed 004：超过5个启动预警响应措施），"
                   "按检查项设定的等级预警；后续巡检恢复后自动解除。阈值在巡检清单的检查项中配置。")
    metrics = ("http_down",)


@_breach_rule
class LongLockRule(BreachRule):
    code = "ops_insp_long_locks"
    name = "数据库长时间锁等待"
    description = "数据库巡检：等待锁超过设定秒数的会话数超过检查项阈值（seed 004：检查锁表，处理长时间锁表）。"
    metrics = ("pg_long_locks",)


@_breach_rule
class DiskRule(BreachRule):
    code = "ops_insp_disk"
    name = "磁盘空间不足"
    description = "应用巡检：服务日志与存储所在磁盘的使用率超过检查项阈值（seed 004：监控磁盘，保证不被占满）。"
    metrics = ("disk_used_pct",)


@_breach_rule
class OtherBreachRule(BreachRule):
    code = "ops_insp_breach"
    name = "巡检指标超限或检查异常"
    description = ("其他巡检检查项超限（数据库大小、活动会话、连接数、服务响应时间等）或人工检查结论为异常，"
                   "按检查项设定的等级预警。")
    metrics = None


@register
class UnreachableRule(RuleDefinition):
    """A target that the last probe could not reach (database connection refused, load-balanced address down,
    no disk path readable): one warning per target, released by the next successful probe."""

    code = "ops_insp_unreachable"
    name = "巡检目标无法探测"
    category = CATEGORY
    description = "巡检目标（数据库、负载均衡地址、磁盘路径）最近一次探测不可达；等级取规则参数 level（默认橙色）。"
    subject = "ops_inspections.Target"
    default_levels = ALL_LEVELS
    default_params = {"level": "orange"}
    only_rise = False

    def matches(self, rule):
        level = (rule.params or {}).get("level", "orange")
        if level not in rule.level_codes():
            level = "orange"
        return self.subjects().filter(enabled=True, last_ok=False).annotate(
            alert_level=Value(level, output_field=CharField()),
            alert_region=F("system__agency__region_id"),
            alert_org=Cast(F("system__agency_id"), output_field=BigIntegerField()),
            alert_repr=Concat(F("system__name"), Value("·"), F("name"), output_field=CharField()),
            alert_value=F("last_error"))

    def on_scan(self, rule, raised, changed):
        _notify_engineers(raised)


RULE_CODES.append(UnreachableRule.code)
assert all(m in METRICS for rule in BREACH_RULES if rule.metrics for m in rule.metrics)
