"""One-window acceptance (一窗受理): the matters catalogue, windows and their bookable slots,
appointments, and cases (办件) with their materials.

A matter (事项) is edited by the centre and published in versions: a case keeps the version it was
accepted under (its limits and material list), and every published version is kept as a snapshot.
Time limits are working days on the business calendar (kernel.calendar)."""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from kernel.core.models import BusinessModel
from kernel.org.validators import mask_id_number, mask_phone
from kernel.workflow.engine import WorkflowModel

from . import workflows


class Category(models.TextChoices):
    """The five business categories of comprehensive acceptance (seed 002 §2.4.7), and others."""

    INVESTMENT = "investment", "投资项目审批类"
    ENTERPRISE = "enterprise", "企业注册与后置审批类"
    HOUSING = "housing", "房屋交易与不动产交易类"
    FUND = "fund", "住房公积金类"
    POLICE = "police", "公安服务类"
    OTHER = "other", "其他"


class Matter(BusinessModel):
    """事项: what a citizen or enterprise can apply for, with everything the guide shows."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        RETIRED = "retired", "已停用"

    scope_fields = {"region": "region", "organisation": "department", "owner": "created_by"}

    code = models.CharField("事项编码", max_length=40, unique=True)
    name = models.CharField("事项名称", max_length=200, db_index=True)
    category = models.CharField("事项分类", max_length=20, choices=Category.choices)
    department = models.ForeignKey("org.Organisation", verbose_name="办理部门", on_delete=models.PROTECT,
                                   related_name="gs_matters")
    region = models.ForeignKey("org.Region", verbose_name="服务中心所在区划", on_delete=models.PROTECT, related_name="+")
    statutory_days = models.PositiveSmallIntegerField("法定期限（工作日）", validators=[MinValueValidator(1)])
    promised_days = models.PositiveSmallIntegerField("承诺期限（工作日）", validators=[MinValueValidator(1)])
    contact_phone = models.CharField("咨询电话", max_length=30, blank=True)
    supervision_phone = models.CharField("监督电话", max_length=30, blank=True)
    fee_basis = models.TextField("收费依据", blank=True)
    fee_standard = models.CharField("收费标准", max_length=300, blank=True, help_text="不收费填“不收费”")
    location = models.CharField("办理地点", max_length=300, blank=True)
    conditions = models.TextField("受理条件", blank=True)
    legal_basis = models.TextField("法定依据", blank=True)
    process_steps = models.JSONField("办理流程", default=list, blank=True, help_text="按顺序的步骤说明")
    online = models.BooleanField("可网上申请", default=True)
    bookable = models.BooleanField("可预约", default=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField("当前发布版本", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "政务服务事项"
        ordering = ["category", "code"]
        permissions = [("publish_matter", "发布事项")]
        constraints = [models.CheckConstraint(condition=Q(promised_days__lte=F("statutory_days")),
                                              name="gs_matter_promise_within_statute")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return f"/gov/gs/matters/{self.pk}/"


class MatterMaterial(models.Model):
    """办理材料 of a matter (edited with the matter, frozen in each published version)."""

    matter = models.ForeignKey(Matter, verbose_name="事项", on_delete=models.CASCADE, related_name="materials")
    name = models.CharField("材料名称", max_length=200)
    required = models.BooleanField("必须提供", default=True)
    original = models.BooleanField("需验原件", default=False)
    copies = models.PositiveSmallIntegerField("份数", default=1)
    licence_type = models.CharField("可从证照库调取的证照类型", max_length=60, blank=True,
                                    help_text="如“居民身份证”“营业执照”；为空则只能上传")
    note = models.CharField("说明", max_length=300, blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "办理材料"
        ordering = ["matter", "order", "id"]

    def __str__(self):
        return self.name


class MatterVersion(models.Model):
    """A published version of a matter: the full guide and material list as it was (insert-only)."""

    matter = models.ForeignKey(Matter, verbose_name="事项", on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField("版本号")
    snapshot = models.JSONField("事项内容")
    published_at = models.DateTimeField("发布时间", auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    note = models.CharField("修订说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "事项版本"
        ordering = ["matter", "-version"]
        constraints = [models.UniqueConstraint(fields=["matter", "version"], name="gs_matter_version_unique")]


class Window(BusinessModel):
    """A window (窗口) of a government-service centre and the categories it accepts."""

    scope_fields = {"region": "region", "organisation": "centre", "owner": "created_by"}

    region = models.ForeignKey("org.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    centre = models.ForeignKey("org.Organisation", verbose_name="政务服务中心", on_delete=models.PROTECT,
                               related_name="gs_windows")
    name = models.CharField("窗口名称", max_length=60)
    number = models.CharField("窗口号", max_length=10)
    categories = models.JSONField("受理事项分类", default=list, help_text="Category 代码列表")
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "服务窗口"
        ordering = ["region", "number"]
        constraints = [models.UniqueConstraint(fields=["centre", "number"], condition=Q(is_deleted=False),
                                               name="gs_window_number_unique")]

    def __str__(self):
        return f"{self.number}号窗口 {self.name}"


class Slot(models.Model):
    """A bookable period of a window on a day, with its capacity. `booked` only moves by a conditional
    UPDATE (booked < capacity), so concurrent bookings never exceed it."""

    window = models.ForeignKey(Window, verbose_name="窗口", on_delete=models.CASCADE, related_name="slots")
    date = models.DateField("日期")
    start = models.TimeField("开始时间")
    end = models.TimeField("结束时间")
    capacity = models.PositiveSmallIntegerField("可预约人数", validators=[MinValueValidator(1), MaxValueValidator(500)])
    booked = models.PositiveSmallIntegerField("已预约人数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "预约时段"
        ordering = ["date", "start", "window"]
        constraints = [
            models.UniqueConstraint(fields=["window", "date", "start"], name="gs_slot_unique"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="gs_slot_not_overbooked"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="gs_slot_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def remaining(self):
        return self.capacity - self.booked


class Appointment(BusinessModel):
    """预约: a person's booking of a slot for a matter; its number (预约编号) is what they bring."""

    class Status(models.TextChoices):
        BOOKED = "booked", "已预约"
        CANCELLED = "cancelled", "已取消"
        ARRIVED = "arrived", "已到窗口"
        MISSED = "missed", "已过期未到"

    scope_fields = {"region": "slot__window__region", "organisation": "slot__window__centre", "owner": "created_by"}

    no = models.CharField("预约编号", max_length=30, unique=True)
    matter = models.ForeignKey(Matter, verbose_name="事项", on_delete=models.PROTECT, related_name="appointments")
    slot = models.ForeignKey(Slot, verbose_name="时段", on_delete=models.PROTECT, related_name="appointments")
    date = models.DateField("预约日期", editable=False, help_text="时段的日期（冗余保存，用于同人同日同事项唯一约束）")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="预约人账号", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="gs_appointments")
    name = models.CharField("预约人姓名", max_length=50)
    id_number = models.CharField("身份证号码", max_length=18)
    phone = models.CharField("手机号码", max_length=20)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.BOOKED)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "预约"
        ordering = ["-id"]
        indexes = [models.Index(fields=["applicant", "-id"], name="gs_appt_applicant")]
        constraints = [
            # One booked appointment per person, matter and day, whatever two requests race for it.
            models.UniqueConstraint(fields=["matter", "id_number", "date"], condition=models.Q(status="booked"),
                                    name="gs_appt_one_per_person_day"),
        ]

    def __str__(self):
        return self.no

    def save(self, *args, **kwargs):
        self.date = self.slot.date
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "slot" in update_fields:
            kwargs["update_fields"] = {*update_fields, "date"}
        super().save(*args, **kwargs)

    @property
    def masked_id(self):
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self):
        return mask_phone(self.phone)


