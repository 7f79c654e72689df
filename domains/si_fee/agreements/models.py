"""Entrusted-deduction agreements (委托扣款缴费协议), the resident's payable amount (应缴费额设置) and batch
deduction (批量扣款: tasks and their items, the 待批扣清册). Every amount is a Decimal.

One agreement per person in force: the partial unique constraint si_agree_one_in_force covers agreements
pending verification or active, of both kinds, keyed by the subject's ID (the person whose fees are deducted;
for an own agreement the signed-in payer). A period of an insurance type is in at most one live batch item
(si_agree_item_period_once: pending, sending or deducted)."""
from django.db import models
from django.db.models import Q

from domains.si_fee.rules.models import MONEY
from kernel.core.models import BusinessModel
from kernel.workflow.engine import State, Transition, Workflow, WorkflowModel

PAYER_SCOPE = {"region": "payer__region", "organisation": None, "owner": "payer__user"}

# Banks that take entrusted-deduction agreements (联行号 prefix codes of the People's Bank).
BANKS = [
    ("102", "中国工商银行"),
    ("103", "中国农业银行"),
    ("104", "中国银行"),
    ("105", "中国建设银行"),
    ("301", "交通银行"),
    ("303", "中国光大银行"),
    ("403", "中国邮政储蓄银行"),
    ("313", "广西北部湾银行"),
    ("402", "广西农村信用社（农商银行）"),
]
BANK_NAMES = dict(BANKS)


def mask_account(account_no: str) -> str:
    """6222021234567890123 -> 6222 **** **** 0123 (first four and last four digits)."""
    if not account_no:
        return ""
    if len(account_no) <= 8:
        return account_no[:2] + "*" * (len(account_no) - 2)
    return f"{account_no[:4]} **** **** {account_no[-4:]}"


AGREEMENT = Workflow("si_agreement", states=[
    State("pending", "待验证", "warning"),
    State("active", "已生效", "success"),
    State("failed", "验证失败", "danger", final=True),
    State("terminated", "已终止", "secondary", final=True),
], transitions=[
    # verify / fail are the bank's answers through the adapter (system=True); terminate is the payer's.
    Transition("verify", "银行验证通过", ["pending"], "active"),
    Transition("fail", "银行验证失败", ["pending"], "failed"),
    Transition("terminate", "终止协议", ["pending", "active"], "terminated", style="danger"),
])
IN_FORCE = ["pending", "active"]


