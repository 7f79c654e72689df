"""The Word inspection report (系统巡检报告, seed 004 §2.1.5: "a written inspection report is produced after
each inspection") of one run: the run's particulars, every item with its object, value, threshold and
conclusion (the conclusion cell shaded in the result's colour), the breaches with what must be done, the
overall conclusion.

The layout is templates/ops_inspections/docs/report.docx (docxtpl tags), rendered by
kernel.exports.documents.render_docx. `build_template()` regenerates it with python-docx:
`.venv/bin/python -c "import django; django.setup(); from domains.ops.inspections.documents import build_template; build_template()"`
(with DJANGO_SETTINGS_MODULE=config.settings)."""
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kernel.audit.services import log_operation
from kernel.exports.documents import a4_document, docx_response, render_docx, styled_run

from .models import ChecklistItem

DOCX_TEMPLATE = "ops_inspections/docs/report.docx"
TEMPLATE_PATH = Path(__file__).resolve().parent / "templates" / DOCX_TEMPLATE
EXPORT_PERM = "ops_inspections.export_inspectionrun"
CATEGORY_LABELS = dict(ChecklistItem.Category.choices)
# light tints of the page's colours, so the conclusion cell stays readable in print
TINTS = {"pass": "D1E7DD", "error": "E2E3E5", "recorded": "CFF4FC", "pending": "F8F9FA",
         "blue": "CFE2FF", "yellow": "FFF3CD", "orange": "FFE5D0", "red": "F8D7DA"}


def cn_datetime(value):
    if not value:
        return "—"
    local = timezone.localtime(value)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _listing(text):
    from docxtpl import Listing

    return Listing(text or "—")


def report_context(run):
    results = list(run.results.select_related("item", "target").order_by("item__order", "item_id", "target__name",
                                                                          "pk"))
    rows, breaches = [], []
    for n, r in enumerate(results, 1):
        where = "·".join(p for p in (r.target.name if r.target_id else "", r.key) if p) or "—"
        situation = r.value_display
        if r.value is not None and r.value_text:
            situation = f"{r.value_display}（{r.value_text}）"
        if r.outcome in ("error",) or (r.detail and r.outcome != "breach"):
            situation = f"{situation}；{r.detail}" if situation != "—" else r.detail
        rows.append({"n": n, "category": CATEGORY_LABELS.get(r.item.category, ""), "item": r.item.name,
                     "where": where, "situation": situation, "standard": r.standard or "—",
                     "outcome": r.get_outcome_display() + (f"（{r.item.get_level_display()}）" if r.outcome == "breach"
                                                           else ""),
                     "bg": TINTS.get(r.level if r.outcome == "breach" else r.outcome, "FFFFFF")})
        if r.outcome == "breach":
            action = f"，须{r.item.action}" if r.item.action else ""
            detail = f"（{r.detail}）" if r.item.method == "manual" and r.detail else ""
            breaches.append(f"{len(breaches) + 1}. {r.item.name}（{where}）：{r.value_display}{detail}，"
                            f"标准{r.standard}{action}。")
    total = len(results)
    return {
        "title": run.system.name + ("巡检报告" if run.system.name.endswith("系统") else "系统巡检报告"),
        "no": run.no,
        "system": run.system.name,
        "agency": run.system.agency.name,
        "checklist": run.checklist.name,
        "frequency": run.checklist.get_frequency_display(),
        "trigger": run.get_trigger_display(),
        "status": run.get_status_display(),
        "started": cn_datetime(run.started_at),
        "completed": cn_datetime(run.completed_at),
        "inspector": run.inspector.display_name if run.inspector_id else "系统（定时巡检）",
        "targets": str(run.targets_probed),
        "summary": (f"本次巡检共{total}项结果：正常{run.passed}项，超限{run.breached}项，无法探测{run.failed}项，"
                    f"仅记录{run.recorded}项，待填写{run.pending}项；探测{run.targets_probed}个目标，"
                    f"耗时{run.probe_seconds:.1f}秒。"),
        "rows": rows,
        "breaches": _listing("\n".join(breaches) if breaches else "无"),
        "conclusion": _listing(run.conclusion or ("巡检尚未完成" if run.status != "completed" else "")),
        "date": cn_datetime(run.completed_at or run.started_at).split(" ")[0],
    }