class Case(WorkflowModel, BusinessModel):
    """办件: one application for one matter, from online submission or window registration (受理登记) to
    the department's result. The number (申报号) is what every system and the shadow table key on."""

    class Channel(models.TextChoices):
        WINDOW = "window", "窗口受理"
        APPOINTMENT = "appointment", "预约到窗"
        ONLINE = "online", "网上申请"
        PRE_ACCEPTANCE = "pre", "部门网上预受理"

    class Delivery(models.TextChoices):
        PICKUP = "pickup", "窗口自取"
        COURIER = "courier", "快递送达"

    scope_fields = {"region": "region", "organisation": "applicant_org", "owner": "applicant_user"}
    workflow = workflows.CASE
    initial_states = ("accepted",)  # registered at the window: accepted from the start
    generic_transitions = False  # dispatch and callbacks belong to the department exchange's services

    no = models.CharField("申报号", max_length=30, unique=True)
    matter = models.ForeignKey(Matter, verbose_name="事项", on_delete=models.PROTECT, related_name="cases")
    matter_version = models.PositiveIntegerField("事项版本")
    region = models.ForeignKey("org.Region", verbose_name="受理区划", on_delete=models.PROTECT, related_name="+")
    window = models.ForeignKey(Window, verbose_name="受理窗口", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="cases")
    appointment = models.OneToOneField(Appointment, verbose_name="预约", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="case")
    channel = models.CharField("来源", max_length=12, choices=Channel.choices)
    status = models.CharField("办件状态", max_length=14, choices=workflows.CASE.choices(), default="draft",
                              db_index=True)
    applicant_name = models.CharField("申请人", max_length=100)
    applicant_id_number = models.CharField("证件号码", max_length=18, blank=True)
    applicant_phone = models.CharField("联系电话", max_length=20)
    applicant_org = models.ForeignKey("org.Organisation", verbose_name="申请单位", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="gs_cases")
    applicant_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人账号", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="gs_cases")
    form_data = models.JSONField("申请表内容", default=dict, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="受理人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    promised_due = models.DateField("承诺办结日期", null=True, blank=True)
    statutory_due = models.DateField("法定办结日期", null=True, blank=True)
    completed_at = models.DateTimeField("办结时间", null=True, blank=True)
    delivery = models.CharField("取件方式", max_length=10, choices=Delivery.choices, default=Delivery.PICKUP)
    joint_group = models.CharField("联合审批项目", max_length=20, blank=True, default="", db_default="",
                                   editable=False, help_text="联合审批项目编号（双告知触发）；其他办件为空")

    class Meta:
        verbose_name = verbose_name_plural = "办件"
        ordering = ["-id"]
        permissions = [("accept_case", "窗口受理"), ("export_case", "导出办件")]
        indexes = [models.Index(fields=["region", "status", "-id"], name="gs_case_region_status"),
                   models.Index(fields=["applicant_user", "-id"], name="gs_case_applicant"),
                   models.Index(fields=["joint_group"], condition=~models.Q(joint_group=""), name="gs_case_joint"),
                   # e-supervision colour counts of a county's open cases: an index-only scan (bench gs_cases)
                   models.Index(fields=["region", "status"], include=["promised_due", "statutory_due", "is_deleted", "id"],
                                name="gs_case_open_levels")]

    def __str__(self):
        return f"{self.no} {self.matter.name}" if self.matter_id else self.no

    def get_absolute_url(self):
        return f"/gov/gs/cases/{self.pk}/"

    @property
    def masked_id(self):
        return mask_id_number(self.applicant_id_number)


class CaseMaterial(models.Model):
    """A material of a case: checked at the window (收件核验) and digitised (the file is a kernel attachment
    of the case, purpose gs_case_material), or taken from the applicant's certificate library."""

    case = models.ForeignKey(Case, verbose_name="办件", on_delete=models.CASCADE, related_name="materials")
    material = models.ForeignKey(MatterMaterial, verbose_name="事项材料", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    name = models.CharField("材料名称", max_length=200)
    attachment = models.ForeignKey("files.Attachment", verbose_name="电子材料", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    checked = models.BooleanField("已核验", default=False)
    original_seen = models.BooleanField("已验原件", default=False)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "办件材料"
        ordering = ["case", "id"]
