"""The demo node: what seed_demo builds for 兴宁区 and that it reports to the simulator."""
import io

import pytest
from django.apps import apps

from domains.ops.monitoring import demo
from domains.ops.monitoring.alerts import THRESHOLD
from domains.ops.monitoring.models import Node, Resource, Summary, WorkOrder
from integrations.city_node.models import ReceivedReport
from kernel.alerts.models import Warning

pytestmark = pytest.mark.django_db


def seed_all():
    out = io.StringIO()
    apps.get_app_config("gs_window").seed_demo(1, out)
    apps.get_app_config("ops_contracts").seed_demo(1, out)
    return demo.seed(1, out)


def test_demo_node_of_xingning_with_six_types_alarms_orders_and_reports():
    summary = seed_all()
    assert summary == "兴宁区运维节点1个（资源10个，协同工单3张，上报2份）"
    assert seed_all() == ""  # idempotent
    node = Node.objects.get()
    assert node.organisation.name == "南宁市兴宁区政务服务中心" and node.organisation.region.code == "450102"
    assert {r.category for r in Resource.objects.filter(parent__isnull=True)} == {
        "network", "firewall", "load_balancer", "database", "middleware", "business_system"}
    assert Resource.objects.filter(parent__isnull=False).count() == 4
    # database connections 460 reach the orange threshold 450; firewall CPU 93% reaches orange 90%
    alarms = {w.subject_repr: (w.level, w.value) for w in Warning.objects.filter(rule__code=THRESHOLD)}
    assert alarms == {"XN-DB-01 政务服务数据库·连接数": ("orange", "460.0"),
                      "XN-FW-01 互联网出口防火墙·CPU使用率": ("orange", "93.0")}
    assert sorted(WorkOrder.objects.values_list("status", flat=True)) == ["evaluated", "new", "processing"]
    assert WorkOrder.objects.get(status="evaluated").star_rating == 5
    assert set(Summary.objects.values_list("period", flat=True)) == {"week", "month", "quarter"}
    assert list(ReceivedReport.objects.filter(accepted=True).order_by("pk").values_list("kind", flat=True)) == [
        "node", "resources"]
