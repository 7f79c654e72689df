"""The node's pages render for its people, never show the private key, refuse bad node and threshold input in
Chinese (nothing changed), and show another county's staff nothing of the node."""
import pytest

from domains.ops.monitoring import services
from domains.ops.monitoring.models import AppMonitor, MetricThreshold, Node
from kernel.audit.models import ChangeLog
from kernel.core.testing import make_staff

from .support import resource

pytestmark = pytest.mark.django_db
PAGES = ["", "node/", "resources/", "apps/", "performance/", "thresholds/", "alarms/", "orders/", "reports/",
         "resources/new/", "apps/new/", "orders/new/", "node/edit/", "thresholds/new/"]


def test_every_page_renders_for_the_node_people(client, node, manager):
    db = resource(node, "XN-DB-01", "database", "政务服务数据库")
    services.record_samples(db, {"cpu_percent": 40, "sessions": 200})
    services.summarise()
    AppMonitor.objects.create(node=node, name="一窗综合受理系统", url="http://127.0.0.1:9/")
    client.force_login(manager)
    for page in PAGES:
        response = client.get("/gov/ops/monitoring/" + page)
        assert response.status_code == 200, page
    overview = client.get("/gov/ops/monitoring/").content.decode()
    assert "XN-DB-01" in overview and "节点拓扑" in overview
    perf = client.get(f"/gov/ops/monitoring/performance/?resource={db.pk}").content.decode()
    assert "按周汇总" in perf and "按季度汇总" in perf and "连接数" in perf
    node_page = client.get("/gov/ops/monitoring/node/").content.decode()
    assert node.public_key in node_page and "已加密保存（SM4-GCM），不显示" in node_page
    assert node.private_key() not in node_page and node.private_key_encrypted not in node_page


def test_node_edit_refuses_bad_input_in_chinese_and_audits(client, node, manager):
    client.force_login(manager)
    data = {"code": node.code, "unit_name": node.unit_name, "responsible_person": "蒙兴宁",
            "responsible_contact": "13771208005", "duty_phone": "0771-5611234", "address": node.address, "level": "county",
            "city_url": "", "city_public_key": node.city_public_key, "sample_interval": "300", "retention_days": "7",
            "slow_ms": "1000", "report_interval": "60"}
    bad = dict(data, duty_phone="110", retention_days="3", city_public_key="04abcd", sample_interval="5")
    response = client.post("/gov/ops/monitoring/node/edit/", bad)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["duty_phone"] == ["请填写手机号（11位）或座机号（如 0771-5611234）"]
    assert form.errors["retention_days"] == ["确保该值大于或等于7。"]
    assert form.errors["sample_interval"] == ["确保该值大于或等于10。"]
    assert form.errors["city_public_key"] == ["SM2公钥应为128位十六进制（x‖y，不含04前缀）且在SM2曲线上"]
    assert Node.objects.get().duty_phone == "0771-5611234"
    response = client.post("/gov/ops/monitoring/node/edit/", dict(data, sample_interval="60", retention_days="14"))
    assert response.status_code == 302
    node.refresh_from_db()
    assert (node.sample_interval, node.retention_days) == (60, 14)
    change = ChangeLog.objects.filter(content_type__model="node", object_id=str(node.pk), action="update").latest("id")
    assert set(change.changed_fields) == {"sample_interval", "retention_days"} and change.actor == manager


def test_keys_can_be_regenerated_and_the_simulator_joined(client, node, manager):
    old = node.public_key
    client.force_login(manager)
    client.post("/gov/ops/monitoring/node/keys/")
    node.refresh_from_db()
    assert node.public_key != old
    client.post("/gov/ops/monitoring/node/keys/", {"action": "connect"})
    from integrations.city_node.models import SimNode

    assert SimNode.objects.get(code=node.code).public_key == node.public_key
    assert services.report(node, "node", manager).status == "sent"


def test_threshold_form_refuses_bad_values(client, node, manager):
    client.force_login(manager)
    response = client.post("/gov/ops/monitoring/thresholds/new/", {"category": "firewall", "metric": "cpu_percent",
                                                                   "yellow": "90", "orange": "80", "enabled": "on"})
    assert response.status_code == 400
    assert response.context["form"].errors["orange"] == ["橙色告警阈值不能低于黄色告警阈值"]
    assert not MetricThreshold.objects.filter(category="firewall").exists()
    response = client.post("/gov/ops/monitoring/thresholds/new/", {"category": "firewall", "metric": "cpu_percent",
                                                                   "yellow": "70", "red": "90", "enabled": "on"})
    assert response.status_code == 302
    own = MetricThreshold.objects.get(category="firewall")
    assert own.red == 90 and own.node == node  # the manager's node's own threshold, not the platform's
    default = MetricThreshold.objects.get(node=None, category="", metric="cpu_percent")
    assert client.get(f"/gov/ops/monitoring/thresholds/{default.pk}/").status_code == 404  # defaults: the admin's
    response = client.post("/gov/ops/monitoring/thresholds/new/", {"category": "firewall", "metric": "cpu_percent",
                                                                   "yellow": "60", "enabled": "on"})
    assert response.status_code == 400 and "该资源类别的此项指标已设置阈值" in response.content.decode()


def test_another_nodes_manager_cannot_see_or_edit_this_nodes_thresholds(client, node, manager):
    from .support import make_node

    other = make_node(region="450103", code="QX450103YW01")
    theirs = MetricThreshold.objects.create(node=other, category="firewall", metric="cpu_percent", yellow=10)
    client.force_login(manager)
    assert client.get(f"/gov/ops/monitoring/thresholds/{theirs.pk}/").status_code == 404
    assert "QX" not in client.get("/gov/ops/monitoring/thresholds/").content.decode()
    assert client.post(f"/gov/ops/monitoring/thresholds/{theirs.pk}/", {"category": "firewall", "metric": "cpu_percent",
                                                                        "yellow": "99"}).status_code == 404
    assert MetricThreshold.objects.get(pk=theirs.pk).yellow == 10


def test_other_counties_see_nothing_and_the_unpermitted_are_refused(client, node, other_county_user):
    resource(node, "XN-DB-01", "database", "政务服务数据库")
    client.force_login(other_county_user)
    overview = client.get("/gov/ops/monitoring/").content.decode()
    assert "XN-DB-01" not in overview and "尚未设立运维节点" in overview
    assert "XN450102YW01" not in client.get("/gov/ops/monitoring/node/").content.decode()
    assert client.post("/gov/ops/monitoring/reports/", {"kind": "node"}).status_code == 404
    client.force_login(make_staff("450102", []))
    for page in ("", "node/", "resources/", "apps/", "orders/", "reports/"):
        assert client.get("/gov/ops/monitoring/" + page).status_code == 403
