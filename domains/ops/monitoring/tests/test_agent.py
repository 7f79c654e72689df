"""The collection agent's push (kernel.interfaces inbound endpoint, HMAC-SM3 signed, logged): resources and samples
of the client's own node are stored; a bad payload gets Chinese field errors, is logged as rejected and changes
nothing; a client of a unit without a node or without the permission is refused."""
import pytest

from domains.ops.monitoring.models import MetricState, Resource, Sample
from kernel.accounts.models import Role
from kernel.core.testing import make_agency
from kernel.interfaces import services as interfaces
from kernel.interfaces.client import sign_request
from kernel.interfaces.models import InboundMessage

pytestmark = pytest.mark.django_db
PATH = "/api/inbound/ops_monitoring.agent_push/"


def agent(org, role="ops_agent"):
    return interfaces.create_client(name="兴宁区采集代理", organisation=org, roles=list(Role.objects.filter(code=role)))


def push(client, api, body, message_id):
    import json

    data = json.dumps(body, ensure_ascii=False).encode()
    headers = sign_request("POST", PATH, "", data, api[0].key_id, api[1])
    return client.generic("POST", PATH, data=data, content_type="application/json",
                          headers={**headers, "X-ZW-Message-Id": message_id})


GOOD = {"resources": [{"number": "XN-LB-01", "category": "load_balancer", "name": "应用负载均衡", "ip": "10.45.2.10",
                       "model": "BIG-IP i2800", "brand": "F5", "mgmt_port": 443},
                      {"number": "XN-LB-01-VS1", "category": "load_balancer", "name": "虚拟服务 一窗系统",
                       "parent_number": "XN-LB-01", "ip": "10.45.2.11"}],
        "samples": [{"resource": "XN-LB-01", "metric": "sessions", "value": 130, "at": "2026-05-01T10:00:00+08:00"},
                    {"resource": "XN-LB-01", "metric": "cpu_percent", "value": 22.5,
                     "at": "2026-05-01T10:00:00+08:00"}]}


def test_an_agent_pushes_resources_and_samples(client, node):
    api = agent(node.organisation)
    response = push(client, api, GOOD, "agent-1")
    assert response.status_code == 200, response.content
    assert response.json()["result"] == {"node": "XN450102YW01", "resources_created": 2, "resources_updated": 0,
                                         "samples": 2}
    lb = Resource.objects.get(number="XN-LB-01")
    assert (lb.source, lb.brand, lb.model_no, lb.mgmt_port) == ("collected", "F5", "BIG-IP i2800", 443)
    assert Resource.objects.get(number="XN-LB-01-VS1").parent == lb
    assert MetricState.objects.get(resource=lb, metric="sessions").value == 130
    assert InboundMessage.objects.get(message_id="agent-1").status == "processed"
    again = dict(GOOD, resources=[dict(GOOD["resources"][0], name="负载均衡A")], samples=[])
    assert push(client, api, again, "agent-2").json()["result"]["resources_updated"] == 1


def test_bad_agent_payloads_get_chinese_field_errors_and_change_nothing(client, node):
    api = agent(node.organisation)
    bad = {"resources": [{"number": "坏编号", "category": "router", "name": ""}],
           "samples": [{"resource": "NOPE", "metric": "cpu_percent", "value": 130},
                       {"resource": "NOPE", "metric": "temperature", "value": "hot"}]}
    response = push(client, api, bad, "agent-bad")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["resources.0.number"] == ["资源编号只能包含字母、数字、下划线和连字符（2至40位）"]
    assert errors["resources.0.category"] == ["资源类别“router”无效"]
    assert errors["resources.0.name"] == ["该字段不能为空。"]
    assert errors["samples.0.value"] == ["CPU使用率应在0至100之间"]
    assert errors["samples.1.metric"] == ["指标“temperature”无效"]
    assert errors["samples.1.value"] == ["请填写合法的数字。"]
    unknown = push(client, api, {"samples": [{"resource": "NOPE", "metric": "cpu_percent", "value": 5}]}, "agent-u")
    assert unknown.status_code == 400
    assert unknown.json()["errors"]["samples.0.resource"] == ["资源“NOPE”不存在：请先推送该资源"]
    empty = push(client, api, {}, "agent-e")
    assert empty.json()["errors"]["non_field_errors"] == ["请至少推送一条资源或性能数据"]
    assert Resource.objects.count() == 0 and Sample.objects.count() == 0
    assert InboundMessage.objects.get(message_id="agent-bad").status == "rejected"


def test_agents_without_a_node_or_the_permission_are_refused(client, node):
    lonely = agent(make_agency("450103", "gov_service"))
    response = push(client, lonely, GOOD, "agent-x")
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == ["接入客户端所属单位没有运维节点"]
    stranger = agent(node.organisation, role="agency_staff")
    assert push(client, stranger, GOOD, "agent-y").status_code == 403
    assert Resource.objects.count() == 0
