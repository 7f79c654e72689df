"""API: scoped equipment (read-only) and inspection reports (read, create) with field-level Chinese errors."""
import pytest

from kernel.audit.services import history_for

from ..models import InspectionReport
from .factories import (
    LIUZHOU,
    NANNING,
    days,
    make_equipment,
    make_institution,
    make_major_hazard,
    make_report,
    regulator,
    role_user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("domains.special_equipment.equipment.tests.urls")]
EQUIPMENT, REPORTS = "/api/se/equipment/", "/api/se/reports/"


def ids(response):
    return {r["id"] for r in response.json()["results"]}


def test_equipment_api_is_scoped_and_read_only(client):
    mine, other = make_equipment("450103"), make_equipment("450202")
    client.force_login(regulator(NANNING))
    response = client.get(EQUIPMENT)
    assert mine.pk in ids(response) and other.pk not in ids(response)
    item = client.get(f"{EQUIPMENT}{mine.pk}/").json()
    assert item["code"] == mine.code and item["category_label"] == "电梯" and item["region"] == "450103"
    assert item["user_unit_name"] == mine.user_unit.name and item["status_label"] == "在用"
    assert client.get(f"{EQUIPMENT}{other.pk}/").status_code == 404
    assert client.get(EQUIPMENT, {"category": "3000", "code": mine.code}).json()["count"] == 1
    assert client.post(EQUIPMENT, {"code": "x"}, content_type="application/json").status_code in (403, 405)


def test_enterprise_sees_its_own_equipment_and_reports(client):
    mine, other = make_equipment(), make_equipment()
    report, foreign = make_report(mine), make_report(other)
    client.force_login(role_user(mine.user_unit, "se_unit"))
    assert ids(client.get(EQUIPMENT)) == {mine.pk}
    assert ids(client.get(REPORTS)) == {report.pk}
    assert client.get(f"{REPORTS}{foreign.pk}/").status_code == 404


def test_report_list_carries_the_hazard_flag(client):
    device = make_equipment()
    bad = make_report(device, conclusion="unqualified", problems="制动器失效")
    make_major_hazard(bad)
    client.force_login(regulator(NANNING))
    data = {r["report_no"]: r for r in client.get(REPORTS).json()["results"]}
    assert data[bad.report_no]["hazard_reported"] is True and data[bad.report_no]["conclusion_label"] == "不合格"
    assert client.get(REPORTS, {"conclusion": "qualified"}).json()["count"] == 0


@pytest.mark.parametrize("user_kind", ["liuzhou", "nanning"])
def test_regulators_see_reports_of_their_city_only(client, user_kind):
    report = make_report(make_equipment("450103"))
    client.force_login(regulator(NANNING if user_kind == "nanning" else LIUZHOU))
    status = client.get(f"{REPORTS}{report.pk}/").status_code
    assert status == (200 if user_kind == "nanning" else 404)


class TestCreateReport:
    @pytest.fixture
    def inspector(self, client):
        user = role_user(make_institution(), "se_institution")
        client.force_login(user)
        return user

    def body(self, device, **over):
        values = {"equipment_code": device.code, "report_no": "API-2026-01", "kind": "periodic",
                  "inspected_on": str(days(-1)), "conclusion": "unqualified", "problems": "安全钳动作失效",
                  "next_inspection_on": str(days(180)), "inspector": "黄检验"}
        values.update(over)
        return values

    def test_institution_creates_a_report(self, client, inspector):
        device = make_equipment()
        response = client.post(REPORTS, self.body(device), content_type="application/json")
        assert response.status_code == 201, response.json()
        data = response.json()
        assert data["agency"] == inspector.organisation_id and data["equipment"] == device.pk
        assert data["hazard_reported"] is False and data["region"] == device.region.code
        report = InspectionReport.objects.get(report_no="API-2026-01")
        assert history_for(report).filter(action="create", actor=inspector).exists()

    @pytest.mark.parametrize("field,value,message", [
        ("equipment_code", "NOPE", "不存在"),
        ("equipment_code", "", "请填写设备代码"),
        ("inspected_on", str(days(2)), "检验日期不能晚于今天"),
        ("inspected_on", "2026-13-45", "日期格式错误"),
        ("next_inspection_on", str(days(-5)), "下次检验日期须晚于检验日期"),
        ("problems", "", "须填写主要问题"),
        ("conclusion", "maybe", "不是合法选项"),
    ])
    def test_bad_input_gives_field_errors_in_chinese_and_changes_nothing(self, client, inspector, field, value,
                                                                         message):
        device = make_equipment()
        response = client.post(REPORTS, self.body(device, **{field: value}), content_type="application/json")
        assert response.status_code == 400
        errors = response.json()
        assert field in errors and message in " ".join(errors[field]), errors
        assert not InspectionReport.objects.filter(report_no="API-2026-01").exists()

    def test_duplicate_report_number(self, client, inspector):
        existing = make_report(make_equipment())
        response = client.post(REPORTS, self.body(existing.equipment, report_no=existing.report_no),
                               content_type="application/json")
        assert response.status_code == 400 and "report_no" in response.json()

    def test_units_and_regulators_cannot_create(self, client):
        device = make_equipment()
        for user in (role_user(device.user_unit, "se_unit"), regulator(NANNING)):
            client.force_login(user)
            response = client.post(REPORTS, self.body(device), content_type="application/json")
            assert response.status_code == 403
        assert not InspectionReport.objects.filter(report_no="API-2026-01").exists()
