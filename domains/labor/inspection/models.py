"""Grids and the complaint/report registration (投诉举报登记表) with case supervision (案件督办).

Warnings themselves are kernel.alerts.Warning rows raised by the rules in alerts.py; what this app adds
is where they go: a grid owner by territory (a grid is a kernel Region of level 网格 with the
particulars the seed lists, its owner mirrored into an alerts Territory), and, for an unresolved
warning or a complaint received directly, a registration that follows the statutory limits on the
business calendar: accept within 5 working days of receipt, finish within 60 working days of filing,
extend once by 30 working days with approval."""
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from kernel.core.models import BusinessModel
from kernel.org.validators import mask_id_number, mask_phone
from kernel.workflow.engine import WorkflowModel

from . import workflows


class Grid(BusinessModel):
    """网格: a Region of level 网格 under a county, with its head, contact and owner (网格员)."""

    scope_fields = {"region": "region", "organisation": "organisation", "owner": "created_by"}

    region = models.OneToOneField("org.Region", verbose_name="网格区划", on_delete=models.PROTECT,
                                  related_name="labor_grid")
    head = models.CharField("网格长", max_length=50)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    address = models.CharField("地址", max_length=300, blank=True)
    organisation = models.ForeignKey("org.Organisation", verbose_name="所属机构", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="网格员", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="labor_grids")

    class Meta:
        verbose_name = verbose_name_plural = "网格"
        ordering = ["region__path"]
        # The labour warning pages (欠薪预警 review, statistics, big screen, grid statistics, mobile disposition) need
        # these on top of the alert kernel's generic alerts.view_warning / export_warning, which other agencies'
        # roles (special equipment, government-service centre) hold for their own warnings.
        permissions = [("export_grid", "导出网格"), ("view_labour_warning", "查看欠薪预警"),
                       ("export_labour_warning", "导出欠薪预警")]

    def __str__(self):
        return self.region.name

    @property
    def name(self):
        return self.region.name

    @property
    def parent_name(self):
        parent = self.region.parent
        return parent.name if parent else ""


class Complaint(WorkflowModel, BusinessModel):
    """投诉举报登记 (the formal registration a case is handled from), with case supervision."""

    class Channel(models.TextChoices):
        WARNING = "warning", "预警转入"
        VISIT = "visit", "来访"
        PHONE = "phone", "来电"
        ONLINE = "online", "网上投诉"
        HOTLINE = "hotline", "12345热线"
        GRID = "grid", "网格上报"
        TRANSFER = "transfer", "上级交办"

    scope_fields = {"region": "region", "organisation": "respondent", "owner": "created_by"}
    workflow = workflows.COMPLAINT
    generic_transitions = False  # the case services keep supervision to-dos and reasons in step

    no = models.CharField("登记编号", max_length=30, unique=True)
    channel = models.CharField("案件来源", max_length=10, choices=Channel.choices)
    status = models.CharField("办理状态", max_length=12, choices=workflows.COMPLAINT.choices(), default="registered",
                              db_index=True)
    warning = models.OneToOneField("alerts.Warning", verbose_name="来源预警", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="labor_complaint")
    region = models.ForeignKey("org.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+")
    complainant_name = models.CharField("投诉人姓名", max_length=50, blank=True)
    complainant_id_number = models.CharField("投诉人身份证号", max_length=18, blank=True)
    complainant_phone = models.CharField("投诉人电话", max_length=20, blank=True)
    respondent = models.ForeignKey("org.Organisation", verbose_name="被投诉单位", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="labor_complaints")
    respondent_name = models.CharField("被投诉单位名称", max_length=200)
    respondent_address = models.CharField("被投诉单位地址", max_length=300, blank=True)
    respondent_contact = models.CharField("被投诉单位负责人", max_length=50, blank=True)
    project = models.ForeignKey("labor_monitoring.Project", verbose_name="涉及项目", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="complaints")
    workers_involved = models.PositiveIntegerField("涉及人数", default=1)
    amount_owed = models.DecimalField("涉及金额（元）", max_digits=16, decimal_places=2, default=Decimal("0"),
                                      validators=[MinValueValidator(0)])
    facts = models.TextField("投诉举报事项")
    demands = models.TextField("投诉请求", blank=True)
    received_on = models.DateField("收到日期")
    accept_due = models.DateField("受理期限")
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    filed_on = models.DateField("立案日期", null=True, blank=True)
    finish_due = models.DateField("办结期限", null=True, blank=True)
    extended = models.BooleanField("已延期", default=False)
    extension_reason = models.TextField("延期理由", blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    result = models.TextField("处理结果", blank=True)
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="督办责任人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="承办人", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "投诉举报登记"
        ordering = ["-received_on", "-id"]
        permissions = [("export_complaint", "导出投诉举报登记表"), ("accept_complaint", "受理投诉举报"),
                       ("approve_extension", "审批延期"), ("close_complaint", "办结案件")]
        indexes = [models.Index(fields=["region", "status"], name="labor_complaint_region"),
                   models.Index(fields=["respondent", "received_on"], name="labor_complaint_resp")]

    def __str__(self):
        return f"{self.no} {self.respondent_name}"

    def get_absolute_url(self):
        return f"/gov/labor/complaints/{self.pk}/"

    @property
    def masked_complainant_id(self):
        return mask_id_number(self.complainant_id_number)

    @property
    def masked_complainant_phone(self):
        return mask_phone(self.complainant_phone)
