"""Inbound messages: stored before processing, validated, applied once, reprocessable."""
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework import serializers

from kernel.accounts.models import Role
from kernel.audit.models import ChangeLog, OperationLog
from kernel.core.testing import make_enterprise
from kernel.interfaces import services
from kernel.interfaces.models import InboundMessage
from kernel.interfaces.registry import register_inbound, unregister_inbound
from kernel.org.demo import make_uscc
from kernel.org.models import Organisation, Region

from .helpers import call, make_client

PUSH = "/api/inbound/org.enterprise_upsert/"


def enterprise(serial, region_code="450103", **over):
    uscc_region = region_code[:6] if region_code.isdigit() else "450103"
    return {"name": f"广西接口测试{serial}有限公司", "uscc": make_uscc("91", uscc_region, 700_000 + serial),
            "region_code": region_code, "industry": "E", "legal_representative": "李四",
            "address": "南宁市青秀区民族大道100号", **over}


def push(django_client, api_client, secret, body, message_id, path=PUSH):
    return call(django_client, api_client, secret, "POST", path, body=body, headers={"X-ZW-Message-Id": message_id})


@pytest.fixture
def agency():
    return make_client()


def counts():
    return Organisation.all_objects.count(), ChangeLog.objects.filter(content_type__model="organisation").count()


