"""Payment orders, their lines, and payables assessed by social security (核定应缴). Every amount is a Decimal.

A self-declared period of an insurance type is held by at most one line at a time: the partial unique
constraint si_pay_self_period_once covers lines that are pending (in an open order) or paid/remitted/stored;
a closed or failed order's lines become "cancelled" and a refunded line "refunded", which frees the period.
The same holds for an assessed payable (si_pay_payable_once)."""
import calendar
import datetime

from django.db import models
from django.db.models import Q

from domains.si_fee.rules.models import MONEY
from kernel.core.models import BusinessModel
from kernel.workflow.engine import State, Transition, Workflow, WorkflowModel

PAYER_SCOPE = {"region": "payer__region", "organisation": None, "owner": "payer__user"}


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


ORDER = Workflow("si_pay_order", states=[
    State("created", "待支付", "warning"),
    State("paid", "已支付", "success", final=True),
    State("failed", "支付失败", "danger", final=True),
    State("closed", "已关闭", "secondary", final=True),
], transitions=[
    # Applied by the platform (system=True) on the gateway's callback or an active query.
    Transition("pay", "支付成功", ["created", "failed", "closed"], "paid"),
    Transition("fail", "支付失败", ["created"], "failed"),
    Transition("close", "关闭订单", ["created"], "closed"),
])


class PaymentOrder(WorkflowModel, BusinessModel):
    """缴费订单: one payment at the bank gateway for one or more lines."""

    scope_fields = PAYER_SCOPE
    workflow = ORDER
    generic_transitions = False

    class Kind(models.TextChoices):
        SELF = "self", "自主申报缴费"
        ASSESSED = "assessed", "核定应缴缴费"

    order_no = models.CharField("订单号", max_length=32, unique=True)
    payer = models.ForeignKey("si_payers.Payer", verbose_name="缴费人", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("缴费类型", max_length=10, choices=Kind.choices, default=Kind.SELF)
    total = models.DecimalField("金额合计（元）", **MONEY)
    status = models.CharField("订单状态", max_length=10, choices=ORDER.choices(), default="created")
    request_id = models.CharField("请求号", max_length=64, help_text="同一缴费人的同一请求号只生成一个订单")
    channel = models.CharField("缴费渠道", max_length=60, blank=True)
    bank_serial = models.CharField("银行流水", max_length=40, blank=True)
    gateway_order_id = models.CharField("支付平台订单号", max_length=40, blank=True)
    cashier_url = models.URLField("收银台地址", max_length=500, blank=True)
    paid_at = models.DateTimeField("缴费时间", null=True, blank=True)
    expires_at = models.DateTimeField("支付截止时间")
    closed_reason = models.CharField("关闭原因", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "缴费订单"
        ordering = ["-id"]
        permissions = [("export_paymentorder", "导出缴费订单")]
        constraints = [models.UniqueConstraint(fields=["payer", "request_id"], name="si_pay_order_request_once")]
        indexes = [models.Index(fields=["payer", "-id"], name="si_pay_order_payer"),
                   models.Index(fields=["status", "expires_at"], name="si_pay_order_open")]

    def __str__(self):
        return f"缴费订单{self.order_no}"

    def get_absolute_url(self):
        return f"/gov/si/payments/{self.pk}/"


class LineStatus(models.TextChoices):
    PENDING = "pending", "待缴"
    PAID = "paid", "已缴费"
    REMITTED = "remitted", "已上解未入库"
    STORED = "stored", "已入库"
    REFUNDED = "refunded", "已退费"
    CANCELLED = "cancelled", "已取消"


HOLDING = [LineStatus.PENDING, LineStatus.PAID, LineStatus.REMITTED, LineStatus.STORED]
SETTLED = [LineStatus.PAID, LineStatus.REMITTED, LineStatus.STORED]


class PaymentLine(BusinessModel):
    """One insurance type and period of an order (险种、险种周期、险种金额 of the receipt)."""

    scope_fields = PAYER_SCOPE

    class Source(models.TextChoices):
        SELF = "self", "自主申报"
        ASSESSED = "assessed", "社保核定"

    order = models.ForeignKey(PaymentOrder, verbose_name="订单", on_delete=models.PROTECT, related_name="lines")
    payer = models.ForeignKey("si_payers.Payer", verbose_name="缴费人", on_delete=models.PROTECT, related_name="+")
    insurance = models.ForeignKey("si_rules.InsuranceType", verbose_name="险种", on_delete=models.PROTECT,
                                  related_name="+")
    period_start = models.DateField("所属期起")
    period_end = models.DateField("所属期止")
    base = models.DecimalField("缴费基数（元）", null=True, blank=True, **MONEY)
    rate = models.DecimalField("费率", max_digits=6, decimal_places=4, null=True, blank=True)
    amount = models.DecimalField("金额（元）", **MONEY)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.SELF)
    status = models.CharField("状态", max_length=10, choices=LineStatus.choices, default=LineStatus.PENDING)
    refunded_amount = models.DecimalField("已退金额（元）", default=0, **MONEY)
    payable = models.ForeignKey("Payable", verbose_name="核定应缴", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="lines")

    class Meta:
        verbose_name = verbose_name_plural = "缴费明细"
        ordering = ["order", "insurance__order", "period_start"]
        indexes = [models.Index(fields=["payer", "-id"], name="si_pay_line_payer")]
        constraints = [
            models.UniqueConstraint(fields=["payer", "insurance", "period_start"],
                                    condition=Q(source="self", status__in=HOLDING),
                                    name="si_pay_self_period_once"),
            models.UniqueConstraint(fields=["payable"], condition=Q(status__in=HOLDING),
                                    name="si_pay_payable_once"),
        ]

    def __str__(self):
        return f"{self.insurance} {self.period_label}"

    @property
    def period_label(self):
        return f"{self.period_start:%Y-%m-%d}至{self.period_end:%Y-%m-%d}"


class Payable(BusinessModel):
    """核定应缴: an amount social security assessed for a payer and pushed through the special channel
    (si.assessed_push), shown in 待缴费用 until it is paid (or cancelled by social security)."""

    scope_fields = PAYER_SCOPE

    class Status(models.TextChoices):
        PENDING = "pending", "待缴费"
        PAID = "paid", "已缴费"
        CANCELLED = "cancelled", "已作废"

    source_no = models.CharField("核定单号", max_length=40, unique=True)
    payer = models.ForeignKey("si_payers.Payer", verbose_name="缴费人", on_delete=models.PROTECT, related_name="+")
    insurance = models.ForeignKey("si_rules.InsuranceType", verbose_name="险种", on_delete=models.PROTECT,
                                  related_name="+")
    period_start = models.DateField("所属期起")
    period_end = models.DateField("所属期止")
    base = models.DecimalField("缴费基数（元）", null=True, blank=True, **MONEY)
    amount = models.DecimalField("应缴金额（元）", **MONEY)
    agency = models.CharField("核定机构", max_length=100, blank=True)
    remark = models.CharField("说明", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)

    class Meta:
        verbose_name = verbose_name_plural = "核定应缴"
        ordering = ["period_start", "id"]
        indexes = [models.Index(fields=["payer", "status"], name="si_pay_payable_payer")]

    def __str__(self):
        return f"{self.insurance} {self.period_start:%Y-%m}～{self.period_end:%Y-%m} {self.amount}元"
