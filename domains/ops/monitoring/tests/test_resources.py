"""Resources of the six types with sub-resources (seed 002 §2.5): entered by hand or by Excel import, validated in
Chinese, audited, scoped to the node's county (a user of another county or city gets 404)."""
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from domains.ops.monitoring import services
from domains.ops.monitoring.models import Node, Resource
from integrations.city_node.envelope import CATEGORIES
from kernel.audit.models import ChangeLog
from kernel.core.testing import make_agency

from .support import resource

pytestmark = pytest.mark.django_db


def test_the_six_resource_types_with_sub_resources(node):
    assert list(CATEGORIES.values()) == ["网络设备", "防火墙", "负载均衡", "数据库", "中间件", "业务系统"]
    for i, code in enumerate(CATEGORIES):
        resource(node, f"R{i}", code, f"资源{i}")
    switch = Resource.objects.get(number="R0")
    port = resource(node, "R0-P1", "network", "GE1/0/1", parent=switch)
    entry = services.save_resource(Resource(node=node, number="R5-F1", name="受理入口", url="http://x.test/a",
                                            parent=Resource.objects.get(number="R5")))
    assert entry.category == "business_system"  # a sub-resource takes its parent's type
    assert set(Resource.objects.filter(parent__isnull=True).values_list("category", flat=True)) == set(CATEGORIES)
    assert list(switch.children.all()) == [port]


def test_bad_resources_get_chinese_field_errors(node):
    db = resource(node, "DB1", "database")
    port = resource(node, "DB1-S", "database", parent=db)
    cases = [
        (dict(number="X1", category="firewall", parent=db), "category", "子资源的类别须与上级资源一致（数据库）"),
        (dict(number="X2", category="database", parent=port), "parent", "子资源不能再作为上级资源（仅支持资源—子资源两级）"),
        (dict(number="坏 编号", category="database"), "number", "只能包含字母、数字、下划线和连字符（2至40位）"),
        (dict(number="DB1", category="database"), "__all__", None),
        (dict(number="X3", category="router"), "category", "值 'router' 不是有效选项。"),
    ]
    for fields, field, message in cases:
        with pytest.raises(ValidationError) as exc:
            services.save_resource(Resource(node=node, name="x", **fields))
        assert field in exc.value.message_dict, fields
        if message:
            assert exc.value.message_dict[field] == [message]
    assert Resource.objects.count() == 2
    other = Node.objects.create(organisation=make_agency("450103", "gov_service"), code="QX01", unit_name="青秀区", responsible_person="a", responsible_contact="13771208009",
        duty_phone="0771-5611111", address="青秀区")
    with pytest.raises(ValidationError) as exc:
        services.save_resource(Resource(node=other, number="Y1", name="y", category="database", parent=db))
    assert exc.value.message_dict["parent"] == ["上级资源须属于同一运维节点"]
    with pytest.raises(ValidationError) as exc:
        services.delete_resource(db)
    assert exc.value.message_dict["parent"] == ["该资源下还有子资源，请先删除子资源"]


def test_resource_form_writes_audit_and_refuses_bad_input(client, node, manager):
    client.force_login(manager)
    response = client.post("/gov/ops/monitoring/resources/new/", {
        "number": "XN-FW-01", "category": "firewall", "name": "互联网出口防火墙", "ip": "10.45.0.1",
        "mgmt_port": "443", "brand": "华为"})
    assert response.status_code == 302
    fw = Resource.objects.get(number="XN-FW-01")
    assert (fw.node, fw.created_by, fw.source) == (node, manager, "manual")
    row = ChangeLog.objects.get(content_type__model="resource", object_id=str(fw.pk), action="create")
    assert row.actor == manager and row.after["name"] == "互联网出口防火墙"
    response = client.post("/gov/ops/monitoring/resources/new/", {
        "number": "XN-FW-02", "category": "firewall", "name": "备用", "ip": "10.45.0.999", "mgmt_port": "70000"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "输入一个有效的 IPv4 或 IPv6 地址。" in page and "确保该值小于或等于65535" in page
    assert not Resource.objects.filter(number="XN-FW-02").exists()
    response = client.post(f"/gov/ops/monitoring/resources/{fw.pk}/edit/", {
        "number": "XN-FW-01", "category": "firewall", "name": "出口防火墙", "ip": "10.45.0.1"})
    assert response.status_code == 302
    assert ChangeLog.objects.filter(content_type__model="resource", object_id=str(fw.pk), action="update").get().after["name"] == "出口防火墙"


def test_resources_are_scoped_to_the_county(client, node, other_county_user, other_city_user, city_user):
    fw = resource(node, "XN-FW-01", "firewall", "互联网出口防火墙")
    for user in (other_county_user, other_city_user):
        client.force_login(user)
        assert client.get(f"/gov/ops/monitoring/resources/{fw.pk}/").status_code == 404
        assert client.get(f"/gov/ops/monitoring/resources/{fw.pk}/edit/").status_code == 404
        assert client.post(f"/gov/ops/monitoring/resources/{fw.pk}/delete/").status_code == 404
        assert "XN-FW-01" not in client.get("/gov/ops/monitoring/resources/").content.decode()
    client.force_login(city_user)  # Nanning, the parent of 兴宁区
    assert "互联网出口防火墙" in client.get(f"/gov/ops/monitoring/resources/{fw.pk}/").content.decode()
    assert Resource.objects.get(pk=fw.pk).is_deleted is False


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["资源编号", "资源类别", "资源名称", "上级资源编号", "资源IP", "资源型号", "资源品牌", "资源URL", "资源管理IP",
               "资源管理端口", "资产编号", "资源描述"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "resources.xlsx"
    return out


def test_excel_import_all_or_nothing(client, node, manager):
    from domains.ops.monitoring.imports import SPEC
    from kernel.exports.importing import run_import

    resource(node, "XN-NET-01", "network", "核心交换机")
    bad = run_import(SPEC, _xlsx([["XN-LB-01", "负载均衡", "负载均衡", None, "10.45.2.10"],
                                  ["XN-NET-01-P1", "防火墙", "端口1", "XN-NET-01"],
                                  ["XN-MW-01", "中间件", "中间件", None, None, None, None, None, None, 70000]]), manager)
    assert not bad.ok
    messages = {(e.row, e.column): e.message for e in bad.errors}
    assert messages[(3, "资源类别")] == "子资源的类别须与上级资源一致（网络设备）"
    assert (4, "资源管理端口") in messages
    assert Resource.objects.count() == 1
    good = run_import(SPEC, _xlsx([["XN-LB-01", "负载均衡", "负载均衡", None, "10.45.2.10"],
                                   ["XN-NET-01-P1", "网络设备", "端口1", "XN-NET-01"]]), manager)
    assert good.ok and good.created == 2
    assert Resource.objects.get(number="XN-NET-01-P1").parent.number == "XN-NET-01"
    assert Resource.objects.get(number="XN-LB-01").source == "imported"
