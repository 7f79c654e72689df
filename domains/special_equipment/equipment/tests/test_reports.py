"""Inspection reports: the one-click list of non-conforming reports without a reported major hazard
(spec 4.3.2), the report list's hazard column, the institution's report entry and its hazard button."""
import pytest
from django.urls import reverse

from kernel.audit.models import ChangeLog
from kernel.audit.services import history_for
from kernel.core.testing import xlsx_rows

from ..models import Equipment, InspectionReport
from ..services import unreported_negative
from .factories import (
    LIUZHOU_COUNTY,
    NANNING,
    days,
    make_equipment,
    make_institution,
    make_major_hazard,
    make_report,
    regulator,
    role_user,
)

UNREPORTED = "/gov/se/reports/unreported/"


@pytest.fixture
def staff(client):
    user = regulator(NANNING)
    client.force_login(user)
    return user


@pytest.mark.django_db
class TestUnreportedList:
    @pytest.fixture
    def reports(self):
        device = make_equipment()
        return {
            "nonconforming": make_report(device, conclusion="nonconforming", problems="安全钳失效"),
            "unqualified": make_report(device, conclusion="unqualified", problems="制动器失效"),
            "with_hazard": make_report(device, conclusion="unqualified", problems="门锁短接"),
            "revoked_hazard": make_report(device, conclusion="nonconforming", problems="限速器失效"),
            "deleted_hazard": make_report(device, conclusion="nonconforming", problems="钢丝绳断股"),
            "closed_hazard": make_report(device, conclusion="unqualified", problems="缺水"),
            "qualified": make_report(device, conclusion="qualified"),
            "basic": make_report(device, conclusion="basic"),
            "requalified": make_report(device, conclusion="requalified"),
            "other_city": make_report(make_equipment(LIUZHOU_COUNTY), conclusion="unqualified", problems="裂纹"),
        }

    def test_the_list_logic(self, staff, reports):
        make_major_hazard(reports["with_hazard"], status="rectifying")
        make_major_hazard(reports["revoked_hazard"], status="revoked")
        make_major_hazard(reports["deleted_hazard"]).delete()
        make_major_hazard(reports["closed_hazard"], status="closed")
        listed = set(unreported_negative(InspectionReport.objects.visible_to(staff)).values_list("report_no", flat=True))
        expected = {reports[k].report_no for k in ("nonconforming", "unqualified", "revoked_hazard", "deleted_hazard")}
        assert listed == expected

    def test_page_and_export(self, client, staff, reports):
        make_major_hazard(reports["with_hazard"])
        page = client.get(UNREPORTED).content.decode()
        assert "不合格报告未报隐患清单" in page and "共 5 条" in page
        assert reports["nonconforming"].report_no in page and reports["with_hazard"].report_no not in page
        assert reports["other_city"].report_no not in page
        rows = xlsx_rows(client.get(UNREPORTED, {"export": "xlsx"}))
        assert rows[0][0] == "报告编号" and "主要问题" in rows[0]
        exported = {r[0] for r in rows[1:]}
        assert reports["unqualified"].report_no in exported and reports["qualified"].report_no not in exported
        assert len(exported) == 5
        filtered = xlsx_rows(client.get(UNREPORTED, {"report_no": reports["unqualified"].report_no, "export": "xlsx"}))
        assert [r[0] for r in filtered[1:]] == [reports["unqualified"].report_no]

    def test_report_list_shows_whether_a_hazard_was_reported(self, client, staff, reports):
        make_major_hazard(reports["with_hazard"])
        rows = xlsx_rows(client.get("/gov/se/reports/", {"export": "xlsx"}))
        column = rows[0].index("重大隐患上报")
        state = {r[0]: (r + [None] * len(rows[0]))[column] for r in rows[1:]}
        assert state[reports["with_hazard"].report_no] == "已上报"
        assert state[reports["unqualified"].report_no] == "未上报"
        assert state[reports["qualified"].report_no] in ("", None)
        only = xlsx_rows(client.get("/gov/se/reports/", {"hazard": "unreported", "export": "xlsx"}))
        assert len(only) - 1 == 5

    def test_a_negative_report_detail_warns_until_a_hazard_is_reported(self, client, staff, reports):
        report = reports["unqualified"]
        page = client.get(reverse("gov:se_report_detail", args=[report.pk])).content.decode()
        assert 'id="unreported-alert"' in page and 'id="report-hazard"' not in page
        hazard = make_major_hazard(report)
        page = client.get(reverse("gov:se_report_detail", args=[report.pk])).content.decode()
        assert 'id="unreported-alert"' not in page and f"/gov/se/hazards/{hazard.pk}/" in page


