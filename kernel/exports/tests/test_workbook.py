"""Several tables as one workbook (a sheet each): statistics exports. The single-sheet list export
(write_xlsx) is the one-sheet case of the same writer (test_excel.py)."""
import datetime
import io
import zipfile
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from kernel.audit.models import OperationLog
from kernel.core.testing import make_staff
from kernel.exports import excel
from kernel.exports.excel import Sheet, ValueColumn


def sheets():
    by_status = Sheet("按状态", [ValueColumn("状态", "label", 20), ValueColumn("数量", "n")],
                      [{"label": "待派单", "n": 3}, {"label": "已销号", "n": 5}])
    by_month = Sheet("按月份", [ValueColumn("月份", 0), ValueColumn("数量", 1), ValueColumn("环比(%)", 2)],
                     [("2026-01", 4, None), ("2026-02", 6, 50.0)])
    objects = Sheet("单位", [ValueColumn("单位", "name", 40), ValueColumn("日期", lambda o: o.day)],
                    iter([SimpleNamespace(name="南宁A&B<电梯>公司", day=datetime.date(2026, 3, 1))]))
    return [by_status, by_month, objects]


def write(items, title="隐患统计"):
    out = io.BytesIO()
    counts = excel.write_workbook(out, title, items)
    return counts, out.getvalue()


@pytest.mark.parametrize("read_only", [True, False])
def test_one_sheet_per_table_in_order(read_only):
    counts, content = write(sheets())
    assert counts == [2, 2, 1]
    wb = load_workbook(io.BytesIO(content), read_only=read_only)
    assert wb.sheetnames == ["按状态", "按月份", "单位"]
    rows = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    assert rows["按状态"] == [["状态", "数量"], ["待派单", 3], ["已销号", 5]]
    assert rows["按月份"][2] == ["2026-02", 6, 50.0] and rows["按月份"][1][:2] == ["2026-01", 4]
    assert rows["单位"] == [["单位", "日期"], ["南宁A&B<电梯>公司", datetime.datetime(2026, 3, 1)]]


def test_each_sheet_has_its_widths_and_a_styled_header():
    _, content = write(sheets())
    wb = load_workbook(io.BytesIO(content))
    ws = wb["单位"]
    assert ws.column_dimensions["A"].width == 40
    assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb.endswith(excel.HEADER_COLOUR)
    assert wb["按状态"].column_dimensions["A"].width == 20


def test_sheet_names_are_made_valid_and_distinct():
    same = [Sheet("区划/排名", [ValueColumn("a", 0)], [(1,)]), Sheet("区划排名", [ValueColumn("a", 0)], [(2,)]),
            Sheet("x" * 40, [ValueColumn("a", 0)], []), Sheet("X" * 40, [ValueColumn("a", 0)], [])]
    _, content = write(same)
    names = load_workbook(io.BytesIO(content)).sheetnames
    assert names[0] == "区划排名" and names[1] == "区划排名(2)"
    assert names[2] == "x" * 31 and names[3] == "X" * 28 + "(2)"
    assert len({n.lower() for n in names}) == 4


def test_no_tables_still_makes_a_valid_workbook():
    counts, content = write([], title="空")
    assert counts == [0]
    assert load_workbook(io.BytesIO(content)).sheetnames == ["空"]
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert "xl/worksheets/sheet1.xml" in z.namelist() and "xl/worksheets/sheet2.xml" not in z.namelist()


def test_single_sheet_export_is_unchanged():
    out = io.BytesIO()
    assert excel.write_xlsx(out, "机构管理", [ValueColumn("名称", 0)], iter([("甲",), ("乙",)])) == 2
    wb = load_workbook(io.BytesIO(out.getvalue()))
    assert wb.sheetnames == ["机构管理"]
    assert [r for r in wb.active.iter_rows(values_only=True)] == [("名称",), ("甲",), ("乙",)]


@pytest.mark.django_db
def test_workbook_response_downloads_and_logs_the_export(rf):
    user = make_staff("450100")
    request = rf.get("/gov/x/", {"date_from": "2026-01-01", "export": "xlsx"})
    request.user = user
    response = excel.workbook_response(request, "隐患统计", sheets())
    content = b"".join(response.streaming_content)
    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    assert "attachment; filename*=UTF-8''" in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(content)).sheetnames == ["按状态", "按月份", "单位"]
    op = OperationLog.objects.get(action="export", actor=user)
    assert op.detail["object"] == "隐患统计" and op.detail["rows"] == 5
    assert op.detail["sheets"] == {"按状态": 2, "按月份": 2, "单位": 1}
    assert op.detail["filters"] == {"date_from": "2026-01-01"}
