"""Excel import of equipment: template, a good file applied whole, a file with one bad row changes
nothing and names the row, update mode, jurisdiction of regions and user units."""
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from kernel.audit.models import ChangeLog, OperationLog
from kernel.core.testing import make_enterprise

from ..imports import EQUIPMENT_IMPORT
from ..models import Equipment
from .factories import NANNING, days, make_equipment, make_institution, regulator

PAGE = "/gov/exports/import/se_equipment/"
TEMPLATE = PAGE + "template/"
HEADERS = [c.header for c in EQUIPMENT_IMPORT.columns]


def row(n, unit, **over):
    values = {"设备代码": f"3110450103IMP{n:04d}", "设备种类": "电梯", "设备类别": "曳引与强制驱动电梯",
              "设备品种": "曳引驱动乘客电梯", "设备名称": f"{n}号客梯", "型号规格": "GeN2", "使用登记证编号": f"梯11桂A{n:05d}",
              "所在区划代码": "450103", "设备使用地点": f"民族大道{n}号", "使用单位统一社会信用代码": unit.uscc,
              "维保单位统一社会信用代码": None, "设备状态": "在用", "制造日期": "2019-05-01", "投用日期": "2019-08-01",
              "下次检验日期": str(days(100))}
    values.update(over)
    return [values[h] for h in HEADERS]


def upload(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["*" + h if c.required else h for h, c in zip(HEADERS, EQUIPMENT_IMPORT.columns, strict=True)])
    for r in rows:
        ws.append(r)
    out = BytesIO()
    wb.save(out)
    return SimpleUploadedFile("设备导入.xlsx", out.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def imported():
    return Equipment.objects.filter(code__contains="IMP")


@pytest.fixture
def staff(client):
    user = regulator(NANNING)
    client.force_login(user)
    return user


@pytest.mark.django_db
class TestEquipmentImport:
    def test_template_has_the_columns_and_dropdowns(self, client, staff):
        response = client.get(TEMPLATE)
        assert response.status_code == 200
        wb = load_workbook(BytesIO(response.content))
        headers = [c.value for c in next(wb.worksheets[0].iter_rows(max_row=1))]
        assert headers[0] == "*设备代码" and "*使用单位统一社会信用代码" in headers and "*所在区划代码" in headers
        lists = [c.value for c in wb["_lists"]["A"]]
        assert "电梯" in lists and "气瓶" not in lists and len(lists) == 8

    def test_good_file_is_applied_with_audit_rows(self, client, staff):
        unit = make_enterprise("450103")
        maintainer = make_institution("450200")
        response = client.post(PAGE, {"file": upload([row(1, unit), row(2, unit, 设备种类="锅炉", 设备状态="停用",
                                                                         维保单位统一社会信用代码=maintainer.uscc)])})
        assert response.status_code == 200, response.context["result"].errors
        assert response.context["result"].created == 2
        first = Equipment.objects.get(code="3110450103IMP0001")
        assert first.user_unit == unit and first.region.code == "450103" and first.category == "3000"
        second = Equipment.objects.get(code="3110450103IMP0002")
        assert second.status == "stopped" and second.category == "1000" and second.maintenance_unit == maintainer
        assert ChangeLog.objects.filter(object_id=str(first.pk), action="create", actor=staff).exists()
        assert OperationLog.objects.filter(action="import", success=True, actor=staff).exists()

    def test_one_bad_row_changes_nothing_and_names_the_row(self, client, staff):
        unit = make_enterprise("450103")
        liuzhou_unit = make_enterprise("450202")
        before = ChangeLog.objects.count()
        response = client.post(PAGE, {"file": upload([row(1, unit), row(2, liuzhou_unit), row(3, unit)])})
        assert response.status_code == 400
        result = response.context["result"]
        assert [(e.row, e.column) for e in result.errors] == [(3, "使用单位统一社会信用代码")]
        assert "不在您的管辖范围内" in result.errors[0].message
        page = response.content.decode()
        assert "不在您的管辖范围内" in page and "导入未执行" in page
        assert not imported().exists() and ChangeLog.objects.count() == before
        assert OperationLog.objects.filter(action="import", success=False, actor=staff).exists()

    @pytest.mark.parametrize("column,value,message", [
        ("所在区划代码", "450202", "不在您的管辖范围内"),
        ("所在区划代码", "999999", "不存在"),
        ("设备种类", "气瓶", "不是有效的选项"),
        ("投用日期", "2018-01-01", "投用日期不能早于制造日期"),
        ("制造日期", "明年", "日期"),
        ("设备代码", None, "必填项不能为空"),
    ])
    def test_each_rule_is_reported_in_chinese(self, client, staff, column, value, message):
        unit = make_enterprise("450103")
        response = client.post(PAGE, {"file": upload([row(1, unit), row(2, unit, **{column: value})])})
        assert response.status_code == 400
        errors = response.context["result"].errors
        assert any(e.row == 3 and e.column == column and message in e.message for e in errors), errors
        assert not imported().exists()

    def test_duplicate_codes_in_file_and_database(self, client, staff):
        unit = make_enterprise("450103")
        existing = make_equipment()
        response = client.post(PAGE, {"file": upload([row(1, unit), row(1, unit), row(3, unit, 设备代码=existing.code)])})
        errors = response.context["result"].errors
        assert {e.row for e in errors} == {3, 4} and not imported().exists()

    def test_update_mode_updates_visible_equipment(self, client, staff):
        unit = make_enterprise("450103")
        device = make_equipment(unit=unit, code="3110450103IMP0001", name="旧名称")
        response = client.post(PAGE, {"file": upload([row(1, unit, 设备名称="新名称")]), "update": "on"})
        assert response.status_code == 200 and response.context["result"].updated == 1
        assert Equipment.objects.get(pk=device.pk).name == "新名称"
        assert ChangeLog.objects.filter(object_id=str(device.pk), action="update").exists()

    def test_import_needs_the_permission(self, client):
        from kernel.core.testing import make_staff

        client.force_login(make_staff(NANNING, ["se_equipment.view_equipment"]))
        assert client.get(PAGE).status_code == 403
        assert 'id="import-xlsx"' not in client.get("/gov/se/equipment/").content.decode()
