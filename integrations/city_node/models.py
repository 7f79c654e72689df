"""The city-node simulator's own store: its key pair, the nodes registered with it and what it received."""
from django.db import models
from django.utils import timezone

from kernel.interfaces import crypto

KEY_AAD = "city-node-simulator"


class CityKey(models.Model):
    """The simulated city node's SM2 key pair, generated locally (demo set-up or first use). The private key
    is kept SM4-GCM encrypted under the platform's master key (kernel.interfaces.crypto)."""

    public_key = models.CharField("SM2公钥", max_length=128)
    private_key_encrypted = models.CharField(max_length=200, editable=False)
    created_at = models.DateTimeField("生成时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "市级节点密钥（模拟器）"

    def private_key(self) -> str:
        return crypto.decrypt(self.private_key_encrypted, KEY_AAD)


class SimNode(models.Model):
    """An access node registered with the city (identity authentication: its SM2 public key)."""

    code = models.CharField("运维节点代码", max_length=40, unique=True)
    name = models.CharField("单位名称", max_length=100)
    public_key = models.CharField("节点SM2公钥", max_length=128)
    registered_at = models.DateTimeField("登记时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "已登记运维节点（模拟器）"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class ReceivedReport(models.Model):
    """One report as the city received it: accepted (decrypted payload kept) or refused (the reason)."""

    node_code = models.CharField("运维节点代码", max_length=40, db_index=True)
    message_id = models.CharField("消息编号", max_length=64)
    kind = models.CharField("报文类型", max_length=20)
    accepted = models.BooleanField("已接收", default=True)
    error_code = models.CharField("拒收代码", max_length=30, blank=True)
    error = models.TextField("拒收原因", blank=True)
    payload = models.JSONField("报文内容（已解密）", default=dict, blank=True)
    item_count = models.PositiveIntegerField("条数", default=0)
    receipt_no = models.CharField("回执编号", max_length=40, blank=True)
    received_at = models.DateTimeField("接收时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "市级节点收件（模拟器）"
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["node_code", "message_id"], condition=models.Q(accepted=True),
                                               name="city_node_received_once")]
