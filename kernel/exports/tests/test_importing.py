"""The import framework with the organisation spec: all-or-nothing, row-numbered Chinese errors."""
import dataclasses
import datetime
import decimal
import io
import re
import zipfile
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from kernel.audit.models import ChangeLog, OperationLog
from kernel.core.testing import make_enterprise, make_staff
from kernel.exports.documents import render_docx
from kernel.exports.importing import ImportColumn, ImportSpec, RowError, build_template, run_import
from kernel.exports.specs import ORGANISATION_IMPORT
from kernel.org.models import Organisation

from .helpers import HEADERS, ORG_IMPORT, org_row, upload, uscc, workbook_bytes, xlsx_upload

SPEC = ORGANISATION_IMPORT


@pytest.fixture
def staff():
    return make_staff("450100", ORG_IMPORT)


def imported():
    return Organisation.objects.filter(name__startswith="导入测试")


def errors_of(result):
    return [(e.row, e.column, e.message) for e in result.errors]


@pytest.mark.django_db
class TestTemplate:
    def test_headers_mark_required_columns(self, staff):
        wb = load_workbook(BytesIO(build_template(SPEC, staff)))
        assert wb.sheetnames == ["企业信息", "填写说明", "_lists"]
        ws = wb["企业信息"]
        assert [c.value for c in ws[1]] == HEADERS
        assert ws["A1"].font.color.rgb == "00FF0000" and ws["A1"].font.b
        assert ws["E1"].font.color.rgb == "00000000"
        assert ws.freeze_panes == "A2"
        assert ws.column_dimensions["B"].number_format == "@"  # an 18-character code stays text
        assert "必填" in ws["B1"].comment.text and "校验位" in ws["B1"].comment.text

    def test_instructions_list_every_column_and_dictionary_labels(self, staff):
        ws = load_workbook(BytesIO(build_template(SPEC, staff)))["填写说明"]
        rows = [[c for c in r] for r in ws.iter_rows(values_only=True)]
        by_header = {r[0]: r for r in rows if r[0] in [h.lstrip("*") for h in HEADERS]}
        assert set(by_header) == {h.lstrip("*") for h in HEADERS}
        assert by_header["统一社会信用代码"][1] == "是" and "文件内及系统中不得重复" in by_header["统一社会信用代码"][2]
        assert by_header["地址"][1] == "否" and "不超过300个字符" in by_header["地址"][2]
        assert "须在您的管辖范围内" in by_header["所属区划代码"][2]
        text = "\n".join(str(c) for r in rows for c in r if c)
        assert "只要有一行有错误，整个文件都不会导入" in text
        # the industry dictionary and the user's regions are listed (label, code)
        assert ["建筑业", None, "E", None] in rows and ["制造业", None, "C", None] in rows
        codes = [r[2] for r in rows if r[2] and re.fullmatch(r"45\d{4}", str(r[2]))]
        assert "450103" in codes and "450100" in codes and "450202" not in codes

    def test_dropdowns_for_dictionary_columns_on_a_hidden_sheet(self, staff):
        wb = load_workbook(BytesIO(build_template(SPEC, staff)))
        lists = wb["_lists"]
        assert lists.sheet_state == "hidden"
        labels = [r[0] for r in lists.iter_rows(values_only=True)]
        assert labels[:3] == ["农、林、牧、渔业", "采矿业", "制造业"] and len(labels) == 20
        validations = wb["企业信息"].data_validations.dataValidation
        assert len(validations) == 1
        dv = validations[0]
        assert dv.type == "list" and dv.formula1 == "'_lists'!$A$1:$A$20"
        assert str(dv.sqref) == "D2:D50001" and dv.showErrorMessage and "所属行业" in dv.error


