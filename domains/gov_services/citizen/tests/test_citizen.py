"""Applicant side: proofs and their QR tokens, online application, personal centre scope, delivery,
evaluation and rectification, consultations; audit rows on writes; staff scope."""
import datetime

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from domains.gov_services.citizen import services
from domains.gov_services.citizen.models import Address, Consultation, Evaluation, Rectification
from domains.gov_services.one_window.models import Case
from kernel.accounts.models import User
from kernel.audit.models import ChangeLog, OperationLog
from kernel.core.testing import PASSWORD
from kernel.todos.models import Todo

from .support import QINGXIU, XINGNING, World, add_id_material, citizen, clerk, client_for, jpeg, pdf, signature_png, valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def make_proof(user, kind="居民身份证"):
    return services.save_proof(user, None, {"kind": kind, "number": valid_id(), "issued_by": "南宁市公安局兴宁分局"},
                               jpeg())


# -- proofs and QR ------------------------------------------------------------------------------
def test_proof_saved_with_file_masked_in_list_and_audited():
    u = citizen()
    p = make_proof(u)
    assert services.proof_file(p).kind == "image"
    assert ChangeLog.objects.filter(object_id=str(p.pk), action="create").exists()
    page = client_for(u).get("/m/gs/proofs/").content.decode()
    assert p.masked_number in page and p.number not in page
    with pytest.raises(ValidationError) as exc:
        services.save_proof(u, None, {"kind": "居民身份证", "number": ""}, None)
    assert set(exc.value.error_dict) == {"number", "file"}


def test_citizen_sees_only_own_proofs_addresses_and_cases(world):
    a, b = citizen(), citizen()
    p = make_proof(a)
    addr = services.save_address(a, None, {"recipient": "李四", "phone": "13907710001", "address": "兴宁区民族大道1号",
                                           "postcode": "530012"})
    case = services.save_application(a, world.matter, applicant_name="李四", applicant_phone="13907710001",
                                     applicant_id_number=a.id_number)
    cb = client_for(b)
    assert cb.get(f"/m/gs/proofs/{p.pk}/").status_code == 404
    assert cb.get(f"/m/gs/proofs/{p.pk}/qr/").status_code == 404
    assert cb.get(f"/m/gs/proofs/{p.pk}/file/").status_code == 404
    assert cb.get(f"/m/gs/me/cases/{case.pk}/").status_code == 404
    assert cb.post("/m/gs/me/addresses/", {"pk": addr.pk, "action": "delete"}).status_code == 404
    assert Address.objects.filter(pk=addr.pk).exists()
    ca = client_for(a)
    assert ca.get(f"/m/gs/proofs/{p.pk}/qr/").status_code == 200
    assert ca.get(f"/m/gs/me/cases/{case.pk}/").status_code == 200


def test_qr_token_opens_proof_for_window_staff_only(world):
    u = citizen()
    p = make_proof(u)
    token = services.proof_token(p)
    assert token.count(":") == 2 and not token.startswith(str(p.pk))
    page = client_for(world.clerk).get(f"/gov/gs/proof/{token}/")
    assert page.status_code == 200 and p.number in page.content.decode()
    assert client_for(world.clerk).get(f"/gov/gs/proof/{token}/?file=1").status_code == 200
    assert OperationLog.objects.filter(action="gs_proof_scan", success=True).count() == 2
    # the public / the citizen themselves: not staff
    assert client_for(u).get(f"/gov/gs/proof/{token}/").status_code in (302, 403)
    assert Client().get(f"/gov/gs/proof/{token}/").status_code == 302


def test_qr_token_expires_after_ten_minutes(world):
    p = make_proof(citizen())
    token = services.proof_token(p)
    assert services.proof_from_token(token, world.clerk, max_age=600) == p
    with pytest.raises(ValidationError, match="已过期"):
        services.proof_from_token(token, world.clerk, max_age=-1)


def test_qr_token_expired_by_clock(world):
    p = make_proof(citizen())
    from unittest import mock

    start = timezone.now()
    with mock.patch("time.time", return_value=start.timestamp()):
        token = services.proof_token(p)
    with mock.patch("time.time", return_value=start.timestamp() + 601):
        resp = client_for(world.clerk).get(f"/gov/gs/proof/{token}/")
    assert resp.status_code == 403 and "二维码已过期" in resp.content.decode()
    assert OperationLog.objects.filter(action="gs_proof_scan", success=False, detail__reason="expired").exists()


