"""Special equipment and its inspection reports: the part of the data centre that hazards hang on.

User units and technical institutions are kernel organisations (enterprise / institution kinds);
equipment belongs to a user unit and a region, and is seen by the regulators of that region's
subtree, by its user unit and by its maintenance unit."""
from django.db import models
from django.utils import timezone

from kernel.core.models import BusinessModel
from kernel.dicts.models import DictField

# The eight categories this system manages (gas cylinders, 2300, belong to the traceability system).
CATEGORIES = {"1000": "锅炉", "2000": "压力容器", "8000": "压力管道", "3000": "电梯", "4000": "起重机械",
              "9000": "客运索道", "6000": "大型游乐设施", "5000": "场（厂）内专用机动车辆"}


class Equipment(BusinessModel):
    class Status(models.TextChoices):
        IN_USE = "in_use", "在用"
        STOPPED = "stopped", "停用"
        SCRAPPED = "scrapped", "报废"
        UNREGISTERED = "unregistered", "未登记"

    scope_fields = {"region": "region", "organisation": ("user_unit", "maintenance_unit"), "owner": "created_by"}

    code = models.CharField("设备代码", max_length=40, unique=True)
    category = DictField("设备种类", dict_type="equipment_category", db_index=True)
    type_name = models.CharField("设备类别", max_length=60, blank=True)
    variety = models.CharField("设备品种", max_length=60, blank=True)
    registration_no = models.CharField("使用登记证编号", max_length=40, blank=True)
    name = models.CharField("设备名称", max_length=100, blank=True)
    model_no = models.CharField("型号规格", max_length=60, blank=True)
    region = models.ForeignKey("org.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    location = models.CharField("设备使用地点", max_length=200, blank=True)
    user_unit = models.ForeignKey("org.Organisation", verbose_name="使用单位", on_delete=models.PROTECT,
                                  related_name="se_equipment")
    maintenance_unit = models.ForeignKey("org.Organisation", verbose_name="维保单位", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="se_maintained")
    status = models.CharField("设备状态", max_length=20, choices=Status.choices, default=Status.IN_USE)
    manufactured_on = models.DateField("制造日期", null=True, blank=True)
    commissioned_on = models.DateField("投用日期", null=True, blank=True)
    next_inspection_on = models.DateField("下次检验日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "特种设备"
        ordering = ["-id"]
        permissions = [("export_equipment", "导出特种设备"), ("import_equipment", "导入特种设备")]
        indexes = [
            models.Index(fields=["region", "category"], name="se_eq_region_cat", condition=models.Q(is_deleted=False)),
            models.Index(fields=["user_unit"], name="se_eq_unit"),
        ]

    def __str__(self):
        return f"{self.code} {self.name or CATEGORIES.get(self.category, '')}".strip()

    def get_absolute_url(self):
        return f"/gov/se/equipment/{self.pk}/"

    @property
    def inspection_overdue(self):
        return self.next_inspection_on is not None and self.next_inspection_on < timezone.localdate()


class InspectionReport(BusinessModel):
    class Conclusion(models.TextChoices):
        QUALIFIED = "qualified", "合格"
        REQUALIFIED = "requalified", "复检合格"
        CONFORMING = "conforming", "符合要求"
        BASIC = "basic", "基本符合要求"
        NONCONFORMING = "nonconforming", "不符合要求"
        UNQUALIFIED = "unqualified", "不合格"

    NEGATIVE = (Conclusion.NONCONFORMING, Conclusion.UNQUALIFIED)

    class Kind(models.TextChoices):
        PERIODIC = "periodic", "定期检验"
        SUPERVISORY = "supervisory", "监督检验"
        SELF_TEST = "self_test", "自行检测"
        ANNUAL = "annual", "年度检查"

    scope_fields = {"region": "region", "organisation": ("agency", "user_unit"), "owner": "created_by"}

    report_no = models.CharField("报告编号", max_length=50, unique=True)
    equipment = models.ForeignKey(Equipment, verbose_name="设备", on_delete=models.PROTECT, related_name="reports")
    agency = models.ForeignKey("org.Organisation", verbose_name="检验机构", on_delete=models.PROTECT,
                               related_name="se_reports_issued")
    user_unit = models.ForeignKey("org.Organisation", verbose_name="使用单位", on_delete=models.PROTECT,
                                  related_name="se_reports")
    region = models.ForeignKey("org.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("检验类别", max_length=20, choices=Kind.choices, default=Kind.PERIODIC)
    inspected_on = models.DateField("检验日期")
    conclusion = models.CharField("检验结论", max_length=20, choices=Conclusion.choices, db_index=True)
    next_inspection_on = models.DateField("下次检验日期", null=True, blank=True)
    problems = models.TextField("主要问题", blank=True)
    inspector = models.CharField("检验人员", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "检验报告"
        ordering = ["-inspected_on", "-id"]
        permissions = [("export_inspectionreport", "导出检验报告")]
        indexes = [models.Index(fields=["region", "conclusion"], name="se_report_region_concl")]

    def __str__(self):
        return self.report_no

    @property
    def is_negative(self):
        return self.conclusion in self.NEGATIVE

    def save(self, *args, **kwargs):
        if self.equipment_id and not self.region_id:
            self.region_id = self.equipment.region_id
        if self.equipment_id and not self.user_unit_id:
            self.user_unit_id = self.equipment.user_unit_id
        super().save(*args, **kwargs)
