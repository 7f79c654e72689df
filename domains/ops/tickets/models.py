"""O&M tickets (运维工单, issue 8 point 2): consultations, faults, software upgrades and data-maintenance requests
under a service contract, with their SLA clocks (first response and resolution) on the business calendar.

The columns are chosen so that the quality report (another part) can compute its figures with plain SQL
aggregates over this one table:
- response rate: responded_at <= response_due (or response_breached = false) among tickets with a response_due;
- SLA attainment per contract and level: contract_id, level, response_breached, resolution_breached;
- weekly data-processing completion: kind = 'data', raised_at, resolved_at;
- on-time code changes: kind = 'upgrade', released_at, planned_release_on / resolution_due;
- data error rate / delivery error rate: reopen_count > 0 among data tickets / released upgrades.
The scope columns (region, organisation) are copied from the contract's system's agency at creation, so that
lists and counts are scoped on the ticket table itself."""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from domains.ops.contracts.models import SlaTerm
from kernel.core.models import BusinessModel
from kernel.workflow.engine import WorkflowModel

from .workflows import OPEN_STATES, STATUS_CHOICES, TICKET

Kind = SlaTerm.Kind

FAULT_LEVEL_HELP = ("1级：数据库服务器或应用服务器故障导致系统不稳定、瘫痪，或出现严重错误、中断（如计算机或网络设备故障、"
                    "病毒破坏、人为破坏）；2级：程序错误、操作失误、软件冲突、服务频繁崩溃导致核心功能出错或停止，"
                    "造成业务经办窗口业务大面积积压；3级：非核心功能错误、网络间歇性故障、负载均衡设备不跳转、单个服务宕机等"
                    "短期内不影响整体业务的故障。")
FAULT_LEVEL_SHORT = {1: "1级（系统瘫痪/严重中断）", 2: "2级（核心功能出错，业务积压）", 3: "3级（非核心功能，短期不影响业务）"}


class Channel(models.TextChoices):
    PHONE = "phone", "电话"
    WECHAT = "wechat", "微信"
    QQ = "qq", "QQ"
    EMAIL = "email", "电子邮件"
    FAX = "fax", "传真"
    CASE = "case", "CASE需求平台"
    SELF = "self", "平台自助"


class HandlingMode(models.TextChoices):
    ONSITE = "onsite", "现场解决"
    REMOTE = "remote", "远程支持"
    PHONE = "phone", "通讯支持（电话/微信）"


class UpgradeType(models.TextChoices):
    POLICY = "policy", "政策调整"
    OPTIMISE = "optimise", "功能优化"
    BUGFIX = "bugfix", "缺陷修复"
    NEW = "new", "新增需求"


class TestResult(models.TextChoices):
    PASSED = "passed", "通过"
    FAILED = "failed", "不通过"