def filename(run):
    return f"系统巡检报告_{run.system.name}_{run.no}"


def render(run) -> bytes:
    return render_docx(DOCX_TEMPLATE, report_context(run))


def report_response(run, user):
    """The download (the caller found the run through visible_to(user)); logged as a download."""
    if not (user.is_superuser or user.has_perm(EXPORT_PERM)):
        raise PermissionDenied("您没有下载巡检报告的权限")
    response = docx_response(DOCX_TEMPLATE, report_context(run), filename(run))
    log_operation("download", user=user, object=run.no, document="系统巡检报告", format="docx",
                  owner=f"ops_inspections.inspectionrun:{run.pk}")
    return response


# -- the layout ----------------------------------------------------------------------------------------------
HEAD_ROWS = [("运维对象", "system", "使用单位", "agency"), ("巡检清单", "checklist", "巡检频次", "frequency"),
             ("巡检编号", "no", "触发方式", "trigger"), ("开始时间", "started", "完成时间", "completed"),
             ("巡检人", "inspector", "探测目标数", "targets")]
COLUMNS = [("序号", "n", 1.0), ("类别", "category", 2.2), ("检查项", "item", 3.2), ("对象", "where", 3.0),
           ("检查情况", "situation", 3.6), ("标准", "standard", 2.0), ("结论", "outcome", 1.8)]


def build_template(path=TEMPLATE_PATH):
    """Write the docxtpl layout (A4, 仿宋 body, 黑体 title, bordered tables; one table row per result)."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    doc = a4_document(side_cm=2.0)
    run = styled_run

    def heading(text):
        p = doc.add_paragraph()
        run(p, text, bold=True, size=14, font="黑体")

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(title, "{{ title }}", bold=True, size=20, font="黑体")

    head = doc.add_table(rows=0, cols=4)
    head.style = "Table Grid"
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row in HEAD_ROWS:
        cells = head.add_row().cells
        for cell, text, is_label in ((cells[0], row[0], True), (cells[1], row[1], False),
                                     (cells[2], row[2], True), (cells[3], row[3], False)):
            run(cell.paragraphs[0], text if is_label else "{{ " + text + " }}", bold=is_label, size=10.5)

    heading("一、巡检概况")
    run(doc.add_paragraph(), "{{ summary }}")

    heading("二、检查结果")
    table = doc.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, (label, _, width) in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.width = Cm(width)
        run(cell.paragraphs[0], label, bold=True, size=10)
    table.add_row().cells[0].paragraphs[0].add_run("{%tr for r in rows %}")
    cells = table.add_row().cells
    for cell, (_, key, width) in zip(cells, COLUMNS, strict=True):
        cell.width = Cm(width)
        text = "{% cellbg r.bg %}{{ r.outcome }}" if key == "outcome" else "{{ r." + key + " }}"
        run(cell.paragraphs[0], text, size=9.5)
    table.add_row().cells[0].paragraphs[0].add_run("{%tr endfor %}")

    heading("三、超限项与处置要求")
    run(doc.add_paragraph(), "{{ breaches }}")
    heading("四、巡检结论")
    run(doc.add_paragraph(), "{{ conclusion }}")
    doc.add_paragraph()
    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run(sign, "巡检人：{{ inspector }}　　日期：{{ date }}")
    note = doc.add_paragraph()
    run(note, "注：本报告由运维服务管理平台根据巡检记录生成；超限项已按检查项设定的等级推送预警中心。", size=9)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
