"""Regions (自治区 → 地级市 → 县区 → 乡镇/网格) and organisations.

Regions use a materialised path: `path` holds the codes from the root down,
each followed by a dot ("450000.450100.450102."), so "this node and all below"
is one indexed prefix query (`path LIKE '450100.%'`; varchar_pattern_ops on PostgreSQL).
"""
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length

from kernel.core.models import BusinessModel
from kernel.dicts.models import DictField

from .validators import validate_uscc


class Region(models.Model):
    audit_enabled = True

    class Level(models.IntegerChoices):
        PROVINCE = 1, "自治区"
        CITY = 2, "地级市"
        COUNTY = 3, "县（市、区）"
        TOWN = 4, "乡镇（街道）"
        GRID = 5, "网格"

    code = models.CharField("区划代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=60)
    level = models.PositiveSmallIntegerField("层级", choices=Level.choices)
    parent = models.ForeignKey("self", verbose_name="上级区划", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField("路径", max_length=255, unique=True, editable=False)
    order = models.IntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["path"]
        indexes = [models.Index(fields=["path"], name="region_path_prefix", opclasses=["varchar_pattern_ops"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.parent_id and self.parent.level >= self.level:
            raise ValidationError({"level": "下级区划的层级必须低于上级"})
        old_path = None
        if self.pk:
            old_path = Region.objects.filter(pk=self.pk).values_list("path", flat=True).first()
        self.path = (self.parent.path if self.parent_id else "") + f"{self.code}."
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # Moving a node rewrites the paths below it in one statement per descendant level.
            for node in Region.objects.filter(path__startswith=old_path).exclude(pk=self.pk).order_by(Length("path")):
                node.save()

    def subtree(self):
        return Region.objects.filter(path__startswith=self.path)

    def ancestors(self):
        codes = self.path.rstrip(".").split(".")[:-1]
        return Region.objects.filter(code__in=codes).order_by("level")

    @property
    def full_name(self):
        return "".join(r.name for r in self.ancestors()) + self.name

    @property
    def city(self):
        if self.level < self.Level.CITY:
            return None
        code = self.path.split(".")[1]
        return self if self.code == code else Region.objects.get(code=code)


class Organisation(BusinessModel):
    class Kind(models.TextChoices):
        AGENCY = "agency", "政府机关"
        ENTERPRISE = "enterprise", "企业"
        INSTITUTION = "institution", "技术机构"

    scope_fields = {"region": "region", "organisation": "pk", "owner": "created_by"}

    name = models.CharField("机构名称", max_length=200, db_index=True)
    kind = models.CharField("机构类别", max_length=20, choices=Kind.choices, db_index=True)
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="organisations")
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True, null=True, blank=True, validators=[validate_uscc])
    agency_type = DictField("部门类型", dict_type="agency_type", blank=True)
    institution_type = DictField("技术机构类型", dict_type="institution_type", blank=True)
    industry = DictField("所属行业", dict_type="industry", blank=True, db_index=True)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    address = models.CharField("地址", max_length=300, blank=True)
    parent = models.ForeignKey("self", verbose_name="上级机构", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        verbose_name = verbose_name_plural = "机构"
        ordering = ["-id"]
        permissions = [("export_organisation", "导出机构")]
        indexes = [
            # Scoped lists: rows of a set of regions, newest first, live rows only.
            models.Index(fields=["region", "-id"], name="org_live_region_id", condition=models.Q(is_deleted=False)),
            # Scoped counts and filters by kind/industry (and name) answered from the index alone.
            models.Index(fields=["region", "kind", "industry"], include=["name"], name="org_live_region_kind_ind",
                         condition=models.Q(is_deleted=False)),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("gov:org_detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.kind == self.Kind.ENTERPRISE:
            if not self.uscc:
                errors["uscc"] = "企业必须填写统一社会信用代码"
            if not self.industry:
                errors["industry"] = "企业必须选择所属行业"
        if self.kind == self.Kind.AGENCY and not self.agency_type:
            errors["agency_type"] = "政府机关必须选择部门类型"
        if self.kind == self.Kind.INSTITUTION and not self.institution_type:
            errors["institution_type"] = "技术机构必须选择机构类型"
        if self.uscc:
            self.uscc = self.uscc.strip().upper()
        if errors:
            raise ValidationError(errors)

    @property
    def level_label(self):
        return {1: "自治区级", 2: "市级", 3: "县级", 4: "乡镇级", 5: "网格"}.get(self.region.level, "")