@pytest.mark.django_db
class TestImport:
    def test_good_file_imports_every_row_in_one_go(self, staff):
        before = ChangeLog.objects.filter(action="create").count()
        rows = [org_row(1), org_row(2, industry="C", region=450102, phone=13877112222), org_row(3, legal="", phone="")]
        result = run_import(SPEC, xlsx_upload(rows), staff)
        assert result.ok and (result.rows, result.created, result.updated) == (3, 3, 0)
        orgs = {o.uscc: o for o in imported()}
        assert len(orgs) == 3
        first, second, third = orgs[uscc(1)], orgs[uscc(2)], orgs[uscc(3)]
        assert (first.kind, first.region.code, first.industry, first.created_by) == ("enterprise", "450103", "E", staff)
        assert (second.region.code, second.industry, second.contact_phone) == ("450102", "C", "13877112222")
        assert (third.legal_representative, third.contact_phone) == ("", "")
        creates = ChangeLog.objects.filter(action="create", content_type__model="organisation",
                                           object_id__in=[str(o.pk) for o in orgs.values()])
        assert creates.count() == 3 == ChangeLog.objects.filter(action="create").count() - before
        assert set(creates.values_list("actor", flat=True)) == {staff.pk}
        op = OperationLog.objects.get(action="import")
        assert op.success and op.actor == staff
        assert op.detail == {"object": "企业信息", "title": "企业信息", "rows": 3, "created": 3, "updated": 0,
                             "filename": "企业导入.xlsx", "update": False}

    def test_one_bad_row_changes_nothing_and_names_the_row(self, staff):
        bad_code = uscc(3)[:-1] + ("0" if uscc(3)[-1] != "0" else "1")
        rows = [org_row(1), org_row(2), org_row(3, uscc=bad_code), org_row(4)]
        changes = ChangeLog.objects.count()
        result = run_import(SPEC, xlsx_upload(rows), staff)
        assert not result.ok
        assert errors_of(result) == [(4, "统一社会信用代码", "统一社会信用代码校验位错误")]
        assert result.summary() == "导入未执行：发现1处错误，文件中的数据均未导入，请修改后重新上传"
        assert not imported().exists() and ChangeLog.objects.count() == changes
        op = OperationLog.objects.get(action="import")
        assert not op.success and op.detail["errors"] == 1 and op.detail["rows"] == 4

    def test_every_row_is_checked_and_every_error_reported(self, staff):
        rows = [org_row(1, name=""), org_row(2, industry="不存在的行业", phone="12345"), org_row(3),
                org_row(4, address="地" * 301)]
        result = run_import(SPEC, xlsx_upload(rows), staff)
        assert errors_of(result) == [
            (2, "企业名称", "必填项不能为空"),
            (3, "所属行业", "“不存在的行业”不是有效的所属行业，请从下拉列表中选择"),
            (3, "联系电话", "“12345”不是有效的手机号或座机号（如 13800138000 或 0771-5881234）"),
            (5, "地址", "长度不能超过300个字符（当前301个）"),
        ]
        assert not imported().exists()

    def test_error_in_the_saving_phase_rolls_back_rows_already_saved(self, staff):
        """A service refusing row 4 after rows 2 and 3 were written: the transaction undoes them."""
        def save(values, instance, user):
            if values["name"].startswith("导入测试3"):
                raise ValidationError({"name": "该企业名称已被列入经营异常名录"})
            instance.save()
            return instance

        spec = dataclasses.replace(SPEC, save_row=save)
        result = run_import(spec, xlsx_upload([org_row(1), org_row(2), org_row(3)]), staff)
        assert errors_of(result) == [(4, "企业名称", "该企业名称已被列入经营异常名录")]
        assert (result.created, result.updated) == (0, 0)
        assert not imported().exists()
        assert not ChangeLog.objects.filter(action="create", content_type__model="organisation",
                                            after__name__startswith="导入测试").exists()

    def test_duplicate_uscc_within_the_file(self, staff):
        result = run_import(SPEC, xlsx_upload([org_row(1), org_row(2), org_row(3, uscc=uscc(1).lower())]), staff)
        assert errors_of(result) == [(4, "统一社会信用代码", f"“{uscc(1).lower()}”与第2行重复")]
        assert not imported().exists()

    def test_duplicate_uscc_against_the_database(self, staff):
        existing = make_enterprise("450103")
        deleted = make_enterprise("450103")
        deleted.delete()  # soft-deleted rows keep their code
        rows = [org_row(1), org_row(2, uscc=existing.uscc), org_row(3, uscc=deleted.uscc)]
        result = run_import(SPEC, xlsx_upload(rows), staff)
        hint = "已存在；如需更新已有记录，请勾选“更新已存在的记录”后导入"
        assert errors_of(result) == [(3, "统一社会信用代码", f"“{existing.uscc}”{hint}"),
                                     (4, "统一社会信用代码", f"“{deleted.uscc}”{hint}")]
        assert not imported().exists()

    def test_region_outside_the_jurisdiction_is_refused(self, staff):
        rows = [org_row(1, region="450202"), org_row(2, region="459999"), org_row(3, region="450103")]
        result = run_import(SPEC, xlsx_upload(rows), staff)
        assert errors_of(result) == [(2, "所属区划代码", "“450202”不在您的管辖范围内"),
                                     (3, "所属区划代码", "“459999”不存在，请填写正确的所属区划代码")]
        assert not imported().exists()
        # the same file is fine for the autonomous region's staff
        result = run_import(SPEC, xlsx_upload([org_row(1, region="450202")]), make_staff("450000", ORG_IMPORT))
        assert result.ok and imported().get().region.code == "450202"

    def test_rows_that_would_land_outside_the_scope_are_refused(self, staff):
        """The safety net: a spec whose region column forgets the scope still cannot write outside it."""
        columns = [dataclasses.replace(c, fk_queryset=None, reference=None) if c.field == "region" else c
                   for c in SPEC.columns]
        spec = dataclasses.replace(SPEC, columns=columns)
        result = run_import(spec, xlsx_upload([org_row(1), org_row(2, region="450202")]), staff)
        assert errors_of(result) == [(3, "整行", "该行数据不在您的管辖范围内")]
        assert not imported().exists()

    def test_dictionary_label_or_value_is_accepted(self, staff):
        rows = [org_row(1, industry="建筑业"), org_row(2, industry="C"), org_row(3, industry=" 信息传输、软件和信息技术服务业 ")]
        result = run_import(SPEC, xlsx_upload(rows), staff)
        assert result.ok
        assert dict(imported().values_list("uscc", "industry")) == {uscc(1): "E", uscc(2): "C", uscc(3): "I"}

    def test_renamed_or_missing_header_is_refused(self, staff):
        renamed = ["*企业名称", "信用代码", "*所属区划代码", "*所属行业", "法定代表人", "联系人", "联系电话", "地址"]
        result = run_import(SPEC, xlsx_upload([org_row(1)], headers=renamed), staff)
        assert errors_of(result) == [
            (1, "统一社会信用代码", "缺少“统一社会信用代码”列，表头须与导入模板一致，请下载最新模板"),
            (1, "信用代码", "第B列的表头“信用代码”不是模板中的列，请勿修改表头"),
        ]
        missing = HEADERS[:-1]
        result = run_import(SPEC, xlsx_upload([org_row(1)[:-1]], headers=missing), staff)
        assert errors_of(result) == [(1, "地址", "缺少“地址”列，表头须与导入模板一致，请下载最新模板")]
        assert not imported().exists()
        assert OperationLog.objects.filter(action="import", success=False).count() == 2

    def test_columns_may_come_in_another_order_and_without_asterisks(self, staff):
        headers = [h.lstrip("*") for h in reversed(HEADERS)]
        result = run_import(SPEC, xlsx_upload([list(reversed(org_row(1)))], headers=headers), staff)
        assert result.ok and imported().get().uscc == uscc(1)

    @pytest.mark.parametrize("content,message", [
        (b"name,uscc\nfoo,bar\n", "文件内容不是 Excel（.xlsx）格式，请使用下载的导入模板填写后上传"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "不支持旧版 .xls 格式或加密的文件，请在 Excel 中另存为 .xlsx 格式（不设密码）后再导入"),
        (b"PK\x03\x04 this is not really a zip", "文件已损坏或不是有效的 Excel（.xlsx）文件，无法读取"),
        (b"", "上传的文件是空的"),
    ])
    def test_content_that_is_not_xlsx_is_refused(self, staff, content, message):
        result = run_import(SPEC, upload(content), staff)
        assert errors_of(result) == [(None, "", message)]
        assert not OperationLog.objects.get(action="import").success

    def test_a_word_document_renamed_xlsx_is_refused(self, staff):
        docx = render_docx("exports/notice.docx", {"title": "通知", "paragraphs": []})
        result = run_import(SPEC, upload(docx), staff)
        assert errors_of(result) == [(None, "", "文件不是有效的 Excel（.xlsx）工作簿，请使用下载的导入模板填写后上传")]

    def test_file_size_limit(self, staff):
        content = workbook_bytes([org_row(1)])
        spec = dataclasses.replace(SPEC, max_bytes=len(content) - 1)
        result = run_import(spec, upload(content), staff)
        assert len(result.errors) == 1 and result.errors[0].message.startswith("文件大小超过上限")
        assert run_import(dataclasses.replace(SPEC, max_bytes=len(content)), upload(content), staff).ok

    def test_row_limit(self, staff):
        spec = dataclasses.replace(SPEC, max_rows=3)
        rows = [org_row(1), [None] * 8, org_row(2), org_row(3), org_row(4)]  # blank lines do not count
        result = run_import(spec, xlsx_upload(rows), staff)
        assert errors_of(result) == [(6, "", "数据行数超过上限（最多3行），请分批导入")]
        assert not imported().exists()
        result = run_import(spec, xlsx_upload(rows[:-1]), staff)
        assert result.ok and result.rows == 3

    def test_empty_file_is_refused(self, staff):
        result = run_import(SPEC, xlsx_upload([]), staff)
        assert errors_of(result) == [(None, "", "文件中没有数据行，请从第2行起填写")]

    def test_formulas_are_read_as_their_values(self, staff):
        content = workbook_bytes([org_row(1, phone=13877113333)])
        with zipfile.ZipFile(BytesIO(content)) as src:
            parts = {name: src.read(name) for name in src.namelist()}
        sheet = parts["xl/worksheets/sheet1.xml"].decode()
        assert '<c r="G2" t="n"><v>13877113333</v></c>' in sheet
        parts["xl/worksheets/sheet1.xml"] = sheet.replace(
            '<c r="G2" t="n"><v>13877113333</v></c>', '<c r="G2"><f>13877110000+3333</f><v>13877113333</v></c>').encode()
        out = BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for name, data in parts.items():
                dst.writestr(name, data)
        result = run_import(SPEC, upload(out.getvalue()), staff)
        assert result.ok and imported().get().contact_phone == "13877113333"

    def test_template_filled_in_round_trips(self, staff):
        wb = load_workbook(BytesIO(build_template(SPEC, staff)))
        ws = wb["企业信息"]
        ws.append(org_row(1))
        ws.append(org_row(2, industry="批发和零售业"))
        out = BytesIO()
        wb.save(out)
        result = run_import(SPEC, upload(out.getvalue()), staff)
        assert result.ok and result.created == 2
        assert imported().get(uscc=uscc(2)).industry == "F"

    def test_run_import_without_a_request_audits_as_the_user(self, staff):
        run_import(SPEC, xlsx_upload([org_row(1)]), staff)
        log = ChangeLog.objects.get(action="create", content_type__model="organisation",
                                    object_id=str(imported().get().pk))
        assert log.actor == staff and log.region.code == "450100"


