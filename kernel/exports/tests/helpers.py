"""Builders of .xlsx uploads for the import tests."""
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from kernel.org.demo import make_uscc

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ["*企业名称", "*统一社会信用代码", "*所属区划代码", "*所属行业", "法定代表人", "联系人", "联系电话", "地址"]
ORG_IMPORT = ["org.view_organisation", "org.add_organisation"]
ORG_IMPORT_UPDATE = ORG_IMPORT + ["org.change_organisation"]


def uscc(n, region="450103"):
    return make_uscc("91", region, 700_000 + n)


def org_row(n, **over):
    """A valid row of the organisation template (values in header order)."""
    values = {
        "name": f"导入测试{n}号建设有限公司", "uscc": uscc(n), "region": "450103", "industry": "建筑业",
        "legal": "韦一", "contact": "李二", "phone": "13877110000", "address": f"南宁市青秀区民族大道{n}号",
    }
    values.update(over)
    return [values[k] for k in ("name", "uscc", "region", "industry", "legal", "contact", "phone", "address")]


def workbook_bytes(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(content: bytes, name="企业导入.xlsx"):
    return SimpleUploadedFile(name, content, content_type=XLSX)


def xlsx_upload(rows, headers=HEADERS, name="企业导入.xlsx"):
    return upload(workbook_bytes(rows, headers), name)
