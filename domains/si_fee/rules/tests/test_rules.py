"""Every rule of the seed's table "2021年灵活就业人员基本养老保险规则" (seed 003 §2.3.1), with its figures."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from domains.si_fee.payers.models import Payer
from domains.si_fee.rules import reference, services
from domains.si_fee.rules.models import ContributionRule, InsuranceType, ResidentGrade
from kernel.org.models import Region

pytestmark = pytest.mark.django_db
D = Decimal
FEB_2021, JAN_2021 = datetime.date(2021, 2, 15), datetime.date(2021, 1, 20)


@pytest.fixture(autouse=True)
def rules():
    reference.load()


def payer(city="450100", category="", person_type="flexible"):
    prefecture = Region.objects.get(code=city)
    return Payer(person_type=person_type, name="测试", id_number="x", mobile="13900000000", region=prefecture,
                 prefecture=prefecture, special_category=category)


def pension():
    return InsuranceType.objects.get(code="fe_pension")


def months(year, *ms):
    return [datetime.date(year, m, 1) for m in ms]


def errors(exc):
    return exc.value.message_dict


# -- the table, exactly ---------------------------------------------------------------------------------------
SEED_MINIMUMS = {  # prefecture: (2020, 2021)
    "450100": ("2955.1", "3153.9"), "450300": ("3679.6", "3679.6"), "451300": ("3679.6", "3679.6"),
    "450400": ("3679.6", "3679.6"), "451400": ("3679.6", "3679.6"), "450800": ("3679.6", "3942.4"),
    "450000": ("3679.6", "3679.6"),
    **{code: ("3679.6", "3679.6") for code, _ in reference.EIGHT},
}
SEED_MODES = {  # prefecture: (2020, 2021)
    "450100": ("self", "self"), "450300": ("self", "self"), "451300": ("self", "self"),
    "450400": ("assessed", "mixed"), "451400": ("assessed", "self"), "450800": ("assessed", "self"),
    "450000": ("assessed", "self"), **{code: ("assessed", "assessed") for code, _ in reference.EIGHT},
}


def test_each_prefecture_minimum_base_and_mode_by_year():
    assert ContributionRule.objects.count() == 30  # 14 prefectures and the autonomous region, two years
    for code, (m2020, m2021) in SEED_MINIMUMS.items():
        for year, expected, mode in ((2020, m2020, SEED_MODES[code][0]), (2021, m2021, SEED_MODES[code][1])):
            rule = ContributionRule.objects.get(prefecture__code=code, year=year)
            assert (rule.min_base, rule.mode) == (D(expected), mode), (code, year)
            assert rule.grade_amounts[0] == D(expected) and rule.grade_amounts == sorted(rule.grade_amounts)
    assert [r.prefecture.code for r in ContributionRule.objects.filter(year=2021, self_suspended=True)
            .order_by("prefecture__code")] == sorted(c for c, _ in reference.EIGHT)
    nanning = ContributionRule.objects.get(prefecture__code="450100", year=2021)
    assert (nanning.no_prepay, nanning.opens_month, nanning.base_published) == (True, 2, False)
    assert D("3679.6") in nanning.grade_amounts and D("3942.4") in nanning.grade_amounts


def test_loading_twice_keeps_what_an_administrator_changed():
    rule = ContributionRule.objects.get(prefecture__code="450300", year=2021)
    rule.remark = "管理员修改"
    rule.save()
    reference.load()
    assert ContributionRule.objects.get(pk=rule.pk).remark == "管理员修改" and ContributionRule.objects.count() == 30


# -- Nanning: no prepayment beyond the current month until the new base is published ------------------------
def test_nanning_in_february_2021_pays_january_and_february_at_3153_9():
    lines = services.check_self_declaration(payer(), pension(), months(2021, 1, 2), "3153.9", today=FEB_2021)
    assert [(x.period.month, x.base, x.amount) for x in lines] == [(1, D("3153.90"), D("630.78")),
                                                                     (2, D("3153.90"), D("630.78"))]
    assert all(isinstance(x.amount, Decimal) for x in lines)


def test_nanning_in_february_2021_refuses_march():
    with pytest.raises(ValidationError) as exc:
        services.check_self_declaration(payer(), pension(), months(2021, 2, 3), "3153.9", today=FEB_2021)
    assert errors(exc) == {"periods": ["南宁市2021年度新缴费基数公布前只能缴纳至当月（2021年02月）所属期，2021年03月不能预缴"]}


def test_nanning_limit_lifted_once_the_new_base_is_published():
    rule = ContributionRule.objects.get(prefecture__code="450100", year=2021)
    services.publish_base(rule, min_base="3300.0", grades=["3300.0", "3679.6"], published_on=datetime.date(2021, 8, 1),
                          user=None)
    aug = datetime.date(2021, 8, 10)
    lines = services.check_self_declaration(payer(), pension(), months(2021, 8, 9, 10, 11, 12), "3300", today=aug)
    assert len(lines) == 5 and lines[0].amount == D("660.00")
    with pytest.raises(ValidationError) as exc:
        services.check_self_declaration(payer(), pension(), months(2021, 8), "3153.9", today=aug)
    assert "不能低于南宁市2021年度最低缴费基数3300元" in errors(exc)["base"][0]


def test_nanning_january_2021_collects_only_2020_at_2955_1():
    lines = services.check_self_declaration(payer(), pension(), months(2020, 11, 12), "2955.1", today=JAN_2021)
    assert [x.amount for x in lines] == [D("591.02"), D("591.02")]
    with pytest.raises(ValidationError) as exc:
        services.check_self_declaration(payer(), pension(), months(2021, 1), "3153.9", today=JAN_2021)
    assert errors(exc) == {"periods": ["2021年度费款自2月起开始征收，2021年01月暂不能缴纳"]}
    with pytest.raises(ValidationError) as exc:  # from February the 2020 year is closed
        services.check_self_declaration(payer(), pension(), months(2020, 12), "2955.1", today=FEB_2021)
    assert errors(exc) == {"periods": ["2020年12月属于以前年度，已过自行缴费期限，请联系社保经办机构办理补缴"]}


def test_other_prefectures_may_prepay_the_whole_year():
    lines = services.check_self_declaration(payer("450300"), pension(), months(2021, *range(1, 13)), "3679.6",
                                            today=FEB_2021)
    assert len(lines) == 12 and sum(x.amount for x in lines) == D("8831.04")


# -- bases -----------------------------------------------------------------------------------------------------
def test_base_below_the_minimum_or_off_grade_is_refused():
    with pytest.raises(ValidationError) as exc:
        services.check_self_declaration(payer("450800"), pension(), months(2021, 2), "3679.6", today=FEB_2021)
    assert errors(exc) == {"base": ["缴费基数不能低于贵港市2021年度最低缴费基数3942.4元"]}
    with pytest.raises(ValidationError) as exc:
        services.check_self_declaration(payer("450300"), pension(), months(2021, 2), "3700", today=FEB_2021)
    assert errors(exc)["base"][0].startswith("请选择规定的缴费档次：3679.6、3942.4、4205.3")
    with pytest.raises(ValidationError) as exc:
        services.check_self_declaration(payer("450300"), pension(), months(2021, 2), "abc", today=FEB_2021)
    assert errors(exc) == {"base": ["金额格式不正确"]}


def test_money_never_goes_through_floats():
    with pytest.raises(TypeError):
        services.money(3153.9)
    for bad in ("NaN", "Infinity", "-inf"):
        with pytest.raises(ValidationError):
            services.money(bad)
    assert services.money("0.005") == D("0.01") and services.money(D("630.775")) == D("630.78")
    assert services.money(D("3942.4") * D("0.2")) == D("788.48")


# -- assessment ------------------------------------------------------------------------------------------------
def test_suspended_prefectures_refuse_self_declaration():
    for code, name in reference.EIGHT:
        with pytest.raises(ValidationError) as exc:
            services.check_self_declaration(payer(code), pension(), months(2021, 2), "3679.6", today=FEB_2021)
        assert "暂不进行灵活就业人员养老保险自行申报缴费" in errors(exc)["periods"][0], name


def test_wuzhou_2021_routes_retirement_age_and_land_lost_to_assessment():
    ok = services.check_self_declaration(payer("450400"), pension(), months(2021, 2), "3679.6", today=FEB_2021)
    assert ok[0].amount == D("735.92")
    for category, label in (("retirement_age", "到龄退休人员"), ("land_lost", "失地农民")):
        with pytest.raises(ValidationError) as exc:
            services.check_self_declaration(payer("450400", category), pension(), months(2021, 2), "3679.6",
                                            today=FEB_2021)
        assert errors(exc)["periods"][0].startswith(f"您属于{label}，梧州市2021年度由社保部门核定缴费")


def test_wuzhou_2020_and_region_level_2020_were_assessed():
    for code in ("450400", "450000"):
        with pytest.raises(ValidationError) as exc:
            services.check_self_declaration(payer(code), pension(), months(2020, 12), "3679.6", today=JAN_2021)
        assert "由社保部门核定后推送缴费" in errors(exc)["periods"][0]


def test_nanning_retired_in_january_gets_assessed_special_payment():
    with pytest.raises(ValidationError) as exc:
        services.check_self_declaration(payer("450100", "retirement_age"), pension(), months(2021, 2), "3153.9",
                                        today=FEB_2021)
    assert "由社保部门核定特殊缴费" in errors(exc)["periods"][0]


def test_wrong_person_type_assessed_insurance_no_rule_and_future_year():
    with pytest.raises(ValidationError) as exc:
        services.check_self_declaration(payer(person_type="resident"), pension(), months(2021, 2), "3153.9",
                                        today=FEB_2021)
    assert errors(exc) == {"insurance": ["城乡居民不能缴纳灵活就业人员基本养老保险"]}
    with pytest.raises(ValidationError) as exc:
        services.check_self_declaration(payer(), InsuranceType.objects.get(code="fe_medical"), months(2021, 2), "1",
                                        today=FEB_2021)
    assert "由社保部门核定后推送缴费" in errors(exc)["insurance"][0]
    with pytest.raises(ValidationError) as exc:
        services.check_self_declaration(payer(), pension(), months(2022, 1), "3153.9", today=datetime.date(2022, 3, 1))
    assert errors(exc) == {"periods": ["南宁市2022年度灵活就业人员基本养老保险缴费规则尚未发布，暂不能缴费"]}
    with pytest.raises(ValidationError) as exc:
        services.check_self_declaration(payer(), pension(), months(2022, 1), "3153.9", today=FEB_2021)
    assert errors(exc) == {"periods": ["不能缴纳2022年度的费款"]}
    with pytest.raises(ValidationError) as exc:
        services.check_self_declaration(payer(), pension(), [], "3153.9", today=FEB_2021)
    assert errors(exc) == {"periods": ["请选择缴费所属期"]}


# -- administration --------------------------------------------------------------------------------------------
def test_administrator_adds_a_year_from_the_previous_one():
    made = services.copy_year(ContributionRule.objects.filter(year=2021), 2022, user=None)
    assert len(made) == 15 and ContributionRule.objects.filter(year=2022, base_published=False).count() == 15
    nanning = ContributionRule.objects.get(prefecture__code="450100", year=2022)
    assert (nanning.min_base, nanning.no_prepay, nanning.opens_month) == (D("3153.9"), True, 2)
    assert services.copy_year(ContributionRule.objects.filter(year=2021), 2022, user=None) == []


def test_rule_validation_in_chinese():
    rule = ContributionRule.objects.get(prefecture__code="450300", year=2021)
    rule.grades = ["3800", "3679.6"]
    with pytest.raises(ValidationError) as exc:
        rule.full_clean()
    assert errors(exc)["grades"] == ["缴费档次须从低到高排列且不重复"]
    rule.grades = ["3700", "3800"]
    with pytest.raises(ValidationError) as exc:
        rule.full_clean()
    assert errors(exc)["grades"] == ["第一档须等于最低缴费基数3679.6元"]
    rule.grades, rule.assessed_categories = ["3679.6"], ["astronaut"]
    with pytest.raises(ValidationError) as exc:
        rule.full_clean()
    assert "人员类别不正确" in errors(exc)["assessed_categories"][0]


def test_resident_amount_must_be_a_grade():
    nanning = Region.objects.get(code="450100")
    rr = InsuranceType.objects.get(code="rr_pension")
    ResidentGrade.objects.create(prefecture=nanning, year=2021, insurance=rr, grades=["100", "200", "300", "500"],
                                 default_grade=D("100"))
    resident = payer(person_type="resident")
    assert services.check_resident_amount(resident, rr, 2021, "300") == D("300.00")
    with pytest.raises(ValidationError) as exc:
        services.check_resident_amount(resident, rr, 2021, "250")
    assert errors(exc) == {"amount": ["请选择规定的缴费档次：100、200、300、500（元/年）"]}
    with pytest.raises(ValidationError) as exc:
        services.check_resident_amount(resident, rr, 2022, "100")
    assert "缴费档次尚未设置" in errors(exc)["amount"][0]
