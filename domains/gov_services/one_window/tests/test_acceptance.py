"""Window acceptance (受理登记): due dates on the business calendar, materials, bad input, scope, receipt,
audit and export."""
import subprocess

import pytest
from django.urls import reverse

from kernel.audit.models import ChangeLog, OperationLog
from kernel.calendar.models import CalendarDay
from kernel.core import context
from kernel.core.testing import PASSWORD, xlsx_rows
from kernel.files.models import Attachment
from kernel.notify.models import SmsMessage

from ..models import Appointment, Case, CaseMaterial, Matter, Slot
from .acceptance_support import D, World, at, pdf, png, valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return World()


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def form_data(w, **over):
    k = w.keys()
    data = {"window": w.window.pk, "applicant_kind": "person", "applicant_name": "韦小宝",
            "applicant_id_number": valid_id(), "applicant_phone": "13907719999", "delivery": "pickup",
            f"m_{k[0]}_checked": "on", f"m_{k[0]}_file": pdf("a"),
            f"m_{k[1]}_checked": "on", f"m_{k[1]}_original": "on", f"m_{k[1]}_file": png()}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def test_acceptance_creates_one_accepted_case_with_due_dates_across_a_holiday(w):
    # Accepted Thursday 3 December 2026; Friday 4 December is made a holiday: the working days after it are
    # Mon 7, Tue 8, Wed 9 (promised 3) and Thu 10, Fri 11 (statutory 5).
    CalendarDay.objects.update_or_create(date=D("2026-12-04"), defaults={"kind": "holiday", "name": "测试假日"})
    with context.acting_as(w.clerk):
        case = w.register(accepted_at=at("2026-12-03T10:30:00"))
    assert Case.objects.count() == 1
    assert (case.status, case.channel, case.region, case.window, case.matter_version) == (
        "accepted", "window", w.window.region, w.window, 1)
    assert (case.promised_due, case.statutory_due) == (D("2026-12-09"), D("2026-12-11"))
    assert case.no == f"SB20261203{case.pk:06d}" and Case.objects.get().no == case.no
    assert case.accepted_by == w.clerk
    mats = list(CaseMaterial.objects.filter(case=case).order_by("id"))
    assert [(m.name, m.checked, m.original_seen, m.attachment is not None) for m in mats] == [
        ("项目备案申请表", True, False, True), ("申请人身份证明", True, True, True)]
    assert {a.purpose for a in Attachment.objects.all()} == {"gs_case_material"}
    sms = SmsMessage.objects.get(idempotency_key=f"gs_case_accepted:{case.pk}")
    assert case.no in sms.content and "2026-12-09" in sms.content
    # audit: the case's creation by the clerk
    log = ChangeLog.objects.filter(content_type__app_label="gs_window", content_type__model="case",
                                   object_id=str(case.pk), action="create").get()
    assert log.actor == w.clerk


def test_numbers_are_unique(w):
    a, b = w.register(), w.register(materials=[{"key": k, "checked": True, "original_seen": True, "file": f}
                                               for k, f in zip(w.keys()[:2], [pdf("x"), pdf("y")], strict=True)])
    assert a.no != b.no and a.no.startswith("SB") and len({a.no, b.no}) == 2


def test_missing_required_material_is_refused_with_nothing_saved(w, client):
    login(client, w.clerk)
    k = w.keys()
    url = reverse("gov:gs_accept_matter", args=[w.matter.pk])
    response = client.post(url, form_data(w, **{f"m_{k[1]}_file": None, f"m_{k[1]}_original": None}))
    assert response.status_code == 400
    text = response.content.decode()
    assert "必须提供的材料“申请人身份证明”：请查验原件，请上传扫描件或照片" in text
    assert not Case.objects.exists() and not Attachment.objects.exists() and not SmsMessage.objects.exists()


