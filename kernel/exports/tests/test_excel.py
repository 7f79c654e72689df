"""The streamed .xlsx writer behind every list export: values, styles, limits, flat memory."""
import datetime
import decimal
import io
import tracemalloc
import zipfile
from zoneinfo import ZoneInfo

import pytest
from lxml import etree
from openpyxl import load_workbook

from kernel.exports import excel


class Col:
    def __init__(self, label, key, width=16):
        self.label, self.key, self.width = label, key, width

    def export_value(self, obj, user=None):
        return obj[self.key]


COLUMNS = [Col("名称", "name", 30), Col("数量", "n"), Col("金额", "amount"), Col("日期", "day"), Col("时间", "at"),
           Col("是否", "flag"), Col("备注", "note")]


def write(rows, columns=COLUMNS, title="机构管理"):
    out = io.BytesIO()
    count = excel.write_xlsx(out, title, columns, iter(rows))
    return count, out.getvalue()


def test_values_round_trip_through_openpyxl():
    aware = datetime.datetime(2026, 1, 20, 1, 30, 15, tzinfo=datetime.UTC)  # 09:30:15 in Shanghai
    rows = [
        {"name": "南宁A&B<建设>有限公司", "n": 12, "amount": 1234.5, "day": datetime.date(2026, 1, 31),
         "at": aware, "flag": True, "note": "  前后有空格 "},
        {"name": "控制\x01字符\x0b已去除", "n": -3, "amount": decimal.Decimal("0.10"),
         "day": datetime.datetime(2026, 2, 1, 8, 0), "at": datetime.time(17, 45), "flag": False, "note": None},
        {"name": "", "n": 0, "amount": float("nan"), "day": None, "at": None, "flag": None, "note": "x" * 40_000},
    ]
    count, content = write(rows)
    assert count == 3
    for read_only in (True, False):
        wb = load_workbook(io.BytesIO(content), read_only=read_only)
        got = [list(r) + [None] * (7 - len(r)) for r in wb.active.iter_rows(values_only=True)]
        assert got[0] == ["名称", "数量", "金额", "日期", "时间", "是否", "备注"]
        assert got[1] == ["南宁A&B<建设>有限公司", 12, 1234.5, datetime.datetime(2026, 1, 31),
                          datetime.datetime(2026, 1, 20, 9, 30, 15), True, "  前后有空格 "]
        assert got[2][:6] == ["控制字符已去除", -3, "0.10", datetime.datetime(2026, 2, 1, 8, 0), datetime.time(17, 45), False]
        assert got[2][6] is None
        assert got[3][0] is None and got[3][1] == 0 and got[3][2] == "nan" and len(got[3][6]) == 32_767


def test_header_style_widths_and_sheet_title():
    _, content = write([{"name": "a", "n": 1, "amount": 1, "day": None, "at": None, "flag": None, "note": None}],
                       title="数据[变更]/日志:2026")
    wb = load_workbook(io.BytesIO(content))
    ws = wb.active
    assert ws.title == "数据变更日志2026"
    assert ws["A1"].font.b and ws["A1"].font.color.rgb == "FFFFFFFF" and ws["A1"].fill.fgColor.rgb == "FF1F4E79"
    assert ws.column_dimensions["A"].width == 30 and ws.column_dimensions["B"].width == 16
    assert ws["D2"].value is None


def test_every_part_is_well_formed_xml():
    _, content = write([{"name": "<&>\"'", "n": 1, "amount": 2.5, "day": datetime.date(2026, 1, 1),
                         "at": datetime.datetime(2026, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai")), "flag": True,
                         "note": "]]>"}])
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert z.testzip() is None
        names = z.namelist()
        assert {"[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml", "xl/worksheets/sheet1.xml"} <= set(names)
        for name in names:
            etree.fromstring(z.read(name))


def test_row_cap(monkeypatch):
    monkeypatch.setattr(excel, "MAX_SHEET_ROWS", 5)
    count, content = write({"name": f"r{i}", "n": i, "amount": 0, "day": None, "at": None, "flag": None,
                            "note": None} for i in range(9))
    assert count == 5
    assert len(list(load_workbook(io.BytesIO(content), read_only=True).active.iter_rows())) == 6


def _peak(n):
    rows = ({"name": f"测试企业{i}有限公司", "n": i, "amount": i / 3, "day": datetime.date(2026, 1, 1),
             "at": datetime.datetime(2026, 1, 1, 8, 0), "flag": i % 2 == 0, "note": f"南宁市青秀区民族大道{i}号"}
            for i in range(n))
    out = io.BytesIO()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        excel.write_xlsx(out, "内存", COLUMNS, rows)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return peak, out.tell()


def test_memory_stays_flat_as_rows_grow():
    """Ten times the rows: the writer's own peak grows by far less than the file does (the output
    buffer, an in-memory BytesIO here, is what grows; export_response spools it to disk past 16 MB)."""
    small_peak, small_size = _peak(2_000)
    big_peak, big_size = _peak(20_000)
    assert big_size > 8 * small_size
    assert big_peak - small_peak < (big_size - small_size) + 2 * 1024 * 1024
    assert big_peak - big_size < 4 * 1024 * 1024  # beyond the file itself, under 4 MB of working memory


@pytest.mark.django_db
def test_export_response_streams_and_logs(rf):
    from kernel.audit.models import OperationLog
    from kernel.core.testing import make_enterprise, make_staff, xlsx_rows
    from kernel.org.models import Organisation
    from kernel.org.views import ORG_COLUMNS

    org = make_enterprise("450103", name="流式导出测试有限公司")
    user = make_staff("450100", ["org.view_organisation"])
    request = rf.get("/gov/org/organisations/", {"export": "xlsx", "name": "流式"})
    request.user = user
    response = excel.export_response(request, Organisation.objects.visible_to(user).filter(pk=org.pk),
                                     [c for c in ORG_COLUMNS if c.default], "机构管理")
    assert response.streaming
    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    rows = xlsx_rows(response)
    assert rows[1][:4] == ["流式导出测试有限公司", "企业", org.uscc, "建筑业"]
    op = OperationLog.objects.get(action="export", actor=user)
    assert op.detail == {"object": "机构管理", "rows": 1, "filters": {"name": "流式"}}
