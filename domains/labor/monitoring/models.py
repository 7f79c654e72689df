"""The labour-inspection supervision database (seed 000 §A1): what the wage-arrears warning models read.

Projects, wage special accounts, deposits and guarantees are business records (audited, soft-deleted,
scoped by region and by the enterprises involved). The high-volume rows (attendance: 15 million a
month at Guangxi scale; payroll lines; account flows) are lean tables without audit columns: they
arrive in bulk from 桂薪宝 and the banks, are never edited by hand, and carry the project (and so the
region) for scoping through it.

Money is Decimal (yuan, 2 places). ID numbers are validated (GB 11643 check digit) and masked in
lists and exports (kernel.org.validators.mask_id_number)."""
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from kernel.core.models import BusinessModel
from kernel.org.validators import mask_id_number, mask_phone, validate_id_number

MONEY = {"max_digits": 16, "decimal_places": 2}


class Project(BusinessModel):
    """工程建设项目, with the units and people the seed lists (§A1 (1) a)."""

    class Type(models.TextChoices):
        HOUSING = "housing", "房屋建筑工程"
        MUNICIPAL = "municipal", "市政公用工程"
        TRANSPORT = "transport", "交通运输工程"
        WATER = "water", "水利工程"
        ENERGY = "energy", "能源工程"
        OTHER = "other", "其他"

    class Funding(models.TextChoices):
        GOVERNMENT = "government", "政府投资"
        STATE = "state", "国有资金"
        SOCIAL = "social", "社会资金"
        MIXED = "mixed", "混合投资"

    class Status(models.TextChoices):
        PREPARING = "preparing", "未开工"
        BUILDING = "building", "在建"
        SUSPENDED = "suspended", "停工"
        COMPLETED = "completed", "已竣工"

    scope_fields = {"region": "region",
                    "organisation": ("construction_unit", "general_contractor", "supervising_unit"),
                    "owner": "created_by"}

    code = models.CharField("项目编码", max_length=40, unique=True)
    name = models.CharField("项目名称", max_length=200, db_index=True)
    region = models.ForeignKey("org.Region", verbose_name="项目所在区划", on_delete=models.PROTECT, related_name="+",
                               help_text="县（市、区）、乡镇或网格；预警按此属地派发")
    address = models.CharField("项目地址", max_length=300, blank=True)
    construction_unit = models.ForeignKey("org.Organisation", verbose_name="建设单位", on_delete=models.PROTECT,
                                          related_name="labor_projects_built")
    general_contractor = models.ForeignKey("org.Organisation", verbose_name="施工总承包单位", on_delete=models.PROTECT,
                                           related_name="labor_projects_contracted")
    supervising_unit = models.ForeignKey("org.Organisation", verbose_name="监理单位", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="labor_projects_supervised")
    subcontractors = models.ManyToManyField("org.Organisation", verbose_name="劳务分包单位", blank=True,
                                            related_name="labor_projects_subcontracted")
    project_type = models.CharField("项目类型", max_length=20, choices=Type.choices, default=Type.HOUSING)
    funding_source = models.CharField("资金来源", max_length=20, choices=Funding.choices, default=Funding.SOCIAL)
    industry_authority = models.CharField("行业主管部门", max_length=100, blank=True)
    supervising_department = models.CharField("监管部门", max_length=100, blank=True)
    start_date = models.DateField("开工日期", null=True, blank=True)
    contract_price = models.DecimalField("中标合同价（万元）", null=True, blank=True, validators=[MinValueValidator(0)],
                                         **MONEY)
    labour_cost_share = models.DecimalField("约定人工费用比例（%）", max_digits=5, decimal_places=2,
                                            default=Decimal("20.00"),
                                            validators=[MinValueValidator(0)],
                                            help_text="合同约定的人工费用占工程款比例，用于人工费拨付核对")
    status = models.CharField("项目状态", max_length=20, choices=Status.choices, default=Status.BUILDING)
    permit_no = models.CharField("施工许可证号", max_length=60, blank=True)
    permit_valid_until = models.DateField("施工许可证有效期至", null=True, blank=True)
    contractor_qualification_no = models.CharField("总包单位资质证书编号", max_length=60, blank=True)
    contractor_qualification_valid_until = models.DateField("资质有效期至", null=True, blank=True)
    project_manager = models.CharField("项目经理", max_length=50, blank=True)
    project_manager_phone = models.CharField("项目经理电话", max_length=30, blank=True)
    project_lead = models.CharField("项目负责人", max_length=50, blank=True)
    wage_officer = models.CharField("劳资专管员", max_length=50, blank=True)
    wage_officer_phone = models.CharField("劳资专管员电话", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "工程建设项目"
        ordering = ["-id"]
        permissions = [("export_project", "导出工程项目"), ("import_project", "导入工程项目")]
        indexes = [
            models.Index(fields=["region", "status"], name="labor_project_region_status",
                         condition=models.Q(is_deleted=False)),
            models.Index(fields=["general_contractor"], name="labor_project_contractor"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"/gov/labor/projects/{self.pk}/"


class Worker(BusinessModel):
    """A migrant worker's real-name record (农民工实名制), one per person (ID number)."""

    scope_fields = {"region": "region", "organisation": "employer", "owner": "created_by"}

    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号码", max_length=18, unique=True, validators=[validate_id_number])
    gender = models.CharField("性别", max_length=1, blank=True)
    phone = models.CharField("手机号码", max_length=20, blank=True)
    bank_card = models.CharField("工资卡号", max_length=30, blank=True)
    bank_name = models.CharField("工资卡开户行", max_length=60, blank=True)
    hometown = models.CharField("籍贯", max_length=100, blank=True)
    # Where the worker is currently registered (the last project's region and employer): the scope.
    region = models.ForeignKey("org.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    employer = models.ForeignKey("org.Organisation", verbose_name="用工单位", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="labor_workers")
    registered_on = models.DateField("实名登记日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "农民工实名信息"
        ordering = ["-id"]
        permissions = [("export_worker", "导出农民工信息"), ("view_worker_identity", "查看完整身份证号")]
        indexes = [models.Index(fields=["region", "-id"], name="labor_worker_region",
                                condition=models.Q(is_deleted=False))]

    def __str__(self):
        return f"{self.name}（{self.masked_id}）"

    @property
    def masked_id(self):
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self):
        return mask_phone(self.phone)


class Contract(BusinessModel):
    """劳动合同 / 用工登记: a worker on a project with an employer (contractor or subcontractor)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "在岗"
        LEFT = "left", "已退场"

    scope_fields = {"region": "project__region", "organisation": "employer", "owner": "created_by"}

    worker = models.ForeignKey(Worker, verbose_name="农民工", on_delete=models.PROTECT, related_name="contracts")
    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.PROTECT, related_name="contracts")
    employer = models.ForeignKey("org.Organisation", verbose_name="用工单位", on_delete=models.PROTECT,
                                 related_name="labor_contracts")
    team = models.CharField("班组", max_length=60, blank=True)
    job_type = models.CharField("工种", max_length=40, blank=True)
    signed_on = models.DateField("合同签订日期", null=True, blank=True)
    start_on = models.DateField("进场日期")
    end_on = models.DateField("合同终止日期", null=True, blank=True)
    daily_wage = models.DecimalField("约定日工资（元）", validators=[MinValueValidator(0)], **MONEY)
    status = models.CharField("用工状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        verbose_name = verbose_name_plural = "劳动合同"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["worker", "project"], condition=models.Q(is_deleted=False),
                                               name="labor_contract_one_per_project")]
        indexes = [models.Index(fields=["project", "status"], name="labor_contract_project")]

    def __str__(self):
        return f"{self.worker.name} @ {self.project.name}"


class Attendance(models.Model):
    """One worker's attendance on one day on one project (考勤). 15 million rows a month at scale: no
    audit columns; rows arrive in bulk and are replaced by (worker, project, day)."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="+",
                                db_index=False)
    worker = models.ForeignKey(Worker, verbose_name="农民工", on_delete=models.CASCADE, related_name="+",
                               db_index=False)
    work_date = models.DateField("考勤日期")
    hours = models.DecimalField("工时", max_digits=4, decimal_places=1, default=Decimal("8.0"))
    source = models.CharField("来源", max_length=10, default="import")
    received_at = models.DateTimeField("接收时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "考勤记录"
        constraints = [models.UniqueConstraint(fields=["project", "work_date", "worker"],
                                               name="labor_attendance_unique")]
        indexes = [models.Index(fields=["worker", "work_date"], name="labor_attendance_worker")]


class WageAccount(BusinessModel):
    """农民工工资专用账户 of a project."""

    class Status(models.TextChoices):
        OPEN = "open", "正常"
        FROZEN = "frozen", "冻结"
        CLOSED = "closed", "已销户"

    scope_fields = {"region": "project__region", "organisation": "opener", "owner": "created_by"}

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.PROTECT, related_name="accounts")
    account_no = models.CharField("账号", max_length=40, unique=True)
    account_name = models.CharField("户名", max_length=200)
    bank = models.CharField("开户银行", max_length=100)
    opener = models.ForeignKey("org.Organisation", verbose_name="开户单位", on_delete=models.PROTECT,
                               related_name="labor_accounts")
    opened_on = models.DateField("开户日期")
    balance = models.DecimalField("账户余额（元）", default=Decimal("0"), **MONEY)
    status = models.CharField("账户状态", max_length=10, choices=Status.choices, default=Status.OPEN)

    class Meta:
        verbose_name = verbose_name_plural = "工资专用账户"
        ordering = ["-id"]
        permissions = [("export_wageaccount", "导出工资专用账户")]

    def __str__(self):
        return f"{self.bank} {self.account_no}"


class AccountFlow(models.Model):
    """A movement on a wage special account (工资专用账户收支明细), as the bank reports it."""

    class Kind(models.TextChoices):
        APPROPRIATION = "appropriation", "人工费用拨付"  # in: the construction unit pays labour cost in
        WAGE = "wage", "工资代发"  # out: wages paid to a worker's card
        OTHER_IN = "other_in", "其他收入"
        OTHER_OUT = "other_out", "其他支出"

    INCOMING = (Kind.APPROPRIATION, Kind.OTHER_IN)

    account = models.ForeignKey(WageAccount, verbose_name="专用账户", on_delete=models.CASCADE, related_name="flows")
    serial_no = models.CharField("银行流水号", max_length=60)
    booked_at = models.DateTimeField("交易时间")
    kind = models.CharField("交易类型", max_length=20, choices=Kind.choices)
    amount = models.DecimalField("金额（元）", validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    counterparty = models.CharField("对方户名", max_length=200, blank=True)
    counterparty_account = models.CharField("对方账号", max_length=40, blank=True)
    worker = models.ForeignKey(Worker, verbose_name="收款农民工", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    wage_month = models.DateField("工资所属月份", null=True, blank=True)
    balance_after = models.DecimalField("交易后余额（元）", null=True, blank=True, **MONEY)
    received_at = models.DateTimeField("接收时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "专用账户收支明细"
        ordering = ["-booked_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["account", "serial_no"], name="labor_flow_serial")]
        indexes = [models.Index(fields=["account", "kind", "wage_month"], name="labor_flow_month")]


class Payroll(models.Model):
    """One line of a project's monthly payroll sheet (工资表): what a worker is owed and was paid."""

    project = models.ForeignKey(Project, verbose_name="项目", on_delete=models.CASCADE, related_name="+",
                                db_index=False)
    worker = models.ForeignKey(Worker, verbose_name="农民工", on_delete=models.CASCADE, related_name="+")
    month = models.DateField("工资月份", help_text="当月1日")
    days_worked = models.PositiveSmallIntegerField("出勤天数", default=0)
    amount_payable = models.DecimalField("应发工资（元）", validators=[MinValueValidator(0)], **MONEY)
    amount_paid = models.DecimalField("实发工资（元）", default=Decimal("0"), validators=[MinValueValidator(0)],
                                      **MONEY)
    paid_on = models.DateField("发放日期", null=True, blank=True)
    received_at = models.DateTimeField("接收时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "工资发放记录"
        ordering = ["-month", "-id"]
        constraints = [models.UniqueConstraint(fields=["project", "month", "worker"], name="labor_payroll_unique")]


class WageDeposit(BusinessModel):
    """农民工工资保证金 of an enterprise (for a project, or general), with its ledger (台账)."""

    class Form(models.TextChoices):
        CASH = "cash", "现金存储"
        BANK_GUARANTEE = "bank_guarantee", "银行保函"
        INSURANCE_GUARANTEE = "insurance_guarantee", "保险保函"

    scope_fields = {"region": "region", "organisation": "enterprise", "owner": "created_by"}

    enterprise = models.ForeignKey("org.Organisation", verbose_name="施工企业", on_delete=models.PROTECT,
                                   related_name="labor_deposits")
    project = models.ForeignKey(Project, verbose_name="项目", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="deposits")
    region = models.ForeignKey("org.Region", verbose_name="存储地区划", on_delete=models.PROTECT, related_name="+")
    form = models.CharField("存储方式", max_length=20, choices=Form.choices, default=Form.CASH)
    required_amount = models.DecimalField("应存金额（元）", validators=[MinValueValidator(0)], **MONEY)
    balance = models.DecimalField("账户余额（元）", default=Decimal("0"), **MONEY)
    bank = models.CharField("存储银行", max_length=100, blank=True)
    account_no = models.CharField("保证金账号", max_length=40, blank=True)
    due_on = models.DateField("应存期限", null=True, blank=True, help_text="应于该日前足额存储")

    class Meta:
        verbose_name = verbose_name_plural = "工资保证金"
        ordering = ["-id"]
        permissions = [("export_wagedeposit", "导出工资保证金")]

    def __str__(self):
        return f"{self.enterprise.name} 保证金"


class DepositFlow(models.Model):
    """进出流水 of a deposit: storage, top-up, transfer (划拨, paying arrears out of it), refund."""

    class Kind(models.TextChoices):
        STORE = "store", "存储"
        TOP_UP = "top_up", "补存"
        TRANSFER = "transfer", "划拨"
        REFUND = "refund", "退还"

    INCOMING = (Kind.STORE, Kind.TOP_UP)

    deposit = models.ForeignKey(WageDeposit, verbose_name="保证金", on_delete=models.CASCADE, related_name="flows")
    serial_no = models.CharField("流水号", max_length=60)
    booked_at = models.DateTimeField("交易时间")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    amount = models.DecimalField("金额（元）", validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    note = models.CharField("摘要", max_length=200, blank=True)
    received_at = models.DateTimeField("接收时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "保证金进出流水"
        ordering = ["-booked_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["deposit", "serial_no"], name="labor_deposit_flow_serial")]


class Guarantee(BusinessModel):
    """保险保函 / 银行保函 replacing a cash deposit (pushed by insurers, §A3 (2))."""

    class Kind(models.TextChoices):
        INSURANCE = "insurance", "保险保函"
        BANK = "bank", "银行保函"

    scope_fields = {"region": "region", "organisation": "enterprise", "owner": "created_by"}

    kind = models.CharField("保函类型", max_length=10, choices=Kind.choices)
    guarantee_no = models.CharField("保函编号", max_length=60, unique=True)
    enterprise = models.ForeignKey("org.Organisation", verbose_name="施工企业", on_delete=models.PROTECT,
                                   related_name="labor_guarantees")
    project = models.ForeignKey(Project, verbose_name="项目", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="guarantees")
    region = models.ForeignKey("org.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+")
    issuer = models.CharField("出具机构（保险公司/银行）", max_length=100)
    amount = models.DecimalField("担保金额（元）", validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("到期日期")
    contact_person = models.CharField("企业联系人", max_length=50, blank=True)
    contact_phone = models.CharField("企业联系电话", max_length=20, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "保函"
        ordering = ["valid_until", "-id"]
        permissions = [("export_guarantee", "导出保函")]
        indexes = [models.Index(fields=["valid_until"], name="labor_guarantee_until",
                                condition=models.Q(is_deleted=False))]

    def __str__(self):
        return f"{self.get_kind_display()} {self.guarantee_no}"


class GuaranteeReminder(models.Model):
    """The expiry reminder library (§A3 (3)): one row per guarantee and expiry date, written when the SMS
    to the enterprise contact is queued, so a guarantee is reminded exactly once per validity."""

    guarantee = models.ForeignKey(Guarantee, verbose_name="保函", on_delete=models.CASCADE, related_name="reminders")
    valid_until = models.DateField("到期日期")
    phone = models.CharField("短信号码", max_length=20, blank=True)
    sms = models.ForeignKey("notify.SmsMessage", verbose_name="短信", null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="+")
    reminded_at = models.DateTimeField("提醒时间", auto_now_add=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "保函到期提醒"
        ordering = ["-reminded_at"]
        constraints = [models.UniqueConstraint(fields=["guarantee", "valid_until"], name="labor_reminder_once")]


class DifferentiatedEnterprise(BusinessModel):
    """差异化存储企业备案库 (§A3 (1)): enterprises allowed a reduced deposit (or exempted)."""

    scope_fields = {"region": "region", "organisation": "enterprise", "owner": "created_by"}

    enterprise = models.ForeignKey("org.Organisation", verbose_name="施工企业", on_delete=models.PROTECT,
                                   related_name="+")
    region = models.ForeignKey("org.Region", verbose_name="备案区划", on_delete=models.PROTECT, related_name="+")
    ratio = models.DecimalField("存储比例（%）", max_digits=5, decimal_places=2,
                                validators=[MinValueValidator(0)], help_text="按规定比例的百分之几存储；0 为免存")
    reason = models.CharField("差异化原因", max_length=200)
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("失效日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "差异化存储企业"
        ordering = ["-id"]
        permissions = [("export_differentiatedenterprise", "导出差异化存储企业")]
        constraints = [models.UniqueConstraint(fields=["enterprise", "region"], condition=models.Q(is_deleted=False),
                                               name="labor_diff_one_per_region")]

    def __str__(self):
        return self.enterprise.name
