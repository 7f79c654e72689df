"""Inspections (巡检, seed 004 §2.1.5): checklists as data, probe targets, runs with their results, and the
check points whose breaches the alert engine watches."""
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from kernel.alerts.models import LEVEL_COLOURS, LEVEL_LABELS
from kernel.core.models import BusinessModel
from kernel.workflow.engine import WorkflowModel

from .metrics import METRIC_CHOICES, METRICS, TARGET_KINDS
from .workflows import RUN

SYSTEM_SCOPE = {"region": "system__agency__region", "organisation": "system__agency", "owner": None}
LEVEL_CHOICES = [(code, LEVEL_LABELS[code]) for code in LEVEL_COLOURS]
OPERATORS = {"gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}


class Frequency(models.TextChoices):
    DAILY = "daily", "每日"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"


class Checklist(BusinessModel):
    """An inspection checklist of a maintained system, run at a frequency."""

    scope_fields = SYSTEM_SCOPE

    system = models.ForeignKey("ops_contracts.MaintainedSystem", verbose_name="运维对象", on_delete=models.PROTECT,
                               related_name="+")
    name = models.CharField("清单名称", max_length=100)
    frequency = models.CharField("巡检频次", max_length=10, choices=Frequency.choices, default=Frequency.DAILY)
    active = models.BooleanField("启用", default=True, help_text="停用的清单不再定时巡检")
    description = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "巡检清单"
        ordering = ["system__code", "frequency", "name"]

    def __str__(self):
        return f"{self.system.name} {self.name}"


class ChecklistItem(models.Model):
    """One thing to check: what, how (by hand, or which probe metric) and the threshold past which the result
    is a breach, with the warning colour and what must be done then (e.g. tablespace > 90% -> red, 立即扩容)."""

    audit_enabled = True

    class Method(models.TextChoices):
        PROBE = "probe", "自动探测"
        MANUAL = "manual", "人工检查"

    class Category(models.TextChoices):
        DATABASE = "database", "数据库运行情况"
        APPLICATION = "application", "应用系统运行情况"
        HOST = "host", "主机与存储"
        BUSINESS = "business", "业务系统应用情况"

    checklist = models.ForeignKey(Checklist, verbose_name="巡检清单", on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField("序号", default=0)
    category = models.CharField("类别", max_length=12, choices=Category.choices)
    name = models.CharField("检查项", max_length=100)
    method = models.CharField("检查方式", max_length=8, choices=Method.choices)
    metric = models.CharField("探测指标", max_length=24, choices=METRIC_CHOICES, blank=True)
    operator = models.CharField("判定条件", max_length=3, choices=[(k, v) for k, v in OPERATORS.items()], default="gt")
    threshold = models.DecimalField("阈值", max_digits=18, decimal_places=4, null=True, blank=True,
                                    help_text="超过（或按判定条件达到）阈值为超限；留空则只记录数值")
    level = models.CharField("超限预警等级", max_length=8, choices=LEVEL_CHOICES, default="yellow")
    action = models.CharField("处置要求", max_length=100, blank=True, help_text="如：立即扩容")
    guidance = models.CharField("检查方法", max_length=300, blank=True, help_text="人工检查项的检查内容与合格标准")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "巡检检查项"
        ordering = ["checklist", "order", "id"]

    def __str__(self):
        return self.name

    @property
    def unit(self):
        return METRICS[self.metric].unit if self.metric else ""

    @property
    def standard(self):
        """The threshold as text: "> 90%", or what the manual check requires."""
        if self.method == self.Method.MANUAL:
            return self.guidance or "人工判定"
        if self.threshold is None:
            return "仅记录"
        return f"{OPERATORS[self.operator]} {format_number(self.threshold)}{self.unit}"

    def breached(self, value) -> bool | None:
        """True past the threshold, False within it, None when there is no threshold (recorded only)."""
        if self.threshold is None or value is None:
            return None
        value = Decimal(str(value))
        return {"gt": value > self.threshold, "gte": value >= self.threshold,
                "lt": value < self.threshold, "lte": value <= self.threshold}[self.operator]

    def clean(self):
        super().clean()
        if self.method == self.Method.PROBE:
            if not self.metric:
                raise ValidationError({"metric": "自动探测的检查项须选择探测指标"})
            if self.threshold is not None and METRICS[self.metric].percent and not (0 <= self.threshold <= 100):
                raise ValidationError({"threshold": "百分比阈值须在0至100之间"})
            if self.threshold is not None and self.threshold < 0:
                raise ValidationError({"threshold": "阈值不能为负数"})
        elif self.method == self.Method.MANUAL:
            if self.metric:
                raise ValidationError({"metric": "人工检查项不选择探测指标"})
            if self.threshold is not None:
                raise ValidationError({"threshold": "人工检查项不设数值阈值，请在“检查方法”中写明合格标准"})


def format_number(value):
    """A Decimal without trailing zeros (90.0000 -> 90, 12.5000 -> 12.5)."""
    if value is None:
        return ""
    value = Decimal(value)
    step = Decimal("0.01") if abs(value) >= 1 else Decimal("0.0001")
    return format(value.quantize(step).normalize(), "f")


class Target(BusinessModel):
    """A probe target of a system: a PostgreSQL database, an HTTP application (a load-balanced address with
    its backend service URLs), or disk paths on the host that runs the probes."""

    scope_fields = SYSTEM_SCOPE

    system = models.ForeignKey("ops_contracts.MaintainedSystem", verbose_name="运维对象", on_delete=models.PROTECT,
                               related_name="+")
    kind = models.CharField("目标类型", max_length=12, choices=TARGET_KINDS)
    name = models.CharField("目标名称", max_length=100)
    enabled = models.BooleanField("启用", default=True)
    timeout_seconds = models.PositiveSmallIntegerField("超时（秒）", default=5,
                                                       validators=[MinValueValidator(1), MaxValueValidator(60)])
    # PostgreSQL
    host = models.CharField("数据库主机", max_length=200, blank=True)
    port = models.PositiveIntegerField("端口", null=True, blank=True, validators=[MaxValueValidator(65535)])
    dbname = models.CharField("数据库名", max_length=63, blank=True)
    db_user = models.CharField("数据库用户", max_length=63, blank=True)
    password_encrypted = models.TextField("密码（SM4加密存储）", blank=True, editable=False)
    secret_id = models.UUIDField(default=uuid.uuid4, editable=False)
    lock_wait_seconds = models.PositiveIntegerField("锁等待判定（秒）", default=30,
                                                    help_text="等待锁超过该秒数的会话计为长时间锁等待")
    tablespace_capacity = models.JSONField(
        "表空间容量（GB）", default=dict, blank=True,
        help_text='PostgreSQL表空间本身没有容量上限：按此处配置的容量计算使用率，如 {"pg_default": 500}；'
                  "未配置且数据库在本机时，按表空间所在文件系统的使用率计算")
    # HTTP
    url = models.CharField("负载均衡地址", max_length=300, blank=True)
    backends = models.JSONField("后端服务地址", default=list, blank=True, help_text="负载均衡后的各服务地址")
    # disk
    paths = models.JSONField("磁盘路径", default=list, blank=True, help_text="执行巡检的主机上的路径")
    # the latest probe (written by the probe cycle, not by people)
    last_probed_at = models.DateTimeField("最近探测", null=True, blank=True, editable=False)
    last_ok = models.BooleanField("最近探测可达", null=True, editable=False)
    last_error = models.CharField("最近探测错误", max_length=300, blank=True, editable=False)

    audit_exclude = BusinessModel.audit_exclude | {"last_probed_at", "last_ok", "last_error"}

    class Meta:
        verbose_name = verbose_name_plural = "巡检目标"
        ordering = ["system__code", "kind", "name"]

    def __str__(self):
        return self.name

    # -- the password: encrypted at rest (SM4-GCM, kernel.interfaces.crypto), never shown back ------------------
    def set_password(self, plain: str):
        from kernel.interfaces import crypto

        self.password_encrypted = crypto.encrypt(plain, aad=f"ops_inspections.target:{self.secret_id}") if plain else ""

    def password(self) -> str:
        from kernel.interfaces import crypto

        if not self.password_encrypted:
            return ""
        return crypto.decrypt(self.password_encrypted, aad=f"ops_inspections.target:{self.secret_id}")

    @property
    def has_password(self):
        return bool(self.password_encrypted)

    @property
    def probe_state(self):
        return {None: "未探测", True: "可达", False: "不可达"}[self.last_ok]

    def address(self):
        if self.kind == "postgresql":
            return f"{self.db_user}@{self.host}:{self.port or 5432}/{self.dbname}"
        if self.kind == "http":
            return f"{self.url}（后端{len(self.backends) or 1}个）"
        return "、".join(self.paths)

    def clean(self):
        super().clean()
        errors = {}
        if self.kind == "postgresql":
            for name, label in (("host", "数据库主机"), ("dbname", "数据库名"), ("db_user", "数据库用户")):
                if not getattr(self, name):
                    errors[name] = f"PostgreSQL目标须填写{label}"
            capacity = self.tablespace_capacity
            if not isinstance(capacity, dict) or any(
                    not isinstance(v, (int, float)) or isinstance(v, bool) or v <= 0 for v in capacity.values()):
                errors["tablespace_capacity"] = '表空间容量须为“表空间名: 容量GB（正数）”，如 {"pg_default": 500}'
        elif self.kind == "http":
            if not self.url:
                errors["url"] = "HTTP应用须填写负载均衡地址"
            elif not _is_http_url(self.url):
                errors["url"] = "地址须以 http:// 或 https:// 开头"
            if not isinstance(self.backends, list) or not all(_is_http_url(u) for u in self.backends):
                errors["backends"] = "后端服务地址须以 http:// 或 https:// 开头"
        elif self.kind == "disk":
            if not self.paths or any(not isinstance(p, str) or not p.startswith("/") for p in self.paths):
                errors["paths"] = "请填写磁盘路径（绝对路径，如 /data）"
        if errors:
            raise ValidationError(errors)


def _is_http_url(value):
    return isinstance(value, str) and value.startswith(("http://", "https://")) and len(value) > 8


class InspectionRun(WorkflowModel, BusinessModel):
    """One inspection of a system by a checklist: the probes' results stored at once, the manual items filled
    in by the engineer, an overall conclusion, and the Word report."""

    scope_fields = SYSTEM_SCOPE
    workflow = RUN
    generic_transitions = False  # completed through services.complete_run (it takes the conclusion)

    class Trigger(models.TextChoices):
        MANUAL = "manual", "立即巡检"
        SCHEDULED = "scheduled", "定时巡检"

    checklist = models.ForeignKey(Checklist, verbose_name="巡检清单", on_delete=models.PROTECT, related_name="runs")
    system = models.ForeignKey("ops_contracts.MaintainedSystem", verbose_name="运维对象", on_delete=models.PROTECT,
                               related_name="+")
    status = models.CharField("状态", max_length=12, choices=RUN.choices(), default="filling")
    trigger = models.CharField("触发方式", max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    probe_seconds = models.FloatField("探测耗时（秒）", default=0)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="巡检人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    targets_probed = models.PositiveIntegerField("探测目标数", default=0)
    passed = models.PositiveIntegerField("正常", default=0)
    breached = models.PositiveIntegerField("超限", default=0)
    failed = models.PositiveIntegerField("无法探测", default=0)
    recorded = models.PositiveIntegerField("仅记录", default=0)
    pending = models.PositiveIntegerField("待填写", default=0)
    conclusion = models.TextField("巡检结论", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "巡检记录"
        ordering = ["-started_at", "-id"]
        permissions = [("perform_inspectionrun", "执行巡检"), ("export_inspectionrun", "下载巡检报告")]
        indexes = [models.Index(fields=["checklist", "started_at"], name="ops_insp_run_checklist")]

    def __str__(self):
        return f"{self.no} {self.checklist.name}"

    @property
    def no(self):
        return f"XJ{timezone.localtime(self.started_at):%Y%m%d}-{self.pk or 0:05d}"

    def get_absolute_url(self):
        return f"/gov/ops/inspections/runs/{self.pk}/"

    def auto_conclusion(self) -> str:
        """The conclusion the system writes: counts, then each breach with what must be done."""
        total = self.passed + self.breached + self.failed + self.recorded + self.pending
        text = (f"本次巡检共{total}项结果：正常{self.passed}项，超限{self.breached}项，无法探测{self.failed}项，"
                f"仅记录{self.recorded}项。")
        lines = []
        for r in self.results.filter(outcome__in=("breach", "error")).select_related("item", "target"):
            where = "·".join(p for p in (r.target.name if r.target_id else "", r.key) if p)
            if r.outcome == "breach":
                lines.append(f"{r.item.name}{f'（{where}）' if where else ''}为{r.value_display}，"
                             f"标准{r.standard}{f'，须{r.item.action}' if r.item.action else ''}。")
            else:
                lines.append(f"{r.item.name}{f'（{where}）' if where else ''}无法探测：{r.detail[:80]}。")
        if not lines:
            return text + "各项指标均在标准范围内，系统运行正常。"
        return text + "\n" + "\n".join(lines)


class InspectionResult(models.Model):
    """One result of a run: an item measured on a target (and a tablespace / backend / path key), with the
    value, the threshold it was judged by and the outcome. Probe results are written in bulk with the run (the
    run's own audit row covers them); a manual fill is a person's write and is audited."""

    audit_enabled = True

    class Outcome(models.TextChoices):
        PASS = "pass", "正常"
        BREACH = "breach", "超限"
        ERROR = "error", "无法探测"
        RECORDED = "recorded", "仅记录"
        PENDING = "pending", "待填写"

    run = models.ForeignKey(InspectionRun, verbose_name="巡检记录", on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, verbose_name="检查项", on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Target, verbose_name="巡检目标", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    key = models.CharField("对象", max_length=300, blank=True, help_text="表空间、后端服务地址或磁盘路径")
    value = models.DecimalField("数值", max_digits=20, decimal_places=4, null=True, blank=True)
    value_text = models.CharField("检查情况", max_length=200, blank=True)
    unit = models.CharField("单位", max_length=10, blank=True)
    operator = models.CharField("判定条件", max_length=3, blank=True)
    threshold = models.DecimalField("阈值", max_digits=18, decimal_places=4, null=True, blank=True)
    standard = models.CharField("标准", max_length=300, blank=True)
    level = models.CharField("预警等级", max_length=8, blank=True)
    outcome = models.CharField("结论", max_length=10, choices=Outcome.choices)
    detail = models.TextField("说明", blank=True)
    data = models.JSONField("明细", default=dict, blank=True)
    measured_at = models.DateTimeField("检查时间", null=True, blank=True)
    filled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填写人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "巡检结果"
        ordering = ["run", "item__order", "item_id", "target_id", "id"]

    def __str__(self):
        return f"{self.item.name} {self.key}".strip()

    @property
    def value_display(self):
        if self.value is None:
            return self.value_text or "—"
        return f"{format_number(self.value)}{self.unit}"

    @property
    def colour(self):
        if self.outcome == self.Outcome.BREACH:
            return LEVEL_COLOURS.get(self.level, LEVEL_COLOURS["red"])
        return {"pass": "#198754", "error": "#6c757d", "recorded": "#0dcaf0", "pending": "#adb5bd"}[self.outcome]


class CheckPoint(models.Model):
    """The breach state of one thing inspected (an item on a target and key: "the pg_default tablespace of the
    pension database"). Made when a breach is first found, changed while its value or colour changes, cleared
    when a run finds it back within the threshold; a thing never in breach has none. It is what the alert rules
    watch, so a breach that persists across runs stays one open warning, released when it clears (or the item,
    target or checklist is switched off). updated_at is when its state last changed."""

    system = models.ForeignKey("ops_contracts.MaintainedSystem", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(ChecklistItem, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Target, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=300, blank=True)
    breach = models.BooleanField(default=False)
    level = models.CharField(max_length=8, blank=True)
    label = models.CharField(max_length=200)
    summary = models.CharField(max_length=100, blank=True)
    result = models.ForeignKey(InspectionResult, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "巡检监测点"
        constraints = [
            models.UniqueConstraint(fields=["item", "target", "key"], name="ops_insp_checkpoint_once"),
            models.UniqueConstraint(fields=["item", "key"], condition=models.Q(target__isnull=True),
                                    name="ops_insp_checkpoint_once_manual"),
        ]
        indexes = [models.Index(fields=["breach", "item"], name="ops_insp_checkpoint_breach")]

    def __str__(self):
        return self.label