@pytest.mark.django_db
class TestEnterpriseUpsert:
    def test_creates_then_updates_then_reports_unchanged(self, client, agency):
        api_client, secret = agency
        body = enterprise(1)
        response = push(client, api_client, secret, body, "ent-1-v1")
        assert response.status_code == 200, response.content
        data = response.json()
        org = Organisation.objects.get(uscc=body["uscc"])
        assert data["status"] == "processed" and data["result"] == {
            "organisation_id": org.pk, "uscc": body["uscc"], "name": body["name"], "action": "created"}
        assert (org.kind, org.region.code, org.industry, org.legal_representative, org.address) == (
            "enterprise", "450103", "E", "李四", "南宁市青秀区民族大道100号")
        assert org.created_by == api_client.user

        message = InboundMessage.objects.get(message_id="ent-1-v1")
        assert message.client == api_client and message.endpoint == "org.enterprise_upsert"
        assert json.loads(message.body) == body and message.status == "processed" and message.attempts == 1
        assert message.headers["X-ZW-Message-Id"] == "ent-1-v1" and message.headers["X-ZW-Key"] == api_client.key_id
        assert message.remote_ip == "127.0.0.1" and message.response_status == 200 and message.processed_at
        import hashlib

        assert message.content_hash == hashlib.sha256(json.dumps(body, ensure_ascii=False).encode()).hexdigest()

        moved = {**body, "address": "南宁市青秀区东葛路8号", "industry": "建筑业"}  # a label is accepted too
        response = push(client, api_client, secret, moved, "ent-1-v2")
        assert response.json()["result"]["action"] == "updated"
        org.refresh_from_db()
        assert org.address == "南宁市青秀区东葛路8号" and org.industry == "E"
        changes = ChangeLog.objects.filter(content_type__model="organisation", object_id=str(org.pk))
        assert changes.count() == 2 and [f for f in changes.filter(action="update").get().changed_fields
                                      if f != "updated_at"] == ["address"]

        response = push(client, api_client, secret, moved, "ent-1-v3")
        assert response.json()["result"]["action"] == "unchanged" and changes.count() == 2

    def test_same_message_id_is_applied_once_and_returns_the_first_result(self, client, agency):
        api_client, secret = agency
        body = enterprise(2)
        first = push(client, api_client, secret, body, "dup-1")
        before = counts()
        again = push(client, api_client, secret, body, "dup-1")  # a new nonce: a genuine resend
        assert again.status_code == first.status_code == 200
        assert again.json() == first.json() and again["X-ZW-Duplicate"] == "1"
        assert counts() == before
        message = InboundMessage.objects.get()
        assert message.duplicates == 1 and message.attempts == 1

    def test_same_message_id_with_other_content_is_refused_409(self, client, agency):
        api_client, secret = agency
        push(client, api_client, secret, enterprise(3), "reuse-1")
        before = counts()
        response = push(client, api_client, secret, enterprise(3, name="换了内容有限公司"), "reuse-1")
        assert response.status_code == 409
        assert "消息编号“reuse-1”已用于另一报文" in response.json()["detail"]
        assert counts() == before
        conflict = InboundMessage.objects.get(status="rejected")
        assert conflict.message_id == "" and "换了内容有限公司" in conflict.body

    def test_message_ids_are_per_client(self, client, agency):
        api_client, secret = agency
        other, other_secret = make_client(name="另一系统")
        assert push(client, api_client, secret, enterprise(4), "shared-id").status_code == 200
        assert push(client, other, other_secret, enterprise(5), "shared-id").status_code == 200
        assert Organisation.objects.filter(name__in=["广西接口测试4有限公司", "广西接口测试5有限公司"]).count() == 2

    @pytest.mark.parametrize("message_id,detail", [
        ("", "缺少消息编号（X-ZW-Message-Id）"),
        ("含中文的编号", "消息编号（X-ZW-Message-Id）格式错误：应为1至64位字母、数字或 _ . : -"),
    ])
    def test_message_id_is_required(self, client, agency, message_id, detail):
        api_client, secret = agency
        before = counts()
        headers = {"X-ZW-Message-Id": message_id} if message_id else {}
        response = call(client, api_client, secret, "POST", PUSH, body=enterprise(6), headers=headers)
        assert response.status_code == 400 and response.json()["detail"] == detail
        assert counts() == before
        assert InboundMessage.objects.get().status == "rejected"  # kept all the same

    @pytest.mark.parametrize("over,field,message", [
        ({"uscc": "91450103MA5KY1230R"}, "uscc", "统一社会信用代码校验位错误"),
        ({"uscc": "9145"}, "uscc", "统一社会信用代码应为18位，当前为4位"),
        ({"industry": "ZZ"}, "industry", "“ZZ”不是有效的所属行业"),
        ({"region_code": "南宁"}, "region_code", "区划代码应为6至12位数字（GB/T 2260）"),
        ({"name": ""}, "name", "该字段不能为空。"),
    ])
    def test_bad_payload_gets_field_errors_and_changes_nothing(self, client, agency, over, field, message):
        api_client, secret = agency
        before = counts()
        response = push(client, api_client, secret, enterprise(7, **over), "bad-1")
        assert response.status_code == 400, response.content
        data = response.json()
        assert data["status"] == "rejected" and data["detail"] == "报文数据校验未通过"
        assert message in data["errors"][field]
        assert counts() == before
        stored = InboundMessage.objects.get(message_id="bad-1")
        assert stored.status == "rejected" and message in stored.error and stored.body

    def test_missing_field_is_named(self, client, agency):
        api_client, secret = agency
        body = enterprise(8)
        del body["uscc"]
        response = push(client, api_client, secret, body, "bad-2")
        assert response.status_code == 400 and response.json()["errors"] == {"uscc": ["该字段是必填项。"]}

    def test_body_that_is_not_json(self, client, agency):
        api_client, secret = agency
        response = push(client, api_client, secret, b"<xml>not json</xml>", "bad-3")
        assert response.status_code == 400 and response.json()["detail"] == "报文不是有效的JSON"
        assert InboundMessage.objects.get().body == "<xml>not json</xml>"

    def test_nanning_client_cannot_push_into_liuzhou(self, client, agency):
        api_client, secret = agency
        before = counts()
        response = push(client, api_client, secret, enterprise(9, region_code="450202"), "lz-1")
        assert response.status_code == 422
        assert response.json()["errors"] == {"region_code": ["该区划不在您的管辖范围内"]}
        assert counts() == before
        assert InboundMessage.objects.get().status == "failed"

    def test_nanning_client_cannot_update_a_liuzhou_enterprise(self, client, agency):
        api_client, secret = agency
        liuzhou = make_enterprise("450202")
        body = enterprise(10, region_code="450103", uscc=liuzhou.uscc)
        response = push(client, api_client, secret, body, "lz-2")
        assert response.status_code == 422
        assert response.json()["errors"] == {"uscc": ["该企业不在本接入单位的管辖范围内"]}
        liuzhou.refresh_from_db()
        assert liuzhou.region.code == "450202" and liuzhou.name != body["name"]

    def test_only_agency_clients_may_push_enterprises(self, client):
        own = make_enterprise("450103")
        api_client, secret = make_client(org=own)
        response = push(client, api_client, secret, enterprise(11), "ent-client-1")
        assert response.status_code == 403
        assert response.json()["detail"] == "仅政府机关的接入客户端可以推送企业登记信息"
        assert not Organisation.objects.filter(name="广西接口测试11有限公司").exists()

    def test_client_without_the_permission(self, client):
        api_client, secret = make_client(perms=["org.view_organisation"])
        response = push(client, api_client, secret, enterprise(12), "perm-1")
        assert response.status_code == 403 and response.json()["detail"] == "接入账号没有调用该接口的权限"
        # the operator grants the push role; the stored message is then processed
        services.update_client(api_client, roles=[Role.objects.get(code="api_enterprise_push")])
        out = StringIO()
        call_command("reprocess_inbound", "--failed", stdout=out)
        assert "共1条：已处理1条" in out.getvalue()
        assert Organisation.objects.filter(name="广西接口测试12有限公司", created_by=api_client.user).exists()

    def test_unknown_endpoint_is_404(self, client, agency):
        api_client, secret = agency
        response = push(client, api_client, secret, {"a": 1}, "x-1", path="/api/inbound/org.nothing_here/")
        assert response.status_code == 404 and response.json()["detail"] == "接口“org.nothing_here”不存在"


