"""What the simulated payment gateway stores (integrations/tips_pay/simulator.py). Not used when a real
gateway is configured (PAY_GATEWAY_URL)."""
import secrets

from django.db import models


def new_token():
    return secrets.token_urlsafe(24)


class SimOrder(models.Model):
    class Status(models.TextChoices):
        CREATED = "CREATED", "待支付"
        PAID = "PAID", "已支付"
        FAILED = "FAILED", "支付失败"
        CLOSED = "CLOSED", "已关闭"

    merchant_id = models.CharField(max_length=40)
    order_no = models.CharField(max_length=40, unique=True)
    token = models.CharField(max_length=64, unique=True, default=new_token)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    subject = models.CharField(max_length=200, blank=True)
    payer_name = models.CharField(max_length=50, blank=True)
    lines = models.JSONField(default=list)
    notify_url = models.CharField(max_length=500)
    return_url = models.CharField(max_length=500, blank=True)
    expire_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CREATED)
    channel = models.CharField(max_length=60, default="光大银行城市服务")
    bank_serial = models.CharField(max_length=40, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    treasury_stored = models.BooleanField(default=False)  # 入库 (else 上解 once paid)
    notify_attempts = models.PositiveIntegerField(default=0)
    last_notify_status = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]


class SimRefund(models.Model):
    order = models.ForeignKey(SimOrder, on_delete=models.CASCADE, related_name="refunds")
    refund_no = models.CharField(max_length=40, unique=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.CharField(max_length=200, blank=True)
    refunded_at = models.DateTimeField(auto_now_add=True)


class SimReconciliationHook(models.Model):
    """Test hooks of the daily reconciliation file: drop an order's line, or add a line the platform
    does not know (or with a different amount)."""

    date = models.DateField()
    drop_order_no = models.CharField(max_length=40, blank=True)
    add_line = models.JSONField(null=True, blank=True)  # {order_no, bank_serial, amount, paid_at, status}


# -- entrusted deduction (委托扣款): the simulated banks' accounts, agreements and batch deductions ------------
class SimBankAccount(models.Model):
    """A bank account the simulated banks know. An agreement on a configured account must name its holder
    (and ID number, when given); on an account not configured here, the account name must equal the payer's
    name. `balance` null means no limit; a frozen account refuses agreements and deductions."""

    bank_code = models.CharField(max_length=6)
    account_no = models.CharField(max_length=32, unique=True)
    account_name = models.CharField(max_length=50)
    id_number = models.CharField(max_length=30, blank=True)
    balance = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    frozen = models.BooleanField(default=False)


class SimAgreement(models.Model):
    class Status(models.TextChoices):
        VERIFIED = "VERIFIED", "已验证"
        FAILED = "FAILED", "验证失败"
        TERMINATED = "TERMINATED", "已终止"

    agreement_no = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=12)
    bank_code = models.CharField(max_length=6)
    account_no = models.CharField(max_length=32)
    account_name = models.CharField(max_length=50)
    id_type = models.CharField(max_length=3, blank=True)
    id_number = models.CharField(max_length=30)
    name = models.CharField(max_length=50)
    status = models.CharField(max_length=12, choices=Status.choices)
    reason = models.CharField(max_length=200, blank=True)
    receipt_no = models.CharField(max_length=40, blank=True)
    answered_at = models.DateTimeField(auto_now_add=True)


class SimDeduction(models.Model):
    """One item of a batch deduction, kept by item_no: a repeated item answers this, never debits again."""

    item_no = models.CharField(max_length=40, unique=True)
    batch_no = models.CharField(max_length=40)
    order_no = models.CharField(max_length=40)
    agreement_no = models.CharField(max_length=40)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(max_length=10)  # DEDUCTED / FAILED
    reason = models.CharField(max_length=200, blank=True)
    bank_serial = models.CharField(max_length=40, blank=True)
    deducted_at = models.DateTimeField(null=True, blank=True)
