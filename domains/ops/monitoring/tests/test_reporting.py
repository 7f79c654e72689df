"""Upward reporting to the city node (seed 002 §2.5): each of the six kinds of information is sealed with SM2 under
the city's public key, decrypted and checked at the simulator and stored there; every message is logged; a
connection failure is retried with back-off; a refusal waits for a person; a replay keeps the message id."""
import base64
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from domains.ops.monitoring import services
from domains.ops.monitoring.models import UpwardReport, WorkOrder
from integrations.city_node import sm
from integrations.city_node.client import CityNodeClient, CityNodeError
from integrations.city_node.models import ReceivedReport, SimNode
from kernel.audit.models import OperationLog

from .support import resource

pytestmark = pytest.mark.django_db


def test_the_six_kinds_reach_the_city_decrypted(node, manager):
    db = resource(node, "XN-DB-01", "database", "政务服务数据库", ip="10.45.3.20", brand="PostgreSQL")
    resource(node, "XN-DB-01-S1", "database", "业务库实例", parent=db)
    services.record_samples(db, {"sessions": 120, "cpu_percent": 30})
    order = services.create_work_order(WorkOrder(
        node=node, subject="链路中断", content="上联中断", initiating_unit="兴宁区", business_type="fault",
        receiving_unit="市运维节点", initiator_contact="蒙", initiator_phone="13771208005"), manager)
    entries = services.report_all(node, manager)
    assert [e.status for e in entries] == ["sent"] * 5
    got = {r.kind: r.payload for r in ReceivedReport.objects.filter(accepted=True)}
    assert got["node"]["items"][0]["node_code"] == "XN450102YW01"
    assert got["node"]["items"][0]["duty_phone"] == "0771-5611234"
    item = got["resources"]["items"][0]
    assert (item["number"], item["category"], item["ip"], item["brand"]) == ("XN-DB-01", "database", "10.45.3.20",
                                                                           "PostgreSQL")
    assert item["sub_resources"] == [{"number": "XN-DB-01-S1", "name": "业务库实例", "ip": "", "url": "",
                                      "description": ""}]
    assert {(p["metric"], p["value"]) for p in got["performance"]["items"]} == {("sessions", 120.0),
                                                                              ("cpu_percent", 30.0)}
    wo = got["work_orders"]["items"][0]
    assert (wo["number"], wo["status"], wo["business_type"]) == (order.number, "待派单", "故障处理")
    assert got["alarms"]["items"] == []
    sent = entries[0]
    assert sent.receipt_no.startswith("CITY") and sent.attempts == 1 and sent.envelope["signature"]
    assert "XN450102YW01" not in sent.envelope["ciphertext"]
    assert OperationLog.objects.filter(action="ops_node_report").count() == 5


