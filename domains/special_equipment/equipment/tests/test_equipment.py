"""Equipment pages: list filters, Excel export, the device portrait, the unit portrait, create and edit
with field-level Chinese errors and audit rows."""
import pytest
from django.urls import reverse

from kernel.audit.models import ChangeLog, OperationLog
from kernel.audit.services import history_for
from kernel.core.testing import make_enterprise, xlsx_rows
from kernel.org.models import Region

from ..models import Equipment
from .factories import LIUZHOU_COUNTY, NANNING, days, make_equipment, make_institution, make_major_hazard, make_report, regulator

LIST = "/gov/se/equipment/"


@pytest.fixture
def staff(client):
    user = regulator(NANNING)
    client.force_login(user)
    return user


def codes(response):
    return [row[0] for row in xlsx_rows(response)[1:]]


@pytest.mark.django_db
class TestEquipmentList:
    def test_filters(self, client, staff):
        unit = make_enterprise("450103", name="青秀电梯使用甲公司")
        lift = make_equipment(unit=unit, category="3000", next_inspection_on=days(-1))
        boiler = make_equipment("450107", category="1000", status="stopped", next_inspection_on=days(30))
        crane = make_equipment("450103", category="4000", code="31104501039999")

        def listed(**params):
            rows = xlsx_rows(client.get(LIST, {**params, "export": "xlsx"}))
            return {r[0] for r in rows[1:]}

        assert listed() >= {lift.code, boiler.code, crane.code}
        assert listed(category="1000") == {boiler.code}
        assert listed(status="stopped") == {boiler.code}
        assert listed(region=Region.objects.get(code="450107").pk) == {boiler.code}
        assert listed(unit_name="使用甲") == {lift.code}
        assert listed(code="4501039999") == {crane.code}
        assert lift.code in listed(overdue="1") and boiler.code not in listed(overdue="1")
        assert boiler.code in listed(overdue="0") and lift.code not in listed(overdue="0")

    def test_page_shows_badges_import_and_export_buttons(self, client, staff):
        device = make_equipment(next_inspection_on=days(-3))
        page = client.get(LIST).content.decode()
        assert device.code in page and "在用" in page and 'id="export-xlsx"' in page
        assert 'href="/gov/exports/import/se_equipment/"' in page
        assert f'href="/gov/se/units/{device.user_unit_id}/"' in page

    def test_export_uses_labels_and_is_logged(self, client, staff):
        device = make_equipment(category="3000", next_inspection_on=days(-1))
        response = client.get(LIST, {"code": device.code, "export": "xlsx"})
        rows = xlsx_rows(response)
        assert rows[0][:3] == ["设备代码", "设备种类", "设备名称"]
        assert rows[1][0] == device.code and rows[1][1] == "电梯" and "在用" in rows[1] and "是" in rows[1]
        assert device.user_unit.name in rows[1]
        assert OperationLog.objects.filter(action="export", actor=staff).exists()

    def test_export_needs_permission(self, client):
        user = regulator(NANNING)
        user.roles.clear()
        from kernel.core.testing import make_role

        user.roles.add(make_role(["se_equipment.view_equipment"]))
        client.force_login(user)
        assert 'id="export-xlsx"' not in client.get(LIST).content.decode()
        assert client.get(LIST, {"export": "xlsx"}).status_code == 403


@pytest.mark.django_db
class TestDevicePortrait:
    def test_portrait_lists_reports_and_hazards_with_status(self, client, staff):
        from domains.special_equipment.hazards.models import GeneralHazard

        device = make_equipment()
        bad = make_report(device, conclusion="unqualified", problems="制动器失效")
        good = make_report(device, conclusion="qualified")
        hazard = make_major_hazard(bad, status="rectifying")
        GeneralHazard.objects.create(unit=device.user_unit, equipment=device, check_type="daily", category="使用管理",
                                     problem="机房未上锁", deadline=days(5), investigator=staff, responsible=staff,
                                     investigating_unit="本单位")
        page = client.get(reverse("gov:se_equipment_detail", args=[device.pk])).content.decode()
        assert f"设备画像：{device.code}" in page
        assert bad.report_no in page and good.report_no in page and "已上报" in page
        assert f'href="/gov/se/hazards/{hazard.pk}/"' in page and hazard.no in page
        assert 'badge text-bg-warning">待整改' in page
        assert "机房未上锁" in page and "一般隐患" in page
        assert f'href="/gov/se/units/{device.user_unit_id}/"' in page

    def test_hazards_of_other_devices_are_not_listed(self, client, staff):
        device, other = make_equipment(), make_equipment()
        hazard = make_major_hazard(equipment=other)
        page = client.get(reverse("gov:se_equipment_detail", args=[device.pk])).content.decode()
        assert hazard.no not in page and "暂无重大事故隐患" in page


