"""The window clerk's acceptance in headless Chromium: category -> matter -> 受理登记 with the materials
checked and scans uploaded -> the case page -> the 受理回执 PDF."""
import pytest

from kernel.core.testing import PASSWORD
from tests.browser import login

from ..models import Case
from .acceptance_support import World, valid_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.4\n%browser\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"


def test_clerk_registers_an_acceptance_with_uploads_and_downloads_the_receipt(live, browser, shot, tmp_path):
    import io

    from PIL import Image

    w = World()
    keys = w.keys()
    photo = io.BytesIO()
    Image.new("RGB", (300, 200), (30, 90, 160)).save(photo, "JPEG")
    page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(page, live.url, w.clerk.username, PASSWORD)
    page.goto(f"{live.url}/gov/gs/accept/")
    page.click("[data-category=investment]")
    page.fill("#matter-search input[name=q]", "备案")
    page.click("#matter-search button")
    shot(page, "gs_accept_start")
    page.click(f"[data-matter='{w.matter.pk}']")
    page.wait_for_selector("#acceptance-form")
    page.fill("#id_applicant_name", "韦小宝")
    page.fill("#id_applicant_id_number", valid_id())
    page.fill("#id_applicant_phone", "13907719999")
    shot(page, "gs_acceptance_form")
    # first without the ID scan: refused on its checklist row, nothing saved
    page.check(f"#id_m_{keys[0]}_checked")
    page.set_input_files(f"#id_m_{keys[0]}_file", files=[{"name": "申请表.pdf", "mimeType": "application/pdf",
                                                           "buffer": PDF}])
    page.click("#accept-submit")
    page.wait_for_selector("#form-has-errors")
    assert "请上传扫描件或照片" in page.inner_text(f"tr[data-material='{keys[1]}']")
    assert Case.objects.count() == 0
    page.check(f"#id_m_{keys[0]}_checked")
    page.set_input_files(f"#id_m_{keys[0]}_file", files=[{"name": "申请表.pdf", "mimeType": "application/pdf",
                                                           "buffer": PDF}])
    page.check(f"#id_m_{keys[1]}_checked")
    page.check(f"#id_m_{keys[1]}_original")
    page.set_input_files(f"#id_m_{keys[1]}_file", files=[{"name": "身份证.jpg", "mimeType": "image/jpeg",
                                                           "buffer": photo.getvalue()}])
    shot(page, "gs_acceptance_refused_then_completed")
    page.click("#accept-submit")
    page.wait_for_selector("#case-state")
    case = Case.objects.get()
    assert case.no in page.inner_text(".alert-success")
    assert page.locator("#case-materials [data-attachment]").count() == 2
    shot(page, "gs_case_detail")
    with page.expect_download() as info:
        page.click("#download-receipt")
    path = tmp_path / "receipt.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    import subprocess

    text = "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert case.no in text
    from tests.browser import ARTIFACTS

    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(path), str(ARTIFACTS / "gs_receipt")], check=True)
    # the list shows it with its statistics
    page.goto(f"{live.url}/gov/gs/cases/")
    assert case.no in page.inner_text("#list-body")
    shot(page, "gs_case_list")