class Ticket(WorkflowModel, BusinessModel):
    workflow = TICKET
    generic_transitions = False  # every step goes through services.py (pauses, deadlines, breaches)
    scope_fields = {"region": "region", "organisation": "organisation", "owner": "requester"}

    number = models.CharField("工单编号", max_length=20, unique=True)
    contract = models.ForeignKey("ops_contracts.ServiceContract", verbose_name="服务合同", on_delete=models.PROTECT,
                                 related_name="tickets", db_index=False)  # covered by ops_ticket_contract_raised
    sla_term = models.ForeignKey("ops_contracts.SlaTerm", verbose_name="适用SLA条款", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+", db_index=False)
    region = models.ForeignKey("org.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+",
                               db_index=False)  # covered by ops_ticket_region_raised
    organisation = models.ForeignKey("org.Organisation", verbose_name="使用单位", on_delete=models.PROTECT,
                                     related_name="+")
    kind = models.CharField("工单类型", max_length=12, choices=Kind.choices)
    level = models.PositiveSmallIntegerField("故障级别", null=True, blank=True,
                                             validators=[MinValueValidator(1), MaxValueValidator(3)],
                                             help_text=FAULT_LEVEL_HELP)
    channel = models.CharField("受理渠道", max_length=10, choices=Channel.choices, blank=True)
    title = models.CharField("标题", max_length=200)
    description = models.TextField("问题描述")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提出人（用户）", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    requester_name = models.CharField("提出人", max_length=50)
    contact_phone = models.CharField("联系电话", max_length=20)
    raised_at = models.DateTimeField("提出时间", default=timezone.now)
    status = models.CharField("状态", max_length=12, default="new", choices=STATUS_CHOICES)
    handling_mode = models.CharField("处理方式", max_length=10, choices=HandlingMode.choices, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="处理工程师", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    root_cause = models.TextField("原因分析", blank=True)
    solution = models.TextField("解决方案", blank=True)

    # software upgrades (软件升级)
    upgrade_type = models.CharField("升级类型", max_length=10, choices=UpgradeType.choices, blank=True)
    requirement = models.TextField("需求说明（最终确认稿）", blank=True)
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="需求确认签字人", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    signed_off_at = models.DateTimeField("需求确认时间", null=True, blank=True)
    internal_test = models.CharField("内部测试", max_length=8, choices=TestResult.choices, blank=True)
    internal_test_note = models.CharField("内部测试说明", max_length=500, blank=True)
    internal_tested_at = models.DateTimeField("内部测试时间", null=True, blank=True)
    user_test = models.CharField("用户测试", max_length=8, choices=TestResult.choices, blank=True)
    user_test_note = models.CharField("用户测试说明", max_length=500, blank=True)
    user_tested_at = models.DateTimeField("用户测试时间", null=True, blank=True)
    planned_release_on = models.DateField("计划发布日期", null=True, blank=True)
    released_at = models.DateTimeField("发布时间", null=True, blank=True)

    # data maintenance (数据维护): only with the competent department's authorisation
    auth_department = models.CharField("授权主管部门", max_length=100, blank=True)
    auth_document_no = models.CharField("授权文件文号", max_length=100, blank=True)

    # SLA clocks: the *_warn_at moments are when the rule's yellow share of the limit has elapsed
    response_due = models.DateTimeField("响应期限", null=True, blank=True)
    response_warn_at = models.DateTimeField("响应预警时间", null=True, blank=True)
    resolution_due = models.DateTimeField("解决期限", null=True, blank=True)
    resolution_warn_at = models.DateTimeField("解决预警时间", null=True, blank=True)
    responded_at = models.DateTimeField("首次响应（受理）时间", null=True, blank=True)
    resolved_at = models.DateTimeField("解决时间", null=True, blank=True)
    closed_at = models.DateTimeField("确认关闭时间", null=True, blank=True)
    response_breached = models.BooleanField("响应超时", default=False)
    resolution_breached = models.BooleanField("解决超时", default=False)
    reopen_count = models.PositiveSmallIntegerField("重新打开次数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "运维工单"
        ordering = ["-id"]
        permissions = [("export_ticket", "导出运维工单")]
        indexes = [
            # the list and its counts in a jurisdiction, newest first; the quality report by contract and month
            models.Index(fields=["region", "-raised_at"], name="ops_ticket_region_raised"),
            models.Index(fields=["contract", "kind", "raised_at"], name="ops_ticket_contract_raised"),
            models.Index(fields=["kind", "raised_at"], name="ops_ticket_kind_raised"),
            models.Index(fields=["status", "region"], name="ops_ticket_status_region"),
            # the SLA scans: only the tickets whose clock still runs are in these indexes
            models.Index(fields=["response_warn_at"], name="ops_ticket_response_scan",
                         condition=models.Q(responded_at__isnull=True, response_warn_at__isnull=False)),
            models.Index(fields=["resolution_warn_at"], name="ops_ticket_resolution_scan",
                         condition=models.Q(resolved_at__isnull=True, resolution_warn_at__isnull=False)),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("gov:ops_ticket", args=[self.pk])

    @property
    def is_open(self):
        return self.status in OPEN_STATES

    @property
    def kind_label(self):
        label = self.get_kind_display()
        return f"{label}（{self.level}级）" if self.kind == Kind.FAULT and self.level else label


class TicketPause(models.Model):
    """A stretch of time in which the ticket's clock did not run: waiting on the requester (待用户反馈), or a
    resolved ticket waiting for the requester's confirmation until it was reopened."""

    audit_enabled = True

    class Reason(models.TextChoices):
        WAITING = "waiting", "待用户反馈"
        CONFIRMING = "confirming", "已解决待确认（后重新打开）"

    ticket = models.ForeignKey(Ticket, verbose_name="工单", on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField("暂停原因", max_length=12, choices=Reason.choices, default=Reason.WAITING)
    note = models.CharField("说明", max_length=500, blank=True)
    started_at = models.DateTimeField("暂停开始")
    ended_at = models.DateTimeField("暂停结束", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "工单暂停计时"
        ordering = ["ticket", "started_at"]
        constraints = [models.UniqueConstraint(fields=["ticket"], condition=models.Q(ended_at__isnull=True),
                                               name="ops_ticket_one_open_pause")]

    def __str__(self):
        return f"{self.ticket.number} {self.get_reason_display()}"