@pytest.fixture
def exploding_endpoint():
    """An endpoint whose handler writes, then breaks (a downstream system down, a bug)."""

    class Payload(serializers.Serializer):
        name = serializers.CharField(label="名称")

    def handler(message, data, user):
        Organisation.objects.create(name=data["name"], kind="enterprise", region=user.region, industry="E",
                                    uscc=make_uscc("91", "450100", 777_001))
        raise RuntimeError("下游系统不可用")

    register_inbound("testing.explode", handler, Payload, "org.add_organisation", label="测试：处理出错")
    yield "/api/inbound/testing.explode/"
    unregister_inbound("testing.explode")


@pytest.mark.django_db
class TestFailuresAndReprocessing:
    def test_message_is_kept_when_the_handler_raises(self, client, agency, exploding_endpoint):
        api_client, secret = agency
        response = push(client, api_client, secret, {"name": "半途失败有限公司"}, "boom-1", path=exploding_endpoint)
        assert response.status_code == 202
        assert response.json()["detail"] == "报文已接收，处理出错，平台将重新处理，请勿重复发送"
        assert "RuntimeError" not in response.content.decode()  # internals stay inside
        message = InboundMessage.objects.get(message_id="boom-1")
        assert message.status == "failed" and json.loads(message.body) == {"name": "半途失败有限公司"}
        assert "RuntimeError: 下游系统不可用" in message.error and "Traceback" in message.error
        assert not Organisation.all_objects.filter(name="半途失败有限公司").exists()  # the handler's write rolled back

    def test_reprocess_command_after_the_cause_is_fixed(self, client, agency):
        api_client, secret = agency
        body = enterprise(20, region_code="450103901")  # a street not yet in the region table
        response = push(client, api_client, secret, body, "town-1")
        assert response.status_code == 422
        assert response.json()["errors"] == {"region_code": ["区划代码“450103901”不存在"]}
        message = InboundMessage.objects.get(message_id="town-1")
        assert message.status == "failed" and message.attempts == 1

        Region.objects.create(code="450103901", name="测试街道", level=4, parent=Region.objects.get(code="450103"))
        out = StringIO()
        call_command("reprocess_inbound", "--id", str(message.pk), stdout=out)
        assert f"#{message.pk} org.enterprise_upsert → 已处理" in out.getvalue()
        message.refresh_from_db()
        assert message.status == "processed" and message.attempts == 2 and message.error == ""
        org = Organisation.objects.get(uscc=body["uscc"])
        assert org.region.code == "450103901" and org.created_by == api_client.user
        assert ChangeLog.objects.get(object_id=str(org.pk), content_type__model="organisation").actor == api_client.user
        log = OperationLog.objects.get(action=services.REPROCESS_ACTION)
        assert log.detail == {"message": message.pk, "endpoint": "org.enterprise_upsert", "before": "failed",
                              "after": "processed"}
        # the sender resending the same message now gets the new outcome, applied once
        again = push(client, api_client, secret, body, "town-1")
        assert again.status_code == 200 and again.json()["result"]["action"] == "created"
        assert Organisation.objects.filter(uscc=body["uscc"]).count() == 1

    def test_reprocess_still_failing_stays_failed(self, client, agency, exploding_endpoint):
        api_client, secret = agency
        push(client, api_client, secret, {"name": "仍然失败有限公司"}, "boom-2", path=exploding_endpoint)
        message = InboundMessage.objects.get()
        outcome = services.reprocess(message)
        assert outcome.status_code == 202 and outcome.message.status == "failed" and outcome.message.attempts == 2

    def test_processed_and_rejected_messages_are_not_reprocessed(self, client, agency):
        api_client, secret = agency
        push(client, api_client, secret, enterprise(21), "done-1")
        push(client, api_client, secret, enterprise(22, uscc="123"), "bad-1")
        for message in InboundMessage.objects.all():
            with pytest.raises(services.InterfaceError, match="不能重新处理"):
                services.reprocess(message)
        out = StringIO()
        call_command("reprocess_inbound", "--id", str(InboundMessage.objects.get(message_id="done-1").pk), stdout=out)
        assert "跳过：报文状态为“已处理”，不能重新处理" in out.getvalue()

    def test_interrupted_message_is_reprocessed_only_when_stale(self, client, agency):
        api_client, secret = agency
        body = json.dumps(enterprise(23), ensure_ascii=False).encode()
        message = services._store(api_client, "org.enterprise_upsert", body=body, message_id="cut-1", headers={},
                                  remote_ip=None, request_id="")
        with pytest.raises(services.InterfaceError, match="已接收"):
            services.reprocess(message)  # may still be running in another request
        InboundMessage.objects.filter(pk=message.pk).update(received_at=timezone.now() - timedelta(minutes=6))
        assert services.reprocess(message).message.status == "processed"

    def test_disabled_client_messages_are_not_reprocessed(self, client, agency, exploding_endpoint):
        api_client, secret = agency
        push(client, api_client, secret, {"name": "停用后有限公司"}, "boom-3", path=exploding_endpoint)
        services.set_enabled(api_client, False)
        with pytest.raises(services.InterfaceError, match="已停用"):
            services.reprocess(InboundMessage.objects.get())

    def test_command_needs_a_selection(self):
        with pytest.raises(CommandError, match="请指定"):
            call_command("reprocess_inbound")
        with pytest.raises(CommandError, match="报文不存在：999999"):
            call_command("reprocess_inbound", "--id", "999999")


