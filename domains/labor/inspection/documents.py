"""The complaint/report registration form (劳动保障监察投诉举报登记表) of one case as a Word document.

The layout is templates/labor_inspection/documents/complaint.docx (docxtpl tags in a four-column form
table), rendered by kernel.exports.documents.render_docx. The form is the case file's first page, so it
carries the complainant's particulars in full; downloading it needs the export permission, the record
is found through visible_to(user) by the caller, and each download is logged as an operation.

`build_template(path)` regenerates the .docx layout with python-docx (run it after changing the layout:
`python -c "from domains.labor.inspection.documents import build_template; build_template()"`)."""
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kernel.audit.services import log_operation
from kernel.exports.documents import a4_document, docx_response, render_docx, styled_run

from .services import current_due, working_days_left

DOCX_TEMPLATE = "labor_inspection/documents/complaint.docx"
TEMPLATE_PATH = Path(__file__).resolve().parent / "templates" / DOCX_TEMPLATE
EXPORT_PERM = "labor_inspection.export_complaint"


def cn_date(day):
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _text(value):
    """Multi-line text as a docxtpl Listing (line breaks kept, XML-escaped)."""
    from docxtpl import Listing

    return Listing(value or "")


def document_context(complaint):
    what, due = current_due(complaint)
    left = working_days_left(due)
    if left is None:
        supervision = "—"
    elif left < 0:
        supervision = f"{what}已超期{-left}个工作日"
    else:
        supervision = f"距{what}期限{left}个工作日"
    creator = complaint.created_by
    org = getattr(creator, "organisation", None)
    return {
        "title": "劳动保障监察投诉举报登记表",
        "no": complaint.no,
        "channel": complaint.get_channel_display(),
        "received_on": cn_date(complaint.received_on),
        "region": complaint.region.full_name if complaint.region_id else "",
        "status": complaint.workflow_state().label,
        "complainant_name": complaint.complainant_name or "—",
        "complainant_id_number": complaint.complainant_id_number or "—",
        "complainant_phone": complaint.complainant_phone or "—",
        "respondent_name": complaint.respondent_name,
        "respondent_uscc": (complaint.respondent.uscc if complaint.respondent_id else "") or "—",
        "respondent_address": complaint.respondent_address or "—",
        "respondent_contact": complaint.respondent_contact or "—",
        "project": complaint.project.name if complaint.project_id else "—",
        "workers_involved": str(complaint.workers_involved),
        "amount_owed": f"{complaint.amount_owed:,.2f}",
        "facts": _text(complaint.facts),
        "demands": _text(complaint.demands or "—"),
        "warning": (f"{complaint.warning.rule.name}（{complaint.warning.level_label}，"
                    f"{timezone.localtime(complaint.warning.first_seen):%Y-%m-%d}）") if complaint.warning_id else "—",
        "accept_due": cn_date(complaint.accept_due),
        "accepted_on": cn_date(complaint.accepted_on) or "—",
        "filed_on": cn_date(complaint.filed_on) or "—",
        "finish_due": cn_date(complaint.finish_due) or "—",
        "extension": ("已批准延期：" + complaint.extension_reason) if complaint.extended else (
            "申请延期中：" + complaint.extension_reason if complaint.status == "extension" else "未延期"),
        "supervision": supervision,
        "supervisor": complaint.supervisor.display_name if complaint.supervisor_id else "—",
        "handler": complaint.handler.display_name if complaint.handler_id else "—",
        "closed_on": cn_date(complaint.closed_on) or "—",
        "result": _text(complaint.result or "—"),
        "registrar": creator.display_name if creator else "—",
        "agency": org.name if org else "",
        "date": cn_date(timezone.localdate(complaint.created_at)),
    }


def filename(complaint):
    return f"投诉举报登记表_{complaint.respondent_name}_{complaint.no}"


def render(complaint) -> bytes:
    return render_docx(DOCX_TEMPLATE, document_context(complaint))


def document_response(complaint, user):
    """The download (the caller found the complaint through visible_to(user)); logged as a download."""
    if not (user.is_superuser or user.has_perm(EXPORT_PERM)):
        raise PermissionDenied("您没有导出投诉举报登记表的权限")
    response = docx_response(DOCX_TEMPLATE, document_context(complaint), filename(complaint))
    log_operation("download", user=user, object=complaint.no, document="投诉举报登记表", format="docx",
                  owner=f"labor_inspection.complaint:{complaint.pk}")
    return response


# -- the layout ------------------------------------------------------------------------------------
ROWS = [  # (label, tag, label, tag) or (label, tag) spanning three cells
    ("登记编号", "no", "收到日期", "received_on"),
    ("案件来源", "channel", "办理状态", "status"),
    ("所属区划", "region"),
    ("投诉人姓名", "complainant_name", "联系电话", "complainant_phone"),
    ("投诉人身份证号", "complainant_id_number"),
    ("被投诉单位名称", "respondent_name"),
    ("统一社会信用代码", "respondent_uscc", "单位负责人", "respondent_contact"),
    ("单位地址", "respondent_address"),
    ("涉及项目", "project"),
    ("涉及人数", "workers_involved", "涉及金额（元）", "amount_owed"),
    ("来源预警", "warning"),
    ("投诉举报事项", "facts"),
    ("投诉请求", "demands"),
    ("受理期限", "accept_due", "受理日期", "accepted_on"),
    ("立案日期", "filed_on", "办结期限", "finish_due"),
    ("延期情况", "extension"),
    ("督办责任人", "supervisor", "承办人", "handler"),
    ("期限提示", "supervision"),
    ("办结日期", "closed_on", "登记人", "registrar"),
    ("处理结果", "result"),
]


def build_template(path=TEMPLATE_PATH):
    """Write the docxtpl layout (A4, 仿宋 body, 黑体 title, a bordered four-column form)."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    doc = a4_document(size=12)
    run = styled_run

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(title, "{{ title }}", bold=True, size=20, font="黑体")
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run(head, "登记机构：{{ agency }}　　登记编号：{{ no }}", size=10.5)

    table = doc.add_table(rows=0, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Cm(3.4), Cm(5.0), Cm(3.0), Cm(5.2))
    for row in ROWS:
        cells = table.add_row().cells
        for cell, width in zip(cells, widths, strict=True):
            cell.width = width
        if len(row) == 4:
            pairs = [(cells[0], row[0], True), (cells[1], row[1], False), (cells[2], row[2], True),
                     (cells[3], row[3], False)]
        else:
            merged = cells[1].merge(cells[2]).merge(cells[3])
            pairs = [(cells[0], row[0], True), (merged, row[1], False)]
        for cell, text, is_label in pairs:
            p = cell.paragraphs[0]
            if is_label:
                run(p, text, bold=True, size=11)
            else:
                run(p, "{{ " + text + " }}", size=11)
    doc.add_paragraph()
    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run(sign, "{{ agency }}（盖章）")
    date = doc.add_paragraph()
    date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run(date, "{{ date }}")
    note = doc.add_paragraph()
    run(note, "注：本表由劳动保障监察机构登记，随案归档；投诉人个人信息仅用于案件办理。", size=9)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
