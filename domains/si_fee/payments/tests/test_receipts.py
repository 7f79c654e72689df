"""缴费回单 (§2.3.2): the seed's two-item receipt (31,000.00 + 300.00 = 31,300.00) with every field, its status
through the lines' lifecycle (已缴费 / 已上解未入库 / 已入库 / 已退费), a real PDF carrying the verification code
and the QR code, the public verification page (masked; wrong code 404), the payer's and staff's scope."""
import re
import subprocess

import pytest
from django.utils import timezone

from domains.si_fee.payers.tiles import tiles_for
from domains.si_fee.payments.models import PaymentLine, PaymentOrder, Receipt
from domains.si_fee.payments.receipts import CODE_ALPHABET, overall_status
from kernel.audit.models import OperationLog
from kernel.core.testing import make_staff
from kernel.org.models import Organisation, Region

from .paying import seed_example, small_order
from .support import load_reference, make_payer

pytestmark = pytest.mark.django_db
STAFF_PERMS = ["si_pay.view_paymentorder"]


@pytest.fixture
def payer():
    load_reference()
    p = make_payer(name="韦小红")
    p.person_no = "45010000123456"
    p.agency = "社保系统"
    p.tax_authority = Organisation.objects.create(name="国家税务总局南宁市兴宁区税务局", kind="agency",
                                                  region=Region.objects.get(code="450102"))
    p.save()
    return p


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


def ink(content: bytes, tmp_path) -> int:
    """Dark pixels of page 1 rasterised at 40 dpi."""
    from PIL import Image

    path = tmp_path / "ink.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "40", "-gray", "-png", "-singlefile", str(path), str(tmp_path / "ink")],
                   check=True)
    image = Image.open(tmp_path / "ink.png").convert("L")
    return sum(1 for value in image.getdata() if value < 100)


def test_receipt_of_the_seed_example_has_every_field_and_line(client, payer):
    order = seed_example(payer)
    receipt = Receipt.objects.get(order=order)  # issued with the payment
    assert receipt.receipt_no.startswith("HD") and len(receipt.verify_code) == 16
    assert set(receipt.verify_code) <= set(CODE_ALPHABET)
    client.force_login(payer.user)
    history = client.get("/m/si/payments/").content.decode()
    assert f'href="/m/si/receipts/{order.order_no}/"' in history and "回单" in history
    assert order.order_no in client.get("/m/si/receipts/").content.decode()

    r = client.get(f"/m/si/receipts/{order.order_no}/")
    assert r.status_code == 200
    page = r.content.decode()
    fields = dict(re.findall(r'data-field="(\w+)">(?:<strong>)?([^<]*)<', page))
    assert fields["payer"] == "韦小红"
    assert fields["id_number"] == payer.id_number[:6] + "********" + payer.id_number[-4:]
    assert payer.id_number not in page
    assert fields["agency"] == "社保系统" and fields["person_no"] == "45010000123456"
    assert fields["service_org"] == "国家税务总局南宁市兴宁区税务局"
    assert fields["total"] == "31,300.00"
    assert fields["channel"] == "光大银行城市服务" and fields["bank_serial"] == order.bank_serial
    assert fields["paid_at"] == timezone.localtime(order.paid_at).strftime("%Y-%m-%d %H:%M:%S")
    assert fields["status"] == "已缴费" and fields["queried_at"]
    lines = re.findall(r"<tr data-line>\s*<td>([^<]+)</td><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td>\s*<td>([^<]+)",
                       page)
    assert lines == [("灵活就业人员基本医疗保险", "2020-11-01至2020-11-30", "31,000.00", "已缴费"),
                     ("灵活就业人员大病医疗_在职", "2020-01-01至2020-12-31", "300.00", "已缴费")]
    assert receipt.verify_code in page and "<svg" in page  # the QR code, inline
    # the tile of the service home
    labels = [t["label"] for group, items in tiles_for(payer) if group == "涉费业务" for t in items]
    assert "缴费回单" in labels


def test_receipt_status_follows_the_lines(payer):
    order = seed_example(payer)
    lines = list(order.lines.all())
    assert overall_status(lines) == "已缴费"
    PaymentLine.objects.filter(order=order).update(status="remitted")
    assert overall_status(list(order.lines.all())) == "已上解未入库"
    PaymentLine.objects.filter(pk=lines[0].pk).update(status="stored")
    assert overall_status(list(order.lines.all())) == "已上解未入库"  # the least advanced line
    PaymentLine.objects.filter(order=order).update(status="stored")
    assert overall_status(list(order.lines.all())) == "已入库"
    PaymentLine.objects.filter(pk=lines[1].pk).update(status="refunded", refunded_amount="300.00")
    assert overall_status(list(order.lines.all())) == "已入库（部分已退费）"
    PaymentLine.objects.filter(order=order).update(status="refunded")
    assert overall_status(list(order.lines.all())) == "已退费"


