"""Issue 6 acceptance, one flow in headless Chromium: a citizen books a slot on the H5 page, applies online with
a material chosen from 我的证明, the window clerk accepts it (受理, receipt) and dispatches it to the department
system; the department simulator calls back 补正补齐 (the window re-dispatches), 受理 and 办结 over real HTTP to the
live server's callback endpoint; the citizen gets one SMS per stage, chooses courier delivery on H5, the window
staff enter the tracking number on the 证照送达 page, and the citizen rates the service (好差评)."""
import datetime
import io

import pytest
from django.utils import timezone

from domains.gov_services.citizen import services as citizen_services
from domains.gov_services.citizen.models import Delivery, Evaluation
from domains.gov_services.exchange import services as exchange
from domains.gov_services.exchange.models import ShadowRecord
from integrations.department_sim.simulator import Department
from integrations.sms.gateway import UrllibTransport
from kernel.accounts.models import User
from kernel.calendar.services import next_working_day
from kernel.core.testing import PASSWORD
from kernel.notify.models import SmsMessage
from tests.browser import draw_signature, login

from ..models import Appointment, Case, Slot
from .acceptance_support import World, valid_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = "13907716606"
PDF = b"%PDF-1.4\n%issue6\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"


def _jpeg():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 200), (90, 140, 200)).save(out, "JPEG")
    return out.getvalue()


def sms_templates():
    """The template codes of the SMS queued for the citizen's phone, oldest first."""
    return list(SmsMessage.objects.filter(phone=PHONE).order_by("id").values_list("template__code", flat=True))