@pytest.mark.django_db
class TestUnitPortrait:
    def test_counts_by_category_hazards_by_status_and_reports(self, client, staff):
        unit = make_enterprise("450103", name="画像测试商场有限公司")
        lifts = [make_equipment(unit=unit, category="3000") for _ in range(3)]
        make_equipment(unit=unit, category="2000", status="stopped", next_inspection_on=days(-5))
        make_equipment("450202", unit=unit, category="1000")  # in Liuzhou: not this regulator's
        other = make_equipment(category="3000")
        make_major_hazard(equipment=lifts[0], status="rectifying")
        make_major_hazard(equipment=lifts[1], status="rectifying")
        make_major_hazard(equipment=lifts[2], status="closed")
        report = make_report(lifts[0], conclusion="nonconforming", problems="门锁失效")
        response = client.get(reverse("gov:se_unit_portrait", args=[unit.pk]))
        ctx = response.context
        by_code = {c["code"]: c for c in ctx["categories"]}
        assert by_code["3000"]["total"] == 3 and by_code["3000"]["in_use"] == 3
        assert by_code["2000"] == {**by_code["2000"], "total": 1, "in_use": 0, "overdue": 1}
        assert by_code["1000"]["total"] == 0 and ctx["total"] == 4
        assert ("待整改", "warning", 2) in ctx["major_by_status"] and ("已销号", "success", 1) in ctx["major_by_status"]
        assert ctx["unreported"] == 1 and ctx["report_count"] == 1
        page = response.content.decode()
        assert "画像测试商场有限公司" in page and report.report_no in page and other.code not in page

    def test_institution_portrait_counts_maintained_equipment(self, client, staff):
        institution = make_institution()
        make_equipment(maintenance_unit=institution)
        ctx = client.get(reverse("gov:se_unit_portrait", args=[institution.pk])).context
        assert ctx["maintained"] == 1 and ctx["equipment_count"] == 1 and ctx["total"] == 0


@pytest.mark.django_db
class TestEquipmentForm:
    def data(self, unit, **over):
        values = {"code": "31104501030001", "category": "3000", "name": "1号客梯", "type_name": "曳引与强制驱动电梯",
                  "region": Region.objects.get(code="450103").pk, "location": "民族大道1号",
                  "user_unit_uscc": unit.uscc, "status": "in_use", "manufactured_on": "2019-05-01",
                  "commissioned_on": "2019-08-01", "next_inspection_on": str(days(200))}
        values.update(over)
        return values

    def test_create_writes_equipment_and_audit_row(self, client, staff):
        unit = make_enterprise("450103")
        response = client.post(reverse("gov:se_equipment_create"), self.data(unit))
        assert response.status_code == 302
        device = Equipment.objects.get(code="31104501030001")
        assert device.user_unit == unit and device.created_by == staff
        log = history_for(device).get(action="create")
        assert log.actor == staff and log.after["code"] == device.code

    @pytest.mark.parametrize("field,value,message", [
        ("user_unit_uscc", "LIUZHOU", "不在您的管辖范围内"),
        ("category", "2300", "选择一个有效的选项"),
        ("commissioned_on", "2019-01-01", "投用日期不能早于制造日期"),
        ("manufactured_on", "2999-01-01", "制造日期不能晚于今天"),
        ("region", "LIUZHOU", "选择一个有效的选项"),
        ("code", "", "该字段是必填项"),
    ])
    def test_bad_input_gives_chinese_field_error_and_changes_nothing(self, client, staff, field, value, message):
        unit = make_enterprise("450103")
        if value == "LIUZHOU":
            value = make_enterprise("450202").uscc if field == "user_unit_uscc" else Region.objects.get(code="450202").pk
        before = Equipment.objects.count(), ChangeLog.objects.count()
        response = client.post(reverse("gov:se_equipment_create"), self.data(unit, **{field: value}))
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert field in errors and message in " ".join(errors[field]), errors
        assert (Equipment.objects.count(), ChangeLog.objects.count()) == before

    def test_duplicate_code_is_refused(self, client, staff):
        existing = make_equipment()
        response = client.post(reverse("gov:se_equipment_create"),
                               self.data(existing.user_unit, code=existing.code))
        assert response.status_code == 400 and "code" in response.context["form"].errors

    def test_edit_records_before_and_after(self, client, staff):
        device = make_equipment(status="in_use")
        data = self.data(device.user_unit, code=device.code, status="stopped")
        assert client.post(reverse("gov:se_equipment_edit", args=[device.pk]), data).status_code == 302
        log = history_for(device).filter(action="update").latest("id")
        assert log.before["status"] == "in_use" and log.after["status"] == "stopped" and log.actor == staff

    def test_edit_keeps_a_user_unit_registered_in_another_city(self, client, staff):
        device = make_equipment("450103", unit=make_enterprise(LIUZHOU_COUNTY))
        data = self.data(device.user_unit, code=device.code, name="改名客梯")
        assert client.post(reverse("gov:se_equipment_edit", args=[device.pk]), data).status_code == 302
        assert Equipment.objects.get(pk=device.pk).name == "改名客梯"

    def test_regulator_without_add_permission_is_refused(self, client):
        from kernel.core.testing import make_staff

        client.force_login(make_staff(NANNING, ["se_equipment.view_equipment"]))
        assert client.get(reverse("gov:se_equipment_create")).status_code == 403


@pytest.mark.django_db
class TestMenus:
    def test_gov_section_and_home_cards(self, client, staff):
        make_report(make_equipment(), conclusion="unqualified", problems="制动器失效")
        page = client.get("/gov/").content.decode()
        assert "特种设备" in page and "bi-gear-wide-connected" in page
        for url in ("/gov/se/equipment/", "/gov/se/reports/", "/gov/se/reports/unreported/"):
            assert f'href="{url}"' in page
        cards = {c["label"]: c["value"] for c in client.get("/gov/").context["cards"]}
        assert cards["辖区特种设备"] == 1 and cards["不合格报告未报隐患"] == 1

    def test_ent_section(self, client):
        from .factories import role_user

        device = make_equipment()
        client.force_login(role_user(device.user_unit, "se_unit"))
        page = client.get("/ent/").content.decode()
        assert 'href="/ent/se/equipment/"' in page and 'href="/ent/se/reports/"' in page and "本单位设备" in page
