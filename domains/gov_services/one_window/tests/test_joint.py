"""预受理 and 联合审批: a department's signed push creates one case in 待受理 (channel "pre") and the same
department number again changes nothing; bad payloads are refused with Chinese field errors and store
nothing; unsigned pushes are refused; a 双告知 opens one case per matter with the enterprise's data from
its USCC (unknown USCC refused); the enterprise's SMS goes out exactly once when the last case completes;
the joint page is scoped to the county; the clerk's review accepts or rejects with a reason."""
import pytest

from kernel.audit.models import OperationLog
from kernel.core.testing import make_agency, make_role
from kernel.interfaces import services as interfaces
from kernel.interfaces.models import InboundMessage
from kernel.interfaces.tests.helpers import call
from kernel.notify.models import SmsMessage, SmsTemplate
from kernel.org.demo import make_uscc
from kernel.todos.models import Todo

from .. import joint
from ..models import Case
from .acceptance_support import QINGXIU, XINGNING, World, valid_id

pytestmark = pytest.mark.django_db
UNKNOWN = make_uscc("91", "450102", 999_123)


@pytest.fixture
def world():
    joint.register()
    SmsTemplate.objects.get_or_create(code=joint.JOINT_SMS, defaults={
        "name": "联合审批办结", "content": dict((c, t) for c, _, t in joint.SMS_TEMPLATES)[joint.JOINT_SMS]})
    w = World()
    role = make_role(list(joint.PUSH_PERMISSIONS))
    w.dept_api, w.dept_secret = interfaces.create_client(name="部门审批系统", organisation=w.dept, roles=[role])
    w.amr = make_agency("450100", agency_type="market")
    w.amr_api, w.amr_secret = interfaces.create_client(name="市场监管登记系统", organisation=w.amr, roles=[role])
    w.enterprise.legal_representative, w.enterprise.contact_person = "黄某", "李联系"
    w.enterprise.contact_phone, w.enterprise.address = "13907710001", "南宁市兴宁区民主路1号"
    w.enterprise.save()
    w.matter2 = w.make_matter(name="食品经营许可")
    return w


def push(client, api, secret, endpoint, body, message_id, **kw):
    return call(client, api, secret, "POST", f"/api/inbound/{endpoint}/", body=body,
                headers={"X-ZW-Message-Id": message_id}, **kw)


def pre_payload(w, **over):
    body = {"dept_no": "BM-2026-0001", "matter_code": w.matter.code,
            "applicant": {"name": "韦小宝", "id_number": valid_id(), "phone": "13907719999"},
            "form_data": {"项目名称": "兴宁区物流仓储项目", "总投资（万元）": "1200"},
            "materials": [{"name": "项目备案申请表", "ref": "https://dept.example/files/1.pdf"},
                          {"name": "申请人身份证明", "ref": "F-0002"}]}
    body.update(over)
    return body


# -- 预受理 ---------------------------------------------------------------------------------------------------
def test_pre_acceptance_creates_one_submitted_case_and_repeat_changes_nothing(client, world):
    r = push(client, world.dept_api, world.dept_secret, joint.PRE_ENDPOINT, pre_payload(world), "pre-1")
    assert r.status_code == 200, r.json()
    case = Case.objects.get()
    assert (case.status, case.channel, case.region, case.matter) == ("submitted", "pre", world.centre.region,
                                                                     world.matter)
    assert case.form_data["dept_no"] == "BM-2026-0001"
    assert case.form_data["fields"]["项目名称"] == "兴宁区物流仓储项目"
    assert [m.name for m in case.materials.order_by("pk")] == ["项目备案申请表", "申请人身份证明"]
    assert r.json()["result"] == {"sbh": case.no, "dept_no": "BM-2026-0001", "status": "submitted",
                                  "action": "created"}
    assert Todo.objects.filter(object_id=str(case.pk), role_code="gs_window_clerk", status="open").count() == 1
    assert OperationLog.objects.filter(action="gs_pre_acceptance").count() == 1
    before = Case.all_objects.get(pk=case.pk).updated_at
    # the same department number again (a new message id, even other content): nothing changes
    again = pre_payload(world, applicant={"name": "别人", "id_number": valid_id(), "phone": "13907710000"})
    r2 = push(client, world.dept_api, world.dept_secret, joint.PRE_ENDPOINT, again, "pre-2")
    assert r2.status_code == 200 and r2.json()["result"]["action"] == "unchanged"
    assert Case.all_objects.count() == 1
    case.refresh_from_db()
    assert (case.applicant_name, case.updated_at, case.materials.count()) == ("韦小宝", before, 2)
    assert OperationLog.objects.filter(action="gs_pre_acceptance").count() == 1