def test_qr_token_cannot_be_forged_or_moved_to_another_proof(world):
    u = citizen()
    p1, p2 = make_proof(u), make_proof(u, "户口簿")
    token = services.proof_token(p1)
    value, ts, sig = token.rsplit(":", 2)
    forged_value = signing.b64_encode(f'{{"p":{p2.pk},"o":{u.pk},"n":"x"}}'.encode()).decode()
    for bad in (f"{forged_value}:{ts}:{sig}", token[:-2] + "xx", str(p2.pk)):
        resp = client_for(world.clerk).get(f"/gov/gs/proof/{bad}/")
        assert resp.status_code == 403 and "二维码无效" in resp.content.decode()
    assert OperationLog.objects.filter(action="gs_proof_scan", success=False, detail__reason="forged").count() == 3


# -- online application -------------------------------------------------------------------------
def test_online_application_draft_then_submit_with_proof_and_signature(world):
    add_id_material(world)
    u = citizen()
    proof = make_proof(u)
    items = services.application_materials(world.matter)
    assert items[1]["licence_type"] == "居民身份证"
    c = client_for(u)
    url = f"/m/gs/apply/{world.matter.code}/"
    assert c.get(url).status_code == 200
    resp = c.post(url, {"applicant_name": "李四", "applicant_phone": "13907710001",
                        "applicant_id_number": u.id_number, f"file_{items[0]['key']}": pdf("x"), "action": "save"})
    assert resp.status_code == 302
    case = Case.objects.get(applicant_user=u)
    assert case.status == "draft" and case.channel == "online" and case.no.startswith("SB")
    assert case.materials.count() == 1
    # submit without the required ID material: refused, still a draft
    resp = c.post(url + f"?case={case.pk}", {"case": case.pk, "applicant_name": "李四", "applicant_phone": "13907710001",
                                             "applicant_id_number": u.id_number, "signature_kind": "hand",
                                             "signature_data": signature_png(), "action": "submit"})
    assert resp.status_code == 400 and "申请人身份证明" in resp.content.decode()
    case.refresh_from_db()
    assert case.status == "draft" and not case.form_data.get("signature")
    resp = c.post(url, {"case": case.pk, "applicant_name": "李四", "applicant_phone": "13907710001",
                        "applicant_id_number": u.id_number, f"proof_{items[1]['key']}": proof.pk,
                        "signature_kind": "hand", "signature_data": signature_png(), "action": "submit"})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    case.refresh_from_db()
    assert case.status == "submitted" and case.form_data["signature"]["kind"] == "hand"
    assert case.materials.filter(note__contains="我的证明").exists()
    todo = Todo.objects.get(object_id=str(case.pk), status="open")
    assert todo.role_code == "gs_window_clerk" and todo.region_id == world.matter.region_id
    assert ChangeLog.objects.filter(object_id=str(case.pk)).exists()


def test_required_material_missing_nothing_submitted(world):
    u = citizen()
    with pytest.raises(ValidationError) as exc:
        services.save_application(u, world.matter, applicant_name="李四", applicant_phone="13907710001",
                                  applicant_id_number=u.id_number, signature_kind="hand",
                                  signature_data=signature_png(), submit=True)
    assert len([k for k in exc.value.error_dict if k.startswith("material_")]) == 2
    assert not Case.objects.filter(applicant_user=u).exists()


def test_proof_of_wrong_kind_or_other_owner_refused(world):
    add_id_material(world)
    u, other = citizen(), citizen()
    key = services.application_materials(world.matter)[1]["key"]
    for proof in (make_proof(u, "户口簿"), make_proof(other)):
        with pytest.raises(ValidationError):
            services.save_application(u, world.matter, applicant_name="李四", applicant_phone="13907710001",
                                      applicant_id_number=u.id_number, materials={key: {"proof": proof}})


