"""Problems linked to repeated faults, changes with approval, window and rollback, and notices published after
approval to a chosen readership (issue 8 point 3; seed 002 §2.5 问题管理/变更管理/通知发布; seed 004 §2.2)."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from kernel.core.models import BusinessModel
from kernel.workflow.engine import WorkflowModel

from .workflows import CHANGE, NOTICE, PROBLEM

SYSTEM_SCOPE = {"region": "system__agency__region", "organisation": "system__agency", "owner": None}


class Problem(WorkflowModel, BusinessModel):
    """A problem (问题): the common cause behind one or more fault tickets, its root cause and prevention."""

    scope_fields = SYSTEM_SCOPE
    workflow = PROBLEM
    generic_transitions = False  # through services.act (the same checks, one door)

    number = models.CharField("问题编号", max_length=20, blank=True, editable=False, db_index=True)
    system = models.ForeignKey("ops_contracts.MaintainedSystem", verbose_name="运维对象", on_delete=models.PROTECT,
                               related_name="+")
    title = models.CharField("问题标题", max_length=200)
    description = models.TextField("问题描述")
    root_cause = models.TextField("根本原因", blank=True)
    prevention = models.TextField("预防措施", blank=True)
    tickets = models.ManyToManyField("ops_tickets.Ticket", verbose_name="关联故障工单", blank=True,
                                     related_name="problems")
    status = models.CharField("状态", max_length=12, choices=PROBLEM.choices(), default="open", editable=False)
    resolved_at = models.DateTimeField("解决时间", null=True, blank=True, editable=False)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "运维问题"
        ordering = ["-id"]
        permissions = [("close_problem", "关闭运维问题")]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("gov:ops_changes_problem", args=[self.pk])


class RepeatFaultRule(models.Model):
    """When fault tickets of one system count as a candidate problem (重复故障): at least `min_count` of them
    raised within the last `window_days` days and not yet linked to a problem. Data, edited by the manager."""

    audit_enabled = True

    name = models.CharField("规则名称", max_length=100)
    min_count = models.PositiveSmallIntegerField("故障工单数（件）", default=3,
                                                 validators=[MinValueValidator(2), MaxValueValidator(100)])
    window_days = models.PositiveSmallIntegerField("统计天数", default=30,
                                                   validators=[MinValueValidator(1), MaxValueValidator(366)])
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "重复故障识别规则"
        ordering = ["id"]

    def __str__(self):
        return f"{self.name}（{self.window_days}天内≥{self.min_count}件）"


class Change(WorkflowModel, BusinessModel):
    """A change (变更) to a maintained system: plan, reason, risk, impact, implementation window, rollback plan,
    the manager's approval and the implementation result; it may link a problem and tickets."""

    scope_fields = SYSTEM_SCOPE
    workflow = CHANGE
    generic_transitions = False

    class Risk(models.TextChoices):
        LOW = "low", "低"
        MEDIUM = "medium", "中"
        HIGH = "high", "高"

    number = models.CharField("变更编号", max_length=20, blank=True, editable=False, db_index=True)
    system = models.ForeignKey("ops_contracts.MaintainedSystem", verbose_name="运维对象", on_delete=models.PROTECT,
                               related_name="+")
    title = models.CharField("变更标题", max_length=200)
    reason = models.TextField("变更原因")
    plan = models.TextField("实施方案")
    risk_level = models.CharField("风险等级", max_length=8, choices=Risk.choices, default=Risk.LOW)
    risk = models.TextField("风险评估")
    impact = models.TextField("影响范围", help_text="受影响的业务、用户和停机时间")
    window_start = models.DateTimeField("实施窗口开始")
    window_end = models.DateTimeField("实施窗口结束")
    rollback_plan = models.TextField("回退方案")
    problem = models.ForeignKey(Problem, verbose_name="关联问题", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="changes")
    tickets = models.ManyToManyField("ops_tickets.Ticket", verbose_name="关联工单", blank=True, related_name="changes")
    status = models.CharField("状态", max_length=12, choices=CHANGE.choices(), default="draft", editable=False)
    started_at = models.DateTimeField("开始实施时间", null=True, blank=True, editable=False)
    finished_at = models.DateTimeField("实施结束时间", null=True, blank=True, editable=False)
    result = models.TextField("实施结果", blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "运维变更"
        ordering = ["-id"]
        permissions = [("approve_change", "审批运维变更")]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("gov:ops_changes_change", args=[self.pk])

    def clean(self):
        super().clean()
        if self.window_start and self.window_end and self.window_end <= self.window_start:
            raise ValidationError({"window_end": "实施窗口结束时间须晚于开始时间"})
        if self.problem_id and self.system_id and self.problem.system_id != self.system_id:
            raise ValidationError({"problem": "关联问题须属于同一运维对象"})


class Notice(WorkflowModel, BusinessModel):
    """A notice (运维公告/通知) of an agency's O&M team, published after approval to its readership: holders of
    the chosen roles, and/or users of the chosen organisations or regions (within the author's jurisdiction)."""

    scope_fields = {"region": "organisation__region", "organisation": "organisation", "owner": None}
    workflow = NOTICE
    generic_transitions = False

    class Kind(models.TextChoices):
        PROBLEM = "problem", "问题"
        CHANGE = "change", "变更"
        ANNOUNCEMENT = "announcement", "公告"
        ACTIVITY = "activity", "活动"
        POLICY = "policy", "政策"

    organisation = models.ForeignKey("org.Organisation", verbose_name="发布单位", on_delete=models.PROTECT,
                                     related_name="+")
    kind = models.CharField("类型", max_length=14, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    roles = models.ManyToManyField("accounts.Role", verbose_name="阅读角色", blank=True, related_name="+")
    organisations = models.ManyToManyField("org.Organisation", verbose_name="阅读单位", blank=True, related_name="+")
    regions = models.ManyToManyField("org.Region", verbose_name="阅读区划", blank=True, related_name="+",
                                     help_text="含下级区划")
    problem = models.ForeignKey(Problem, verbose_name="关联问题", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="notices")
    change = models.ForeignKey(Change, verbose_name="关联变更", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="notices")
    status = models.CharField("状态", max_length=12, choices=NOTICE.choices(), default="draft", editable=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, editable=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核发布人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+", editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "运维公告"
        ordering = ["-id"]
        permissions = [("approve_notice", "审核发布运维公告"), ("read_notice", "阅读运维公告")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("gov:ops_changes_notice_manage", args=[self.pk])


class NoticeReceipt(models.Model):
    """A reader of a published notice (fixed when it is published) and when they read it."""

    notice = models.ForeignKey(Notice, verbose_name="公告", on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="读者", on_delete=models.CASCADE, related_name="+")
    delivered_at = models.DateTimeField("送达时间")
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "公告送达"
        ordering = ["-delivered_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="ops_notice_receipt_once")]