@pytest.mark.django_db
class TestUpdateMode:
    def test_update_mode_updates_matched_rows_and_creates_the_others(self, staff):
        org = make_enterprise("450103", name="导入测试旧名称有限公司")
        org.address, org.contact_phone = "旧地址1号", "13800000001"
        org.save()
        rows = [org_row(1, uscc=org.uscc, name="导入测试新名称有限公司", address="", industry="制造业"),
                org_row(2)]
        result = run_import(SPEC, xlsx_upload(rows), staff, update=True)
        assert result.ok and (result.created, result.updated) == (1, 1)
        org.refresh_from_db()
        assert (org.name, org.industry, org.contact_phone) == ("导入测试新名称有限公司", "C", "13877110000")
        assert org.address == "旧地址1号"  # an empty optional cell keeps the old value
        log = ChangeLog.objects.filter(action="update", content_type__model="organisation",
                                       object_id=str(org.pk)).latest("id")
        assert log.before["name"] == "导入测试旧名称有限公司" and log.after["name"] == "导入测试新名称有限公司"
        assert set(log.changed_fields) >= {"name", "industry", "contact_phone"}
        assert OperationLog.objects.get(action="import").detail["updated"] == 1
        assert imported().count() == 2

    def test_without_update_mode_an_existing_code_is_an_error(self, staff):
        org = make_enterprise("450103")
        result = run_import(SPEC, xlsx_upload([org_row(1, uscc=org.uscc)]), staff)
        assert [e.row for e in result.errors] == [2] and "已存在" in result.errors[0].message

    def test_records_outside_the_jurisdiction_are_not_updated(self, staff):
        other = make_enterprise("450202", name="柳州某企业有限公司")
        result = run_import(SPEC, xlsx_upload([org_row(1, uscc=other.uscc, region="450103")]), staff, update=True)
        assert errors_of(result) == [
            (2, "统一社会信用代码", f"“{other.uscc}”对应的记录已存在，但不在您可以更新的范围内（不在管辖范围内或已删除）")]
        other.refresh_from_db()
        assert other.name == "柳州某企业有限公司" and other.region.code == "450202"

    def test_moving_a_record_out_of_the_jurisdiction_is_refused(self, staff):
        org = make_enterprise("450103", name="导入测试迁出有限公司")
        result = run_import(SPEC, xlsx_upload([org_row(1, uscc=org.uscc, region="450202")]), staff, update=True)
        assert errors_of(result) == [(2, "所属区划代码", "“450202”不在您的管辖范围内")]
        org.refresh_from_db()
        assert org.region.code == "450103"

    def test_update_ignored_for_specs_without_key(self, staff):
        spec = dataclasses.replace(SPEC, key=None)
        org = make_enterprise("450103")
        result = run_import(spec, xlsx_upload([org_row(1, uscc=org.uscc)]), staff, update=True)
        assert not result.ok and not result.update