def test_issue6_citizen_to_department_and_back(live, browser, shot, tmp_path):
    # -- the county: a centre with a window, an online and bookable matter whose ID material the licence
    #    library can supply, a bookable slot tomorrow (next working day), the department's system
    w = World()
    w.matter.materials.filter(name="申请人身份证明").update(licence_type="居民身份证")
    type(w.matter).objects.filter(pk=w.matter.pk).update(online=True, bookable=True)
    day = next_working_day(timezone.localdate() + datetime.timedelta(days=1))
    slot = Slot.objects.create(window=w.window, date=day, start=datetime.time(9), end=datetime.time(10), capacity=5)
    system = exchange.create_system(code="xn_fgw", name="兴宁区投资项目审批系统", department=w.dept,
                                    secret="issue6-shared-secret-0123456789")
    dept = Department(system.code, callback_url=live.url + exchange.CALLBACK_PATH, transport=UrllibTransport())
    user = User.objects.create_user(username="issue6_citizen", password=PASSWORD, kind="citizen", real_name="黄小明",
                                    phone=PHONE, id_number=valid_id("45010219900315123"),
                                    must_change_password=False)
    citizen_services.save_proof(user, None, {"kind": "居民身份证", "number": user.id_number,
                                             "issued_by": "南宁市公安局兴宁分局"},
                                _uploaded("idcard.jpg", _jpeg(), "image/jpeg"))

    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                has_touch=True, locale="zh-CN").new_page()
    desk = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()

    # -- 1. H5: book a slot (预约编号 + SMS)
    login(phone, live.url, user.username, PASSWORD, entrance="m")
    phone.goto(f"{live.url}/m/gs/appointments/new/?matter={w.matter.code}&date={day:%Y-%m-%d}")
    phone.check(f"input[name=slot][value='{slot.pk}']")
    shot(phone, "issue6_01_m_book")
    phone.click("#submit-booking")
    phone.wait_for_selector("#appointment-no")
    appt = Appointment.objects.get(applicant=user)
    assert phone.inner_text("#appointment-no") == appt.no
    shot(phone, "issue6_02_m_booked")
    assert sms_templates() == ["gs_appointment_booked"]

    # -- 2. H5: 我的证明, then apply online choosing the ID card from the library, upload the form, sign, submit
    phone.goto(f"{live.url}/m/gs/proofs/")
    assert "居民身份证" in phone.inner_text("#proofs") and user.id_number not in phone.inner_text("#proofs")
    shot(phone, "issue6_03_m_proofs")
    phone.goto(f"{live.url}/m/gs/apply/{w.matter.code}/")
    proof_select = phone.locator("select[name^=proof_]")
    assert proof_select.count() == 1
    proof_select.first.select_option(index=1)
    phone.locator("input[type=file][name^=file_]").first.set_input_files(
        {"name": "项目备案申请表.pdf", "mimeType": "application/pdf", "buffer": PDF})
    draw_signature(phone)
    shot(phone, "issue6_04_m_apply")
    phone.click("#submit-apply")
    phone.wait_for_selector("#case-state")
    case = Case.objects.get(applicant_user=user)
    assert case.status == "submitted" and phone.inner_text("#case-state") == "待受理"
    assert case.materials.filter(note__contains="我的证明").count() == 1
    shot(phone, "issue6_05_m_submitted")

    # -- 3. the window clerk accepts it (受理) and downloads the receipt with the 申报号
    login(desk, live.url, w.clerk.username, PASSWORD)
    desk.goto(f"{live.url}/gov/gs/cases/{case.pk}/")
    assert desk.inner_text("#case-state") == "待受理"
    shot(desk, "issue6_06_gov_case_submitted")
    desk.click("#review-case")  # the clerk's to-do leads to the case page; its button opens the review
    desk.wait_for_url(f"**/gov/gs/joint/review/{case.pk}/")
    assert "来自我的证明" in desk.inner_text("main")
    assert desk.locator("main a[data-attachment]").count() >= 1  # the materials' files can be opened
    desk.check("input[name=decision][value=accept]")
    shot(desk, "issue6_07_gov_review")
    desk.click("#review-form button[type=submit]")
    desk.wait_for_selector("#dispatch-case")
    case.refresh_from_db()
    assert case.status == "accepted" and desk.inner_text("#case-state") == "已受理"
    assert case.promised_due is not None
    with desk.expect_download() as info:
        desk.click("#download-receipt")
    receipt = tmp_path / "receipt.pdf"
    info.value.save_as(receipt)
    assert receipt.read_bytes().startswith(b"%PDF")
    import subprocess

    text = "".join(subprocess.run(["pdftotext", str(receipt), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    assert case.no in text
    assert sms_templates()[-1] == "gs_case_accepted"

    # -- 4. dispatch to the department system (front-end DB + shadow row + signed notification)
    desk.click("#dispatch-case")
    desk.wait_for_selector(".alert-success")
    assert "部门已确认接收" in desk.inner_text(".alert-success")
    assert desk.inner_text("#case-state") == "已分发"
    shot(desk, "issue6_08_gov_dispatched")

    # -- 5. the department: 补正补齐 -> the window re-dispatches (version 2) -> 受理 -> 办结
    status, answer = dept.progress(case.no, "correction", opinion="请补充项目用地预审意见")
    assert (status, answer.get("result")) == (200, "applied"), answer
    case.refresh_from_db()
    assert case.status == "correction"
    assert sms_templates()[-1] == "gs_exchange_correction"
    phone.goto(f"{live.url}/m/gs/me/cases/{case.pk}/")
    assert phone.inner_text("#case-state") == "补正补齐" and "请补充项目用地预审意见" in phone.inner_text("#timeline")
    shot(phone, "issue6_09_m_correction")
    desk.reload()
    desk.click("#redispatch-case")
    desk.wait_for_selector(".alert-success")
    assert "版本号2" in desk.inner_text(".alert-success")
    status, answer = dept.progress(case.no, "accept", opinion="材料齐全，予以受理")
    assert (status, answer.get("result")) == (200, "applied"), answer
    assert sms_templates()[-1] == "gs_exchange_dept_accepted"
    status, answer = dept.progress(case.no, "complete", opinion="准予备案")
    assert (status, answer.get("result")) == (200, "applied"), answer
    case.refresh_from_db()
    assert case.status == "completed" and case.completed_at
    assert sms_templates()[-1] == "gs_exchange_completed"
    assert list(ShadowRecord.objects.filter(case=case).order_by("id").values_list("direction", "stage", "version")) \
        == [("out", "dispatch", 1), ("in", "correction", 1), ("out", "dispatch", 2), ("in", "accept", 2),
            ("in", "complete", 2)]
    desk.reload()
    assert desk.inner_text("#case-state") == "已办结" and "结果" in desk.inner_text("#exchange-files")
    shot(desk, "issue6_10_gov_completed")

    # -- 6. H5: a delivery address, then courier delivery of the result
    phone.goto(f"{live.url}/m/gs/me/addresses/")
    phone.fill("#address-form input[name=recipient]", "黄小明")
    phone.fill("#address-form input[name=phone]", PHONE)
    phone.fill("#address-form input[name=address]", "南宁市兴宁区民族大道100号")
    phone.fill("#address-form input[name=postcode]", "530012")
    phone.click("#address-form button")
    phone.wait_for_selector("#addresses .list-group-item a")
    phone.goto(f"{live.url}/m/gs/me/cases/{case.pk}/")
    assert phone.inner_text("#case-state") == "已办结"
    phone.check("#method-courier")
    phone.select_option("#delivery-form select[name=address]", index=1)
    shot(phone, "issue6_11_m_delivery")
    phone.click("#delivery-form button")
    phone.wait_for_selector("#delivery-form .small")
    delivery = Delivery.objects.get(case=case)
    assert (delivery.method, delivery.recipient, delivery.status) == ("courier", "黄小明", "pending")
    assert "快递送达" in phone.inner_text("#delivery-form")

    # -- 7. the window staff's 证照送达 page: a malformed number is refused on its field, then the real one
    desk.goto(f"{live.url}/gov/gs/deliveries/?status=pending&method=courier")
    assert case.no in desk.inner_text("#list-body")
    shot(desk, "issue6_12_gov_deliveries")
    desk.click(f"#list-body a:has-text('{case.no}')")
    desk.wait_for_selector("#ship-form")
    desk.select_option("#id_carrier", "ems")
    desk.fill("#id_tracking_no", "EMS-12")
    desk.click("#ship-submit")
    desk.wait_for_selector("#field-tracking_no .invalid-feedback")
    assert "8至30位字母或数字" in desk.inner_text("#field-tracking_no")
    delivery.refresh_from_db()
    assert delivery.status == "pending" and not delivery.tracking_no
    shot(desk, "issue6_13_gov_tracking_error")
    desk.fill("#id_tracking_no", "EA123456789CN")
    desk.click("#ship-submit")
    desk.wait_for_selector("#delivery-tracking")
    assert "EA123456789CN" in desk.inner_text("#delivery-tracking")
    assert desk.inner_text("#delivery-status") == "已寄出"
    shot(desk, "issue6_14_gov_shipped")
    assert sms_templates()[-1] == "gs_delivery_shipped"

    # -- 8. H5: the tracking number shows; the citizen rates the service
    phone.goto(f"{live.url}/m/gs/me/cases/{case.pk}/")
    assert "EA123456789CN" in phone.inner_text("#delivery-form")
    phone.click("label[for=rating-5]")
    phone.fill("#evaluate-form textarea[name=comment]", "网上预约、网上申请，证照快递到家，很方便")
    phone.locator("#evaluate-form input[name=media]").set_input_files(
        {"name": "现场.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()})
    shot(phone, "issue6_15_m_evaluate")
    phone.click("#evaluate-form button")
    phone.wait_for_selector("#evaluation")
    ev = Evaluation.objects.get(case=case)
    assert ev.rating == 5 and "5 星" in phone.inner_text("#evaluation")
    shot(phone, "issue6_16_m_evaluated")

    # -- one SMS per stage, each once, to the citizen's phone
    assert sms_templates() == ["gs_appointment_booked", "gs_case_accepted", "gs_exchange_correction",
                               "gs_exchange_dept_accepted", "gs_exchange_completed", "gs_delivery_shipped"]
    assert all(case.no in m for m in SmsMessage.objects.filter(phone=PHONE).exclude(
        template__code="gs_appointment_booked").values_list("content", flat=True))
    phone.context.close()
    desk.context.close()


def _uploaded(name, content, content_type):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)
