"""Insurance types and contribution rules as data (seed 003 §2.3.1). Every amount is a Decimal."""
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from kernel.core.models import BusinessModel

MONEY = {"max_digits": 14, "decimal_places": 2}


def yuan(amount) -> str:
    """An amount as the seed writes it: 3942.40 -> "3942.4", 3300.00 -> "3300"."""
    text = f"{Decimal(str(amount)).normalize():f}"
    return text


class PersonType(models.TextChoices):
    FLEXIBLE = "flexible", "灵活就业人员"
    RESIDENT = "resident", "城乡居民"


class SpecialCategory(models.TextChoices):
    """特殊人员类别 that the rules route to assessment (社保核定)."""
    RETIREMENT_AGE = "retirement_age", "到龄退休人员"
    LAND_LOST = "land_lost", "失地农民"


class InsuranceType(models.Model):
    """险种: what a payer pays, with the 征收项目/征收品目 of the tax system. Base-rated types (flexible
    employment) are paid as base x rate a month; resident types as a yearly amount chosen by grade."""

    code = models.CharField("险种代码", max_length=30, unique=True)
    name = models.CharField("险种名称", max_length=60)
    person_type = models.CharField("适用人员", max_length=10, choices=PersonType.choices)
    collection_item = models.CharField("征收项目", max_length=60)
    sub_item = models.CharField("征收品目", max_length=60)
    rate = models.DecimalField("费率", max_digits=6, decimal_places=4, null=True, blank=True,
                               help_text="按基数计征的险种填写（如0.2000即20%）；按档次定额缴纳的留空")
    yearly = models.BooleanField("按年缴纳", default=False, help_text="城乡居民险种按年度定额缴纳")
    self_declared = models.BooleanField("可自主申报", default=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "险种"
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class DeclarationMode(models.TextChoices):
    SELF = "self", "自主申报缴费"
    ASSESSED = "assessed", "社保核定，特殊渠道推送缴费"
    MIXED = "mixed", "自主申报缴费/核定（按人员类别）"


def validate_grades(value):
    if not isinstance(value, list) or not value:
        raise ValidationError("缴费档次须为至少一个金额的列表")
    try:
        amounts = [Decimal(str(v)) for v in value]
    except Exception as exc:  # noqa: BLE001 - any unparsable entry is the same error for the user
        raise ValidationError("缴费档次须为金额") from exc
    if any(a <= 0 or a != a.quantize(Decimal("0.01")) for a in amounts):
        raise ValidationError("缴费档次金额须大于0且最多两位小数")
    if amounts != sorted(set(amounts)):
        raise ValidationError("缴费档次须从低到高排列且不重复")


class GradesMixin:
    """The `grades` JSON list of a rule as Decimals."""

    @property
    def grade_amounts(self):
        return [Decimal(str(v)) for v in self.grades or []]

    def checked_grade_amounts(self):
        """The grades as Decimals, or None when they are invalid (validate_grades reports that on the field)."""
        try:
            validate_grades(self.grades)
        except ValidationError:
            return None
        return self.grade_amounts


class ContributionRule(GradesMixin, BusinessModel):
    """One prefecture's rule for one insurance type and year (e.g. 南宁 2021 灵活就业养老: 自主申报，最低档
    3,153.9元，新基数公布前只能缴至当月，2月起开放)."""

    scope_fields = {"region": "prefecture", "organisation": None, "owner": None}

    prefecture = models.ForeignKey("org.Region", verbose_name="地市（税务局）", on_delete=models.PROTECT,
                                   related_name="+", help_text="设区市，或自治区（自治区本级）")
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    insurance = models.ForeignKey(InsuranceType, verbose_name="险种", on_delete=models.PROTECT, related_name="rules")
    mode = models.CharField("申报方式", max_length=10, choices=DeclarationMode.choices)
    min_base = models.DecimalField("最低缴费基数（元/月）", **MONEY)
    grades = models.JSONField("缴费档次（元/月）", validators=[validate_grades],
                              help_text="可选缴费基数，从低到高；第一档为最低缴费基数")
    base_published = models.BooleanField("新缴费基数已公布", default=False)
    published_on = models.DateField("公布日期", null=True, blank=True)
    no_prepay = models.BooleanField("新基数公布前只能缴至当月", default=False,
                                    help_text="勾选后，新缴费基数公布前只能缴纳至当月所属期，不能预缴全年（如南宁）")
    self_suspended = models.BooleanField("暂停自行申报缴费", default=False)
    assessed_categories = models.JSONField("由社保核定的人员类别", default=list, blank=True,
                                           help_text="这些特殊人员类别由社保部门核定后推送缴费")
    opens_month = models.PositiveSmallIntegerField("本年度开征月份", default=1,
                                                   validators=[MinValueValidator(1), MaxValueValidator(12)],
                                                   help_text="该月起可缴纳本年度费款（如南宁2021年为2月）")
    back_pay_until_month = models.PositiveSmallIntegerField(
        "次年可补缴至（月）", default=0, validators=[MaxValueValidator(12)],
        help_text="次年该月底前仍可自行缴纳本年度费款；0表示跨年后不能自行缴纳（如南宁2020年度为1，即2021年1月）")
    remark = models.TextField("规则说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "缴费规则"
        ordering = ["-year", "prefecture__code", "insurance__order"]
        constraints = [models.UniqueConstraint(fields=["prefecture", "year", "insurance"], name="si_rule_unique")]

    def __str__(self):
        return f"{self.prefecture.name} {self.year}年 {self.insurance.name}"

    def clean(self):
        super().clean()
        amounts = self.checked_grade_amounts()
        if amounts is None:
            return  # reported on the field
        if self.min_base is not None and amounts[0] != self.min_base:
            raise ValidationError({"grades": f"第一档须等于最低缴费基数{yuan(self.min_base)}元"})
        unknown = set(self.assessed_categories or []) - set(SpecialCategory.values)
        if unknown:
            raise ValidationError({"assessed_categories": "人员类别不正确：" + "、".join(sorted(unknown))})
        if self.base_published and not self.published_on:
            raise ValidationError({"published_on": "请填写新缴费基数的公布日期"})


class ResidentGrade(GradesMixin, BusinessModel):
    """城乡居民缴费档次: the yearly amounts a resident may choose for an insurance type in a prefecture
    and year (应缴费额设置 chooses one)."""

    scope_fields = {"region": "prefecture", "organisation": None, "owner": None}

    prefecture = models.ForeignKey("org.Region", verbose_name="地市（税务局）", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    insurance = models.ForeignKey(InsuranceType, verbose_name="险种", on_delete=models.PROTECT, related_name="+")
    grades = models.JSONField("缴费档次（元/年）", validators=[validate_grades])
    default_grade = models.DecimalField("默认档次（元/年）", **MONEY)

    class Meta:
        verbose_name = verbose_name_plural = "城乡居民缴费档次"
        ordering = ["-year", "prefecture__code"]
        constraints = [models.UniqueConstraint(fields=["prefecture", "year", "insurance"], name="si_grade_unique")]

    def __str__(self):
        return f"{self.prefecture.name} {self.year}年 {self.insurance.name}"

    def clean(self):
        super().clean()
        amounts = self.checked_grade_amounts()
        if amounts is None:
            return  # reported on the field
        if self.default_grade is not None and self.default_grade not in amounts:
            raise ValidationError({"default_grade": "默认档次须为缴费档次之一"})
