"""Jurisdiction: a Liuzhou regulator gets 404 on a Nanning device or report and sees neither in lists,
counts, exports or the API; an enterprise sees only its own equipment; an institution its own reports."""
import pytest
from django.urls import reverse

from kernel.core.testing import ScopeContract

from ..models import Equipment, InspectionReport
from .factories import LIUZHOU, NANNING, make_equipment, make_institution, make_report, regulator, role_user

pytestmark = pytest.mark.urls("domains.special_equipment.equipment.tests.urls")


class TestEquipmentScope(ScopeContract):
    model = Equipment
    list_url = "gov:se_equipment_list"
    detail_url = "gov:se_equipment_detail"
    view_perms = ["se_equipment.view_equipment"]
    export_perm = "se_equipment.export_equipment"
    api_list_url = "/api/se/equipment/"

    def make_record(self, region):
        return make_equipment(region.code)

    def marker(self, obj):
        return obj.code


class TestReportScope(ScopeContract):
    model = InspectionReport
    list_url = "gov:se_report_list"
    detail_url = "gov:se_report_detail"
    view_perms = ["se_equipment.view_inspectionreport"]
    export_perm = "se_equipment.export_inspectionreport"
    api_list_url = "/api/se/reports/"

    def make_record(self, region):
        return make_report(make_equipment(region.code))

    def marker(self, obj):
        return obj.report_no


@pytest.mark.django_db
class TestPortraitsAcrossCities:
    def test_liuzhou_regulator_gets_404_on_a_nanning_device_unit_and_report(self, client):
        device = make_equipment("450103")
        report = make_report(device, conclusion="unqualified", problems="制动器失效")
        client.force_login(regulator(LIUZHOU))
        assert client.get(reverse("gov:se_equipment_detail", args=[device.pk])).status_code == 404
        assert client.get(reverse("gov:se_equipment_edit", args=[device.pk])).status_code == 404
        assert client.get(reverse("gov:se_unit_portrait", args=[device.user_unit_id])).status_code == 404
        assert client.get(reverse("gov:se_report_detail", args=[report.pk])).status_code == 404
        page = client.get(reverse("gov:se_report_unreported")).content.decode()
        assert report.report_no not in page

    def test_nanning_regulator_opens_them(self, client):
        device = make_equipment("450103")
        report = make_report(device)
        client.force_login(regulator(NANNING))
        assert client.get(reverse("gov:se_equipment_detail", args=[device.pk])).status_code == 200
        assert client.get(reverse("gov:se_unit_portrait", args=[device.user_unit_id])).status_code == 200
        assert client.get(reverse("gov:se_unit_portrait", args=[report.agency_id])).status_code == 200


@pytest.mark.django_db
class TestEnterpriseSeesItsOwn:
    def test_enterprise_list_and_detail(self, client):
        mine = make_equipment("450103")
        other = make_equipment("450103")
        maintained = make_equipment("450103", maintenance_unit=mine.user_unit)
        client.force_login(role_user(mine.user_unit, "se_unit"))
        page = client.get(reverse("ent:se_equipment_list")).content.decode()
        assert mine.code in page and maintained.code in page and other.code not in page
        assert client.get(reverse("ent:se_equipment_detail", args=[mine.pk])).status_code == 200
        assert client.get(reverse("ent:se_equipment_detail", args=[other.pk])).status_code == 404

    def test_enterprise_sees_reports_on_its_equipment_only(self, client):
        mine, other = make_equipment(), make_equipment()
        r1, r2 = make_report(mine), make_report(other)
        client.force_login(role_user(mine.user_unit, "se_unit"))
        page = client.get(reverse("ent:se_report_list")).content.decode()
        assert r1.report_no in page and r2.report_no not in page
        assert client.get(reverse("ent:se_report_detail", args=[r2.pk])).status_code == 404

    def test_enterprise_users_cannot_use_gov_pages(self, client):
        device = make_equipment()
        client.force_login(role_user(device.user_unit, "se_unit"))
        assert client.get(reverse("gov:se_equipment_list")).status_code == 403
        assert client.get(reverse("gov:se_equipment_detail", args=[device.pk])).status_code == 403

    def test_institution_sees_equipment_it_inspected_and_its_own_reports(self, client):
        institution = make_institution()
        inspected, untouched = make_equipment(), make_equipment()
        own = make_report(inspected, agency=institution)
        foreign = make_report(inspected)
        client.force_login(role_user(institution, "se_institution"))
        page = client.get(reverse("ent:se_equipment_list")).content.decode()
        assert inspected.code in page and untouched.code not in page
        assert client.get(reverse("ent:se_equipment_detail", args=[untouched.pk])).status_code == 404
        reports = client.get(reverse("ent:se_report_list")).content.decode()
        assert own.report_no in reports and foreign.report_no not in reports
        detail = client.get(reverse("ent:se_equipment_detail", args=[inspected.pk])).content.decode()
        assert own.report_no in detail and foreign.report_no not in detail
