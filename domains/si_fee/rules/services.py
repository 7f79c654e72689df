"""What a payer may declare and pay under the rules (seed 003 §2.3.1). The one place that reads the rules:
the payment and batch-deduction code asks here, never the tables directly.

Periods (所属期) are months, written as datetime.date of the month's first day. Amounts are Decimals,
rounded half-up to the fen (0.01) once, per period and insurance type; no float ever takes part."""
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from .models import ContributionRule, DeclarationMode, InsuranceType, PersonType, ResidentGrade, SpecialCategory, yuan

FEN = Decimal("0.01")


def money(value) -> Decimal:
    """A Decimal amount rounded half-up to the fen; strings and Decimals only (a float is refused)."""
    if isinstance(value, float):
        raise TypeError("money amounts are never floats")
    try:
        amount = Decimal(value)
        if not amount.is_finite():  # "NaN", "Infinity": Decimal accepts them, comparisons would raise
            raise InvalidOperation
        return amount.quantize(FEN, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError({"base": "金额格式不正确"}) from exc


def month(year, m) -> datetime.date:
    return datetime.date(year, m, 1)


def period_label(period: datetime.date) -> str:
    return f"{period.year}年{period.month:02d}月"


def prefecture_of(region):
    """The prefecture (设区市) whose rules apply to a region, or the region itself when it is the
    autonomous region (自治区本级)."""
    from kernel.org.models import Region

    if region is None:
        return None
    if region.level <= Region.Level.CITY:
        return region
    code = region.path.strip(".").split(".")
    return Region.objects.filter(code__in=code, level=Region.Level.CITY).first()


def rule_for(prefecture, year, insurance) -> ContributionRule:
    rule = (ContributionRule.objects.filter(prefecture=prefecture, year=year, insurance=insurance)
            .select_related("prefecture", "insurance").first())
    if rule is None:
        raise ValidationError({"periods": f"{getattr(prefecture, 'name', '')}{year}年度{insurance.name}缴费规则尚未发布，暂不能缴费"})
    return rule


@dataclass(frozen=True)
class Line:
    """One period of one insurance type at one base: what a declaration line charges."""
    insurance: InsuranceType
    period: datetime.date
    base: Decimal
    rate: Decimal
    amount: Decimal
    rule: ContributionRule


def must_be_assessed(rule, special_category) -> str:
    """Why this person cannot self-declare under `rule` ("" if they may)."""
    name = f"{rule.prefecture.name}{rule.year}年度"
    if rule.self_suspended:
        return f"{name}暂不进行灵活就业人员养老保险自行申报缴费，请等待社保部门核定后缴费"
    if rule.mode == DeclarationMode.ASSESSED:
        return f"{name}灵活就业人员养老保险由社保部门核定后推送缴费，请在“待缴费用”中缴纳"
    if rule.mode == DeclarationMode.MIXED and special_category and special_category in (rule.assessed_categories or []):
        label = SpecialCategory(special_category).label
        return f"您属于{label}，{name}由社保部门核定缴费，请在“待缴费用”中缴纳"
    if special_category and special_category in (rule.assessed_categories or []):
        label = SpecialCategory(special_category).label
        return f"您属于{label}，{name}由社保部门核定特殊缴费，请在“待缴费用”中缴纳"
    return ""


def payable_periods(rule, today: datetime.date) -> list[datetime.date]:
    """The months of `rule.year` that may be self-paid on `today`:
    - the year's periods open in rule.opens_month (南宁2021: February; in January only 2020 is collected);
    - a past year's periods only until rule.back_pay_until_month of the next year (南宁2020: January 2021);
    - while the new base is not published and rule.no_prepay is set (南宁), only up to the current month;
      otherwise the whole year may be prepaid;
    - never a later year."""
    year = rule.year
    if year > today.year:
        return []
    if year < today.year:
        if year == today.year - 1 and today.month <= rule.back_pay_until_month:
            return [month(year, m) for m in range(1, 13)]
        return []
    if today.month < rule.opens_month:
        return []
    last = today.month if (rule.no_prepay and not rule.base_published) else 12
    return [month(year, m) for m in range(1, last + 1)]


def check_self_declaration(payer, insurance, periods, base, *, today=None) -> list[Line]:
    """Validate a self-declaration (自主申报) of `periods` of `insurance` at monthly `base` for `payer`
    on `today`, and return its lines with their amounts. Raises ValidationError with Chinese messages
    keyed by field: "insurance", "periods" or "base". (Already-paid periods are the payment code's check.)"""
    from django.utils import timezone

    today = today or timezone.localdate()
    if insurance is None or not insurance.active:
        raise ValidationError({"insurance": "请选择缴费险种"})
    if insurance.person_type != payer.person_type:
        raise ValidationError({"insurance": f"{PersonType(payer.person_type).label}不能缴纳{insurance.name}"})
    if not insurance.self_declared or insurance.rate is None:
        raise ValidationError({"insurance": f"{insurance.name}由社保部门核定后推送缴费，请在“待缴费用”中缴纳"})
    periods = sorted(set(periods or []))
    if not periods:
        raise ValidationError({"periods": "请选择缴费所属期"})
    base = money(base)
    prefecture = payer.prefecture
    lines, errors = [], []
    for year in sorted({p.year for p in periods}):
        if year > today.year:
            errors.append(f"不能缴纳{year}年度的费款")
            continue
        rule = rule_for(prefecture, year, insurance)
        why = must_be_assessed(rule, payer.special_category)
        if why:
            raise ValidationError({"periods": why})
        if base < rule.min_base:
            raise ValidationError({"base": f"缴费基数不能低于{rule.prefecture.name}{year}年度最低缴费基数{yuan(rule.min_base)}元"})
        if base not in rule.grade_amounts:
            choices = "、".join(yuan(a) for a in rule.grade_amounts)
            raise ValidationError({"base": f"请选择规定的缴费档次：{choices}（元/月）"})
        allowed = set(payable_periods(rule, today))
        for p in (p for p in periods if p.year == year):
            if p not in allowed:
                errors.append(_refusal(rule, p, today))
                continue
            lines.append(Line(insurance, p, base, insurance.rate, money(base * insurance.rate), rule))
    if errors:
        raise ValidationError({"periods": list(dict.fromkeys(errors))})
    return lines


def _refusal(rule, period, today):
    label = period_label(period)
    if period.year < today.year:
        return f"{label}属于以前年度，已过自行缴费期限，请联系社保经办机构办理补缴"
    if today.month < rule.opens_month:
        return f"{rule.year}年度费款自{rule.opens_month}月起开始征收，{label}暂不能缴纳"
    return (f"{rule.prefecture.name}{rule.year}年度新缴费基数公布前只能缴纳至当月（{today.year}年{today.month:02d}月）"
            f"所属期，{label}不能预缴")


def resident_grades(prefecture, year, insurance) -> ResidentGrade:
    grade = (ResidentGrade.objects.filter(prefecture=prefecture, year=year, insurance=insurance)
             .select_related("prefecture").first())
    if grade is None:
        raise ValidationError({"amount": f"{getattr(prefecture, 'name', '')}{year}年度{insurance.name}缴费档次尚未设置"})
    return grade


def check_resident_amount(payer, insurance, year, amount) -> Decimal:
    """应缴费额设置: `amount` must be one of the resident grades of the payer's prefecture and year."""
    if insurance.person_type != PersonType.RESIDENT or payer.person_type != PersonType.RESIDENT:
        raise ValidationError({"insurance": "只有城乡居民可以设置应缴费额"})
    amount = money(amount)
    grade = resident_grades(payer.prefecture, year, insurance)
    if amount not in grade.grade_amounts:
        choices = "、".join(yuan(a) for a in grade.grade_amounts)
        raise ValidationError({"amount": f"请选择规定的缴费档次：{choices}（元/年）"})
    return amount


# == administration ==
def save_rule(rule, user):
    """Create or change a rule (full_clean, audited by the kernel's change rows)."""
    rule.full_clean()
    rule.save()
    return rule


def publish_base(rule, *, min_base, grades, published_on, user):
    """新缴费基数公布: the year's base replaces the provisional one; Nanning's prepayment limit lifts."""
    rule.min_base = money(min_base)
    rule.grades = [str(money(g)) for g in grades]
    rule.base_published, rule.published_on = True, published_on
    return save_rule(rule, user)


def copy_year(prefecture_rules, year, user):
    """Start `year` from the previous year's rules (provisional, not published): the administrator then
    changes what differs. Rules that exist for `year` are left alone. Returns the new rules."""
    made = []
    for old in prefecture_rules:
        if ContributionRule.all_objects.filter(prefecture=old.prefecture, year=year, insurance=old.insurance).exists():
            continue
        new = ContributionRule(prefecture=old.prefecture, year=year, insurance=old.insurance, mode=old.mode,
                               min_base=old.min_base, grades=list(old.grades), no_prepay=old.no_prepay,
                               self_suspended=old.self_suspended, assessed_categories=list(old.assessed_categories),
                               opens_month=old.opens_month, back_pay_until_month=old.back_pay_until_month,
                               remark=f"沿用{old.year}年度规则，待新缴费基数公布后调整。")
        made.append(save_rule(new, user))
    return made
