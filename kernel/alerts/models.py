"""Early warnings: rules (data, editable thresholds) and warnings with their lifecycle."""
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from kernel.core.models import BusinessModel
from kernel.dicts.models import DictField
from kernel.workflow.engine import State, StateTask, Transition, Workflow, WorkflowModel

# Levels are ordered: a higher number is worse. Colours follow the seeds (blue/yellow/orange/red).
LEVEL_COLOURS = {"blue": "#0d6efd", "yellow": "#e0a800", "orange": "#fd7e14", "red": "#dc3545"}
LEVEL_LABELS = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}


class AlertRule(models.Model):
    """A warning rule. The condition is code (kernel.alerts.registry); what operators tune —
    enabled, thresholds per level, auto-assignment, notification — is data, audited on change."""

    audit_enabled = True

    code = models.SlugField("规则编码", max_length=64, unique=True)
    name = models.CharField("规则名称", max_length=100)
    category = models.CharField("业务分类", max_length=50, blank=True)
    description = models.TextField("规则说明", blank=True)
    subject_type = models.ForeignKey(ContentType, verbose_name="监测对象", on_delete=models.PROTECT, related_name="+")
    enabled = models.BooleanField("启用", default=True)
    levels = models.JSONField("等级与阈值", default=list, help_text='由低到高，如 [{"level": "blue", "threshold": 30}, ...]')
    params = models.JSONField("其他参数", default=dict, blank=True)
    auto_assign_max_level = models.CharField("自动派发的最高等级", max_length=10, blank=True,
                                             help_text="不高于该等级的预警按属地自动派发；为空则不自动派发")
    approval_min_level = models.CharField("需领导审批的最低等级", max_length=10, blank=True,
                                          help_text="不低于该等级的预警审核后须经领导审批才能派发（如一级红色预警）；为空则不需审批")
    notify_sms = models.BooleanField("短信通知", default=True)
    last_scan_at = models.DateTimeField("最近扫描", null=True, blank=True)
    last_scan_stats = models.JSONField("最近扫描结果", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "预警规则"
        ordering = ["category", "code"]
        permissions = [("scan_alertrule", "执行预警扫描")]

    def __str__(self):
        return self.name

    def level_codes(self) -> list[str]:
        return [entry["level"] for entry in self.levels]

    def rank(self, level: str) -> int:
        codes = self.level_codes()
        return codes.index(level) + 1 if level in codes else 0

    def needs_approval(self, level: str) -> bool:
        """A warning of this level goes to leadership approval before dispatch (red, 一级, in labour inspection)."""
        return bool(self.approval_min_level) and self.rank(level) >= self.rank(self.approval_min_level) > 0


def _is_origin_manual(obj, user, params):
    return None if obj.origin == Warning.Origin.MANUAL else "系统自动产生的预警只能由系统解除"


def _originator(obj, user, params):
    return None if obj.created_by_id == user.pk else "只有登记人可以撤回预警"


def _has_assignee(obj, user, params):
    return None if obj.assignee_id else "请先指定处置人"


def _is_assignee(obj, user, params):
    return None if obj.assignee_id == user.pk or user.has_perm("alerts.release_warning") else "只有处置人可以登记处置结果"


def _has_disposition(obj, user, params):
    return None if obj.disposition_type and obj.result else "请填写处置方式和处置结果"


def _escalation_allowed(obj, user, params):
    """A domain may own how its warnings escalate (labour inspection: only by 转立案登记, which creates the
    case registration); kernel.alerts.registry.register_escalation_guard."""
    from .registry import escalation_refusal

    return escalation_refusal(obj, user, params)


def _system_only(obj, user, params):
    return "该操作由系统执行"  # refused to every person; Workflow.apply(system=True) skips guards


def _no_approval_needed(obj, user, params):
    return "该等级预警须提交领导审批" if obj.rule.needs_approval(obj.level) else None


def _approval_needed(obj, user, params):
    return None if obj.rule.needs_approval(obj.level) else "该等级预警无需领导审批"


def _mark_released(obj, user, params):
    obj.release_type = obj.release_type or Warning.ReleaseType.MANUAL
    obj.released_at = timezone.now()
    WarningEvent.objects.create(warning=obj, kind="released", from_level=obj.level)


WARNING_WORKFLOW = Workflow("warning", states=[
    State("generated", "待审核", "danger", task=StateTask(
        "审核预警：{obj}", role="alert_reviewer", region=lambda w: w.region, due_working_days=1,
        url=lambda w: f"/gov/alerts/warnings/{w.pk}/")),
    State("approving", "待领导审批", "danger", task=StateTask(
        "审批预警：{obj}", role="alert_leader", region=lambda w: w.region, due_working_days=1,
        url=lambda w: f"/gov/alerts/warnings/{w.pk}/")),
    State("reviewed", "待派发", "warning", task=StateTask(
        "派发预警：{obj}", role="alert_dispatcher", region=lambda w: w.region, due_working_days=1,
        url=lambda w: f"/gov/alerts/warnings/{w.pk}/")),
    State("assigned", "处置中", "primary", task=StateTask(
        "处置预警：{obj}", assignee=lambda w: w.assignee, due_working_days=5,
        url=lambda w: f"/gov/alerts/warnings/{w.pk}/")),
    State("handled", "待解除", "info", task=StateTask(
        "确认解除预警：{obj}", role="alert_reviewer", region=lambda w: w.region, due_working_days=2,
        url=lambda w: f"/gov/alerts/warnings/{w.pk}/")),
    State("released", "已解除", "success", final=True),
    State("escalated", "已升级转办", "dark", final=True),
    State("withdrawn", "已撤回", "secondary", final=True),
], transitions=[
    Transition("review", "审核", ["generated"], "reviewed", perm="alerts.review_warning",
               guards=[_no_approval_needed]),
    Transition("submit", "审核并提交领导审批", ["generated"], "approving", perm="alerts.review_warning",
               guards=[_approval_needed], style="danger"),
    Transition("approve", "领导审批通过", ["approving"], "reviewed", perm="alerts.approve_warning",
               not_by=("previous",), style="success"),
    Transition("send_back", "退回重审", ["approving"], "generated", perm="alerts.approve_warning",
               requires=["comment"], style="warning"),
    # the scan raised a reviewed warning to a level that needs approval: only the platform takes it
    Transition("require_approval", "等级升高转领导审批", ["reviewed", "assigned", "handled"], "approving",
               guards=[_system_only]),
    Transition("assign", "派发", ["reviewed"], "assigned", perm="alerts.assign_warning", guards=[_has_assignee]),
    Transition("handle", "登记处置", ["assigned"], "handled", guards=[_is_assignee, _has_disposition]),
    Transition("return", "退回重办", ["handled"], "assigned", perm="alerts.release_warning", requires=["comment"],
               style="warning"),
    Transition("release", "解除", ["handled"], "released", perm="alerts.release_warning", style="success",
               prepare=[_mark_released]),
    Transition("escalate", "升级转办", ["generated", "approving", "reviewed", "assigned", "handled"], "escalated",
               perm="alerts.release_warning", requires=["comment"], style="dark", guards=[_escalation_allowed]),
    Transition("withdraw", "撤回", ["generated", "approving", "reviewed"], "withdrawn", guards=[_is_origin_manual, _originator],
               requires=["comment"], style="secondary"),
])
OPEN_STATES = ("generated", "approving", "reviewed", "assigned", "handled")


class Warning(WorkflowModel, BusinessModel):
    """One warning: at most one open warning per (rule, subject)."""

    workflow = WARNING_WORKFLOW
    scope_fields = {"region": "region", "organisation": "organisation", "owner": "assignee"}

    class Origin(models.TextChoices):
        AUTO = "auto", "系统自动"
        MANUAL = "manual", "人工登记"

    class ReleaseType(models.TextChoices):
        AUTO = "auto", "条件消除自动解除"
        MANUAL = "manual", "人工解除"
        BATCH = "batch", "批量解除"

    # Indexes are chosen for the scan's bulk inserts: FK columns covered by a composite index get none of their own.
    rule = models.ForeignKey(AlertRule, verbose_name="预警规则", on_delete=models.PROTECT, related_name="warnings",
                             db_index=False)
    subject_type = models.ForeignKey(ContentType, verbose_name="对象类型", on_delete=models.PROTECT, related_name="+",
                                     db_index=False)
    subject_id = models.BigIntegerField("对象编号")
    subject_repr = models.CharField("预警对象", max_length=200)
    level = models.CharField("等级", max_length=10)
    status = models.CharField("状态", max_length=12, default="generated")
    origin = models.CharField("来源", max_length=10, choices=Origin.choices, default=Origin.AUTO)
    region = models.ForeignKey("org.Region", verbose_name="所属区划", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    organisation = models.ForeignKey("org.Organisation", verbose_name="相关单位", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    message = models.CharField("预警内容", max_length=500)
    facts = models.JSONField("预警依据", default=dict, blank=True)
    value = models.CharField("监测值", max_length=100, blank=True)
    first_seen = models.DateTimeField("产生时间", default=timezone.now, db_index=True)
    level_changed_at = models.DateTimeField("等级变化时间", null=True, blank=True)
    level_set_by_reviewer = models.BooleanField("等级经审核调整", default=False)
    scan_id = models.CharField("产生批次", max_length=40, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="处置人", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="assigned_warnings")
    disposition_type = DictField("处置方式", dict_type="disposition_type", blank=True)
    result = models.TextField("处置结果", blank=True)
    released_at = models.DateTimeField("解除时间", null=True, blank=True)
    release_type = models.CharField("解除方式", max_length=10, choices=ReleaseType.choices, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "预警"
        ordering = ["-first_seen", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "subject_id"], condition=models.Q(status__in=OPEN_STATES),
                                    name="warning_one_open_per_rule_subject"),
        ]
        indexes = [
            models.Index(fields=["rule", "status", "subject_id"], name="warning_rule_status_subject"),
            models.Index(fields=["region", "status", "level"], name="warning_region_status_level"),
            models.Index(fields=["scan_id"], name="warning_scan"),
        ]
        permissions = [
            ("review_warning", "审核预警"), ("approve_warning", "领导审批预警"), ("assign_warning", "派发预警"), ("release_warning", "解除预警"),
            ("register_warning", "人工登记预警"), ("export_warning", "导出预警"),
        ]

    def __str__(self):
        return f"{self.subject_repr}·{self.rule.name}"

    @property
    def level_label(self):
        return LEVEL_LABELS.get(self.level, self.level)

    @property
    def level_colour(self):
        return LEVEL_COLOURS.get(self.level, "#6c757d")

    @property
    def is_open(self):
        return self.status in OPEN_STATES

    def get_absolute_url(self):
        return f"/gov/alerts/warnings/{self.pk}/"


class WarningEvent(models.Model):
    """Level changes and scan outcomes of a warning (insert-only)."""

    KINDS = {"raised": "产生", "level": "等级调整", "released": "解除"}

    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="events")
    time = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20)  # raised / level / released
    from_level = models.CharField(max_length=10, blank=True)
    to_level = models.CharField(max_length=10, blank=True)
    scan_id = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["time", "id"]

    def describe(self):
        if self.kind == "level":
            return f"等级：{LEVEL_LABELS.get(self.from_level, self.from_level)} → {LEVEL_LABELS.get(self.to_level, self.to_level)}"
        if self.kind == "raised":
            return f"产生（{LEVEL_LABELS.get(self.to_level, self.to_level)}）"
        return "解除"


class Territory(models.Model):
    """Who handles warnings of a region (auto-assignment by territory); the narrowest region wins."""

    audit_enabled = True

    region = models.ForeignKey("org.Region", verbose_name="区划", on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(AlertRule, verbose_name="规则", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", help_text="为空表示所有规则")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="处置人", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "属地处置人"
        constraints = [models.UniqueConstraint(fields=["region", "rule"], name="territory_region_rule")]
