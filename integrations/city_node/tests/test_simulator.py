"""The city-node simulator over the adapter (in-process HTTP): it decrypts and stores a report once, answers a
repeat as a duplicate, refuses a tampered one with its reason, and lists what it received to authorised staff."""
import pytest

from integrations.city_node import simulator, sm
from integrations.city_node.client import CityNodeClient
from integrations.city_node.envelope import seal
from integrations.city_node.models import ReceivedReport
from kernel.core.testing import make_staff

pytestmark = pytest.mark.django_db
PAYLOAD = {"items": [{"node_code": "XN01", "unit_name": "兴宁区政务服务中心", "responsible_person": "蒙兴宁",
                      "responsible_contact": "13771208005", "duty_phone": "0771-5611234", "address": "长堽路",
                      "node_level": "县（区）级", "public_key": "00"}]}


@pytest.fixture
def keys():
    private, public = sm.generate_keypair()
    simulator.register_node("XN01", "兴宁区政务服务中心", public)
    return private, public


def envelope(keys, message_id="m-1"):
    return seal(PAYLOAD, kind="node", node_code="XN01", message_id=message_id, node_private=keys[0],
                node_public=keys[1], city_public=simulator.city_key().public_key)


def test_received_once_then_duplicate(keys):
    client = CityNodeClient()
    assert client.simulated
    env = envelope(keys)
    first = client.report(env)
    assert first.ok and not first.duplicate and first.receipt_no.startswith("CITY")
    stored = ReceivedReport.objects.get(accepted=True)
    assert stored.payload == PAYLOAD and stored.item_count == 1 and stored.kind == "node"
    again = client.report(envelope(keys))  # the same message sealed afresh (a replay)
    assert again.ok and again.duplicate and again.receipt_no == first.receipt_no
    assert ReceivedReport.objects.filter(accepted=True).count() == 1


def test_tampered_report_is_refused_and_logged(keys):
    env = envelope(keys)
    env["ciphertext"] = env["ciphertext"][:20] + ("A" if env["ciphertext"][20] != "A" else "B") + env["ciphertext"][21:]
    answer = CityNodeClient().report(env)
    assert (answer.status, answer.code) == (401, "BAD_SIGNATURE") and not answer.ok and not answer.temporary
    row = ReceivedReport.objects.get()
    assert not row.accepted and row.error_code == "BAD_SIGNATURE" and row.payload == {}


def test_the_received_page_needs_the_permission(client, keys):
    CityNodeClient().report(envelope(keys))
    client.force_login(make_staff("450102", []))
    assert client.get("/integrations/city-node/received/").status_code == 403
    client.force_login(make_staff("450102", ["city_node_sim.view_receivedreport"]))
    page = client.get("/integrations/city-node/received/").content.decode()
    assert "兴宁区政务服务中心" in page and "已接收" in page and "接入节点信息" in page