@pytest.mark.parametrize("data,msg", [
    ("", "签名"), ("data:image/jpeg;base64,AAAA", "签名格式错误"), ("data:image/png;base64,@@@", "签名格式错误"),
    ("data:image/png;base64," + "QUJD" * 10, "不是有效的PNG"),
    ("data:image/png;base64," + "A" * 800_000, "过大"),
])
def test_signature_png_validated(world, data, msg):
    u = citizen()
    items = services.application_materials(world.matter)
    with pytest.raises(ValidationError) as exc:
        services.save_application(u, world.matter, applicant_name="李四", applicant_phone="13907710001",
                                  applicant_id_number=u.id_number, signature_kind="hand", signature_data=data,
                                  materials={i["key"]: {"file": pdf(str(n))} for n, i in enumerate(items)}, submit=True)
    assert msg in str(exc.value.error_dict["signature"])
    assert not Case.objects.filter(applicant_user=u).exists()
    assert services.decode_signature(signature_png()).startswith(services.PNG_MAGIC)


def test_seal_only_for_enterprise_users(world):
    u = citizen()
    with pytest.raises(ValidationError) as exc:
        services.save_application(u, world.matter, applicant_name="李四", applicant_phone="13907710001",
                                  applicant_id_number=u.id_number, signature_kind="seal")
    assert "电子印章" in str(exc.value.error_dict["signature"])


# -- delivery, evaluation, rectification -------------------------------------------------------------
def accepted_case(world, user):
    case = world.register()
    Case.all_objects.filter(pk=case.pk).update(applicant_user=user)
    case.refresh_from_db()
    return case


def test_delivery_courier_needs_own_address_and_door_pickup(world):
    u = citizen()
    case = accepted_case(world, u)
    with pytest.raises(ValidationError) as exc:
        services.choose_delivery(u, case, method="courier", address=None)
    assert "address" in exc.value.error_dict
    addr = services.save_address(u, None, {"recipient": "李四", "phone": "13907710001", "address": "民族大道1号",
                                           "postcode": "530012"})
    d = services.choose_delivery(u, case, method="courier", address=addr, door_pickup=True, pickup_address="民族大道1号")
    assert d.recipient == "李四" and d.door_pickup and Case.objects.get(pk=case.pk).delivery == "courier"
    with pytest.raises(PermissionDenied):
        services.choose_delivery(citizen(), case, method="pickup")
    with pytest.raises(ValidationError, match="办结"):  # the result ships once the case is completed
        services.ship_delivery(world.clerk, d, "SF1234567890")
    for t in ("dispatch", "dept_accept", "complete"):
        case.workflow.apply(case, t, world.clerk)
    services.ship_delivery(world.clerk, d, "SF1234567890")
    d.refresh_from_db()
    assert d.status == "shipped"
    with pytest.raises(ValidationError):
        services.save_address(u, None, {"recipient": "x", "phone": "123", "address": "y", "postcode": "53"})


def test_bad_review_opens_exactly_one_rectification_and_only_once(world):
    u = citizen()
    case = accepted_case(world, u)
    resp = client_for(u).post(f"/m/gs/me/cases/{case.pk}/", {"action": "evaluate", "rating": "2", "comment": "等太久"})
    assert resp.status_code == 302
    ev = Evaluation.objects.get(case=case)
    rect = Rectification.objects.get(evaluation=ev)
    todos = Todo.objects.filter(object_id=str(rect.pk), key="gs_rectification")
    assert todos.count() == 1 and todos[0].role_code == "gs_centre_admin"
    assert ChangeLog.objects.filter(object_id=str(ev.pk), action="create").exists()
    resp = client_for(u).post(f"/m/gs/me/cases/{case.pk}/", {"action": "evaluate", "rating": "1"})
    assert resp.status_code == 400 and "只能评价一次" in resp.content.decode()
    assert Evaluation.objects.filter(case=case).count() == 1 and Rectification.objects.count() == 1
    # the centre closes it; the to-do closes
    admin = clerk(XINGNING, role="gs_centre_admin")
    c = client_for(admin)
    assert c.get(f"/gov/gs/rectifications/{rect.pk}/").status_code == 200
    assert c.post(f"/gov/gs/rectifications/{rect.pk}/", {"reply": ""}).status_code == 400
    assert c.post(f"/gov/gs/rectifications/{rect.pk}/", {"reply": "已约谈窗口人员"}).status_code == 302
    rect.refresh_from_db()
    assert rect.status == "closed" and not Todo.objects.filter(object_id=str(rect.pk), status="open").exists()
    # another county's centre: 404
    other = clerk(QINGXIU, role="gs_centre_admin")
    assert client_for(other).get(f"/gov/gs/rectifications/{rect.pk}/").status_code == 404