def test_pdf_is_a_real_pdf_with_the_code_and_the_qr(client, payer, tmp_path):
    order = seed_example(payer)
    receipt = Receipt.objects.get(order=order)
    client.force_login(payer.user)
    r = client.get(f"/m/si/receipts/{order.order_no}/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    text = pdf_text(r.content, tmp_path)
    assert receipt.verify_code in text and receipt.receipt_no in text and "31,300.00" in text
    flat = "".join(text.split())
    assert "缴费回单" in flat and "灵活就业人员大病医疗_在职" in flat and "光大银行城市服务" in flat
    assert "已缴费" in flat and "国家税务总局南宁市兴宁区税务局" in flat
    assert f"/public/si/receipts/{receipt.verify_code}/" in flat
    # the QR code is drawn: the page has far more ink than the same receipt rendered without it
    from django.test import RequestFactory

    from domains.si_fee.payments.receipts import qr_svg, receipt_data, verify_url
    from kernel.exports.documents import render_pdf

    request = RequestFactory().get("/")
    data = receipt_data(order, receipt, request=request)
    assert data["verify_url"] == verify_url(receipt, request) and data["qr_svg"] == qr_svg(data["verify_url"])
    without = render_pdf("si_pay/receipt_pdf.html", {**data, "qr_data_uri": ""})
    with_qr, without_qr = ink(r.content, tmp_path), ink(without, tmp_path)
    assert with_qr - without_qr > 400, (with_qr, without_qr)
    assert OperationLog.objects.filter(action="si_receipt_pdf", actor=payer.user).exists()


def test_public_verification_page_masks_and_wrong_code_is_404(client, payer):
    order = seed_example(payer)
    receipt = Receipt.objects.get(order=order)
    r = client.get(f"/public/si/receipts/{receipt.verify_code}/")
    assert r.status_code == 200
    page = r.content.decode()
    assert "验证通过" in page and receipt.receipt_no in page and "31,300.00" in page and "已缴费" in page
    assert "韦*红" in page and "韦小红" not in page
    assert payer.id_number not in page and payer.id_number[:6] + "********" + payer.id_number[-4:] in page
    assert payer.person_no not in page
    assert client.get(f"/public/si/receipts/{receipt.verify_code.lower()}/").status_code == 200
    wrong = ("A" if receipt.verify_code[0] != "A" else "B") + receipt.verify_code[1:]
    for code in (wrong, "nonsense", receipt.receipt_no):
        r = client.get(f"/public/si/receipts/{code}/")
        assert r.status_code == 404 and "未找到该缴费回单" in r.content.decode()
        assert "韦" not in r.content.decode()


def test_only_the_payer_sees_the_receipt(client, payer):
    order = seed_example(payer)
    other = make_payer(name="李大明", mobile="13907710000")
    client.force_login(other.user)
    for url in (f"/m/si/receipts/{order.order_no}/", f"/m/si/receipts/{order.order_no}/pdf/"):
        assert client.get(url).status_code == 404
    assert order.order_no not in client.get("/m/si/receipts/").content.decode()
    # an unpaid order has no receipt, not even for its payer
    from domains.si_fee.payments import services

    from .paying import payable

    unpaid, _ = services.create_payable_order(payer, [payable(payer, "fe_medical", order.lines.first().period_start
                                                              .replace(year=2019), order.lines.first().period_end
                                                              .replace(year=2019), "10.00").pk], request_id="u1")
    client.force_login(payer.user)
    assert client.get(f"/m/si/receipts/{unpaid.order_no}/").status_code == 404
    assert not Receipt.objects.filter(order=unpaid).exists()


def test_staff_open_the_receipt_from_the_order_in_their_scope_only(client, payer, tmp_path):
    order = seed_example(payer)
    nanning, liuzhou = make_staff("450100", STAFF_PERMS), make_staff("450200", STAFF_PERMS)
    client.force_login(liuzhou)
    assert client.get(f"/gov/si/payments/{order.pk}/receipt/").status_code == 404
    client.force_login(nanning)
    page = client.get(f"/gov/si/payments/{order.pk}/").content.decode()
    assert f'href="/gov/si/payments/{order.pk}/receipt/"' in page
    r = client.get(f"/gov/si/payments/{order.pk}/receipt/")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert Receipt.objects.get(order=order).verify_code in pdf_text(r.content, tmp_path)
    # an unpaid order has no receipt
    other = small_order(payer)
    PaymentOrder.objects.filter(pk=other.pk).update(status="closed")
    assert client.get(f"/gov/si/payments/{other.pk}/receipt/").status_code == 404



def test_database_refuses_a_refund_above_the_amount_paid(payer):
    from decimal import Decimal

    from django.db import IntegrityError, transaction

    line = seed_example(payer).lines.order_by("pk").first()
    PaymentLine.objects.filter(pk=line.pk).update(refunded_amount=line.amount)  # the whole amount: allowed
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.filter(pk=line.pk).update(refunded_amount=line.amount + Decimal("0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.filter(pk=line.pk).update(refunded_amount=Decimal("-0.01"))
