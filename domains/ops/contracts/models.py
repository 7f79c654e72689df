"""Maintained systems, service contracts and their SLA terms (seed 004, and the SLA figures of seeds 000-003)."""
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from kernel.core.models import BusinessModel


class MaintainedSystem(BusinessModel):
    """A system under maintenance (e.g. the pension system: 1 database instance, 8 core DB users, 11
    application servers), owned by an agency."""

    scope_fields = {"region": "agency__region", "organisation": "agency", "owner": None}

    code = models.SlugField("系统代码", max_length=40, unique=True)
    name = models.CharField("系统名称", max_length=100)
    agency = models.ForeignKey("org.Organisation", verbose_name="使用单位", on_delete=models.PROTECT, related_name="+")
    components = models.JSONField("组成", default=list, blank=True,
                                  help_text='如 [["数据库实例", 1], ["数据库核心用户", 8], ["应用服务器", 11]]')
    description = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "运维对象系统"
        ordering = ["code"]

    def __str__(self):
        return self.name


class ServiceContract(BusinessModel):
    """An O&M service contract for a system: its supplier, term and SLA terms."""

    scope_fields = {"region": "system__agency__region", "organisation": "system__agency", "owner": None}

    system = models.ForeignKey(MaintainedSystem, verbose_name="运维对象", on_delete=models.PROTECT, related_name="contracts")
    contract_no = models.CharField("合同编号", max_length=60, unique=True)
    name = models.CharField("合同名称", max_length=150)
    supplier = models.CharField("服务商", max_length=100)
    starts_on = models.DateField("服务开始日期")
    ends_on = models.DateField("服务结束日期")
    onsite = models.CharField("驻场服务", max_length=100, blank=True, help_text="如：工作日5×8小时驻场")
    source = models.CharField("依据", max_length=200, blank=True, help_text="SLA条款出处（招标文件、合同条款）")

    class Meta:
        verbose_name = verbose_name_plural = "运维服务合同"
        ordering = ["-starts_on", "contract_no"]

    def __str__(self):
        return f"{self.contract_no} {self.name}"

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "服务结束日期不能早于开始日期"})


class SlaTerm(models.Model):
    """One SLA line of a contract: for a kind of ticket (and a fault level), the first-response and resolution
    limits in hours of the schedule's clock (7×24 for faults, office hours for 5×8), or for consultations the
    cut-off rule: raised before 15:00 on a working day solved the same day, after it the next working day."""

    audit_enabled = True

    class Kind(models.TextChoices):
        FAULT = "fault", "故障"
        CONSULTATION = "consultation", "咨询"
        UPGRADE = "upgrade", "软件升级"
        DATA = "data", "数据维护"

    contract = models.ForeignKey(ServiceContract, verbose_name="合同", on_delete=models.CASCADE, related_name="terms")
    kind = models.CharField("工单类型", max_length=12, choices=Kind.choices)
    level = models.PositiveSmallIntegerField("故障级别", null=True, blank=True,
                                             validators=[MinValueValidator(1), MaxValueValidator(3)],
                                             help_text="故障为1、2、3级；其他类型留空")
    response_hours = models.DecimalField("响应时限（小时）", max_digits=6, decimal_places=2, null=True, blank=True,
                                         validators=[MinValueValidator(Decimal("0.01"))])
    resolution_hours = models.DecimalField("解决时限（小时）", max_digits=6, decimal_places=2, null=True, blank=True,
                                           validators=[MinValueValidator(Decimal("0.01"))])
    schedule = models.ForeignKey("bizcalendar.Schedule", verbose_name="计时方案", on_delete=models.PROTECT,
                                 related_name="+")
    cutoff = models.TimeField("当日解决截止时点", null=True, blank=True,
                              help_text="咨询类：此时点前提出的当日解决，之后的次一工作日解决（如15:00）")

    class Meta:
        verbose_name = verbose_name_plural = "SLA条款"
        ordering = ["contract", "kind", "level"]
        constraints = [models.UniqueConstraint(fields=["contract", "kind", "level"], name="ops_sla_term_once"),
                       models.UniqueConstraint(fields=["contract", "kind"], condition=models.Q(level__isnull=True),
                                               name="ops_sla_term_once_unlevelled")]

    def __str__(self):
        return f"{self.get_kind_display()}{f'{self.level}级' if self.level else ''}"

    def clean(self):
        super().clean()
        if self.kind == self.Kind.FAULT and not self.level:
            raise ValidationError({"level": "故障类条款须指定故障级别"})
        if self.kind != self.Kind.FAULT and self.level:
            raise ValidationError({"level": "只有故障类条款分级别"})
        if self.cutoff is None and self.response_hours is None and self.resolution_hours is None:
            raise ValidationError({"response_hours": "请填写响应或解决时限，或咨询类的当日解决截止时点"})
        if self.response_hours and self.resolution_hours and self.resolution_hours < self.response_hours:
            raise ValidationError({"resolution_hours": "解决时限不能短于响应时限"})