def test_a_tampered_report_of_the_node_is_refused_at_the_city(node, manager):
    entry = services.report(node, "node", manager)
    env = dict(entry.envelope)
    raw = bytearray(base64.b64decode(env["ciphertext"]))
    raw[3] ^= 0xFF
    env["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    answer = CityNodeClient().report(env)
    assert (answer.status, answer.code) == (401, "BAD_SIGNATURE")
    assert ReceivedReport.objects.filter(accepted=False, error_code="BAD_SIGNATURE").count() == 1


def test_a_node_the_city_does_not_know_is_refused_and_replayed_after_registration(node, manager):
    SimNode.objects.all().delete()
    entry = services.report(node, "node", manager)
    assert entry.status == UpwardReport.Status.REFUSED and entry.response_code == "UNKNOWN_NODE"
    assert entry.next_attempt_at is None and "未在市级节点登记" in entry.response_message
    services.connect_simulator(node, manager)
    again = services.replay(entry, manager)
    assert again.status == "sent" and again.attempts == 2 and again.message_id == entry.message_id
    assert [a["code"] for a in again.attempt_log] == ["UNKNOWN_NODE", "OK"]
    assert OperationLog.objects.filter(action="ops_node_report_replay").count() == 1


def test_connection_failures_are_retried_with_back_off(node, manager, monkeypatch):
    def down(self, envelope):
        raise CityNodeError("无法连接市运维交换监管系统：Connection refused")

    monkeypatch.setattr(CityNodeClient, "report", down)
    now = timezone.now()
    entry = services.report(node, "resources", manager)
    assert entry.status == "failed" and entry.response_code == "CONNECTION"
    first_retry = entry.next_attempt_at
    assert 55 <= (first_retry - timezone.now()).total_seconds() <= 65
    assert services.retry_due(now) == 0  # not yet due
    assert services.retry_due(first_retry) == 1
    entry.refresh_from_db()
    assert entry.attempts == 2 and (entry.next_attempt_at - first_retry).total_seconds() == 300
    monkeypatch.undo()
    assert services.retry_due(entry.next_attempt_at) == 1
    entry.refresh_from_db()
    assert entry.status == "sent" and entry.attempts == 3
    assert ReceivedReport.objects.filter(accepted=True, message_id=entry.message_id).count() == 1


def test_retries_stop_after_the_last_attempt(node, manager, monkeypatch):
    monkeypatch.setattr(CityNodeClient, "report", lambda self, env: (_ for _ in ()).throw(CityNodeError("断开")))
    entry = services.report(node, "node", manager)
    at = timezone.now()
    for _ in range(services.MAX_ATTEMPTS - 1):
        at += datetime.timedelta(hours=4)
        services.retry_due(at)
    entry.refresh_from_db()
    assert entry.attempts == services.MAX_ATTEMPTS and entry.status == "failed" and entry.next_attempt_at is None


def test_a_node_without_keys_cannot_report(node, manager):
    node.city_public_key = ""
    node.save()
    with pytest.raises(ValidationError) as exc:
        services.report(node, "node", manager)
    assert exc.value.message_dict == {"city_public_key": ["尚未配置上级节点SM2公钥"]}
    with pytest.raises(ValidationError) as exc:
        services.report(node, "gossip", manager)
    assert "请选择报文类型" in exc.value.message_dict["kind"][0]
    assert UpwardReport.objects.count() == 0


def test_the_private_key_is_kept_encrypted_and_out_of_the_audit(node):
    from kernel.audit.models import ChangeLog

    private = node.private_key()
    assert sm.public_of(private) == node.public_key
    assert private not in node.private_key_encrypted and node.private_key_encrypted.startswith("sm4gcm$")
    for row in ChangeLog.objects.filter(content_type__model="node", object_id=str(node.pk)):
        assert private not in str(row.__dict__) and node.private_key_encrypted not in str(row.__dict__)


def test_report_pages_now_and_replay(client, node, manager, other_county_user):
    client.force_login(manager)
    response = client.post("/gov/ops/monitoring/reports/", {"kind": "all"}, follow=True)
    assert "已上报5份报文，上级节点已接收" in response.content.decode()
    entry = UpwardReport.objects.filter(kind="node").get()
    detail = client.get(f"/gov/ops/monitoring/reports/{entry.pk}/").content.decode()
    assert entry.message_id in detail and "SM4-GCM" in detail
    response = client.post(f"/gov/ops/monitoring/reports/{entry.pk}/replay/", follow=True)
    assert "已重新上报" in response.content.decode()
    client.force_login(other_county_user)
    assert client.get(f"/gov/ops/monitoring/reports/{entry.pk}/").status_code == 404
    assert client.post(f"/gov/ops/monitoring/reports/{entry.pk}/replay/").status_code == 404
    assert entry.message_id not in client.get("/gov/ops/monitoring/reports/").content.decode()


def test_one_tick_collects_scans_and_sends_the_scheduled_reports(node):
    now = timezone.now()
    result = services.tick(now)
    assert result["collected"] == 1 and result["reported"] == 5 and result["retried"] == 0
    assert set(UpwardReport.objects.values_list("trigger", "status").distinct()) == {("scheduled", "sent")}
    later = services.tick(now + datetime.timedelta(minutes=node.report_interval - 1))
    assert later["reported"] == 0 and later["collected"] == 1  # 300 s sampling interval passed, 60 min reports not
    assert services.tick(now + datetime.timedelta(minutes=node.report_interval + 1))["reported"] == 5
