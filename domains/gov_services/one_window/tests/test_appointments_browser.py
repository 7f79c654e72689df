"""Booking on the H5 entrance in a real browser on a phone-sized screen: citizen_demo picks a slot, gives
a wrong ID number (field error, nothing booked), corrects it and sees the appointment number."""
import pytest

from kernel.core.testing import PASSWORD
from tests.browser import login

from .test_appointments import citizen, idno, world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_citizen_books_a_slot_on_the_phone(live, browser, shot):
    from domains.gov_services.one_window.models import Appointment

    matter, window, slot = world()
    user = citizen(1)
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    login(page, live.url, user.username, PASSWORD, entrance="m")
    page.goto(f"{live.url}/m/gs/appointments/new/?matter={matter.code}")
    assert "不动产登记" in page.inner_text("#matter-name")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.check(f"input[name=slot][value='{slot.pk}']")
    page.fill("#id_id_number", "450102199001011230")
    shot(page, "gs_m_book_form")
    page.click("#submit-booking")
    page.wait_for_selector("#field-id_number .invalid-feedback")
    assert "身份证号码校验位错误" in page.inner_text("#field-id_number")
    assert not Appointment.objects.exists()
    shot(page, "gs_m_book_error")
    page.check(f"input[name=slot][value='{slot.pk}']")
    page.fill("#id_id_number", idno(1))
    page.click("#submit-booking")
    page.wait_for_selector("#appointment-no")
    appt = Appointment.objects.get()
    assert page.inner_text("#appointment-no") == appt.no
    shot(page, "gs_m_book_done")
    page.goto(f"{live.url}/m/gs/appointments/")
    assert appt.no in page.inner_text("#appointments")
    shot(page, "gs_m_my_appointments")
    context.close()
