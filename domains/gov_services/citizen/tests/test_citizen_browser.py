"""On a phone-sized screen: citizen_demo adds a proof (居民身份证), shows its QR code, applies online
choosing that proof for the ID material and uploading the form, draws a signature and submits."""
import pytest

from kernel.accounts.demo import DEMO_PASSWORD
from kernel.accounts.models import User
from tests.browser import draw_signature, login

from .support import World, add_id_material, valid_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"


def _jpeg():
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 200), (90, 140, 200)).save(out, "JPEG")
    return out.getvalue()


def test_citizen_adds_proof_and_applies_online_with_signature(live, browser, shot):
    from domains.gov_services.one_window.models import Case

    world = World()
    add_id_material(world)
    user = User.objects.filter(username="citizen_demo").first() or User.objects.create_user(
        username="citizen_demo", password=DEMO_PASSWORD, kind="citizen", real_name="张三", phone="13907715678",
        id_number=valid_id("45010219900101123"), must_change_password=False)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    login(page, live.url, "citizen_demo", DEMO_PASSWORD, entrance="m")

    page.goto(f"{live.url}/m/gs/proofs/new/")
    page.select_option("#id_kind", "居民身份证")
    page.fill("#id_number", user.id_number)
    page.set_input_files("#id_file", {"name": "idcard.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()})
    shot(page, "gs_citizen_proof_form")
    page.click("#save-proof")
    page.wait_for_selector("#proofs .list-group-item")
    assert user.id_number not in page.inner_text("#proofs")
    shot(page, "gs_citizen_proofs")
    page.click("#proofs a:has-text('出示二维码')")
    page.wait_for_selector("#qr svg")
    shot(page, "gs_citizen_proof_qr")

    page.goto(f"{live.url}/m/gs/apply/{world.matter.code}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    selects = page.locator("select[name^=proof_]")
    assert selects.count() == 1
    selects.first.select_option(index=1)
    page.locator("input[type=file][name^=file_]").first.set_input_files(
        {"name": "form.pdf", "mimeType": "application/pdf", "buffer": PDF})
    draw_signature(page)
    shot(page, "gs_citizen_apply_signed")
    page.click("#submit-apply")
    page.wait_for_selector("#case-state")
    case = Case.objects.get(applicant_user=user)
    assert case.status == "submitted" and page.inner_text("#case-state") == "待受理"
    assert case.form_data["signature"]["kind"] == "hand"
    assert case.materials.count() == 2
    shot(page, "gs_citizen_case_submitted")
    page.goto(f"{live.url}/m/gs/me/")
    assert case.no in page.inner_text("main")
    shot(page, "gs_citizen_centre")
    context.close()


def test_staff_scan_and_rectification_pages(live, browser, shot):
    from domains.gov_services.citizen import services
    from domains.gov_services.one_window.models import Case
    from kernel.core.testing import PASSWORD

    from .support import XINGNING, citizen, clerk, jpeg

    world = World()
    u = citizen()
    proof = services.save_proof(u, None, {"kind": "居民身份证", "number": u.id_number, "issued_by": "南宁市公安局"},
                                jpeg())
    case = world.register()
    Case.all_objects.filter(pk=case.pk).update(applicant_user=u)
    case.refresh_from_db()
    ev = services.evaluate(u, case, rating=1, comment="窗口态度差，等候一小时")
    admin = clerk(XINGNING, role="gs_centre_admin")
    page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(page, live.url, world.clerk.username, PASSWORD)
    page.goto(f"{live.url}/gov/gs/proof/{services.proof_token(proof)}/")
    assert u.id_number in page.inner_text("#proof")
    shot(page, "gs_citizen_gov_proof_scan")
    page.goto(f"{live.url}/gov/gs/proof/bad-token/")
    assert "二维码无效" in page.inner_text("#errors")
    shot(page, "gs_citizen_gov_proof_forged")
    page = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(page, live.url, admin.username, PASSWORD)
    page.goto(f"{live.url}/gov/gs/rectifications/{ev.rectification.pk}/")
    shot(page, "gs_citizen_gov_rectification")
    page.goto(f"{live.url}/gov/gs/evaluations/stats/")
    assert "1" in page.inner_text("#stats")
    shot(page, "gs_citizen_gov_stats")