# -- column types, with a service-only spec ----------------------------------------------------------

SAVED = []


def _save(values, instance, user):
    SAVED.append(values)


TYPED = ImportSpec(
    title="类型测试",
    save_row=_save,
    columns=[
        ImportColumn("数量", "count", "int", min_value=0, max_value=1000),
        ImportColumn("金额", "amount", "decimal", decimal_places=2),
        ImportColumn("日期", "day", "date"),
        ImportColumn("是否重点", "key", "bool"),
        ImportColumn("等级", "level", "choice", choices=[("A", "一级"), ("B", "二级")]),
        ImportColumn("身份证号", "id_number", "id_number"),
        ImportColumn("电话", "phone", "phone"),
        ImportColumn("机构", "org", "fk", fk_model=Organisation, fk_field="uscc",
                     fk_queryset=lambda user: Organisation.objects.visible_to(user)),
        ImportColumn("编号", "code", unique=True, max_length=6),
    ],
)
TYPED_HEADERS = [c.header for c in TYPED.columns]
GOOD_ID = "11010519491231002X"


@pytest.mark.django_db
class TestColumnTypes:
    @pytest.fixture(autouse=True)
    def _clear(self):
        SAVED.clear()

    def run(self, rows, user):
        return run_import(TYPED, xlsx_upload(rows, headers=TYPED_HEADERS), user)

    def test_values_are_converted(self, staff):
        org = make_enterprise("450103")
        rows = [
            [12, "1,234.50", "2024/1/31", "是", "二级", GOOD_ID.lower(), 13877110000, org.uscc, "A1"],
            ["7", 3.25, datetime.datetime(2024, 2, 29, 0, 0), "否", "A", None, "0771-5881234", None, "A2"],
            [12.0, None, "2024年3月1日", True, None, None, None, None, None],
        ]
        result = self.run(rows, staff)
        assert result.ok, errors_of(result)
        assert SAVED[0] == {"count": 12, "amount": decimal.Decimal("1234.50"), "day": datetime.date(2024, 1, 31),
                            "key": True, "level": "B", "id_number": GOOD_ID, "phone": "13877110000", "org": org,
                            "code": "A1"}
        assert SAVED[1]["count"] == 7 and SAVED[1]["amount"] == decimal.Decimal("3.25")
        assert SAVED[1]["day"] == datetime.date(2024, 2, 29) and SAVED[1]["key"] is False and SAVED[1]["level"] == "A"
        assert SAVED[2]["count"] == 12 and SAVED[2]["day"] == datetime.date(2024, 3, 1) and SAVED[2]["amount"] is None
        assert OperationLog.objects.get(action="import").detail["created"] == 3

    def test_bad_values_get_chinese_messages(self, staff):
        other_city = make_enterprise("450202")
        rows = [
            ["1.5", "abc", "2024-02-30", "也许", "三级", "110105194912310021", "1234", other_city.uscc, "A1"],
            [1001, "1.234", "明天", None, None, "11010519491231002", None, "91450000NOTEXIST00", "A1"],
            [-1, None, None, None, None, None, None, None, "ABCDEFG"],
        ]
        result = self.run(rows, staff)
        assert errors_of(result) == [
            (2, "数量", "“1.5”不是整数"),
            (2, "金额", "“abc”不是有效的数字"),
            (2, "日期", "“2024-02-30”不是有效的日期，格式应如 2024-01-31"),
            (2, "是否重点", "“也许”无效，请填写“是”或“否”"),
            (2, "等级", "“三级”不是有效的选项，可选：一级、二级"),
            (2, "身份证号", "身份证号码校验位错误"),
            (2, "电话", "“1234”不是有效的手机号或座机号（如 13800138000 或 0771-5881234）"),
            (2, "机构", f"“{other_city.uscc}”不在您的管辖范围内"),
            (3, "数量", "不能大于1000"),
            (3, "金额", "最多保留2位小数"),
            (3, "日期", "“明天”不是有效的日期，格式应如 2024-01-31"),
            (3, "身份证号", "身份证号码应为18位，当前为17位"),
            (3, "机构", "“91450000NOTEXIST00”不存在，请填写正确的机构"),
            (3, "编号", "“A1”与第2行重复"),
            (4, "数量", "不能小于0"),
            (4, "编号", "长度不能超过6个字符（当前7个）"),
        ]
        assert SAVED == []

    def test_row_hook_errors_are_reported_per_column_or_row(self, staff):
        def hook(values, instance, user):
            if values["count"] and values["count"] > 10:
                raise ValidationError({"count": "重点企业数量不能超过10"})
            if values["code"] == "X":
                raise ValidationError("该行与已登记的数据冲突")

        spec = dataclasses.replace(TYPED, validate_row=hook)
        result = run_import(spec, xlsx_upload([[11] + [None] * 8, [1] + [None] * 7 + ["X"]],
                                              headers=TYPED_HEADERS), staff)
        assert errors_of(result) == [(2, "数量", "重点企业数量不能超过10"), (3, "整行", "该行与已登记的数据冲突")]

    def test_errors_beyond_the_cap_are_counted_not_kept(self, staff):
        spec = dataclasses.replace(TYPED, max_errors=5)
        result = run_import(spec, xlsx_upload([["x"] + [None] * 8 for _ in range(8)], headers=TYPED_HEADERS), staff)
        assert result.error_count == 8 and len(result.errors) == 5 and result.truncated
        assert result.errors[-1] == RowError(6, "数量", "“x”不是整数")

    def test_spec_declarations_are_checked(self):
        with pytest.raises(ValueError):
            ImportColumn("行业", "industry", "dict")
        with pytest.raises(ValueError):
            ImportSpec(title="x", columns=[])
        with pytest.raises(ValueError):
            ImportSpec(title="x", model=Organisation, key="name", columns=[ImportColumn("名称", "name")])


def test_sheet_xml_written_by_openpyxl_has_numbers_as_expected():
    """Guards the formula test above: openpyxl writes integers as typed numeric cells."""
    content = workbook_bytes([["a", 5]], headers=["x", "y"])
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert '<c r="B2" t="n"><v>5</v></c>' in z.read("xl/worksheets/sheet1.xml").decode()

