"""缴费回单 (seed 003 §2.3.2): the receipt of a paid order, one line per insurance item, with its current
status (已缴费 / 已上解未入库 / 已入库 / 已退费), a receipt number and a verification code whose QR code opens the
public verification page. `issue_receipt` is the only writer (idempotent: one receipt per order); the rest
builds what the pages and the PDF show, read live from the order and its lines."""
import base64
import io
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from kernel.audit.services import log_operation
from kernel.org.validators import mask_id_number

from .models import LineStatus, Receipt

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols without 0/O, 1/I: 16 of them are 80 bits
CODE_LENGTH = 16
DEFAULT_AGENCY = "社保系统"  # the seed's 经办机构 when the payer's handling agency is not known
# the receipt's 当前状态: the least advanced status of the order's live lines
PROGRESS = [LineStatus.PAID, LineStatus.REMITTED, LineStatus.STORED]


def new_verify_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def clean_code(code) -> str:
    """A code as typed or scanned (case and separators forgiven), or "" when it cannot be one."""
    text = "".join(str(code or "").split()).replace("-", "").upper()
    if len(text) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in text):
        return ""
    return text


def receipt_no_for(order) -> str:
    return f"HD{timezone.localtime(order.paid_at or order.created_at):%Y%m%d}{order.pk:010d}"


def issue_receipt(order, user=None) -> Receipt:
    """The receipt of a paid order, created on first call (also from inside the payment's transaction)."""
    if order.status != "paid":
        raise ValidationError({"__all__": "订单尚未缴费成功，不能出具缴费回单"})
    existing = Receipt.all_objects.filter(order=order).first()
    if existing is not None:
        return existing
    for _ in range(5):
        try:
            with transaction.atomic():
                receipt = Receipt.objects.create(order=order, payer_id=order.payer_id, receipt_no=receipt_no_for(order),
                                                 verify_code=new_verify_code(), created_by=user)
                log_operation("si_receipt_issued", user=user, order_no=order.order_no,
                              receipt_no=receipt.receipt_no)
                return receipt
        except IntegrityError:
            existing = Receipt.all_objects.filter(order=order).first()
            if existing is not None:  # a concurrent request issued it
                return existing
            # else the random code collided with another receipt's (2^-80 a pair): draw again
    raise RuntimeError("could not draw a unique verification code")


def find_by_code(code):
    code = clean_code(code)
    if not code:
        return None
    return (Receipt.objects.filter(verify_code=code, order__status="paid")
            .select_related("order", "payer", "payer__region", "payer__prefecture", "payer__tax_authority").first())


def verify_url(receipt, request=None) -> str:
    path = reverse("public:si_receipt_verify", args=[receipt.verify_code])
    base = settings.PAY_PUBLIC_URL.rstrip("/") if settings.PAY_PUBLIC_URL else ""
    if base:
        return base + path
    return request.build_absolute_uri(path) if request is not None else "http://127.0.0.1" + path


def qr_svg(url) -> str:
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2, dark="#000000", light="#ffffff",
                                    title="缴费回单验证二维码")
    return out.getvalue().decode()


def mask_name(name: str) -> str:
    """韦小红 -> 韦*红, 李明 -> 李*."""
    name = name or ""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def money_text(value) -> str:
    return f"{value:,.2f}"


def service_org(payer) -> str:
    """服务机构: the payer's competent tax authority (主管税务机关); without one on file, the district tax
    bureau of the payer's county by the tax system's naming."""
    if payer.tax_authority_id:
        return payer.tax_authority.name
    city = payer.prefecture.name if payer.prefecture_id and payer.prefecture_id != payer.region_id else ""
    return f"国家税务总局{city}{payer.region.name}税务局"


def overall_status(lines) -> str:
    live = [line for line in lines if line.status not in (LineStatus.REFUNDED, LineStatus.CANCELLED)]
    refunded = any(line.status == LineStatus.REFUNDED for line in lines)
    if not live:
        return LineStatus.REFUNDED.label if refunded else LineStatus.CANCELLED.label
    least = min(PROGRESS.index(line.status) if line.status in PROGRESS else 0 for line in live)
    label = PROGRESS[least].label
    return f"{label}（部分已退费）" if refunded else label


def receipt_data(order, receipt, *, request=None, now=None) -> dict:
    """What the receipt shows (H5 page, PDF, and — masked — the public verification page)."""
    payer = order.payer
    lines = list(order.lines.select_related("insurance", "payable").order_by("insurance__order", "period_start", "id"))
    agency = payer.agency or next((line.payable.agency for line in lines if line.payable_id and line.payable.agency),
                                  "") or DEFAULT_AGENCY
    url = verify_url(receipt, request)
    svg = qr_svg(url)
    return {
        "receipt": receipt, "order": order, "payer": payer,
        "payer_name": payer.name, "payer_name_masked": mask_name(payer.name),
        "id_type": payer.get_id_type_display(), "id_number_masked": mask_id_number(payer.id_number),
        "agency": agency, "person_no": payer.person_no or "—", "service_org": service_org(payer),
        "lines": [{"name": line.insurance.name, "period": line.period_label, "amount": money_text(line.amount),
                   "status": line.get_status_display(), "refunded": money_text(line.refunded_amount)
                   if line.refunded_amount else ""} for line in lines],
        "total": money_text(order.total), "paid_at": timezone.localtime(order.paid_at),
        "channel": order.channel or "—", "bank_serial": order.bank_serial or "—",
        "status": overall_status(lines), "queried_at": timezone.localtime(now or timezone.now()),
        "verify_url": url, "qr_svg": svg,
        "qr_data_uri": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
    }