@pytest.mark.django_db
def test_the_database_holds_one_message_per_client_and_message_id():
    from django.db import IntegrityError, transaction

    api_client, _ = make_client()
    store = {"body": b"{}", "headers": {}, "remote_ip": None, "request_id": ""}
    services._store(api_client, "org.enterprise_upsert", message_id="same", **store)
    with pytest.raises(IntegrityError), transaction.atomic():
        services._store(api_client, "org.enterprise_upsert", message_id="same", **store)
    services._store(api_client, "org.enterprise_upsert", message_id="", **store)  # rejected ones carry no id
    services._store(api_client, "org.enterprise_upsert", message_id="", **store)
    assert InboundMessage.objects.count() == 3


@pytest.mark.django_db
def test_openapi_schema_describes_the_signature_and_the_push(client):
    from kernel.core.testing import make_staff

    client.force_login(make_staff("450100"))
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["components"]["securitySchemes"]["zwSignature"]["name"] == "X-ZW-Key"
    push_op = schema["paths"]["/api/inbound/{endpoint_name}/"]["post"]
    assert push_op["security"] == [{"zwSignature": []}]
    assert {p["name"] for p in push_op["parameters"]} == {"endpoint_name", "X-ZW-Message-Id"}
    assert set(push_op["responses"]) == {"200", "202", "400", "403", "409", "422"}
