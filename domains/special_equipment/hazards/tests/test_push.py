"""The signed machine push se.inspection_report_push: an inspection agency's system sends a report and the
major hazard found; the hazard goes to the user unit (message, SMS) and the local regulator (to-do) as from
the report button. Signatures, replays and stale requests are refused; the same report twice is one
report; unknown codes are Chinese field errors; a service user without the permission gets 403."""
import json
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from domains.special_equipment.equipment.models import InspectionReport
from domains.special_equipment.hazards.models import MajorHazard
from domains.special_equipment.hazards.push import PUSH_ENDPOINT
from kernel.accounts.models import Role
from kernel.audit.services import history_for
from kernel.core.testing import make_role
from kernel.interfaces import services as interfaces
from kernel.interfaces.client import sign_request
from kernel.interfaces.models import InboundMessage
from kernel.interfaces.services import _flatten_errors
from kernel.interfaces.tests.helpers import call
from kernel.notify.models import InAppMessage, SmsMessage
from kernel.todos.services import open_for

from .test_ent_support import World, days, make_institution, make_report

pytestmark = pytest.mark.django_db
PUSH = f"/api/inbound/{PUSH_ENDPOINT}/"


@pytest.fixture
def world():
    w = World()
    w.unit_user.phone = "13800138000"  # the safety manager receives the SMS
    w.unit_user.save()
    w.api, w.secret = interfaces.create_client(name="检验院业务系统", organisation=w.institution,
                                               roles=[Role.objects.get(code="se_institution")])
    return w


def payload(world, **over):
    data = {"report_no": "GXTJ-2026-0001", "equipment_code": world.equipment.code, "kind": "periodic",
            "inspected_on": str(days(-1)), "conclusion": "nonconforming", "next_inspection_on": str(days(364)),
            "problems": "限速器动作速度超出规定范围；层门门锁被短接", "inspector": "陈检验",
            "hazard": {"description": "定期检验发现限速器失效、层门门锁被短接", "requirement": "立即停梯，整改后申请复检",
                       "deadline": str(days(30)), "items": [{"judgement_code": "DT-01"}, {"judgement_code": "DT-02"}]}}
    data.update(over)
    return data


def push(client, world, body, message_id, api=None, secret=None, **sign):
    return call(client, api or world.api, secret or world.secret, "POST", PUSH, body=body,
                headers={"X-ZW-Message-Id": message_id}, **sign)