def test_pre_acceptance_bad_payload_is_refused_with_chinese_errors(client, world):
    body = pre_payload(world, dept_no="", matter_code="NOPE",
                       applicant={"name": "", "id_number": "450102198506121230", "phone": "123"},
                       materials=[{"ref": "x"}])
    r = push(client, world.dept_api, world.dept_secret, joint.PRE_ENDPOINT, body, "pre-bad")
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert errors["dept_no"] == ["请填写部门申请号"]
    assert errors["applicant.name"] == ["请填写申请人"]
    assert errors["applicant.phone"] == ["手机号码应为11位数字"]
    assert "applicant.id_number" in errors and "materials.0.name" in errors
    assert errors["materials.0.name"] == ["请填写材料名称"]
    # the matter: another department's matter is refused too
    other = world.make_matter(name="别的事项")
    other.department = make_agency(XINGNING, agency_type="housing")
    other.save()
    r = push(client, world.dept_api, world.dept_secret, joint.PRE_ENDPOINT, pre_payload(world, matter_code=other.code),
             "pre-bad-2")
    assert r.status_code == 400 and "不由" in r.json()["errors"]["matter_code"][0]
    assert Case.all_objects.count() == 0
    assert InboundMessage.objects.filter(status="rejected").count() == 2


def test_unsigned_or_badly_signed_push_is_refused(client, world):
    import json

    body = json.dumps(pre_payload(world)).encode()
    r = client.post(f"/api/inbound/{joint.PRE_ENDPOINT}/", data=body, content_type="application/json",
                    headers={"X-ZW-Message-Id": "pre-unsigned"})
    assert r.status_code in (401, 403)
    r = push(client, world.dept_api, "wrong-secret", joint.PRE_ENDPOINT, pre_payload(world), "pre-wrong")
    assert r.status_code in (401, 403)
    assert Case.all_objects.count() == 0


def test_client_without_the_permission_gets_403(client, world):
    api, secret = interfaces.create_client(name="无权系统", organisation=world.dept, roles=[make_role(["gs_window.view_case"])])
    r = push(client, api, secret, joint.PRE_ENDPOINT, pre_payload(world), "pre-noperm")
    assert r.status_code == 403 and Case.all_objects.count() == 0


