"""Major accident hazards (重大事故隐患, GB 45067—2024) and general hazards (一般隐患).

A major hazard runs the closed loop 线上填报—派单督办—整改反馈—复核销号 through its workflow
(workflows.py); it has items (one per judgement criterion found), supervision and review logs
(监察日志 / 复核日志) and the documents issued at dispatch. General hazards are the unit's own
findings from its checks, rectified and accepted inside the unit."""
from django.db import models
from django.utils import timezone

from kernel.core.models import BusinessModel
from kernel.dicts.models import DictField
from kernel.workflow.engine import WorkflowModel

from . import workflows


class JudgementItem(BusinessModel):
    """One criterion of GB 45067—2024, as editable data (判定项配置)."""

    scope_fields = {}  # reference data: everyone who may view the configuration sees all of it

    code = models.CharField("条款号", max_length=20, unique=True)
    equipment_category = DictField("设备种类（空为通用）", dict_type="equipment_category", blank=True)
    category = models.CharField("隐患类别", max_length=60, help_text="如：使用管理、安全附件与保护装置、本体缺陷")
    parent_category = models.CharField("所属隐患类别", max_length=60, blank=True)
    text = models.TextField("判定项（重大事故隐患情形）")
    measures = models.TextField("建议处置措施", blank=True)
    enabled = models.BooleanField("启用", default=True)
    order = models.IntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "重大事故隐患判定项"
        ordering = ["equipment_category", "order", "code"]

    def __str__(self):
        return f"{self.code} {self.text[:30]}"


