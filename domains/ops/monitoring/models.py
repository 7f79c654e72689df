"""The O&M monitoring node of seed 002 §2.5 (兴宁区's government-service O&M node): access-node information,
resources of six types with sub-resources, performance samples and their weekly/monthly/quarterly summaries,
thresholds as data, application monitors, collaborative work orders and the log of upward reports."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from integrations.city_node import sm
from integrations.city_node.envelope import CATEGORIES, KINDS
from kernel.core.models import BusinessModel, ScopedQuerySet
from kernel.interfaces import crypto
from kernel.workflow.engine import WorkflowModel

from .workflows import WORK_ORDER

# metric code -> (label, unit, lowest, highest)
METRICS = {
    "cpu_percent": ("CPU使用率", "%", 0, 100),
    "mem_percent": ("内存使用率", "%", 0, 100),
    "disk_percent": ("磁盘使用率", "%", 0, 100),
    "load1": ("1分钟平均负载", "", 0, None),
    "port_util_percent": ("端口带宽利用率", "%", 0, 100),
    "sessions": ("连接数", "个", 0, None),
    "latency_ms": ("响应时间", "ms", 0, None),
}
METRIC_CHOICES = [(k, v[0]) for k, v in METRICS.items()]
CATEGORY_CHOICES = list(CATEGORIES.items())
CODE = RegexValidator(r"^[A-Za-z0-9_-]{2,40}$", "只能包含字母、数字、下划线和连字符（2至40位）")
PHONE = RegexValidator(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$", "请填写手机号（11位）或座机号（如 0771-5611234）")


def validate_public_key(value):
    if value and not sm.on_curve(value):
        raise ValidationError("SM2公钥应为128位十六进制（x‖y，不含04前缀）且在SM2曲线上")


class Node(BusinessModel):
    """This O&M node (接入节点信息): the unit it belongs to, its contacts and level, the city node it reports to
    (URL and SM2 public key) and its own SM2 key pair (the private key SM4-encrypted, never shown)."""

    scope_fields = {"region": "organisation__region", "organisation": "organisation", "owner": None}
    audit_exclude = {"updated_at", "private_key_encrypted"}

    class Level(models.TextChoices):
        NATIONAL = "national", "国家级"
        PROVINCE = "province", "省级"
        CITY = "city", "市级"
        COUNTY = "county", "县（区）级"

    organisation = models.OneToOneField("org.Organisation", verbose_name="所属单位", on_delete=models.PROTECT,
                                        related_name="ops_node")
    code = models.CharField("运维节点代码", max_length=40, unique=True, validators=[CODE])
    unit_name = models.CharField("单位名称", max_length=100)
    responsible_person = models.CharField("运维负责人", max_length=50)
    responsible_contact = models.CharField("负责人联系方式", max_length=30, validators=[PHONE])
    duty_phone = models.CharField("运维值班电话", max_length=30, validators=[PHONE])
    address = models.CharField("单位地址", max_length=200)
    level = models.CharField("运维节点级别", max_length=10, choices=Level.choices, default=Level.COUNTY)
    city_url = models.URLField("上级节点地址", blank=True, help_text="留空使用设置 CITY_NODE_URL；均为空时使用本地市级节点模拟器")
    city_public_key = models.CharField("上级节点SM2公钥", max_length=128, blank=True, validators=[validate_public_key],
                                       help_text="由上级运维节点提供，上报数据用其加密")
    public_key = models.CharField("本节点SM2公钥", max_length=128, blank=True, editable=False)
    private_key_encrypted = models.CharField(max_length=200, blank=True, editable=False)
    sample_interval = models.PositiveIntegerField("采样间隔（秒）", default=300,
                                                  validators=[MinValueValidator(10), MaxValueValidator(86400)])
    retention_days = models.PositiveIntegerField("性能数据保留天数", default=7,
                                                 validators=[MinValueValidator(7), MaxValueValidator(3650)],
                                                 help_text="不少于7天；更早的数据在汇总后清理")
    slow_ms = models.PositiveIntegerField("应用响应慢阈值（毫秒）", default=1000,
                                          validators=[MinValueValidator(1), MaxValueValidator(60000)])
    report_interval = models.PositiveIntegerField("自动上报间隔（分钟）", default=60,
                                                  validators=[MinValueValidator(5), MaxValueValidator(1440)])
    local_resource = models.ForeignKey("Resource", verbose_name="本机资源", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+", editable=False)
    last_collected_at = models.DateTimeField("最近采集时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "运维节点"
        permissions = [("report_node", "向上级节点上报"), ("manage_keys", "管理节点密钥")]

    def __str__(self):
        return f"{self.unit_name}（{self.code}）"

    def get_absolute_url(self):
        return "/gov/ops/monitoring/node/"

    def set_private_key(self, private_hex):
        self.private_key_encrypted = crypto.encrypt(private_hex, f"ops-node:{self.code}")

    def private_key(self) -> str:
        return crypto.decrypt(self.private_key_encrypted, f"ops-node:{self.code}")

    @property
    def has_keys(self):
        return bool(self.public_key and self.private_key_encrypted)


class Resource(BusinessModel):
    """A monitored resource of one of the six types, or a sub-resource (parent set: a router port, the entry
    of one function of a business system), entered by hand, imported or collected."""

    scope_fields = {"region": "node__organisation__region", "organisation": "node__organisation", "owner": None}

    class Source(models.TextChoices):
        MANUAL = "manual", "人工录入"
        COLLECTED = "collected", "自动采集"
        IMPORTED = "imported", "Excel导入"

    node = models.ForeignKey(Node, verbose_name="运维节点", on_delete=models.PROTECT, related_name="resources")
    parent = models.ForeignKey("self", verbose_name="上级资源", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    number = models.CharField("资源编号", max_length=40, validators=[CODE])
    category = models.CharField("资源类别", max_length=20, choices=CATEGORY_CHOICES)
    name = models.CharField("资源名称", max_length=100)
    ip = models.GenericIPAddressField("资源IP", null=True, blank=True)
    model_no = models.CharField("资源型号", max_length=100, blank=True)
    brand = models.CharField("资源品牌", max_length=60, blank=True)
    url = models.URLField("资源URL", blank=True)
    mgmt_ip = models.GenericIPAddressField("资源管理IP", null=True, blank=True)
    mgmt_port = models.PositiveIntegerField("资源管理端口", null=True, blank=True,
                                            validators=[MinValueValidator(1), MaxValueValidator(65535)])
    asset_no = models.CharField("资产编号", max_length=60, blank=True)
    description = models.TextField("资源描述", blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.MANUAL)
    collected_at = models.DateTimeField("最近采集时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "监控资源"
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["node", "number"], name="ops_mon_resource_number")]

    def __str__(self):
        return f"{self.number} {self.name}"

    def get_absolute_url(self):
        return f"/gov/ops/monitoring/resources/{self.pk}/"

    def clean(self):
        super().clean()
        if self.parent_id:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": "上级资源不能是资源本身"})
            parent = Resource.all_objects.filter(pk=self.parent_id).first()
            if parent is not None and parent.node_id != self.node_id:
                raise ValidationError({"parent": "上级资源须属于同一运维节点"})
            if parent is not None and parent.parent_id:
                raise ValidationError({"parent": "子资源不能再作为上级资源（仅支持资源—子资源两级）"})
            if parent is not None and self.category and self.category != parent.category:
                raise ValidationError({"category": f"子资源的类别须与上级资源一致（{parent.get_category_display()}）"})
            if self.pk and Resource.objects.filter(parent_id=self.pk).exists():
                raise ValidationError({"parent": "该资源已有子资源，不能再挂到其他资源下"})


class MetricThreshold(models.Model):
    """Alarm thresholds of a metric, per resource category (empty: every category; a category's own row wins),
    as data: a value at or above a level's threshold raises that level. A row without a node is the platform's
    default; a node's own rows (set by its O&M manager) win over the defaults for that node's resources."""

    audit_enabled = True

    node = models.ForeignKey("Node", verbose_name="运维节点", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="thresholds", help_text="留空为平台默认阈值")
    category = models.CharField("资源类别", max_length=20, choices=CATEGORY_CHOICES, blank=True,
                                help_text="留空表示适用于所有类别")
    metric = models.CharField("指标", max_length=30, choices=METRIC_CHOICES)
    yellow = models.FloatField("黄色告警阈值", null=True, blank=True)
    orange = models.FloatField("橙色告警阈值", null=True, blank=True)
    red = models.FloatField("红色告警阈值", null=True, blank=True)
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "告警阈值"
        ordering = ["metric", "category"]
        constraints = [
            models.UniqueConstraint(fields=["category", "metric"], condition=models.Q(node__isnull=True),
                                    name="ops_mon_threshold_once"),
            models.UniqueConstraint(fields=["node", "category", "metric"], condition=models.Q(node__isnull=False),
                                    name="ops_mon_threshold_once_per_node")]

    def __str__(self):
        return f"{self.get_category_display() or '所有类别'}·{self.get_metric_display()}"

    def clean(self):
        super().clean()
        values = [(name, getattr(self, name)) for name in ("yellow", "orange", "red") if getattr(self, name) is not None]
        if not values:
            raise ValidationError({"yellow": "请至少填写一个告警阈值"})
        for (low_name, low), (high_name, high) in zip(values, values[1:]):  # noqa: B905 - pairs of one list
            if high < low:
                raise ValidationError({high_name: f"{self._meta.get_field(high_name).verbose_name}不能低于"
                                                  f"{self._meta.get_field(low_name).verbose_name}"})
        lowest, highest = METRICS[self.metric][2:] if self.metric in METRICS else (None, None)
        for name, value in values:
            if lowest is not None and value < lowest or highest is not None and value > highest:
                raise ValidationError({name: f"阈值应在{lowest}至{highest}之间"})
        same = MetricThreshold.objects.filter(node=self.node_id, category=self.category, metric=self.metric)
        if self.metric and same.exclude(pk=self.pk).exists():
            raise ValidationError({"metric": "该资源类别的此项指标已设置阈值，请修改原有设置"})




class Sample(models.Model):
    """One measured value (kept `retention_days`, at least a week)."""

    scope_fields = {"region": "resource__node__organisation__region", "organisation": "resource__node__organisation",
                    "owner": None}

    resource = models.ForeignKey(Resource, verbose_name="资源", on_delete=models.CASCADE, related_name="samples")
    metric = models.CharField("指标", max_length=30, choices=METRIC_CHOICES)
    value = models.FloatField("数值")
    sampled_at = models.DateTimeField("采集时间", default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "性能采样"
        ordering = ["-sampled_at", "-id"]
        indexes = [models.Index(fields=["resource", "metric", "sampled_at"], name="ops_mon_sample_series"),
                   models.Index(fields=["sampled_at"], name="ops_mon_sample_time")]
        permissions = [("push_sample", "推送采集数据（采集代理）")]


class MetricState(models.Model):
    """The latest value of a resource's metric: what the threshold alarm watches (one row per resource and
    metric, so the rule's scan reads the current state, not the history)."""

    scope_fields = Sample.scope_fields

    resource = models.ForeignKey(Resource, verbose_name="资源", on_delete=models.CASCADE, related_name="metric_states")
    metric = models.CharField("指标", max_length=30, choices=METRIC_CHOICES)
    value = models.FloatField("当前值")
    sampled_at = models.DateTimeField("采集时间")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "指标当前值"
        constraints = [models.UniqueConstraint(fields=["resource", "metric"], name="ops_mon_state_once")]

    def __str__(self):
        return f"{self.resource.name}·{self.get_metric_display()}"


class Summary(models.Model):
    """Weekly, monthly and quarterly statistics of a resource's metric, accumulated from the samples as they
    arrive (sum, count, max, min), so they outlive the purge of the samples."""

    scope_fields = Sample.scope_fields

    class Period(models.TextChoices):
        WEEK = "week", "周"
        MONTH = "month", "月"
        QUARTER = "quarter", "季度"

    resource = models.ForeignKey(Resource, verbose_name="资源", on_delete=models.CASCADE, related_name="summaries")
    metric = models.CharField("指标", max_length=30, choices=METRIC_CHOICES)
    period = models.CharField("周期", max_length=10, choices=Period.choices)
    period_start = models.DateField("周期开始")
    total = models.FloatField("合计", default=0)
    count = models.PositiveIntegerField("样本数", default=0)
    maximum = models.FloatField("最大值", null=True)
    minimum = models.FloatField("最小值", null=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "性能汇总"
        ordering = ["-period_start", "resource", "metric"]
        constraints = [models.UniqueConstraint(fields=["resource", "metric", "period", "period_start"],
                                               name="ops_mon_summary_once")]

    @property
    def average(self):
        return self.total / self.count if self.count else None


class SummaryCursor(models.Model):
    """The last sample id folded into the summaries (one row): summarising is incremental and restartable,
    and the purge removes only samples already folded in."""

    last_sample_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)


class AppMonitor(BusinessModel):
    """An application watched by real HTTP requests: green normal, yellow slower than the threshold, red down."""

    scope_fields = {"region": "node__organisation__region", "organisation": "node__organisation", "owner": None}
    audit_exclude = {"updated_at", "last_status", "last_http_status", "last_latency_ms", "last_checked_at",
                     "last_error"}  # measurements, not edits: a check every minute would flood the change log

    class State(models.TextChoices):
        UNKNOWN = "unknown", "未检测"
        NORMAL = "normal", "正常"
        SLOW = "slow", "响应慢"
        DOWN = "down", "无法访问"

    COLOURS = {"unknown": "#6c757d", "normal": "#198754", "slow": "#e0a800", "down": "#dc3545"}

    node = models.ForeignKey(Node, verbose_name="运维节点", on_delete=models.PROTECT, related_name="apps")
    name = models.CharField("应用名称", max_length=100)
    url = models.URLField("访问地址", max_length=300)
    resource = models.ForeignKey(Resource, verbose_name="对应资源", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="apps", help_text="业务系统资源：响应时间记为其性能数据")
    slow_ms = models.PositiveIntegerField("响应慢阈值（毫秒）", null=True, blank=True,
                                          validators=[MinValueValidator(1), MaxValueValidator(60000)],
                                          help_text="留空使用节点设置")
    enabled = models.BooleanField("启用", default=True)
    last_status = models.CharField("访问状态", max_length=10, choices=State.choices, default=State.UNKNOWN,
                                   editable=False)
    last_http_status = models.PositiveSmallIntegerField("响应状态码", null=True, blank=True, editable=False)
    last_latency_ms = models.PositiveIntegerField("响应时间（毫秒）", null=True, blank=True, editable=False)
    last_checked_at = models.DateTimeField("最近检测时间", null=True, blank=True, editable=False)
    last_error = models.CharField("错误信息", max_length=300, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "应用监控"
        ordering = ["name"]
        permissions = [("check_appmonitor", "立即检测应用")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return "/gov/ops/monitoring/apps/"

    @property
    def colour(self):
        return self.COLOURS[self.last_status]

    def effective_slow_ms(self):
        return self.slow_ms or self.node.slow_ms


class WorkOrder(WorkflowModel, BusinessModel):
    """A collaborative work order (协同工单) with the fields of seed 002 §2.5, through the workflow engine:
    new → dispatched → processing → completed → evaluated (or cancelled before processing)."""

    workflow = WORK_ORDER
    generic_transitions = False  # dispatch, feedback and evaluation carry data: through services only
    scope_fields = {"region": "node__organisation__region", "organisation": "node__organisation", "owner": None}

    class Kind(models.TextChoices):
        SELF = "self", "自处理工单"
        COLLABORATIVE = "collaborative", "协同工单"

    class BusinessType(models.TextChoices):
        FAULT = "fault", "故障处理"
        CHANGE = "change", "变更实施"
        CONSULTATION = "consultation", "咨询服务"
        DATA = "data", "数据维护"
        SECURITY = "security", "安全事件"
        OTHER = "other", "其他"

    class Level(models.TextChoices):
        ONE = "1", "一级（重大）"
        TWO = "2", "二级（较大）"
        THREE = "3", "三级（一般）"

    node = models.ForeignKey(Node, verbose_name="运维节点", on_delete=models.PROTECT, related_name="work_orders")
    number = models.CharField("编号", max_length=40, unique=True, editable=False)
    kind = models.CharField("工单类别", max_length=15, choices=Kind.choices, default=Kind.COLLABORATIVE)
    subject = models.CharField("主题", max_length=200)
    content = models.TextField("内容")
    initiating_unit = models.CharField("发起单位", max_length=100)
    business_type = models.CharField("业务类型", max_length=15, choices=BusinessType.choices)
    receiving_unit = models.CharField("接收单位", max_length=100)
    receiver_feedback = models.TextField("接收单位情况反馈", blank=True)
    initiator_contact = models.CharField("发起人联系人", max_length=50)
    initiator_phone = models.CharField("发起人联系电话", max_length=30, validators=[PHONE])
    receiver_contact = models.CharField("接收人联系人", max_length=50, blank=True)
    receiver_phone = models.CharField("接收人联系电话", max_length=30, blank=True, validators=[PHONE])
    status = models.CharField("处理状态", max_length=12, default="new", choices=WORK_ORDER.choices())
    completed_at = models.DateTimeField("办结时间", null=True, blank=True, editable=False)
    om_level = models.CharField("运维级别", max_length=2, choices=Level.choices, default=Level.THREE)
    star_rating = models.PositiveSmallIntegerField("星级评价", null=True, blank=True,
                                                   validators=[MinValueValidator(1), MaxValueValidator(5)])
    evaluation = models.TextField("运维评价", blank=True)
    resource = models.ForeignKey(Resource, verbose_name="相关资源", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="work_orders")
    alarm = models.ForeignKey("alerts.Warning", verbose_name="来源告警", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="处理人", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "协同工单"
        ordering = ["-created_at", "-id"]
        permissions = [("dispatch_workorder", "派发协同工单"), ("handle_workorder", "处理协同工单"),
                       ("evaluate_workorder", "评价协同工单")]

    def __str__(self):
        return f"{self.number} {self.subject}"

    def get_absolute_url(self):
        return f"/gov/ops/monitoring/orders/{self.pk}/"


class UpwardReport(BusinessModel):
    """One report to the city node and its delivery: the payload (clear, ours), the last envelope sent (SM2/SM4
    sealed), every attempt's answer; failed deliveries are retried with back-off, any can be replayed with the
    same message id (the city stores a message id once). `status` is the delivery state of an interface
    message (as kernel.interfaces' InboundMessage.status and the SMS outbox), not a business state."""

    scope_fields = {"region": "node__organisation__region", "organisation": "node__organisation", "owner": None}
    audit_exclude = {"updated_at", "payload", "envelope", "attempt_log"}

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已上报"
        FAILED = "failed", "发送失败（待重试）"
        REFUSED = "refused", "上级拒收"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "立即上报"
        SCHEDULED = "scheduled", "定时上报"

    COLOURS = {"pending": "#6c757d", "sent": "#198754", "failed": "#fd7e14", "refused": "#dc3545"}

    node = models.ForeignKey(Node, verbose_name="运维节点", on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField("报文类型", max_length=20, choices=list(KINDS.items()))
    message_id = models.CharField("消息编号", max_length=64, unique=True, editable=False)
    trigger = models.CharField("触发方式", max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    payload = models.JSONField("报文内容", default=dict, editable=False)
    item_count = models.PositiveIntegerField("条数", default=0, editable=False)
    envelope = models.JSONField("加密报文", default=dict, blank=True, editable=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING, editable=False)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0, editable=False)
    last_attempt_at = models.DateTimeField("最近发送时间", null=True, blank=True, editable=False)
    next_attempt_at = models.DateTimeField("下次重试时间", null=True, blank=True, editable=False)
    sent_at = models.DateTimeField("上报成功时间", null=True, blank=True, editable=False)
    response_status = models.PositiveSmallIntegerField("响应状态码", null=True, blank=True, editable=False)
    response_code = models.CharField("响应代码", max_length=40, blank=True, editable=False)
    response_message = models.TextField("响应信息", blank=True, editable=False)
    receipt_no = models.CharField("回执编号", max_length=40, blank=True, editable=False)
    attempt_log = models.JSONField("发送记录", default=list, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "上报记录"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="ops_mon_report_retry")]
        permissions = [("replay_upwardreport", "重新上报")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.message_id[:12]}"

    def get_absolute_url(self):
        return f"/gov/ops/monitoring/reports/{self.pk}/"

    @property
    def colour(self):
        return self.COLOURS[self.status]
