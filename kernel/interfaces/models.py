"""Machine clients of the open interfaces and the log of every message they push.

ApiClient: an enterprise, institution or another government system calling the API with signed
requests (kernel/interfaces/auth.py). Each client acts through its own service user (a normal
kernel.accounts User with an unusable password and roles chosen by the operator), so every scope
and permission rule of the platform applies to it unchanged.

InboundMessage: every payload pushed to /api/inbound/<endpoint>/, stored before it is processed
and kept whatever happens; failed messages can be processed again.
"""
import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from kernel.core.models import BusinessModel, ScopedQuerySet

from . import client as signing
from . import crypto


def parse_networks(text: str) -> list:
    """CIDR ranges (or single addresses), one per line or separated by commas or spaces."""
    networks = []
    for part in (text or "").replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValidationError(f"“{part}”不是有效的IP地址或网段（例如 10.1.0.0/16）") from None
    return networks


def validate_networks(text: str) -> None:
    parse_networks(text)


class ApiClient(BusinessModel):
    class Algorithm(models.TextChoices):
        HMAC_SM3 = signing.HMAC_SM3, "HMAC-SM3（国密）"
        HMAC_SHA256 = signing.HMAC_SHA256, "HMAC-SHA256"

    scope_fields = {"region": "organisation__region", "organisation": "organisation", "owner": "created_by"}

    name = models.CharField("客户端名称", max_length=100)
    organisation = models.ForeignKey("org.Organisation", verbose_name="所属机构", on_delete=models.PROTECT,
                                     related_name="api_clients")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="接口账号", on_delete=models.PROTECT,
                                related_name="api_client", editable=False)
    key_id = models.CharField("接入密钥编号", max_length=40, unique=True, editable=False)
    # SM4-GCM ciphertexts (kernel/interfaces/crypto.py); "secret" in the name keeps them out of audit rows.
    secret_encrypted = models.CharField(max_length=200, editable=False)
    previous_secret_encrypted = models.CharField(max_length=200, blank=True, editable=False)
    previous_secret_valid_until = models.DateTimeField("旧密钥有效期至", null=True, blank=True, editable=False)
    secret_issued_at = models.DateTimeField("密钥签发时间", default=timezone.now, editable=False)
    algorithm = models.CharField("签名算法", max_length=20, choices=Algorithm.choices, default=Algorithm.HMAC_SM3)
    allowed_ips = models.TextField("允许的来源IP", blank=True, validators=[validate_networks],
                                   help_text="每行一个IP地址或网段（CIDR），留空表示不限制")
    enabled = models.BooleanField("启用", default=True)
    expires_at = models.DateTimeField("有效期至", null=True, blank=True, help_text="留空表示长期有效")
    last_used_at = models.DateTimeField("最近调用时间", null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField("最近调用IP", null=True, blank=True, editable=False)
    remark = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "接入客户端"
        ordering = ["-id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("gov:interfaces_client_detail", args=[self.pk])

    # -- secrets ---------------------------------------------------------------
    def set_secret(self, plain: str) -> None:
        self.secret_encrypted = crypto.encrypt(plain, self.key_id)
        self.secret_issued_at = timezone.now()

    def current_secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted, self.key_id)

    def valid_secrets(self, now=None) -> list[str]:
        """The current secret, and during a rotation's grace period the previous one."""
        now = now or timezone.now()
        out = [self.current_secret()]
        if self.previous_secret_encrypted and self.previous_secret_valid_until and self.previous_secret_valid_until > now:
            out.append(crypto.decrypt(self.previous_secret_encrypted, self.key_id))
        return out

    # -- state -----------------------------------------------------------------
    def is_expired(self, now=None) -> bool:
        return bool(self.expires_at and self.expires_at <= (now or timezone.now()))

    def networks(self) -> list:
        return parse_networks(self.allowed_ips)

    def ip_allowed(self, ip: str | None) -> bool:
        networks = self.networks()
        if not networks:
            return True
        if not ip:
            return False
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in net for net in networks if net.version == address.version)

    @property
    def role_names(self) -> str:
        return "、".join(self.user.roles.order_by("code").values_list("name", flat=True))

    @property
    def status_label(self) -> str:
        if not self.enabled:
            return "已停用"
        if self.is_expired():
            return "已过期"
        return "正常"


class InboundMessage(models.Model):
    """One payload received from a machine client. Written before processing, never deleted."""

    scope_fields = {"region": "client__organisation__region", "organisation": "client__organisation",
                    "owner": "client__user"}

    class Status(models.TextChoices):
        RECEIVED = "received", "已接收"
        PROCESSED = "processed", "已处理"
        FAILED = "failed", "处理失败"
        REJECTED = "rejected", "已拒收"

    client = models.ForeignKey(ApiClient, verbose_name="接入客户端", on_delete=models.PROTECT, related_name="messages")
    endpoint = models.CharField("接口", max_length=100, db_index=True)
    message_id = models.CharField("消息编号", max_length=64, blank=True)
    received_at = models.DateTimeField("接收时间", default=timezone.now, db_index=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    remote_ip = models.GenericIPAddressField("来源IP", null=True, blank=True)
    headers = models.JSONField("请求头", default=dict, blank=True)
    body = models.TextField("报文内容", blank=True)
    content_hash = models.CharField("报文摘要（SHA-256）", max_length=64)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    error = models.TextField("错误信息", blank=True)
    processed_at = models.DateTimeField("处理时间", null=True, blank=True)
    attempts = models.PositiveIntegerField("处理次数", default=0)
    duplicates = models.PositiveIntegerField("重复接收次数", default=0)
    response_status = models.PositiveSmallIntegerField("响应状态码", null=True, blank=True)
    result = models.JSONField("处理结果", default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "接口接收报文"
        ordering = ["-received_at", "-id"]
        default_permissions = ("view",)
        permissions = [("export_inboundmessage", "导出接口接收报文"),
                       ("reprocess_inboundmessage", "重新处理接口接收报文")]
        constraints = [
            # Idempotency: one message per client and message id (X-ZW-Message-Id).
            models.UniqueConstraint(fields=["client", "message_id"], condition=~models.Q(message_id=""),
                                    name="inbound_client_message_id"),
        ]
        indexes = [models.Index(fields=["status", "-received_at"], name="inbound_status_time")]

    def __str__(self):
        return f"{self.endpoint} {self.message_id or self.pk}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("gov:interfaces_message_detail", args=[self.pk])

    # A message still "received" this long after arrival was interrupted (the process died while
    # handling it); younger ones may be in progress in another request.
    STALE_SECONDS = 300

    @property
    def can_reprocess(self) -> bool:
        if self.status == self.Status.FAILED:
            return True
        return self.status == self.Status.RECEIVED and (
            timezone.now() - self.received_at).total_seconds() > self.STALE_SECONDS