class MajorHazard(WorkflowModel, BusinessModel):
    class Source(models.TextChoices):
        SUPERVISION = "supervision", "监督检查"
        INSPECTION = "inspection", "检验检测"
        SELF_TESTING = "self_testing", "自行检测"
        MAINTENANCE = "maintenance", "维护保养"
        UNIT = "unit", "企业自查"
        COMPLAINT = "complaint", "投诉举报"
        OTHER = "other", "其他"

    class Directive(models.TextChoices):
        NOTICE = "notice", "整改通知书"
        LETTER = "letter", "整改督处函"

    # Regulators by region; the user unit and the reporting institution see their own.
    scope_fields = {"region": "region", "organisation": ("user_unit", "reporter_org"), "owner": "created_by"}

    no = models.CharField("隐患编号", max_length=30, unique=True, editable=False)
    source = models.CharField("隐患来源", max_length=20, choices=Source.choices)
    equipment_category = DictField("隐患类型（设备种类）", dict_type="equipment_category")
    equipment = models.ForeignKey("se_equipment.Equipment", verbose_name="设备", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="major_hazards")
    report = models.ForeignKey("se_equipment.InspectionReport", verbose_name="关联检验报告", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="major_hazards")
    user_unit = models.ForeignKey("org.Organisation", verbose_name="特种设备使用单位", on_delete=models.PROTECT,
                                  related_name="se_major_hazards")
    managing_agency = models.ForeignKey("org.Organisation", verbose_name="管理单位（属地监管部门）",
                                        on_delete=models.PROTECT, related_name="se_managed_hazards")
    reporter_org = models.ForeignKey("org.Organisation", verbose_name="上报单位", on_delete=models.PROTECT,
                                     related_name="se_reported_hazards")
    region = models.ForeignKey("org.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    description = models.TextField("隐患问题描述")
    found_on = models.DateField("发现日期", default=timezone.localdate)
    requirement = models.TextField("整改要求", blank=True)
    deadline = models.DateField("整改期限", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=workflows.STATES_CHOICES, default="reported",
                              db_index=True)
    directive = models.CharField("下达文书", max_length=10, choices=Directive.choices, blank=True)
    directive_no = models.CharField("文书编号", max_length=40, blank=True)
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    feedback_at = models.DateTimeField("最近反馈时间", null=True, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    extensions = models.PositiveSmallIntegerField("延期次数", default=0)
    requested_deadline = models.DateField("申请延期至", null=True, blank=True)
    complaint = models.ForeignKey("se_hazards.Complaint", verbose_name="来源投诉", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="hazards")

    workflow = workflows.MAJOR

    class Meta:
        verbose_name = verbose_name_plural = "重大事故隐患"
        ordering = ["-id"]
        permissions = [("dispatch_majorhazard", "派单督办重大事故隐患"), ("review_majorhazard", "复核销号重大事故隐患"),
                       ("export_majorhazard", "导出重大事故隐患"), ("report_majorhazard", "上报重大事故隐患"),
                       ("rectify_majorhazard", "整改反馈重大事故隐患"), ("check_majorhazard", "技术机构逐项复核")]
        indexes = [
            models.Index(fields=["region", "status"], name="se_mh_region_status", condition=models.Q(is_deleted=False)),
            models.Index(fields=["status", "deadline"], name="se_mh_status_deadline"),
        ]

    def __str__(self):
        return f"{self.no} {self.user_unit.name}" if self.user_unit_id else self.no

    def get_absolute_url(self):
        return f"/gov/se/hazards/{self.pk}/"

    @property
    def days_left(self):
        if self.deadline is None:
            return None
        return (self.deadline - timezone.localdate()).days

    @property
    def deadline_colour(self):
        """The warning colour of the rectification deadline (30/20/10/0 days: blue/yellow/orange/red),
        shown while the unit has not fed back."""
        from .alerts import deadline_level

        if self.status not in workflows.AWAITING_FEEDBACK:
            return None
        return deadline_level(self.days_left)


class HazardItem(models.Model):
    """One problem of a major hazard (a judgement criterion met), reviewed item by item."""

    class Status(models.TextChoices):
        OPEN = "open", "待整改"
        FED_BACK = "fed_back", "已反馈"
        RETURNED = "returned", "退回整改"
        CLOSED = "closed", "已销项"

    hazard = models.ForeignKey(MajorHazard, on_delete=models.CASCADE, related_name="items")
    judgement_item = models.ForeignKey(JudgementItem, verbose_name="判定项", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    description = models.TextField("问题描述")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    feedback = models.TextField("整改情况", blank=True)
    fed_back_at = models.DateTimeField("反馈时间", null=True, blank=True)
    review_comment = models.TextField("复核意见", blank=True)
    reviewed_at = models.DateTimeField("复核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey("accounts.User", verbose_name="复核人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    # Earlier rounds of a returned item: [{"feedback", "fed_back_at", "review", "reviewed_at", "by"}]
    history = models.JSONField("往次整改与复核", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "隐患明细"
        ordering = ["id"]

    def __str__(self):
        return self.description[:40]


class SupervisionLog(BusinessModel):
    """监察日志 (supervision) and 复核日志 (review) entries of a major hazard."""

    class Kind(models.TextChoices):
        SUPERVISION = "supervision", "监察日志"
        REVIEW = "review", "复核日志"

    scope_fields = {"region": "hazard__region", "organisation": ("hazard__user_unit", "hazard__reporter_org"),
                    "owner": "created_by"}

    hazard = models.ForeignKey(MajorHazard, on_delete=models.PROTECT, related_name="logs")
    kind = models.CharField("日志类型", max_length=20, choices=Kind.choices, default=Kind.SUPERVISION)
    date = models.DateField("检查日期", default=timezone.localdate)
    inspectors = models.CharField("执法（检查）人员", max_length=100)
    content = models.TextField("检查情况")

    class Meta:
        verbose_name = verbose_name_plural = "监察日志"
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date}"


class Complaint(WorkflowModel, BusinessModel):
    """A hazard reported by the public (众投诉举报), reviewed by the local regulator."""

    scope_fields = {"region": "region", "owner": "created_by"}

    no = models.CharField("受理编号", max_length=30, unique=True, editable=False)
    region = models.ForeignKey("org.Region", verbose_name="所在区县", on_delete=models.PROTECT, related_name="+")
    location = models.CharField("设备所在地点", max_length=200)
    equipment_category = DictField("设备种类", dict_type="equipment_category", blank=True)
    unit_name = models.CharField("使用单位（如知道）", max_length=200, blank=True)
    description = models.TextField("隐患情况描述")
    name = models.CharField("举报人姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20)
    status = models.CharField("状态", max_length=20, choices=workflows.COMPLAINT_CHOICES, default="submitted",
                              db_index=True)
    result = models.TextField("核查结果", blank=True)
    ip = models.GenericIPAddressField("来源IP", null=True, blank=True)

    workflow = workflows.COMPLAINT

    class Meta:
        verbose_name = verbose_name_plural = "投诉举报"
        ordering = ["-id"]

    def __str__(self):
        return self.no

    def get_absolute_url(self):
        return f"/gov/se/complaints/{self.pk}/"


class CheckPlan(BusinessModel):
    """A unit's own hazard-investigation plan (annual / quarterly / monthly)."""

    class Period(models.TextChoices):
        ANNUAL = "annual", "年度"
        QUARTERLY = "quarterly", "季度"
        MONTHLY = "monthly", "月度"

    scope_fields = {"region": "unit__region", "organisation": "unit", "owner": "created_by"}

    unit = models.ForeignKey("org.Organisation", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    period = models.CharField("计划类型", max_length=10, choices=Period.choices)
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveSmallIntegerField("季度/月份", null=True, blank=True)
    title = models.CharField("计划名称", max_length=100)
    content = models.TextField("排查内容", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "隐患排查计划"
        ordering = ["-year", "-id"]

    def __str__(self):
        return self.title


class GeneralHazard(WorkflowModel, BusinessModel):
    class CheckType(models.TextChoices):
        COMPREHENSIVE = "comprehensive", "综合检查"
        DAILY = "daily", "日常检查"
        PERIODIC = "periodic", "定期检验"
        SPECIAL = "special", "专项检查"
        HOLIDAY = "holiday", "节假日检查"
        PLAN = "plan", "排查计划"

    class Level(models.TextChoices):
        MINOR = "minor", "轻微"
        GENERAL = "general", "一般"
        SERIOUS = "serious", "较大"

    scope_fields = {"region": "unit__region", "organisation": "unit", "owner": "created_by"}

    unit = models.ForeignKey("org.Organisation", verbose_name="使用单位", on_delete=models.PROTECT, related_name="+")
    equipment = models.ForeignKey("se_equipment.Equipment", verbose_name="设备", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="general_hazards")
    check_type = models.CharField("检查类型", max_length=20, choices=CheckType.choices)
    plan = models.ForeignKey(CheckPlan, verbose_name="排查计划", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="hazards")
    category = models.CharField("隐患类别", max_length=60)
    count = models.PositiveSmallIntegerField("隐患条数", default=1)
    level = models.CharField("隐患级别", max_length=10, choices=Level.choices, default=Level.GENERAL)
    problem = models.TextField("主要问题")
    found_at = models.DateTimeField("发现隐患时间", default=timezone.now)
    deadline = models.DateField("整改期限")
    hazard_source = models.CharField("关联危险源", max_length=100, blank=True)
    investigator = models.ForeignKey("accounts.User", verbose_name="排查人员", on_delete=models.PROTECT,
                                     related_name="+")
    investigating_unit = models.CharField("排查单位", max_length=200)
    responsible = models.ForeignKey("accounts.User", verbose_name="整改责任人", on_delete=models.PROTECT,
                                    related_name="+")
    status = models.CharField("状态", max_length=20, choices=workflows.GENERAL_CHOICES, default="rectifying",
                              db_index=True)
    handled_on = models.DateField("隐患处理日期", null=True, blank=True)
    handler = models.CharField("处理人", max_length=50, blank=True)
    handling_result = models.TextField("处理结果", blank=True)
    remarks = models.TextField("备注", blank=True)
    accepted_at = models.DateTimeField("验收时间", null=True, blank=True)
    acceptor = models.ForeignKey("accounts.User", verbose_name="验收人", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    acceptance_opinion = models.TextField("验收意见", blank=True)

    workflow = workflows.GENERAL

    class Meta:
        verbose_name = verbose_name_plural = "一般隐患"
        ordering = ["-id"]

    def __str__(self):
        return f"{self.get_check_type_display()}：{self.problem[:20]}"

    def get_absolute_url(self):
        return f"/ent/se/general-hazards/{self.pk}/"