def test_bad_review_goes_to_the_departments_rectifiers_who_see_only_their_department(world):
    from kernel.accounts.models import Role
    from kernel.core.testing import make_agency

    from ..reference import load as load_reference

    load_reference()
    role = Role.objects.get(code="gs_dept_rectifier")
    rectifier = User.objects.create_user(username="dept_rect", password=PASSWORD, kind="staff",
                                         organisation=world.matter.department, must_change_password=False)
    rectifier.roles.add(role)
    other_dept = User.objects.create_user(username="other_rect", password=PASSWORD, kind="staff",
                                          organisation=make_agency(XINGNING, agency_type="police"),
                                          must_change_password=False)
    other_dept.roles.add(role)
    u = citizen()
    case = accepted_case(world, u)
    services.evaluate(u, case, rating=1, comment="态度差")
    rect = Rectification.objects.get()
    todo = Todo.objects.get(object_id=str(rect.pk), key="gs_rectification")
    assert (todo.assignee, todo.role_code) == (rectifier, "")
    assert client_for(other_dept).get(f"/gov/gs/rectifications/{rect.pk}/").status_code == 404
    c = client_for(rectifier)
    assert c.get(f"/gov/gs/rectifications/{rect.pk}/").status_code == 200
    assert c.post(f"/gov/gs/rectifications/{rect.pk}/", {"reply": "已整改并回访"}).status_code == 302
    assert not Todo.objects.filter(object_id=str(rect.pk), status="open").exists()


def test_good_review_no_rectification_and_draft_not_evaluable(world):
    u = citizen()
    case = accepted_case(world, u)
    services.evaluate(u, case, rating=5, comment="很好")
    assert not Rectification.objects.exists()
    draft = services.save_application(u, world.matter, applicant_name="李四", applicant_phone="13907710001",
                                      applicant_id_number=u.id_number)
    with pytest.raises(ValidationError, match="受理后"):
        services.evaluate(u, draft, rating=4)
    with pytest.raises(ValidationError):
        services.evaluate(u, accepted_case(world, u), rating=7)


def test_stats_and_export(world):
    u = citizen()
    services.evaluate(u, accepted_case(world, u), rating=1)
    services.evaluate(u, accepted_case(world, u), rating=5)
    admin = clerk(XINGNING, role="gs_centre_admin")
    rows = services.evaluation_stats(admin)
    assert rows[0]["count"] == 2 and rows[0]["bad"] == 1 and float(rows[0]["avg"]) == 3.0
    assert services.evaluation_stats(clerk(QINGXIU, role="gs_centre_admin")) == []
    resp = client_for(admin).get("/gov/gs/evaluations/stats/?export=1")
    assert resp.status_code == 200 and resp.content[:2] == b"PK"
    assert OperationLog.objects.filter(action="export", detail__object="好差评统计").exists()


def test_consultation_replied_in_scope(world):
    u = citizen()
    resp = client_for(u).post("/m/gs/me/consultations/", {"kind": "complaint", "subject": "", "content": ""})
    assert resp.status_code == 400 and not Consultation.objects.exists()
    client_for(u).post("/m/gs/me/consultations/", {"kind": "complaint", "subject": "排队太久",
                                                  "content": "窗口排队一小时", "matter": world.matter.pk})
    item = Consultation.objects.get()
    assert item.region_id == world.matter.region_id
    other = clerk(QINGXIU)
    assert client_for(other).post("/gov/gs/consultations/", {"pk": item.pk, "reply": "x"}).status_code == 404
    assert "排队太久" not in client_for(other).get("/gov/gs/consultations/").content.decode()
    assert client_for(world.clerk).post("/gov/gs/consultations/", {"pk": item.pk, "reply": "已核实整改"}).status_code == 302
    item.refresh_from_db()
    assert item.status == "replied" and u.messages.filter(key=f"gs_consultation_reply:{item.pk}").exists()
    assert "已核实整改" in client_for(u).get("/m/gs/me/consultations/").content.decode()


def test_centre_pages_render(world):
    u = citizen()
    accepted_case(world, u)
    c = client_for(u)
    for url in ("/m/gs/me/", "/m/gs/me/cases/", "/m/gs/me/cases/?done=1", "/m/gs/me/messages/",
                "/m/gs/me/addresses/", "/m/gs/proofs/", "/m/gs/proofs/new/"):
        assert c.get(url).status_code == 200, url
    assert datetime.date.today()