def test_bad_id_number_and_phone_are_refused(w, client):
    login(client, w.clerk)
    url = reverse("gov:gs_accept_matter", args=[w.matter.pk])
    response = client.post(url, form_data(w, applicant_id_number="450102198506121230", applicant_phone="12345"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "身份证号码校验位错误" in text and "手机号码应为11位数字" in text
    assert not Case.objects.exists()


def test_page_acceptance_with_appointment_and_enterprise(w, client):
    login(client, w.clerk)
    slot = Slot.objects.create(window=w.window, date=D("2026-12-03"), start="09:00", end="10:00", capacity=5, booked=1)
    appt = Appointment.objects.create(no="YY2026120300001", matter=w.matter, slot=slot, name="韦小宝",
                                      id_number=valid_id(), phone="13907719999")
    # the USCC lookup fills the name
    got = client.get(reverse("gov:gs_accept_org"), {"uscc": w.enterprise.uscc}).json()
    assert got == {"found": True, "name": w.enterprise.name}
    response = client.post(reverse("gov:gs_accept_matter", args=[w.matter.pk]), form_data(
        w, applicant_kind="enterprise", uscc=w.enterprise.uscc, applicant_name="", applicant_id_number="",
        appointment_no=appt.no, delivery="courier"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert response.url == case.get_absolute_url()
    assert (case.channel, case.applicant_org, case.applicant_name, case.delivery) == (
        "appointment", w.enterprise, w.enterprise.name, "courier")
    appt.refresh_from_db()
    assert appt.status == "arrived"
    # the same appointment cannot be used again
    response = client.post(reverse("gov:gs_accept_matter", args=[w.matter.pk]), form_data(w, appointment_no=appt.no))
    assert response.status_code == 400 and "预约编号不存在" in response.content.decode()
    assert Case.objects.count() == 1


def test_category_and_matter_search(w, client):
    login(client, w.clerk)
    text = client.get(reverse("gov:gs_accept"), {"category": "investment", "q": "备案"}).content.decode()
    assert "企业投资项目备案" in text and "投资项目审批类" in text
    text = client.get(reverse("gov:gs_accept"), {"category": "police"}).content.decode()
    assert "企业投资项目备案" not in text


def test_another_countys_clerk_gets_404(w, client):
    case = w.register()
    login(client, w.other)
    assert client.get(reverse("gov:gs_case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("gov:gs_case_receipt", args=[case.pk])).status_code == 404
    assert client.get(reverse("gov:gs_accept_matter", args=[w.matter.pk])).status_code == 404
    assert case.no not in client.get(reverse("gov:gs_case_list")).content.decode()


def test_case_page_and_receipt_pdf(w, client, tmp_path):
    case = w.register(accepted_at=at("2026-12-03T10:30:00"))
    login(client, w.clerk)
    text = client.get(reverse("gov:gs_case_detail", args=[case.pk])).content.decode()
    assert case.no in text and "项目备案申请表" in text and "450102********" in text and "download-receipt" in text
    response = client.get(reverse("gov:gs_case_receipt", args=[case.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "r.pdf"
    path.write_bytes(response.content)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    squeezed = "".join(out.split())
    for expected in (case.no, "受理回执", "企业投资项目备案", "承诺办结日期", "0771-12345", "一表申请、一窗受理、一次告知、一份证照",
                     "450102********"):
        assert expected in squeezed, expected
    assert valid_id() not in squeezed


def test_list_filters_statistics_and_excel_export(w, client):
    a = w.register()
    w.register(matter=w.make_matter(name="不动产登记", category="housing"))
    login(client, w.clerk)
    url = reverse("gov:gs_case_list")
    text = client.get(url, {"category": "investment"}).content.decode()
    assert a.no in text and "supervision-summary" in text
    response = client.get(url, {"category": "investment", "export": "xlsx"})
    rows = xlsx_rows(response)
    assert len(rows) == 2 and rows[1][0] == a.no
    assert "13907719999" not in str(rows)  # the phone is masked
    assert OperationLog.objects.filter(action="export").exists()


def test_demo_cases_show_three_colours_and_reseeding_adds_nothing(w):
    import io

    from .. import alerts, demo_cases

    w.make_matter(name="不动产转移登记", promised=5, statutory=20, category="housing")
    assert demo_cases.seed(1, io.StringIO()).startswith("窗口受理办件6件")
    assert Case.objects.count() == 6 and Case.objects.filter(materials__isnull=False).distinct().count() == 6
    counts = alerts.colour_counts(Case.objects.all())
    assert counts["yellow"] >= 1 and counts["orange"] >= 1 and counts["red"] >= 1
    assert demo_cases.seed(1, io.StringIO()) == ""
    assert Case.objects.count() == 6


def test_demo_joint_project_waits_for_review_and_reseeding_adds_nothing(w):
    import io

    from .. import demo_cases

    for code in demo_cases.JOINT_MATTERS:
        Matter.objects.filter(pk=w.make_matter(name=f"后置审批{code}", category="enterprise").pk).update(code=code)
    note = demo_cases.seed_joint(w.centre.region)
    assert note.startswith("联合审批项目LH") and "2个后置审批事项待受理" in note
    cases = Case.objects.exclude(joint_group="")
    assert cases.count() == 2 and set(cases.values_list("status", flat=True)) == {"submitted"}
    assert cases.first().applicant_org.contact_phone
    assert demo_cases.seed_joint(w.centre.region) == "" and Case.objects.count() == 2
    assert demo_cases.seed(1, io.StringIO()).startswith("窗口受理办件")  # window cases still seeded beside it


def test_demo_cases_without_matters_is_empty(db):
    import io

    from .. import demo_cases

    assert demo_cases.seed(1, io.StringIO()) == ""