def test_clerk_reviews_pre_accepted_case(client, world):
    case, created = joint.pre_accept_inbound(world.dept, pre_payload(world))
    assert created
    assert joint.pre_accept_inbound(world.dept, pre_payload(world)) == (case, False)
    client.force_login(world.clerk)
    url = f"/gov/gs/joint/review/{case.pk}/"
    assert client.get(url).status_code == 200
    r = client.post(url, {"decision": "reject", "reason": ""})
    assert r.status_code == 400 and "不予受理须填写理由" in r.content.decode()
    case.refresh_from_db()
    assert case.status == "submitted"
    r = client.post(url, {"decision": "accept"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "accepted" and case.accepted_by == world.clerk and case.promised_due is not None
    assert SmsMessage.objects.filter(template__code="gs_case_accepted", phone="13907719999").count() == 1
    assert not Todo.objects.filter(object_id=str(case.pk), status="open").exists()
    assert OperationLog.objects.filter(action="gs_case_review", detail__decision="accept").count() == 1
    # another county's clerk cannot even see it
    client.force_login(world.other)
    assert client.get(url).status_code == 404


def test_reject_with_reason(world):
    case, _ = joint.pre_accept_inbound(world.dept, pre_payload(world))
    joint.review_case(case, world.clerk, "reject", "材料不齐全")
    case.refresh_from_db()
    assert case.status == "rejected"


# -- 联合审批 ---------------------------------------------------------------------------------------------------
def dual(w, **over):
    body = {"notice_no": "SGZ-2026-001", "uscc": w.enterprise.uscc, "enterprise_name": w.enterprise.name,
            "matter_codes": [w.matter.code, w.matter2.code]}
    body.update(over)
    return body


def test_dual_notification_opens_one_case_per_matter_with_enterprise_data(client, world):
    r = push(client, world.amr_api, world.amr_secret, joint.DUAL_ENDPOINT, dual(world), "dual-1")
    assert r.status_code == 200, r.json()
    gid = r.json()["result"]["group"]
    cases = list(Case.objects.order_by("pk"))
    assert [c.matter for c in cases] == [world.matter, world.matter2]
    for c in cases:
        assert (c.status, c.channel, c.applicant_org, c.applicant_name, c.applicant_phone) == (
            "submitted", "pre", world.enterprise, "南宁兴宁测试建设有限公司", "13907710001")
        assert c.form_data["joint"]["id"] == gid and c.form_data["joint"]["uscc"] == world.enterprise.uscc
        assert c.form_data["enterprise"]["legal_representative"] == "黄某"
        assert c.form_data["enterprise"]["address"] == "南宁市兴宁区民主路1号"
    todo = Todo.objects.get(key=f"{joint.JOINT_TODO_KEY}:{gid}")
    assert (todo.role_code, todo.region, todo.url) == ("gs_window_clerk", world.centre.region, f"/gov/gs/joint/{gid}/")
    assert OperationLog.objects.filter(action="gs_joint_start", detail__group=gid).count() == 1
    # the same notice again: nothing new
    r = push(client, world.amr_api, world.amr_secret, joint.DUAL_ENDPOINT, dual(world), "dual-2")
    assert r.json()["result"] == {"group": gid, "cases": [c.no for c in cases], "action": "unchanged"}
    assert Case.all_objects.count() == 2


def test_dual_notification_unknown_uscc_or_matter_is_refused(client, world):
    r = push(client, world.amr_api, world.amr_secret, joint.DUAL_ENDPOINT, dual(world, uscc=UNKNOWN), "dual-x")
    assert r.status_code == 400
    assert "未在系统中登记" in r.json()["errors"]["uscc"][0]
    r = push(client, world.amr_api, world.amr_secret, joint.DUAL_ENDPOINT,
             dual(world, matter_codes=[world.matter.code, "GS-NONE"]), "dual-y")
    assert r.status_code == 400
    assert r.json()["errors"]["matter_codes.1"] == ["事项编码“GS-NONE”不存在或未发布"]
    r = push(client, world.amr_api, world.amr_secret, joint.DUAL_ENDPOINT, dual(world, matter_codes=[]), "dual-z")
    assert r.status_code == 400 and r.json()["errors"]["matter_codes"] == ["后置审批事项编码不能为空"]
    assert Case.all_objects.count() == 0 and Todo.objects.filter(key__startswith="gs_joint").count() == 0
    with pytest.raises(joint.ValidationError) as exc:
        joint.start_joint_approval(UNKNOWN, [world.matter.code])
    assert "未在系统中登记" in str(exc.value)


def _complete(case, clerk):
    from kernel.workflow.engine import TransitionError  # noqa: F401

    joint.review_case(case, clerk, "accept")
    for name in ("dispatch", "dept_accept", "complete"):
        Case.workflow.apply(case, name, None, system=True)
    joint.complete_hook(case)


def test_sms_sent_exactly_once_when_the_last_case_completes(world):
    gid, cases, _ = joint.start_joint_approval(world.enterprise.uscc, [world.matter.code, world.matter2.code])
    sms = SmsMessage.objects.filter(template__code=joint.JOINT_SMS)
    _complete(cases[0], world.clerk)
    assert sms.count() == 0  # one of two done: not yet
    _complete(cases[1], world.clerk)
    assert sms.count() == 1
    message = sms.get()
    assert message.phone == "13907710001" and gid in message.content and "2个事项" in message.content
    joint.complete_hook(cases[1])  # a repeated call (or a repeated callback) sends nothing more
    joint.complete_hook(cases[0])
    assert sms.count() == 1
    assert joint.complete_hook(Case.objects.get(pk=cases[0].pk)) is not None  # same message, not a new one
    assert sms.count() == 1


def test_complete_hook_ignores_cases_outside_a_group(world):
    case = world.register()
    assert joint.complete_hook(case) is None


def test_joint_page_lists_cases_and_is_scoped(client, world):
    gid, cases, _ = joint.start_joint_approval(world.enterprise.uscc, [world.matter.code, world.matter2.code])
    client.force_login(world.clerk)
    r = client.get(f"/gov/gs/joint/{gid}/")
    assert r.status_code == 200
    page = r.content.decode()
    for c in cases:
        assert c.no in page and c.matter.name in page
    assert "待受理" in page and "已办结 0 / 2" in page and world.enterprise.uscc in page
    client.force_login(world.other)  # a clerk of 青秀区
    assert world.other.region.code == QINGXIU
    assert client.get(f"/gov/gs/joint/{gid}/").status_code == 404
    client.force_login(world.clerk)
    assert client.get("/gov/gs/joint/LH-NOPE/").status_code == 404


def test_joint_list_shows_projects_with_progress_filters_and_scope(client, world):
    gid, cases, _ = joint.start_joint_approval(world.enterprise.uscc, [world.matter.code, world.matter2.code])
    assert {c.joint_group for c in cases} == {gid}
    world.register()  # an ordinary case: not a project
    _complete(cases[0], world.clerk)
    client.force_login(world.clerk)
    r = client.get("/gov/gs/joint/")
    assert r.status_code == 200
    page = r.content.decode()
    assert gid in page and world.enterprise.name in page and "1/2" in page and "共 1 个项目" in page
    assert "gov:gs_joint_list" not in page and "/gov/gs/joint/" in page  # the menu entry
    assert client.get("/gov/gs/joint/", {"progress": "done"}).content.decode().count(gid) == 0
    assert gid in client.get("/gov/gs/joint/", {"progress": "open"}).content.decode()
    assert gid in client.get("/gov/gs/joint/", {"q": world.enterprise.uscc}).content.decode()
    assert "暂无联合审批项目" in client.get("/gov/gs/joint/", {"q": "没有这个企业"}).content.decode()
    _complete(cases[1], world.clerk)
    assert gid in client.get("/gov/gs/joint/", {"progress": "done"}).content.decode()
    client.force_login(world.other)  # 青秀区: nothing of 兴宁区
    page = client.get("/gov/gs/joint/").content.decode()
    assert gid not in page and "共 0 个项目" in page


def test_complete_hook_with_a_bad_phone_logs_and_does_not_raise(world):
    world.enterprise.contact_phone = "0771-123"
    world.enterprise.save()
    gid, cases, _ = joint.start_joint_approval(world.enterprise.uscc, [world.matter.code])
    _complete(cases[0], world.clerk)
    assert not SmsMessage.objects.filter(template__code=joint.JOINT_SMS).exists()
    assert OperationLog.objects.filter(action="gs_joint_completed", success=False, detail__group=gid).exists()


def test_load_creates_the_pusher_role_and_sms_template():
    from kernel.accounts.models import Role

    joint.load()
    joint.load()  # twice: no duplicates
    role = Role.objects.get(code=joint.PUSHER_ROLE)
    assert set(role.permissions.values_list("codename", flat=True)) == {"add_case", "view_case"}
    assert SmsTemplate.objects.filter(code=joint.JOINT_SMS).count() == 1
