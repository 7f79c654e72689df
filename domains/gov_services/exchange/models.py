"""Department business systems, the shadow table (影子表) and the log of callback messages."""
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

CODE = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


def validate_code(value):
    if not CODE.match(value or ""):
        raise ValidationError("系统代码须为小写字母开头的小写字母、数字或下划线，2至31位")


class DepartmentSystem(models.Model):
    """A department business system reached through its front-end database (前置库) and a notification
    endpoint. `code` is the key id both sides sign with and names the front-end database."""

    code = models.CharField("系统代码", max_length=31, unique=True, validators=[validate_code])
    name = models.CharField("系统名称", max_length=100)
    department = models.ForeignKey("org.Organisation", verbose_name="所属部门", on_delete=models.PROTECT,
                                   related_name="+")
    notify_url = models.CharField("通知地址", max_length=300, blank=True,
                                  help_text="部门系统接收分发通知的地址；留空则使用本地部门模拟器")
    secret_encrypted = models.TextField("共享密钥（加密存储）", editable=False)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "部门业务系统"
        ordering = ["code"]

    def __str__(self):
        return self.name

    def set_secret(self, plain: str):
        from kernel.interfaces import crypto

        self.secret_encrypted = crypto.encrypt(plain, aad=f"gs_exchange:{self.code}")

    @property
    def secret(self) -> str:
        from kernel.interfaces import crypto

        return crypto.decrypt(self.secret_encrypted, aad=f"gs_exchange:{self.code}")


class ShadowRecord(models.Model):
    """影子表: one row per distribution and per callback taken in. Insert-only (only the acknowledgement
    time of an outgoing notification is filled in later); the unique key makes every stage of every
    version apply once."""

    class Direction(models.TextChoices):
        OUT = "out", "分发"
        IN = "in", "回调"

    class Stage(models.TextChoices):
        DISPATCH = "dispatch", "分发"
        CORRECTION = "correction", "补正补齐"
        ACCEPT = "accept", "受理"
        COMPLETE = "complete", "办结"

    sbh = models.CharField("申报号", max_length=30, db_index=True)
    version = models.PositiveIntegerField("版本号")
    fetched_at = models.DateTimeField("取值时间", auto_now_add=True)
    operator = models.CharField("操作人", max_length=100)
    operator_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人账号", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    direction = models.CharField("方向", max_length=3, choices=Direction.choices)
    stage = models.CharField("环节", max_length=12, choices=Stage.choices)
    system = models.ForeignKey(DepartmentSystem, verbose_name="部门系统", on_delete=models.PROTECT,
                               related_name="shadows")
    case = models.ForeignKey("gs_window.Case", verbose_name="办件", on_delete=models.PROTECT, related_name="+")
    source = models.CharField("来源", max_length=10, default="notify", help_text="notify：通知；scan：定时扫描")
    acknowledged_at = models.DateTimeField("部门确认时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "影子表"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["sbh", "version", "direction", "stage"],
                                               name="gs_exchange_shadow_once")]
        # the recovery scan's "notifications never acknowledged": a handful of rows among millions
        indexes = [models.Index(fields=["system"], name="gs_shadow_unacked",
                                condition=models.Q(direction="out", acknowledged_at__isnull=True))]

    def __str__(self):
        return f"{self.sbh} v{self.version} {self.get_direction_display()}{self.get_stage_display()}"


class CallbackLog(models.Model):
    """Every callback message, taken in or refused, with the reason."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "已处理"
        DUPLICATE = "duplicate", "重复（未改变）"
        REFUSED = "refused", "已拒绝"

    received_at = models.DateTimeField("接收时间", auto_now_add=True)
    system = models.ForeignKey(DepartmentSystem, verbose_name="部门系统", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    key_id = models.CharField("密钥标识", max_length=64, blank=True)
    sbh = models.CharField("申报号", max_length=30, blank=True, db_index=True)
    version = models.PositiveIntegerField("版本号", null=True, blank=True)
    stage = models.CharField("环节", max_length=12, blank=True)
    source = models.CharField("来源", max_length=10, default="notify")
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices)
    reason = models.CharField("原因", max_length=300, blank=True)
    remote_addr = models.CharField("来源地址", max_length=45, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "回调记录"
        ordering = ["-id"]
