"""The simulator's own store: what an operator platform would have received."""
from django.db import models


class SimulatedSms(models.Model):
    message_id = models.CharField("平台消息号", max_length=40, unique=True)
    idempotency_key = models.CharField("幂等键", max_length=100, unique=True)
    phone = models.CharField("手机号", max_length=20, db_index=True)
    sign_name = models.CharField("签名", max_length=30)
    template_code = models.CharField("模板", max_length=64)
    content = models.TextField("内容")
    params = models.JSONField("参数", default=dict)
    status = models.CharField("回执状态", max_length=12, default="DELIVERED")
    received_at = models.DateTimeField("接收时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "短信模拟器收件"
        ordering = ["-id"]


class SimulatorControl(models.Model):
    """Failure injection for tests and demos: the next N sends answer with `fail_status`."""

    fail_next = models.PositiveIntegerField(default=0)
    fail_status = models.PositiveSmallIntegerField(default=503)
    undeliverable_prefix = models.CharField(max_length=20, blank=True, help_text="以此开头的号码回执为失败")

    @classmethod
    def get(cls):
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj
