"""Reference data of the contribution rules: the insurance types, and the seed's table
"2021年灵活就业人员基本养老保险规则" for 2020 and 2021, loaded exactly (seed 003 §2.3.1).

Figures of the seed: the minimum monthly bases 2,955.1 (南宁 2020), 3,153.9 (南宁 2021 provisional, 60 % of
the reference wage), 3,679.6 (70 %) and 3,942.4 (贵港 2021, 75 %). The grades above the minimum are the
usual ratios of the same reference wage (3,679.6 / 0.7 = 5,256.6 a month): 60 %, 70 %, 75 %, 80 %, 100 %,
150 %, 200 %, 300 %, each ≥ the minimum. Cells the seed leaves blank (merged with the row above in the
original table) take the row above's value and say so in the remark.

Nothing here overwrites what an administrator changed: rows are created once (get_or_create)."""
from decimal import Decimal

from kernel.accounts.reference import load_roles

# code, name, person type, 征收项目, 征收品目, rate, yearly, self-declared, order
INSURANCE_TYPES = [
    ("fe_pension", "灵活就业人员基本养老保险", "flexible", "企业职工基本养老保险费", "灵活就业人员基本养老保险",
     Decimal("0.2000"), False, True, 10),
    ("fe_medical", "灵活就业人员基本医疗保险", "flexible", "职工基本医疗保险费", "灵活就业人员基本医疗保险",
     None, False, False, 20),
    ("fe_serious", "灵活就业人员大病医疗_在职", "flexible", "职工基本医疗保险费", "灵活就业人员大病医疗_在职",
     None, True, False, 30),
    ("rr_pension", "城乡居民基本养老保险", "resident", "城乡居民基本养老保险费", "城乡居民基本养老保险",
     None, True, True, 40),
    ("rr_medical", "城乡居民基本医疗保险", "resident", "城乡居民基本医疗保险费", "城乡居民基本医疗保险",
     None, True, True, 50),
]

REFERENCE_WAGE = Decimal("5256.6")  # implied by 3,679.6 = 70 % (seed 003 §2.3.1, derived observations)
RATIOS = ["0.60", "0.70", "0.75", "0.80", "1.00", "1.50", "2.00", "3.00"]
MIN_2020_NN, MIN_60, MIN_70, MIN_75 = Decimal("2955.1"), Decimal("3153.9"), Decimal("3679.6"), Decimal("3942.4")
SEED_FIGURES = {"0.60": MIN_60, "0.70": MIN_70, "0.75": MIN_75}  # the seed's own roundings


def grades_from(min_base):
    """The allowed bases: the minimum first, then every usual ratio of the reference wage above it."""
    amounts = {min_base}
    for ratio in RATIOS:
        amount = SEED_FIGURES.get(ratio) or (REFERENCE_WAGE * Decimal(ratio)).quantize(Decimal("0.1"))
        if amount > min_base:
            amounts.add(amount)
    return [str(a) for a in sorted(amounts)]


SELF, ASSESSED, MIXED = "self", "assessed", "mixed"
RETIRE, LAND = "retirement_age", "land_lost"
EIGHT = [("451000", "百色"), ("450200", "柳州"), ("451100", "贺州"), ("450600", "防城港"), ("450700", "钦州"),
         ("450500", "北海"), ("450900", "玉林"), ("451200", "河池")]
MERGED = "（原表该格为合并单元格，取上一行的规则）"


def _row(mode, min_base, remark, **flags):
    return dict(mode=mode, min_base=min_base, remark=remark, **flags)


def seed_table():
    """{(prefecture code, year): rule fields} — the seed's table, row by row."""
    t = {
        ("450100", 2020): _row(SELF, MIN_2020_NN, "1月份按最低基数2955.1元缴纳2020年度灵活就业养老保险，1月份只能征收2020年度；"
                               "2月份起在2021年度基数未公布前按最低档3153.9元及以上档次缴纳。", back_pay_until_month=1),
        ("450100", 2021): _row(SELF, MIN_60, "2月份起正常征收2021年度，2021年度基数未公布前按最低档3153.9元及以上档次缴纳；"
                               "2021年1月退休需缴费人员由社保部门核定特殊缴费。新基数公布前（预计8月份）只能缴纳至当月所属期，"
                               "不能预缴全年。", no_prepay=True, opens_month=2, assessed_categories=[RETIRE]),
        ("450300", 2020): _row(SELF, MIN_70, "缴费基数不低于上年70%（3679.6元）。"),
        ("450300", 2021): _row(SELF, MIN_70, "2021年度基数未公布前，缴费基数不低于上年70%（3679.6元）。"),
        ("451300", 2020): _row(SELF, MIN_70, "缴费基数不低于上年70%（3679.6元）。"),
        ("451300", 2021): _row(SELF, MIN_70, "2021年度基数未公布前，缴费基数不低于上年70%（3679.6元）。"),
        ("450400", 2020): _row(ASSESSED, MIN_70, "社保核定，缴费基数不低于上年70%（3679.6元）。"),
        ("450400", 2021): _row(MIXED, MIN_70, "2021年度基数未公布前，到龄退休人员和失地农民由社保核定，不低于上年70%（3679.6元）；"
                               "普通人员自主申报，不低于上年70%（3679.6元）。", assessed_categories=[RETIRE, LAND]),
        ("451400", 2020): _row(ASSESSED, MIN_70, "社保核定，缴费基数不低于上年70%（3679.6元）。" + MERGED),
        ("451400", 2021): _row(SELF, MIN_70, "2021年度基数未公布前，缴费基数不低于上年70%（3679.6元）。"),
        ("450800", 2020): _row(ASSESSED, MIN_70, "社保核定，缴费基数不低于上年70%（3679.6元）。" + MERGED),
        ("450800", 2021): _row(SELF, MIN_75, "2021年度基数未公布前，缴费基数不低于上年75%（3942.4元）。申报方式" + MERGED),
        ("450000", 2020): _row(ASSESSED, MIN_70, "自治区社保中心核定补缴数据（不低于上年70%，3679.6元），通过特殊缴费渠道推送税务征收。"),
        ("450000", 2021): _row(SELF, MIN_70, "2021年度基数未公布前，按不低于上年70%（3679.6元）自行向税务缴纳。"),
    }
    for code, _name in EIGHT:
        t[(code, 2020)] = _row(ASSESSED, MIN_70, "社保核定，缴费基数不低于上年70%（3679.6元）。" + MERGED)
        t[(code, 2021)] = _row(ASSESSED, MIN_70, "2021年度基数未公布前，暂不进行2021年度灵活就业人员养老保险自行申报缴费；"
                               "到龄退休人员由社保核定，不低于上年70%（3679.6元）。",
                               self_suspended=True, assessed_categories=[RETIRE])
    return t


# Roles of the tax authority's back office (税务机关).
ROLES = {
    "si_tax_admin": ("社保费业务管理员（税务）", "region_tree", [
        "si_rules.view_insurancetype", "si_rules.view_contributionrule", "si_rules.add_contributionrule",
        "si_rules.change_contributionrule", "si_rules.view_residentgrade", "si_rules.add_residentgrade",
        "si_rules.change_residentgrade",
    ], "维护本辖区缴费规则，查看缴费人、缴费、退费、协议和批扣"),
    "si_tax_clerk": ("社保费业务经办（税务）", "region_tree", [
        "si_rules.view_insurancetype", "si_rules.view_contributionrule", "si_rules.view_residentgrade",
    ], "查看本辖区缴费规则、缴费人和缴费记录，审核退费"),
}


def load():
    from kernel.org.models import Region

    from .models import ContributionRule, InsuranceType

    load_roles(ROLES)
    types = {}
    for code, name, person, item, sub, rate, yearly, self_declared, order in INSURANCE_TYPES:
        types[code], _ = InsuranceType.objects.get_or_create(code=code, defaults=dict(
            name=name, person_type=person, collection_item=item, sub_item=sub, rate=rate, yearly=yearly,
            self_declared=self_declared, order=order))
    regions = {r.code: r for r in Region.objects.filter(code__in={c for c, _ in seed_table()})}
    made = 0
    for (code, year), fields in seed_table().items():
        if code not in regions:
            continue
        fields = dict(fields)
        fields["grades"] = grades_from(fields["min_base"])
        _, created = ContributionRule.all_objects.get_or_create(
            prefecture=regions[code], year=year, insurance=types["fe_pension"], defaults=fields)
        made += created
    return f"险种{len(types)}个，缴费规则新增{made}条"
