"""Refund applications (退费申请), the no-refund list (不能退费的特殊人群名单), virtual accounts (虚拟户) and
their declarations for residents. Every amount is a Decimal (MONEY).

A paid line or a virtual declaration is held by at most one open refund: RefundItem.open is True while its
refund is submitted / reviewing / approved, and the partial unique constraints si_refund_line_open_once and
si_refund_decl_open_once hold that on every engine (the service checks first to give the Chinese reason)."""
from django.db import models
from django.db.models import Q

from domains.si_fee.rules.models import MONEY
from kernel.core.models import BusinessModel
from kernel.workflow.engine import State, StateTask, Transition, Workflow, WorkflowModel

PAYER_SCOPE = {"region": "payer__region", "organisation": None, "owner": "payer__user"}
PREFECTURE_SCOPE = {"region": "prefecture", "organisation": None, "owner": None}


def _url(r):
    return f"/gov/si/refunds/{r.pk}/"


def _stamp_review(obj, user, params):
    from django.utils import timezone

    obj.reviewer = user
    obj.opinion = params.get("comment", "")
    obj.reviewed_at = timezone.now()


def _stamp_accept(obj, user, params):
    obj.reviewer = user


def _not_own(obj, user, params):
    """The approver is not the applicant: neither the applying account nor a person with the payer's ID."""
    own = getattr(user, "id_number", "") or ""
    if obj.payer.user_id == user.pk or (own and own.upper() == obj.payer.id_number.upper()):
        return "不能审核本人的退费申请"
    return None


def _payer_only(obj, user, params):
    if obj.payer.user_id != user.pk:
        return "只能撤回本人的退费申请"
    return None


REFUND = Workflow("si_refund", states=[
    State("submitted", "已提交", "warning", task=StateTask(
        "受理退费申请：{obj}", role="si_tax_clerk", region=lambda r: r.payer.region, url=_url, due_working_days=3)),
    State("reviewing", "审核中", "primary", task=StateTask(
        "审核退费申请：{obj}", role="si_tax_admin", region=lambda r: r.payer.region, url=_url, due_working_days=3)),
    State("approved", "审核通过待退款", "info"),
    State("paid", "已退款", "success", final=True),
    State("rejected", "不予退费", "secondary", final=True),
    State("withdrawn", "已撤回", "secondary", final=True),
], transitions=[
    Transition("accept", "受理", ["submitted"], "reviewing", perm="si_refund.review_refund",
               guards=[_not_own], prepare=[_stamp_accept]),
    Transition("approve", "审核通过", ["reviewing"], "approved", perm="si_refund.approve_refund", requires=["comment"],
               not_by=("creator",), guards=[_not_own], prepare=[_stamp_review], style="success"),
    Transition("reject", "不予退费", ["submitted", "reviewing"], "rejected", perm="si_refund.review_refund",
               requires=["comment"], not_by=("creator",), guards=[_not_own], prepare=[_stamp_review],
               style="danger"),
    Transition("withdraw", "撤回申请", ["submitted"], "withdrawn", guards=[_payer_only], style="secondary"),
    # Applied by the platform (system=True) when the gateway (or the treasury) confirms the refund.
    Transition("pay", "退款成功", ["approved"], "paid"),
])
OPEN_STATES = ("submitted", "reviewing", "approved")


