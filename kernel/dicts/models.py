"""Dictionaries (字典): operator-editable code tables, label <-> value.

Forms, filters, list pages and Excel import/export all read them through
kernel.dicts.services, which caches each table and drops the cache on change.
"""
from django import forms
from django.core.exceptions import ValidationError
from django.db import models


class DictType(models.Model):
    audit_enabled = True

    code = models.SlugField("字典编码", max_length=64, unique=True)
    name = models.CharField("字典名称", max_length=100)
    description = models.CharField("说明", max_length=300, blank=True)
    is_system = models.BooleanField("系统内置", default=False, help_text="系统内置字典不可删除")

    class Meta:
        verbose_name = verbose_name_plural = "字典类型"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"


class DictItem(models.Model):
    audit_enabled = True

    dict_type = models.ForeignKey(DictType, verbose_name="字典类型", on_delete=models.CASCADE, related_name="items")
    value = models.CharField("字典值", max_length=64)
    label = models.CharField("显示标签", max_length=100)
    order = models.IntegerField("排序", default=0)
    colour = models.CharField("颜色", max_length=20, blank=True, help_text="如 red、#d9534f，用于列表标签")
    enabled = models.BooleanField("启用", default=True)
    remark = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "字典项"
        ordering = ["dict_type", "order", "value"]
        constraints = [models.UniqueConstraint(fields=["dict_type", "value"], name="dictitem_unique_value")]

    def __str__(self):
        return f"{self.label}（{self.value}）"


class DictField(models.CharField):
    """A CharField whose allowed values come from a dictionary table.

    The stored value is the dictionary value; forms get a select of enabled items,
    model validation rejects values that are not in the table.
    """

    def __init__(self, *args, dict_type: str = "", **kwargs):
        self.dict_type = dict_type
        kwargs.setdefault("max_length", 64)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["dict_type"] = self.dict_type
        if kwargs.get("max_length") == 64:
            del kwargs["max_length"]
        return name, path, args, kwargs

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if value in self.empty_values:
            return
        from .services import labels

        if value not in labels(self.dict_type):
            raise ValidationError("“%(v)s”不是有效的%(f)s", code="dict_value", params={"v": value, "f": self.verbose_name})

    def formfield(self, **kwargs):
        from .services import choices

        return forms.TypedChoiceField(
            choices=lambda: [("", "---------")] + choices(self.dict_type),
            required=not self.blank,
            label=self.verbose_name,
            help_text=self.help_text,
            **{k: v for k, v in kwargs.items() if k in {"initial", "disabled", "widget"}},
        )
