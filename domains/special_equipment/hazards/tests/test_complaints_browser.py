"""Public complaints in a real browser (headless Chromium against a live server): a citizen files a
complaint with photos on a phone-size screen (captcha in test mode), the county regulator finds it
in the to-dos, accepts it and answers; the citizen reads the result. Screenshots go to test-artifacts/."""
import io

import pytest
from PIL import Image

from kernel.core.testing import PASSWORD
from tests.browser import login

from .test_gov_support import QINGXIU, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "13907719876"
RESULT = "经现场核查，该电梯层门门锁装置损坏，已责令使用单位停梯整改，整改完成前不得使用。"


@pytest.fixture
def captcha_test_mode(settings, monkeypatch, tmp_path):
    """The captcha accepts "PASSED" (the live server runs in this process); photos go to a temporary MEDIA_ROOT."""
    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)
    settings.MEDIA_ROOT = str(tmp_path / "media")


def photo(color):
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), color).save(out, "JPEG")
    return out.getvalue()


def phone_page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    return context.new_page()


def test_citizen_files_a_complaint_and_the_regulator_answers(live, browser, shot, captcha_test_mode):
    w = World()
    from domains.special_equipment.hazards.models import Complaint

    # -- the citizen, on a phone, from the QR code of the county ---------------------------------------
    page = phone_page(browser)
    page.goto(f"{live.url}/public/se/complaint/?region={QINGXIU}")
    assert "青秀区" in page.inner_text("#region-hint")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    old = page.get_attribute(".zw-captcha-img", "src")
    page.click(".zw-captcha-refresh")
    page.wait_for_function(f"document.querySelector('.zw-captcha-img').getAttribute('src') !== '{old}'")
    page.click("#submit-complaint")  # nothing filled in: Chinese field errors, nothing stored
    page.wait_for_selector("#form-errors")
    assert "请填写设备所在地点" in page.inner_text("#field-location")
    assert "请填写手机号码" in page.inner_text("#field-phone")
    assert not Complaint.objects.exists()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "public_complaint_form_errors")
    page.goto(f"{live.url}/public/se/complaint/?region={QINGXIU}")
    page.fill("#id_location", "民族大道100号阳光小区3栋1单元电梯")
    page.select_option("#id_equipment_category", "3000")
    page.fill("#id_description", "电梯关门时不停反复开关，昨天有人被夹，物业一直没有处理。")
    page.set_input_files("#id_photos", files=[
        {"name": "电梯门.jpg", "mimeType": "image/jpeg", "buffer": photo((200, 80, 60))},
        {"name": "铭牌.jpg", "mimeType": "image/jpeg", "buffer": photo((60, 90, 200))}])
    page.wait_for_selector("#photo-preview img >> nth=1")
    page.fill("#id_name", "李先生")
    page.fill("#id_phone", PHONE)
    page.fill("#id_captcha_1", "PASSED")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "public_complaint_form")
    page.click("#submit-complaint")
    page.wait_for_selector("#complaint-no")
    no = page.inner_text("#complaint-no").strip()
    complaint = Complaint.objects.get(no=no)
    assert (complaint.region.code, complaint.phone) == (QINGXIU, PHONE)
    shot(page, "public_complaint_done")

    # -- the county regulator ------------------------------------------------------------------------------
    desk = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN").new_page()
    login(desk, live.url, w.qx.username, PASSWORD)
    desk.goto(f"{live.url}/gov/todos/")
    desk.click(f"text=投诉举报待审核：{no}")
    desk.wait_for_selector("#complaint-state")
    assert "待审核" in desk.inner_text("#complaint-state")
    assert desk.locator("#complaint-photos img").count() == 2
    desk.goto(f"{live.url}/gov/se/complaints/")
    assert no in desk.inner_text("#list-body")
    shot(desk, "gov_complaint_list")
    desk.click(f"text={no}")
    desk.fill("#id_accept-comment", "转青秀区市场监管局民族所现场核查")
    shot(desk, "gov_complaint_detail_submitted")
    desk.click("#accept-complaint")
    desk.wait_for_selector("#conclude-form")
    assert "核查中" in desk.inner_text("#complaint-state")
    desk.click("#report-hazard")  # the hazard entry page, filled from the complaint
    assert desk.input_value("#id_equipment_category") == "3000"
    assert "投诉举报" in desk.inner_text("#source-complaint")
    shot(desk, "gov_complaint_hazard_form")
    desk.go_back()
    desk.click("#conclude-complaint")  # no result: the field error, still being verified
    desk.wait_for_selector("#conclude-form .invalid-feedback")
    assert "请填写核查结果" in desk.inner_text("#conclude-form")
    desk.fill("#id_conclude-comment", RESULT)
    desk.click("#conclude-complaint")
    desk.wait_for_selector("#complaint-state:has-text('已办结')")
    assert PHONE in desk.inner_text("#complaint-sms") and no in desk.inner_text("#complaint-sms")
    assert "办结并答复" in desk.inner_text("#workflow-history")
    shot(desk, "gov_complaint_detail_done")
    desk.context.close()

    # -- the citizen reads the result ----------------------------------------------------------------------
    wide = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    wide.goto(f"{live.url}/public/se/complaint/?region={QINGXIU}")
    shot(wide, "public_complaint_form_desktop")
    wide.context.close()

    page.click("#go-query")
    assert page.input_value("#id_no") == no
    page.fill("#id_phone", PHONE)
    page.fill("#id_captcha_1", "PASSED")
    page.click("#submit-query")
    page.wait_for_selector("#query-result")
    assert "已办结" in page.inner_text("#result-status")
    assert "已责令使用单位停梯整改" in page.inner_text("#result-text")
    shot(page, "public_complaint_query")
    page.goto(f"{live.url}/public/se/complaint/poster/?region={QINGXIU}")
    page.wait_for_function("document.querySelector('#poster-qr').naturalWidth > 0")
    shot(page, "public_complaint_poster")
    page.context.close()
