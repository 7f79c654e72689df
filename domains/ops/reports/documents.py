"""The monthly service report (运维服务月报) as a Word document (python-docx: its tables grow with the month's
contracts and weeks, which a fixed docxtpl layout does not suit) and as an Excel workbook (kernel.exports)."""
import io

from django.utils import timezone

from kernel.exports.documents import a4_document, styled_run
from kernel.exports.excel import Sheet, ValueColumn

from .quality import Report


def _pct(value):
    return "—" if value is None else f"{value}%"


def _verdict(met):
    return {True: "达标", False: "未达标", None: "无数据"}[met]


def figure_rows(report: Report):
    return [(f.label, f.target_text, f.numerator, f.denominator, f.rate_text, f.verdict) for f in report.figures]


def week_rows(report: Report):
    return [(f"{w.start:%m月%d日}—{w.end:%m月%d日}", w.raised, w.completed, _pct(w.rate),
             _verdict(w.met) if w.finished else "本周未结束") for w in report.weeks]


def sla_rows(report: Report):
    return [(line.contract_no, line.contract, line.kind_label, line.settled, line.attained, line.response_breached,
             line.resolution_breached, _pct(line.rate)) for line in report.sla]


FIGURE_HEAD = ("指标", "目标", "达标数/发生数", "统计数", "本月", "结论")
WEEK_HEAD = ("周次", "提出数据维护", "当周完成", "完成率", "结论")
SLA_HEAD = ("合同编号", "合同名称", "类型/级别", "已结算工单", "SLA达成", "响应超时", "解决超时", "达成率")


def render_docx(report: Report, *, scope_name, contract=None, author="") -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = a4_document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    styled_run(title, report.title, bold=True, size=18, font="黑体")
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.add_run(f"统计范围：{scope_name}{f'　合同：{contract}' if contract else '　全部合同'}　"
                f"统计期间：{report.start:%Y-%m-%d}至{timezone.localtime(report.end).date():%Y-%m-%d}（不含）")

    def heading(text):
        styled_run(doc.add_paragraph(), text, bold=True, size=13)

    def table(head, rows):
        t = doc.add_table(rows=1, cols=len(head))
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells, head, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(str(text)).bold = True
        for row in rows:
            cells = t.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = str(value)
        if not rows:
            t.add_row().cells[0].text = "本月无数据"

    counts = report.counts
    heading("一、工单概况")
    doc.add_paragraph(
        f"本月共受理工单{counts['raised']}件（"
        + "、".join(f"{label}{n}件" for label, n in counts["by_kind"]) + f"），本月解决{counts['resolved']}件，"
        f"用户确认关闭{counts['closed']}件；目前未关闭工单{counts['open']}件。")
    heading("二、维护效率与质量指标")
    table(FIGURE_HEAD, figure_rows(report))
    heading("三、每周数据处理完成率")
    table(WEEK_HEAD, week_rows(report))
    heading("四、SLA达成情况（按合同与级别）")
    attained, settled, rate = report.sla_total
    doc.add_paragraph(f"本月已结算工单{settled}件，SLA达成{attained}件，达成率{_pct(rate)}。")
    table(SLA_HEAD, sla_rows(report))
    doc.add_paragraph()
    foot = doc.add_paragraph(f"编制：{author}　　编制时间：{timezone.localtime():%Y-%m-%d %H:%M}")
    foot.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _columns(head, widths=None):
    return [ValueColumn(label, i, width=(widths[i] if widths else 14)) for i, label in enumerate(head)]


def sheets(report: Report, tickets):
    """The workbook: the figures, the weeks, SLA attainment, and the month's tickets."""
    from domains.ops.tickets.models import Ticket

    ticket_head = ("工单编号", "合同", "类型", "标题", "状态", "提出时间", "响应期限", "首次响应", "解决期限", "解决时间",
                   "响应超时", "解决超时", "重新打开次数", "处理工程师")

    def ticket_row(t: Ticket):
        def at(v):
            return timezone.localtime(v).strftime("%Y-%m-%d %H:%M") if v else ""
        return (t.number, t.contract.contract_no, t.kind_label, t.title, t.get_status_display(), at(t.raised_at),
                at(t.response_due), at(t.responded_at), at(t.resolution_due), at(t.resolved_at),
                "是" if t.response_breached else "否", "是" if t.resolution_breached else "否", t.reopen_count,
                t.assignee.real_name if t.assignee_id else "")

    return [
        Sheet("质量指标", _columns(FIGURE_HEAD, (28, 10, 14, 10, 10, 10)), figure_rows(report)),
        Sheet("每周数据处理", _columns(WEEK_HEAD, (20, 14, 12, 10, 12)), week_rows(report)),
        Sheet("SLA达成", _columns(SLA_HEAD, (18, 30, 12, 12, 10, 10, 10, 10)), sla_rows(report)),
        Sheet("本月工单", _columns(ticket_head), (ticket_row(t) for t in tickets.iterator(chunk_size=2000))),
    ]