@pytest.mark.django_db
class TestReportEntry:
    @pytest.fixture
    def inspector(self, client):
        user = role_user(make_institution(), "se_institution")
        client.force_login(user)
        return user

    def data(self, device, **over):
        values = {"equipment_code": device.code, "report_no": "DT2026-0001", "kind": "periodic",
                  "inspected_on": str(days(-1)), "conclusion": "qualified", "next_inspection_on": str(days(364)),
                  "problems": "", "inspector": "覃检验"}
        values.update(over)
        return values

    def test_institution_enters_a_report_for_any_device_by_exact_code(self, client, inspector):
        device = make_equipment(next_inspection_on=days(-5))  # not maintained by the institution
        response = client.post(reverse("ent:se_report_create"), self.data(device))
        assert response.status_code == 302
        report = InspectionReport.objects.get(report_no="DT2026-0001")
        assert response["Location"] == reverse("ent:se_report_detail", args=[report.pk])
        assert (report.agency_id, report.user_unit_id, report.region_id) == (
            inspector.organisation_id, device.user_unit_id, device.region_id)
        assert history_for(report).filter(action="create", actor=inspector).exists()
        device.refresh_from_db()
        assert device.next_inspection_on == days(364)
        assert history_for(device).filter(action="update", actor=inspector).exists()
        assert client.get(reverse("ent:se_equipment_detail", args=[device.pk])).status_code == 200

    def test_an_older_report_does_not_move_the_next_inspection_date(self, client, inspector):
        device = make_equipment(next_inspection_on=days(300))
        make_report(device, inspected_on=days(-2), next_inspection_on=days(300))
        client.post(reverse("ent:se_report_create"), self.data(device, inspected_on=str(days(-400)),
                                                                next_inspection_on=str(days(-35))))
        device.refresh_from_db()
        assert device.next_inspection_on == days(300)

    @pytest.mark.parametrize("field,value,message", [
        ("equipment_code", "NO-SUCH-CODE", "不存在"),
        ("equipment_code", "PARTIAL", "不存在"),
        ("inspected_on", str(days(1)), "检验日期不能晚于今天"),
        ("next_inspection_on", str(days(-3)), "下次检验日期须晚于检验日期"),
        ("problems", "", "须填写主要问题"),
        ("conclusion", "bad", "选择一个有效的选项"),
        ("report_no", "", "该字段是必填项"),
    ])
    def test_bad_input_gives_chinese_field_error_and_changes_nothing(self, client, inspector, field, value, message):
        device = make_equipment()
        if value == "PARTIAL":
            value = device.code[:-2]
        over = {field: value}
        if field == "problems":
            over["conclusion"] = "unqualified"
        before = InspectionReport.objects.count(), ChangeLog.objects.count()
        response = client.post(reverse("ent:se_report_create"), self.data(device, **over))
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert field in errors and message in " ".join(errors[field]), errors
        assert (InspectionReport.objects.count(), ChangeLog.objects.count()) == before

    def test_duplicate_report_number_and_scrapped_device(self, client, inspector):
        device = make_equipment()
        existing = make_report(device)
        response = client.post(reverse("ent:se_report_create"), self.data(device, report_no=existing.report_no))
        assert response.status_code == 400 and "report_no" in response.context["form"].errors
        scrapped = make_equipment(status=Equipment.Status.SCRAPPED)
        response = client.post(reverse("ent:se_report_create"), self.data(scrapped))
        assert "已报废" in " ".join(response.context["form"].errors["equipment_code"])

    def test_lookup_shows_the_device_of_an_exact_code(self, client, inspector):
        device = make_equipment(name="3号观光梯")
        url = reverse("ent:se_report_lookup")
        found = client.get(url, {"equipment_code": device.code}).content.decode()
        assert "3号观光梯" in found and device.user_unit.name in found and "电梯" in found
        assert "不存在" in client.get(url, {"equipment_code": device.code[:-1]}).content.decode()

    def test_enterprise_users_cannot_enter_reports(self, client):
        device = make_equipment()
        client.force_login(role_user(device.user_unit, "se_unit"))
        assert client.get(reverse("ent:se_report_create")).status_code == 403
        assert client.post(reverse("ent:se_report_create"), self.data(device)).status_code == 403
        assert client.get(reverse("ent:se_report_lookup"), {"equipment_code": device.code}).status_code == 403
        assert 'href="/ent/se/reports/new/"' not in client.get(reverse("ent:se_report_list")).content.decode()

    def test_report_detail_offers_the_hazard_button_to_the_issuing_institution(self, client, inspector):
        device = make_equipment()
        mine = make_report(device, agency=inspector.organisation, conclusion="unqualified", problems="制动器失效")
        page = client.get(reverse("ent:se_report_detail", args=[mine.pk])).content.decode()
        assert f'href="/ent/se/hazards/new/?report={mine.pk}"' in page and "上报重大事故隐患" in page
        assert 'href="/ent/se/reports/new/"' in client.get(reverse("ent:se_report_list")).content.decode()

    def test_the_unit_sees_its_report_without_the_button(self, client):
        device = make_equipment()
        report = make_report(device, conclusion="unqualified", problems="制动器失效")
        client.force_login(role_user(device.user_unit, "se_unit"))
        page = client.get(reverse("ent:se_report_detail", args=[report.pk])).content.decode()
        assert report.report_no in page and "/ent/se/hazards/new/" not in page
