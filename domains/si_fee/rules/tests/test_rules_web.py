"""The rule tables in the back office: scoped by city, field errors that change nothing, publishing the new
base, starting a year from the last one, audit rows."""
import pytest

from domains.si_fee.rules import reference
from domains.si_fee.rules.models import ContributionRule
from kernel.audit.models import ChangeLog
from kernel.core.testing import make_staff

pytestmark = pytest.mark.django_db
ADMIN = [f"si_rules.{p}" for p in ("view_contributionrule", "add_contributionrule", "change_contributionrule",
                                   "view_insurancetype")]


@pytest.fixture(autouse=True)
def rules():
    reference.load()


def rule(code, year=2021):
    return ContributionRule.objects.get(prefecture__code=code, year=year)


def test_city_admin_sees_and_edits_only_its_city(client):
    client.force_login(make_staff("450100", ADMIN))
    page = client.get("/gov/si/rules/", {"year": 2021}).content.decode()
    assert "南宁市" in page and "桂林市" not in page and "3153.9" in page and "只能缴至当月" in page
    assert client.get(f"/gov/si/rules/{rule('450100').pk}/").status_code == 200
    assert client.get(f"/gov/si/rules/{rule('450300').pk}/").status_code == 404
    assert client.get(f"/gov/si/rules/{rule('450000').pk}/").status_code == 404  # 自治区本级: region level only
    assert client.post(f"/gov/si/rules/{rule('450300').pk}/edit/", {}).status_code == 404
    region_admin = make_staff("450000", ADMIN)
    client.force_login(region_admin)
    assert client.get(f"/gov/si/rules/{rule('450000').pk}/").status_code == 200


def test_edit_with_bad_grades_is_refused_in_chinese_and_changes_nothing(client):
    client.force_login(make_staff("450100", ADMIN))
    nn = rule("450100")
    data = {"mode": "self", "min_base": "3153.9", "grades_text": "3153.9、3000", "opens_month": "2",
            "back_pay_until_month": "0", "no_prepay": "on", "remark": "x"}
    r = client.post(f"/gov/si/rules/{nn.pk}/edit/", data)
    assert r.status_code == 400 and "缴费档次须从低到高排列且不重复" in r.content.decode()
    r = client.post(f"/gov/si/rules/{nn.pk}/edit/", data | {"grades_text": "abc"})
    assert r.status_code == 400 and "请填写金额" in r.content.decode()
    r = client.post(f"/gov/si/rules/{nn.pk}/edit/", data | {"grades_text": "3200, 3679.6"})
    assert r.status_code == 400 and "第一档须等于最低缴费基数3153.9元" in r.content.decode()
    nn.refresh_from_db()
    assert nn.remark.startswith("2月份起正常征收") and nn.grades[0] == "3153.9"
    before = ChangeLog.objects.count()
    r = client.post(f"/gov/si/rules/{nn.pk}/edit/", data | {"grades_text": "3153.9, 3679.6", "categories": ["retirement_age"]})
    assert r.status_code == 302
    nn.refresh_from_db()
    assert nn.grades == ["3153.9", "3679.6"] and nn.assessed_categories == ["retirement_age"] and nn.remark == "x"
    assert ChangeLog.objects.count() == before + 1


def test_publishing_the_new_base_lifts_the_nanning_limit(client):
    client.force_login(make_staff("450100", ADMIN))
    nn = rule("450100")
    r = client.post(f"/gov/si/rules/{nn.pk}/publish/", {"min_base": "", "grades_text": "3300", "published_on": ""})
    assert r.status_code == 400 and "请填写新最低缴费基数" in r.content.decode() and "请填写公布日期" in r.content.decode()
    r = client.post(f"/gov/si/rules/{nn.pk}/publish/", {"min_base": "3300", "grades_text": "3300, 3679.6",
                                                        "published_on": "2021-08-01"})
    assert r.status_code == 302
    nn.refresh_from_db()
    assert nn.base_published and str(nn.min_base) == "3300.00" and nn.published_on.isoformat() == "2021-08-01"
    assert "只能缴至当月" not in client.get("/gov/si/rules/", {"year": 2021}).content.decode()


def test_start_a_year_from_the_last_one(client):
    client.force_login(make_staff("450100", ADMIN))
    r = client.post("/gov/si/rules/copy-year/", {"year": "2022"})
    assert r.status_code == 302
    assert list(ContributionRule.objects.filter(year=2022).values_list("prefecture__code", flat=True)) == ["450100"]
    client.post("/gov/si/rules/copy-year/", {"year": "2030"})
    assert not ContributionRule.objects.filter(year=2030).exists()
    client.post("/gov/si/rules/copy-year/", {"year": "abc"})
    assert ContributionRule.objects.count() == 31


def test_new_rule_for_a_city_outside_the_scope_is_refused(client):
    client.force_login(make_staff("450100", ADMIN))
    from domains.si_fee.rules.models import InsuranceType
    from kernel.org.models import Region

    guilin = Region.objects.get(code="450300")
    r = client.post("/gov/si/rules/new/", {"prefecture": guilin.pk, "year": "2022", "insurance": InsuranceType.objects.get(code="fe_pension").pk,
                                           "mode": "self", "min_base": "3679.6", "grades_text": "3679.6",
                                           "opens_month": "1", "back_pay_until_month": "0"})
    assert r.status_code == 400 and not ContributionRule.objects.filter(year=2022).exists()
    r = client.post("/gov/si/rules/new/", {"prefecture": Region.objects.get(code="450100").pk, "year": "2022",
                                           "insurance": InsuranceType.objects.get(code="fe_pension").pk,
                                           "mode": "self", "min_base": "3679.6", "grades_text": "3679.6",
                                           "opens_month": "1", "back_pay_until_month": "0"})
    assert r.status_code == 302 and ContributionRule.objects.filter(year=2022).count() == 1
    client.force_login(make_staff("450100", ["si_rules.view_contributionrule"]))
    assert client.get("/gov/si/rules/new/").status_code == 403