class RefundApplication(WorkflowModel, BusinessModel):
    """退费申请 of a payer; its items name the paid lines (or virtual declarations) refunded."""

    scope_fields = PAYER_SCOPE
    workflow = REFUND
    generic_transitions = False

    class Kind(models.TextChoices):
        NORMAL = "normal", "正常缴费退费"
        SPECIAL = "special", "特殊缴费退费"

    class Mode(models.TextChoices):
        RECEIPT = "receipt", "按税票退费"
        VIRTUAL = "virtual", "虚拟户模式"
        SLIP = "slip", "按核定退费单退费"

    refund_no = models.CharField("退费申请号", max_length=32, unique=True)
    payer = models.ForeignKey("si_payers.Payer", verbose_name="缴费人", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("退费类型", max_length=10, choices=Kind.choices)
    mode = models.CharField("退费方式", max_length=10, choices=Mode.choices, default=Mode.RECEIPT)
    insurance = models.ForeignKey("si_rules.InsuranceType", verbose_name="险种", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField("所属期起", null=True, blank=True)
    period_end = models.DateField("所属期止", null=True, blank=True)
    paid_amount = models.DecimalField("申报缴费金额（元）", **MONEY, help_text="所退明细的实缴金额合计（未退部分）")
    base = models.DecimalField("退费缴费基数（元）", null=True, blank=True, **MONEY)
    amount = models.DecimalField("退费金额（元）", **MONEY)
    reason = models.CharField("退费原因", max_length=200)
    bank_name = models.CharField("开户银行", max_length=60)
    account_name = models.CharField("账户名称", max_length=50)
    bank_account = models.CharField("银行账号", max_length=32)
    status = models.CharField("状态", max_length=10, choices=REFUND.choices(), default="submitted")
    # 虚拟户模式
    virtual_account = models.ForeignKey("VirtualAccount", verbose_name="虚拟户", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="refunds")
    tax_receipt_no = models.CharField("税票号码", max_length=40, blank=True)
    # 核定退费单 (special refund by slip): every item of the slip
    slip_no = models.CharField("核定退费单号", max_length=40, blank=True)
    slip_agency = models.CharField("核定机构", max_length=100, blank=True)
    slip_insurance = models.ForeignKey("si_rules.InsuranceType", verbose_name="核定险种", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    slip_period_start = models.DateField("核定所属期起", null=True, blank=True)
    slip_period_end = models.DateField("核定所属期止", null=True, blank=True)
    slip_base = models.DecimalField("核定缴费基数（元）", null=True, blank=True, **MONEY)
    slip_amount = models.DecimalField("核定退费金额（元）", null=True, blank=True, **MONEY)
    slip_date = models.DateField("核定日期", null=True, blank=True)
    slip_reason = models.CharField("核定退费原因", max_length=200, blank=True)
    # review and payment
    reviewer = models.ForeignKey("accounts.User", verbose_name="审核人", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    opinion = models.CharField("审核意见", max_length=500, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    gateway_error = models.CharField("退款失败原因", max_length=300, blank=True)
    gateway_refunds = models.JSONField("退款记录", default=dict, blank=True,
                                       help_text="{订单号: 退款单号}，支付平台已确认的部分")
    treasury_voucher = models.CharField("退库凭证号", max_length=40, blank=True)
    paid_at = models.DateTimeField("退款时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "退费申请"
        ordering = ["-id"]
        permissions = [("review_refund", "受理、审核退费申请"), ("approve_refund", "审批退费申请（审核通过）"),
                       ("export_refundapplication", "导出退费申请")]
        indexes = [models.Index(fields=["payer", "-id"], name="si_refund_payer"),
                   models.Index(fields=["status", "-id"], name="si_refund_status")]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0) & Q(amount__lte=models.F("paid_amount")),
                                              name="si_refund_amount_le_paid")]

    def __str__(self):
        return f"退费申请{self.refund_no}"

    def get_absolute_url(self):
        return _url(self)

    @property
    def is_open(self):
        return self.status in OPEN_STATES

    @property
    def subject(self):
        """险种 and 所属期 of the refund, for lists."""
        if self.insurance_id and self.period_start:
            if self.period_end and self.period_end.year == self.period_start.year and self.period_end.month == 12 \
                    and self.period_start.month == 1:
                return f"{self.insurance.name} {self.period_start:%Y}年度"
            return f"{self.insurance.name} {self.period_start:%Y-%m}"
        return "、".join(dict.fromkeys(i.label for i in self.items.all()))


class RefundItem(models.Model):
    """One paid line (or virtual declaration) of a refund and the part of it refunded."""

    refund = models.ForeignKey(RefundApplication, verbose_name="退费申请", on_delete=models.CASCADE, related_name="items")
    line = models.ForeignKey("si_pay.PaymentLine", verbose_name="缴费明细", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    declaration = models.ForeignKey("VirtualDeclaration", verbose_name="虚拟户申报", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="refund_items")
    order_no = models.CharField("订单号/税票号", max_length=40, blank=True)
    paid = models.DecimalField("实缴金额（元）", **MONEY)
    amount = models.DecimalField("退费金额（元）", **MONEY)
    open = models.BooleanField("办理中", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "退费明细"
        ordering = ["refund", "id"]
        constraints = [
            models.UniqueConstraint(fields=["line"], condition=Q(open=True), name="si_refund_line_open_once"),
            models.UniqueConstraint(fields=["declaration"], condition=Q(open=True), name="si_refund_decl_open_once"),
            models.CheckConstraint(condition=Q(amount__gt=0) & Q(amount__lte=models.F("paid")),
                                   name="si_refund_item_le_paid"),
            models.CheckConstraint(condition=Q(line__isnull=False) | Q(declaration__isnull=False),
                                   name="si_refund_item_has_subject"),
        ]

    @property
    def label(self):
        subject = self.line or self.declaration
        return str(subject)


class NoRefundPerson(BusinessModel):
    """不能退费的特殊人群名单 (supplied by the management subsystem, maintained by the tax staff of each
    prefecture; an entry of the autonomous region 450000 applies everywhere)."""

    scope_fields = PREFECTURE_SCOPE

    id_number = models.CharField("证件号码", max_length=30)
    name = models.CharField("姓名", max_length=50)
    prefecture = models.ForeignKey("org.Region", verbose_name="地市", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("不能退费原因", max_length=200)

    class Meta:
        verbose_name = verbose_name_plural = "不能退费人员名单"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["id_number", "prefecture"], condition=Q(is_deleted=False),
                                               name="si_refund_norefund_once")]

    def __str__(self):
        return f"{self.name}（{self.id_number[:6]}********{self.id_number[-4:]}）"

    def get_absolute_url(self):
        return "/gov/si/no-refund/"


class VirtualAccount(BusinessModel):
    """虚拟户: a collector (village, community) that declares and pays for many residents."""

    scope_fields = PREFECTURE_SCOPE

    identification_no = models.CharField("虚拟户识别号", max_length=30, unique=True)
    name = models.CharField("虚拟户名称", max_length=100)
    prefecture = models.ForeignKey("org.Region", verbose_name="地市", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("org.Region", verbose_name="县区", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "虚拟户"
        ordering = ["identification_no"]

    def __str__(self):
        return f"{self.name}（{self.identification_no}）"


class VirtualDeclaration(BusinessModel):
    """A virtual account's declaration (and payment) for one resident (城乡居民虚拟户申报结果)."""

    scope_fields = {"region": "virtual_account__prefecture", "organisation": None, "owner": None}

    class Status(models.TextChoices):
        DECLARED = "declared", "已申报未缴费"
        PAID = "paid", "已缴费"
        REFUNDED = "refunded", "已退费"

    declaration_no = models.CharField("申报序号", max_length=40, unique=True)
    virtual_account = models.ForeignKey(VirtualAccount, verbose_name="虚拟户", on_delete=models.PROTECT,
                                        related_name="declarations")
    id_number = models.CharField("居民证件号码", max_length=30, db_index=True)
    name = models.CharField("居民姓名", max_length=50)
    insurance = models.ForeignKey("si_rules.InsuranceType", verbose_name="险种", on_delete=models.PROTECT,
                                  related_name="+")
    period_start = models.DateField("所属期起")
    period_end = models.DateField("所属期止")
    base = models.DecimalField("缴费基数（元）", null=True, blank=True, **MONEY)
    amount = models.DecimalField("申报金额（元）", **MONEY)
    receipt_no = models.CharField("税票号码", max_length=40, blank=True)
    declared_on = models.DateField("申报日期")
    paid_on = models.DateField("缴费日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DECLARED)
    refunded_amount = models.DecimalField("已退金额（元）", default=0, **MONEY)

    class Meta:
        verbose_name = verbose_name_plural = "虚拟户申报"
        ordering = ["-period_start", "insurance__order", "id"]
        indexes = [models.Index(fields=["id_number", "period_start"], name="si_refund_vdecl_person")]
        constraints = [models.CheckConstraint(condition=Q(refunded_amount__lte=models.F("amount")),
                                              name="si_refund_vdecl_refund_le_amount")]

    def __str__(self):
        return f"{self.insurance.name} {self.period_label}（虚拟户申报{self.declaration_no}）"

    @property
    def period_label(self):
        if self.period_start.month == 1 and self.period_end.month == 12 and self.period_start.year == self.period_end.year:
            return f"{self.period_start:%Y}年度"
        if self.period_start.replace(day=1) == self.period_end.replace(day=1):
            return f"{self.period_start:%Y-%m}"
        return f"{self.period_start:%Y-%m}～{self.period_end:%Y-%m}"
