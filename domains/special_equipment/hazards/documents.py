"""The documents issued when a major hazard is dispatched: 整改通知书 (rectification notice, the
"指令书") and 整改督处函 (supervision letter), as Word (docxtpl) and PDF (WeasyPrint).

Both come from one layout (templates/se_hazards/docs/directive.docx and directive.html) filled with
the hazard's own data: the user unit (name, USCC, address), the equipment, every item with its
recommended measures, the requirement, the deadline, the directive number, the issuing agency and
the date. Downloads are scope-checked by the caller and logged here as download operations."""
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from domains.special_equipment.equipment.models import CATEGORIES
from kernel.audit.services import log_operation
from kernel.exports.documents import docx_response, pdf_response
from kernel.workflow.engine import history

DOCX_TEMPLATE = "se_hazards/docs/directive.docx"
PDF_TEMPLATE = "se_hazards/docs/directive.html"
FORMATS = ("docx", "pdf")

# How the finding is introduced, by hazard source ("经监督检查发现……").
FOUND_BY = {"supervision": "监督检查", "inspection": "检验检测", "self_testing": "自行检测", "maintenance": "维护保养",
            "unit": "企业自查", "complaint": "投诉举报核查", "other": "核查"}
LAW = "《中华人民共和国特种设备安全法》和《特种设备重大事故隐患判定准则》（GB 45067—2024）"


def cn_date(day):
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def issuer_of(hazard):
    """The agency that dispatched the hazard (the dispatching regulator's organisation), else the managing one."""
    log = history(hazard).filter(transition="dispatch").select_related("organisation").order_by("-time", "-id").first()
    if log is not None and log.organisation is not None:
        return log.organisation.name
    return hazard.managing_agency.name


def _texts(hazard, deadline):
    found = f"经{FOUND_BY.get(hazard.source, '核查')}发现"
    if hazard.directive == hazard.Directive.NOTICE:
        return {
            "title": "特种设备重大事故隐患整改通知书",
            "intro": f"{found}，你单位使用的特种设备存在重大事故隐患（隐患编号：{hazard.no}）。依据{LAW}，"
                     "现将隐患情况和整改要求通知如下：",
            "paragraphs": [
                f"整改要求：{hazard.requirement or '立即采取有效措施消除隐患，隐患消除前相关设备不得继续使用。'}",
                f"整改期限：请于{deadline}前完成整改，并通过特种设备企业服务平台逐项反馈整改情况、上传整改材料。",
                "整改期间应当落实安全防范措施，确保安全。确需延期整改的，应当在整改期限届满前提出申请。"
                "逾期未整改或者拒不整改的，本局将依法予以处理。",
            ],
            "footnote": "本通知书一式两份，一份送达使用单位，一份存档。",
        }
    return {
        "title": "特种设备重大事故隐患整改督处函",
        "intro": f"{found}，你单位存在重大事故隐患（隐患编号：{hazard.no}）。依据{LAW}，现函告如下，"
                 "请你单位高度重视，切实落实安全主体责任：",
        "paragraphs": [
            f"整改要求：{hazard.requirement or '立即组织整改，消除隐患。'}",
            f"请于{deadline}前完成整改，并将整改落实情况通过特种设备企业服务平台反馈本局。",
            "本局将对隐患整改情况进行跟踪督办和复核。",
        ],
        "footnote": "本函一式两份，一份送达使用单位，一份存档。",
    }


def document_context(hazard):
    """Everything the two templates show. The hazard must have been dispatched (has a directive)."""
    if not hazard.directive:
        raise Http404("该隐患尚未下达整改文书")
    unit = hazard.user_unit
    equipment = hazard.equipment
    items = [{"no": n, "category": item.judgement_item.category if item.judgement_item_id else "其他",
              "text": item.description, "measures": item.judgement_item.measures if item.judgement_item_id else ""}
             for n, item in enumerate(hazard.items.select_related("judgement_item"), start=1)]
    deadline = cn_date(hazard.deadline)
    return {
        **_texts(hazard, deadline),
        "number": hazard.directive_no,
        "directive": hazard.get_directive_display(),
        "recipient": unit.name,
        "unit_name": unit.name,
        "unit_uscc": unit.uscc or "—",
        "unit_address": unit.address or "—",
        "equipment": (f"{equipment.code} {equipment.name}（{equipment.location}）" if equipment.location
                      else f"{equipment.code} {equipment.name}") if equipment else "—",
        "category": CATEGORIES.get(hazard.equipment_category, hazard.equipment_category),
        "hazard_no": hazard.no,
        "description": hazard.description,
        "items": items,
        "requirement": hazard.requirement,
        "deadline": deadline,
        "issuer": issuer_of(hazard),
        "date": cn_date(timezone.localdate(hazard.dispatched_at) if hazard.dispatched_at else None),  # Beijing date
    }


def filename(hazard):
    return f"{hazard.get_directive_display()}_{hazard.user_unit.name}_{hazard.no}"


def render(hazard, fmt):
    """The document bytes (for tests and for callers that store them)."""
    from kernel.exports.documents import render_docx, render_pdf

    ctx = document_context(hazard)
    return render_docx(DOCX_TEMPLATE, ctx) if fmt == "docx" else render_pdf(PDF_TEMPLATE, ctx)


def document_response(hazard, fmt, user, *, entrance="gov"):
    """The download of the hazard's directive as Word or PDF, logged as a download operation.
    The caller has found the hazard through visible_to(user) already."""
    if fmt not in FORMATS or not hazard.directive:
        raise Http404("不支持的文件格式" if fmt not in FORMATS else "该隐患尚未派单，没有整改文书")
    if not (user.is_superuser or user.has_perm("se_hazards.view_majorhazard")):
        raise PermissionDenied("您没有查看重大事故隐患的权限")
    ctx = document_context(hazard)
    name = filename(hazard)
    response = docx_response(DOCX_TEMPLATE, ctx, name) if fmt == "docx" else pdf_response(PDF_TEMPLATE, ctx, name)
    log_operation("download", user=user, entrance=entrance, object=hazard.no, document=ctx["directive"],
                  number=hazard.directive_no, format=fmt, owner=f"se_hazards.majorhazard:{hazard.pk}")
    return response
