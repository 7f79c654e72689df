"""Payment orders, their lines, and payables assessed by social security (核定应缴). Every amount is a Decimal.

A period of an insurance type of a payer is held by at most one line at a time, whether the payer declared it
(source self) or the bank deducts it under an entrusted-deduction agreement (source batch: a resident's year, a
flexible worker's month): the partial unique constraint si_pay_period_once covers self and batch lines that are
pending (in an open order) or paid/remitted/stored; a closed or failed order's lines become "cancelled" and a
refunded line "refunded", which frees the period. The same holds for an assessed payable (si_pay_payable_once)."""
import calendar
import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

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
        BATCH = "batch", "委托银行批量扣款"

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
                   models.Index(fields=["status", "expires_at"], name="si_pay_order_open"),
                   models.Index(fields=["paid_at"], name="si_pay_order_paid_at")]  # the day's reconciliation

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
PERIOD_SOURCES = ["self", "batch"]  # the sources whose periods si_pay_period_once holds once


class PaymentLine(BusinessModel):
    """One insurance type and period of an order (险种、险种周期、险种金额 of the receipt)."""

    scope_fields = PAYER_SCOPE

    class Source(models.TextChoices):
        SELF = "self", "自主申报"
        ASSESSED = "assessed", "社保核定"
        BATCH = "batch", "委托扣款"

    order = models.ForeignKey(PaymentOrder, verbose_name="订单", on_delete=models.PROTECT, related_name="lines")
    # No single-column indexes on payer and insurance: si_pay_line_payer (payer, -id) and the period constraint
    # serve the look-ups, and every extra index is written again when reconciliation moves a million lines.
    payer = models.ForeignKey("si_payers.Payer", verbose_name="缴费人", on_delete=models.PROTECT, related_name="+",
                              db_index=False)
    insurance = models.ForeignKey("si_rules.InsuranceType", verbose_name="险种", on_delete=models.PROTECT,
                                  related_name="+", db_index=False)
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
            # self-declared and bank-deducted lines of a period exclude each other: paid once, whatever the channel
            models.UniqueConstraint(fields=["payer", "insurance", "period_start"],
                                    condition=Q(source__in=PERIOD_SOURCES, status__in=HOLDING),
                                    name="si_pay_period_once"),
            models.UniqueConstraint(fields=["payable"], condition=Q(status__in=HOLDING),
                                    name="si_pay_payable_once"),
            # a refund is never above what was paid, whoever writes the line
            models.CheckConstraint(condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("amount")),
                                   name="si_pay_line_refund_le_amount"),
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


# == receipts (缴费回单, §2.3.2) ================================================================================
class Receipt(BusinessModel):
    """缴费回单 of a paid order: a receipt number and an unguessable verification code (16 characters drawn with
    `secrets` from 32 symbols: 80 bits), which the QR code of the receipt carries to the public verification
    page /public/si/receipts/<code>/. Issued once per order (when the payment is applied, or when the receipt
    is first opened for an older order); what it shows (lines, status) is read live from the order."""

    scope_fields = PAYER_SCOPE

    order = models.OneToOneField(PaymentOrder, verbose_name="缴费订单", on_delete=models.PROTECT, related_name="receipt")
    payer = models.ForeignKey("si_payers.Payer", verbose_name="缴费人", on_delete=models.PROTECT, related_name="+")
    receipt_no = models.CharField("回单编号", max_length=32, unique=True)
    verify_code = models.CharField("验证码", max_length=16, unique=True)
    issued_at = models.DateTimeField("出具时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "缴费回单"
        ordering = ["-id"]

    def __str__(self):
        return f"缴费回单{self.receipt_no}"


# == reconciliation (对账) ======================================================================================
class ReconciliationRun(models.Model):
    """One run of the daily reconciliation of a day's bank file against our orders paid that day (counts only;
    the differences are ReconciliationDifference rows). A day may be run again: nothing is counted twice."""

    class Status(models.TextChoices):
        RUNNING = "running", "对账中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    day = models.DateField("对账日期", db_index=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)
    file_count = models.PositiveIntegerField("银行文件笔数", default=0)
    our_count = models.PositiveIntegerField("我方当日已缴笔数", default=0)
    matched = models.PositiveIntegerField("核对一致笔数", default=0)
    remitted_lines = models.PositiveIntegerField("转已上解明细数", default=0)
    stored_lines = models.PositiveIntegerField("转已入库明细数", default=0)
    missing = models.PositiveIntegerField("我方有银行无", default=0)
    extra = models.PositiveIntegerField("银行有我方无", default=0)
    amount = models.PositiveIntegerField("金额不符", default=0)
    new_differences = models.PositiveIntegerField("新增差异", default=0)
    cleared = models.PositiveIntegerField("自动消除差异", default=0)
    error = models.CharField("失败原因", max_length=500, blank=True)
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "对账批次"
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.day:%Y-%m-%d}对账"

    @property
    def differences_total(self):
        return self.missing + self.extra + self.amount