def test_valid_push_creates_the_report_and_the_hazard_routed_like_the_report_button(
        client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = push(client, world, payload(world), "tj-0001-v1")
    assert response.status_code == 200, response.json()
    data = response.json()
    report = InspectionReport.objects.get(report_no="GXTJ-2026-0001")
    hazard = MajorHazard.objects.get()
    assert data["status"] == "processed" and data["result"] == {
        "report_id": report.pk, "report_no": "GXTJ-2026-0001", "report_action": "created",
        "equipment_code": world.equipment.code, "user_unit": world.unit.name,
        "hazard": {"id": hazard.pk, "no": hazard.no, "action": "created", "status": "reported",
                   "status_label": "待派单", "managing_agency": world.regulator.organisation.name}}
    assert (report.agency, report.equipment, report.conclusion) == (world.institution, world.equipment, "nonconforming")
    world.equipment.refresh_from_db()
    assert world.equipment.next_inspection_on == days(364)
    assert (hazard.report, hazard.equipment, hazard.user_unit, hazard.reporter_org) == (
        report, world.equipment, world.unit, world.institution)
    assert (hazard.source, hazard.equipment_category, hazard.deadline) == ("inspection", "3000", days(30))
    assert hazard.found_on == days(-1) and hazard.requirement == "立即停梯，整改后申请复检"
    assert [i.judgement_item.code for i in hazard.items.order_by("id")] == ["DT-01", "DT-02"]
    # the local regulator has the 待派单 to-do; the unit has the message and the SMS
    assert hazard.managing_agency == world.regulator.organisation
    assert any(t.object_id == str(hazard.pk) for t in open_for(world.regulator))
    assert InAppMessage.objects.filter(recipient=world.unit_user, url=f"/ent/se/hazards/{hazard.pk}/").exists()
    sms = SmsMessage.objects.get(phone="13800138000")
    assert sms.template.code == "se_hazard_reported" and hazard.no in sms.content and world.institution.name in sms.content
    # audited as the client's service user; the message is kept
    assert history_for(report).filter(action="create", actor=world.api.user).exists()
    assert history_for(hazard).filter(action="create", actor=world.api.user).exists()
    message = InboundMessage.objects.get(message_id="tj-0001-v1")
    assert message.status == "processed" and message.endpoint == PUSH_ENDPOINT


def test_the_same_report_twice_is_one_report(client, world):
    assert push(client, world, payload(world), "v1").status_code == 200
    again = push(client, world, payload(world), "v2")  # the sender's system resends under a new id
    assert again.status_code == 200
    result = again.json()["result"]
    assert result["report_action"] == "unchanged" and result["hazard"]["action"] == "unchanged"
    assert InspectionReport.objects.filter(report_no="GXTJ-2026-0001").count() == 1
    assert MajorHazard.objects.count() == 1
    # the very same message (same id) again: the first outcome, nothing applied
    before = InboundMessage.objects.count()
    duplicate = push(client, world, payload(world), "v1")
    assert duplicate.status_code == 200 and duplicate["X-ZW-Duplicate"] == "1"
    assert InboundMessage.objects.count() == before and MajorHazard.objects.count() == 1


def test_report_alone_then_corrected_then_its_hazard(client, world):
    body = payload(world)
    hazard = body.pop("hazard")
    assert push(client, world, body, "r1").json()["result"]["hazard"] is None
    corrected = {**body, "problems": "限速器动作速度超出规定范围"}
    response = push(client, world, corrected, "r2")
    assert response.status_code == 200 and response.json()["result"]["report_action"] == "updated"
    report = InspectionReport.objects.get()
    assert report.problems == "限速器动作速度超出规定范围"
    assert history_for(report).filter(action="update", actor=world.api.user).exists()
    response = push(client, world, {**corrected, "hazard": hazard}, "r3")
    assert response.json()["result"]["report_action"] == "unchanged"
    assert response.json()["result"]["hazard"]["action"] == "created"
    # once a hazard hangs on it, the report cannot change any more: 422, nothing applied
    response = push(client, world, {**corrected, "problems": "改了", "hazard": hazard}, "r4")
    assert response.status_code == 422 and response.json()["status"] == "failed"
    assert response.json()["errors"]["report_no"] == [f"该报告已上报重大事故隐患（{MajorHazard.objects.get().no}），不能再修改"]
    assert InspectionReport.objects.get().problems == "限速器动作速度超出规定范围"


def test_hazard_is_updated_while_reported_and_refused_once_dispatched(client, world):
    push(client, world, payload(world), "h1")
    body = payload(world)
    body["hazard"] = {**body["hazard"], "deadline": str(days(20)), "items": [{"judgement_code": "DT-01"}]}
    response = push(client, world, body, "h2")
    assert response.json()["result"]["hazard"]["action"] == "updated"
    hazard = MajorHazard.objects.get()
    assert hazard.deadline == days(20) and hazard.items.count() == 1
    world.dispatch(hazard)
    body["hazard"]["requirement"] = "派单后改要求"
    response = push(client, world, body, "h3")
    assert response.status_code == 422
    assert "已派单督办（当前状态：待整改）" in response.json()["errors"]["hazard"][0]
    hazard.refresh_from_db()
    assert hazard.requirement == "停梯整改" and MajorHazard.objects.count() == 1  # as dispatched


@pytest.mark.parametrize("change, field, message", [
    ({"equipment_code": "NO-SUCH-CODE"}, "equipment_code", "设备代码“NO-SUCH-CODE”不存在，请核对设备铭牌或使用登记证上的设备代码"),
    ({"hazard.items": [{"judgement_code": "XX-99"}]}, "hazard.items", "第1项：判定项“XX-99”不存在或已停用"),
    ({"hazard.items": [{"judgement_code": "DT-01"}, {"judgement_code": "GL-01"}]}, "hazard.items",
     "第2项：判定项GL-01不适用于该设备种类（电梯）"),
    ({"hazard.items": []}, "hazard.items", "请至少登记一项隐患明细"),
    ({"hazard.deadline": str(days(-1))}, "hazard.deadline", "整改期限必须晚于今天"),
    ({"hazard.deadline": str(days(0))}, "hazard.deadline", "整改期限必须晚于今天"),
    ({"hazard.requirement": ""}, "hazard.requirement", "请填写整改要求"),
    ({"inspected_on": str(days(1))}, "inspected_on", "检验日期不能晚于今天"),
    ({"problems": ""}, "problems", "检验结论为不符合要求或不合格时，须填写主要问题"),
    ({"conclusion": "so-so"}, "conclusion", "不是合法选项"),
])
def test_bad_payload_is_rejected_with_chinese_field_errors_and_nothing_stored(client, world, change, field, message):
    body = payload(world)
    for key, value in change.items():
        if key.startswith("hazard."):
            body["hazard"][key.split(".", 1)[1]] = value
        else:
            body[key] = value
    response = push(client, world, body, "bad-1")
    assert response.status_code == 400, response.json()
    data = response.json()
    assert data["status"] == "rejected" and data["detail"] == "报文数据校验未通过"
    assert field in data["errors"] and message in " ".join(data["errors"][field]), data["errors"]
    assert not InspectionReport.objects.exists() and not MajorHazard.objects.exists()
    assert InboundMessage.objects.get(message_id="bad-1").status == "rejected"


def test_report_number_of_another_institution_is_refused(client, world):
    make_report(world.equipment, make_institution(), no="GXTJ-2026-0001")
    response = push(client, world, payload(world), "other-1")
    assert response.status_code == 400
    assert response.json()["errors"]["report_no"] == ["报告编号“GXTJ-2026-0001”已被其他机构的检验报告使用"]
    assert not MajorHazard.objects.exists()


# -- signatures --------------------------------------------------------------------------------------------
def test_bad_signature_replayed_nonce_and_stale_timestamp_are_refused(client, world):
    body = json.dumps(payload(world), ensure_ascii=False).encode()
    forged = push(client, world, body, "sig-1", sign_body=body.replace(b"DT-02", b"DT-03"))
    assert forged.status_code == 401 and forged.json()["code"] == "bad_signature"
    wrong_secret = push(client, world, body, "sig-1", secret="not-the-secret")
    assert wrong_secret.status_code == 401 and wrong_secret.json()["detail"] == "签名错误"
    stale = push(client, world, body, "sig-1", now=time.time() - 305)
    assert stale.status_code == 401 and stale.json() == {"detail": "请求已过期", "code": "stale"}
    assert not InboundMessage.objects.exists() and not InspectionReport.objects.exists()

    headers = sign_request("POST", PUSH, "", body, world.api.key_id, world.secret, world.api.algorithm)
    headers["X-ZW-Message-Id"] = "sig-2"
    first = client.post(PUSH, data=body, content_type="application/json", headers=headers)
    assert first.status_code == 200
    replay = client.post(PUSH, data=body, content_type="application/json", headers=headers)
    assert replay.status_code == 401 and replay.json()["code"] == "replay"
    assert InspectionReport.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_service_user_without_the_permission_gets_403(client, world):
    reports_only = make_role(["se_equipment.view_inspectionreport", "se_equipment.add_inspectionreport"],
                             data_scope=Role.DataScope.ORGANISATION)
    api, secret = interfaces.create_client(name="只读系统", organisation=world.institution, roles=[reports_only])
    response = push(client, world, payload(world), "perm-1", api=api, secret=secret)
    assert response.status_code == 403 and response.json()["detail"] == "接入账号没有调用该接口的权限"
    # an enterprise's system holding the role is no inspection agency
    unit_api, unit_secret = interfaces.create_client(name="企业系统", organisation=world.unit,
                                                     roles=[Role.objects.get(code="se_institution")])
    response = push(client, world, payload(world), "perm-2", api=unit_api, secret=unit_secret)
    assert response.status_code == 403
    assert response.json()["detail"] == "仅技术机构（检验检测机构）的接入客户端可以推送检验报告"
    assert not InspectionReport.objects.exists() and not MajorHazard.objects.exists()


def test_whoami_lists_the_endpoint_for_the_institution_client(client, world):
    response = call(client, world.api, world.secret, "GET", "/api/interfaces/whoami/")
    assert response.status_code == 200 and PUSH_ENDPOINT in response.json()["inbound_endpoints"]


def test_nested_errors_are_flattened_to_dotted_fields():
    detail = {"report_no": ["x"], "hazard": {"deadline": ["d"], "items": [{}, {"judgement_code": ["c"]}]},
              "list": ["a", {"b": ["e"]}]}
    assert _flatten_errors(detail) == {"report_no": ["x"], "hazard.deadline": ["d"],
                                       "hazard.items.1.judgement_code": ["c"], "list": ["a"], "list.1.b": ["e"]}


# -- the simulator -------------------------------------------------------------------------------------------
def test_simulator_dry_run_prints_a_signed_request(world):
    out = StringIO()
    call_command("se_push_demo", key=world.api.key_id, secret=world.secret, equipment=world.equipment.code,
                 report_no="DEMO-1", dry_run=True, stdout=out)
    text = out.getvalue()
    assert f"POST http://127.0.0.1:8000{PUSH}" in text and f"X-ZW-Key: {world.api.key_id}" in text
    assert '"report_no":"DEMO-1"' in text and '"judgement_code":"DT-01"' in text
    assert not InspectionReport.objects.exists()
    with pytest.raises(CommandError, match="请提供 --key 和 --secret"):
        call_command("se_push_demo", key="", secret="", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_simulator_pushes_to_a_running_server_and_the_second_push_changes_nothing(live):
    world = World()
    out = StringIO()
    call_command("se_push_demo", url=live.url, create_client=True, institution=world.institution.pk,
                 equipment=world.equipment.code, report_no="DEMO-LIVE-1", again=True, stdout=out)
    text = out.getvalue()
    assert "已为“" in text and "X-ZW-Key: zw" in text
    assert text.count("→ HTTP 200") == 2 and '"report_action": "created"' in text and '"report_action": "unchanged"' in text
    report = InspectionReport.objects.get(report_no="DEMO-LIVE-1")
    hazard = MajorHazard.objects.get(report=report)
    assert hazard.reporter_org == world.institution and hazard.items.count() == 2
    assert InboundMessage.objects.filter(status="processed").count() == 2