class Agreement(WorkflowModel, BusinessModel):
    """委托扣款缴费协议: 《委托银行代缴税款三方协议》 (payer, bank, tax authority; verified through TIPS) or
    《委托银行代缴税款两两协议》 (payer and bank; through the 金三 core system), possibly signed for another
    person (the subject). `payer` is the signed-in payer who signed it (whose list shows it)."""

    scope_fields = PAYER_SCOPE
    workflow = AGREEMENT
    generic_transitions = False

    class Kind(models.TextChoices):
        TRIPARTITE = "tripartite", "三方协议"
        BILATERAL = "bilateral", "两两协议"

    agreement_no = models.CharField("协议号", max_length=24, unique=True)
    kind = models.CharField("协议类型", max_length=12, choices=Kind.choices)
    payer = models.ForeignKey("si_payers.Payer", verbose_name="签订人", on_delete=models.PROTECT, related_name="+")
    for_other = models.BooleanField("为他人签订", default=False)
    subject_id_type = models.CharField("缴费人证件类型", max_length=3)
    subject_id_number = models.CharField("缴费人证件号码", max_length=30)
    subject_name = models.CharField("缴费人姓名", max_length=50)
    subject_payer = models.ForeignKey("si_payers.Payer", verbose_name="缴费人", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    bank_code = models.CharField("开户银行", max_length=6, choices=BANKS)
    account_no = models.CharField("扣款账号", max_length=32)
    account_name = models.CharField("账户名称", max_length=50)
    signature = models.ForeignKey("files.Attachment", verbose_name="电子签名", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    confirmed = models.BooleanField("已确认协议条款", default=False)
    paper = models.BooleanField("纸质协议", default=False, help_text="打印协议到银行办理，银行录入后验证")
    status = models.CharField("协议状态", max_length=12, choices=AGREEMENT.choices(), default="pending")
    channel = models.CharField("验证渠道", max_length=30, blank=True)
    bank_receipt_no = models.CharField("协议签订回执号", max_length=40, blank=True)
    verified_at = models.DateTimeField("生效时间", null=True, blank=True)
    fail_reason = models.CharField("验证失败原因", max_length=200, blank=True)
    terminated_at = models.DateTimeField("终止时间", null=True, blank=True)
    terminate_reason = models.CharField("终止原因", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "委托扣款协议"
        ordering = ["-id"]
        permissions = [("export_agreement", "导出委托扣款协议")]
        constraints = [
            models.UniqueConstraint(fields=["subject_id_type", "subject_id_number"],
                                    condition=Q(status__in=IN_FORCE, is_deleted=False),
                                    name="si_agree_one_in_force"),
        ]
        indexes = [models.Index(fields=["payer", "-id"], name="si_agree_payer"),
                   models.Index(fields=["subject_payer", "status"], name="si_agree_subject")]

    def __str__(self):
        return f"{self.get_kind_display()}{self.agreement_no}"

    def get_absolute_url(self):
        return f"/gov/si/agreements/{self.pk}/"

    @property
    def masked_account(self):
        return mask_account(self.account_no)

    @property
    def bank_name(self):
        return BANK_NAMES.get(self.bank_code, self.bank_code)

    @property
    def masked_subject_id(self):
        from kernel.org.validators import mask_id_number

        return mask_id_number(self.subject_id_number)

    @property
    def form_title(self):
        return "委托银行代缴税款三方协议" if self.kind == self.Kind.TRIPARTITE else "委托银行代缴税款两两协议"


class ResidentAmount(BusinessModel):
    """应缴费额设置: the yearly amount (one of the prefecture's grades) a resident pays an insurance type by
    batch deduction."""

    scope_fields = PAYER_SCOPE

    payer = models.ForeignKey("si_payers.Payer", verbose_name="缴费人", on_delete=models.PROTECT, related_name="+")
    insurance = models.ForeignKey("si_rules.InsuranceType", verbose_name="险种", on_delete=models.PROTECT,
                                  related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    amount = models.DecimalField("应缴费额（元/年）", **MONEY)

    class Meta:
        verbose_name = verbose_name_plural = "城乡居民应缴费额"
        ordering = ["-year", "insurance__order"]
        constraints = [models.UniqueConstraint(fields=["payer", "insurance", "year"], name="si_agree_amount_once")]

    def __str__(self):
        return f"{self.year}年 {self.insurance} {self.amount}元"


class BatchTask(BusinessModel):
    """批量扣款任务: launched by the tax authority for a prefecture and a year (residents' yearly insurance) and
    optionally a month (flexible-employment pension of that month); its items are deducted by the scheduled
    run on or after `run_on`."""

    scope_fields = {"region": "prefecture", "organisation": None, "owner": None}

    batch_no = models.CharField("批扣任务号", max_length=24, unique=True)
    prefecture = models.ForeignKey("org.Region", verbose_name="地市", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("灵活就业所属月份", null=True, blank=True,
                                             help_text="填写则同时为签订协议的灵活就业人员生成该月养老保险待批扣记录")
    run_on = models.DateField("计划扣款日期")
    remark = models.CharField("说明", max_length=200, blank=True)
    last_run_at = models.DateTimeField("最近执行时间", null=True, blank=True)
    runs = models.PositiveIntegerField("执行次数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "批量扣款任务"
        ordering = ["-id"]
        permissions = [("run_batchtask", "执行批量扣款")]

    def __str__(self):
        return f"批扣任务{self.batch_no}"

    def get_absolute_url(self):
        return f"/gov/si/batches/{self.pk}/"


ITEM = Workflow("si_batch_item", states=[
    State("pending", "待批扣", "warning"),
    State("sending", "扣款中", "info"),
    State("deducted", "已扣款", "success", final=True),
    State("failed", "扣款失败", "danger", final=True),
    State("voided", "已作废", "secondary", final=True),
], transitions=[
    Transition("void", "作废", ["pending"], "voided", style="danger"),
    # the run (system=True): sent to the bank, then its per-item answer
    Transition("send", "提交银行扣款", ["pending"], "sending"),
    Transition("deduct", "扣款成功", ["sending"], "deducted"),
    Transition("fail", "扣款失败", ["pending", "sending"], "failed"),
])
LIVE_ITEM = ["pending", "sending", "deducted"]


class BatchItem(WorkflowModel, BusinessModel):
    """待批扣清册 record: one insurance type and period of one payer to be deducted under their agreement."""

    scope_fields = PAYER_SCOPE
    workflow = ITEM
    generic_transitions = False

    task = models.ForeignKey(BatchTask, verbose_name="批扣任务", on_delete=models.PROTECT, related_name="items")
    item_no = models.CharField("批扣流水号", max_length=32, unique=True)
    payer = models.ForeignKey("si_payers.Payer", verbose_name="缴费人", on_delete=models.PROTECT, related_name="+")
    agreement = models.ForeignKey(Agreement, verbose_name="委托扣款协议", on_delete=models.PROTECT, related_name="items")
    insurance = models.ForeignKey("si_rules.InsuranceType", verbose_name="险种", on_delete=models.PROTECT,
                                  related_name="+")
    period_start = models.DateField("所属期起")
    period_end = models.DateField("所属期止")
    base = models.DecimalField("缴费基数（元）", null=True, blank=True, **MONEY)
    amount = models.DecimalField("扣款金额（元）", **MONEY)
    status = models.CharField("状态", max_length=10, choices=ITEM.choices(), default="pending")
    order_no = models.CharField("缴费订单号", max_length=32, blank=True)
    bank_serial = models.CharField("银行流水", max_length=40, blank=True)
    deducted_at = models.DateTimeField("扣款时间", null=True, blank=True)
    fail_reason = models.CharField("失败原因", max_length=200, blank=True)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "待批扣记录"
        ordering = ["task", "id"]
        constraints = [
            models.UniqueConstraint(fields=["payer", "insurance", "period_start"],
                                    condition=Q(status__in=LIVE_ITEM, is_deleted=False),
                                    name="si_agree_item_period_once"),
        ]
        indexes = [models.Index(fields=["payer", "-id"], name="si_agree_item_payer"),
                   models.Index(fields=["task", "status"], name="si_agree_item_task")]

    def __str__(self):
        return f"{self.insurance} {self.period_label} {self.amount}元"

    @property
    def period_label(self):
        if self.insurance.yearly and self.period_start.month == 1 and self.period_end.month == 12:
            return f"{self.period_start.year}年度"
        return f"{self.period_start:%Y-%m}"