def _system_only(obj, user, params):
    return "该操作由系统执行"


def _mark_resolved(obj, user, params):
    obj.note = params["comment"][:500]
    obj.resolved_by = user
    obj.resolved_at = timezone.now()


def _mark_cleared(obj, user, params):
    obj.note = params["comment"][:500]
    obj.resolved_at = timezone.now()


DIFFERENCE = Workflow("si_pay_recon_difference", states=[
    State("open", "待处理", "danger"),
    State("resolved", "已处理", "success", final=True),
], transitions=[
    Transition("resolve", "标记已处理", ["open"], "resolved", perm="si_pay.resolve_reconciliationdifference",
               requires=["comment"], prepare=[_mark_resolved], style="success"),
    # a later run of the same day finds the record consistent (e.g. the bank re-sent a corrected file)
    Transition("clear", "重新对账已一致", ["open"], "resolved", guards=[_system_only], prepare=[_mark_cleared]),
])


class ReconciliationDifference(WorkflowModel, BusinessModel):
    """对账差异: one order number of one day that does not reconcile. Kinds: missing (我方有银行无: paid here,
    absent from the bank's file), extra (银行有我方无: in the file, not a paid order here), amount (金额不符).
    At most one row per (day, order number, kind): a run of the same day again adds nothing, and a resolved
    difference stays resolved. Each open difference is a warning of the rule si_reconciliation_difference."""

    scope_fields = {"region": "region", "organisation": None, "owner": None}
    workflow = DIFFERENCE
    generic_transitions = False

    class Kind(models.TextChoices):
        MISSING = "missing", "我方有银行无"
        EXTRA = "extra", "银行有我方无"
        AMOUNT = "amount", "金额不符"

    run = models.ForeignKey(ReconciliationRun, verbose_name="发现批次", on_delete=models.PROTECT,
                            related_name="differences")
    day = models.DateField("对账日期")
    kind = models.CharField("差异类型", max_length=10, choices=Kind.choices)
    order_no = models.CharField("订单号", max_length=40)
    order = models.ForeignKey(PaymentOrder, verbose_name="缴费订单", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    region = models.ForeignKey("org.Region", verbose_name="所属区划", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="缴费人的参保地；银行有我方无且无法对应订单的记入自治区")
    our_amount = models.DecimalField("我方金额（元）", null=True, blank=True, **MONEY)
    bank_amount = models.DecimalField("银行金额（元）", null=True, blank=True, **MONEY)
    bank_serial = models.CharField("银行流水", max_length=40, blank=True)
    bank_status = models.CharField("银行状态", max_length=10, blank=True)
    paid_at = models.DateTimeField("缴费时间", null=True, blank=True)
    detail = models.CharField("说明", max_length=200, blank=True)
    status = models.CharField("处理状态", max_length=10, choices=DIFFERENCE.choices(), default="open")
    note = models.CharField("处理说明", max_length=500, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="处理人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "对账差异"
        ordering = ["-day", "-id"]
        permissions = [("resolve_reconciliationdifference", "处理对账差异")]
        constraints = [models.UniqueConstraint(fields=["day", "order_no", "kind"], name="si_pay_recon_diff_once")]
        indexes = [models.Index(fields=["status", "region"], name="si_pay_recon_diff_open")]

    def __str__(self):
        return f"对账差异 {self.day:%Y-%m-%d} {self.order_no} {self.get_kind_display()}"

    def get_absolute_url(self):
        return f"/gov/si/reconciliation/differences/{self.pk}/"
