"""In-app messages and the SMS outbox."""
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from kernel.core.models import ScopedQuerySet

VARIABLE = re.compile(r"\{(\w+)\}")


class InAppMessage(models.Model):
    scope_fields = {"region": None, "organisation": None, "owner": "recipient"}
    scope_personal = True

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="messages")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    key = models.CharField("来源键", max_length=100, blank=True, help_text="同一来源键的消息只发一次")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "站内消息"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="inapp_recipient_unread")]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], condition=~models.Q(key=""),
                                               name="inapp_once_per_key")]

    def __str__(self):
        return self.title


class SmsTemplate(models.Model):
    """Fixed wording with {variables}, as the seeds require; operators edit the wording."""

    audit_enabled = True

    code = models.SlugField("模板编码", max_length=64, unique=True)
    name = models.CharField("模板名称", max_length=100)
    content = models.TextField("模板内容", help_text="用 {变量名} 表示变量，如：{unit}的隐患整改期限还剩{days}天")
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "短信模板"
        ordering = ["code"]

    def __str__(self):
        return self.name

    def variables(self) -> set[str]:
        return set(VARIABLE.findall(self.content))

    def render(self, params: dict) -> str:
        missing = self.variables() - set(params)
        if missing:
            raise ValidationError("短信模板“%(t)s”缺少变量：%(v)s", params={"t": self.name, "v": "、".join(sorted(missing))})
        return VARIABLE.sub(lambda m: str(params[m.group(1)]), self.content)


class SmsMessage(models.Model):
    """One SMS in the outbox. Never deleted: failed messages stay visible for staff to resend."""

    scope_fields = {"region": "region", "organisation": None, "owner": "created_by"}

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已提交平台"
        DELIVERED = "delivered", "已送达"
        FAILED = "failed", "发送失败"
        UNDELIVERED = "undelivered", "未送达"

    idempotency_key = models.CharField("幂等键", max_length=100, unique=True)
    phone = models.CharField("手机号", max_length=20, db_index=True)
    template = models.ForeignKey(SmsTemplate, verbose_name="模板", on_delete=models.PROTECT, related_name="+")
    params = models.JSONField("参数", default=dict)
    content = models.TextField("内容")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次发送时间", default=timezone.now, db_index=True)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    gateway = models.CharField("通道", max_length=20, blank=True)
    gateway_message_id = models.CharField("平台消息号", max_length=64, blank=True, db_index=True)
    region = models.ForeignKey("org.Region", verbose_name="区划", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    related = models.CharField("关联业务", max_length=100, blank=True, help_text="如 alerts.warning:12")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", default=timezone.now, db_index=True)
    sent_at = models.DateTimeField("提交时间", null=True, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "短信发送记录"
        ordering = ["-created_at", "-id"]
        permissions = [("resend_smsmessage", "重新发送短信")]

    def __str__(self):
        return f"{self.phone} {self.get_status_display()}"


class ReceiptCursor(models.Model):
    """How far delivery receipts have been read from the platform."""

    gateway = models.CharField(max_length=20, unique=True)
    last_id = models.BigIntegerField(default=0)
