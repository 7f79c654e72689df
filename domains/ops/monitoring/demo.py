"""Demo O&M node of 兴宁区 (seed 002 §2.5): the node of the organisation of xn_centre (南宁市兴宁区政务服务中心),
run by xn_ops (password Zw@demo2026). Idempotent: nothing is added once the node exists.

- the node with its contacts and an SM2 key pair; joined to the local city-node simulator (its key pair generated
  here) when CITY_NODE_URL is empty;
- resources of the six types, with sub-resources (two ports of the core switch, two function entries of the
  one-window system);
- a week of hourly samples (deterministic), folded into the weekly/monthly/quarterly summaries; the database's
  connection count (460, orange threshold 450) and the firewall's CPU (93%, orange threshold 90) raise alarms;
- two application monitors (the platform's own pages on 127.0.0.1:8000, as `make run` serves them);
- three collaborative work orders: evaluated (5 stars), in progress, new;
- the node information and the resources reported to the city node."""
import datetime
import math

from django.db import transaction
from django.utils import timezone

from integrations.city_node.conf import simulated
from kernel.accounts.models import User
from kernel.core import context

from . import services
from .models import AppMonitor, Node, Resource, WorkOrder

NODE = {"code": "XN450102YW01", "responsible_person": "蒙兴宁", "responsible_contact": "13771208005",
        "duty_phone": "0771-5611234", "level": Node.Level.COUNTY}
# number, category, name, ip, model, brand, url, parent number
RESOURCES = [
    ("XN-NET-01", "network", "政务外网核心交换机", "10.45.1.1", "S7706", "华为", "", ""),
    ("XN-NET-01-P01", "network", "GE1/0/1 上联市政务外网", "10.45.1.1", "", "", "", "XN-NET-01"),
    ("XN-NET-01-P02", "network", "GE1/0/2 下联政务服务大厅", "10.45.1.1", "", "", "", "XN-NET-01"),
    ("XN-FW-01", "firewall", "互联网出口防火墙", "10.45.0.1", "USG6550E", "华为", "https://10.45.0.1/", ""),
    ("XN-LB-01", "load_balancer", "应用负载均衡", "10.45.2.10", "BIG-IP i2800", "F5", "https://10.45.2.10/", ""),
    ("XN-DB-01", "database", "政务服务数据库", "10.45.3.20", "PostgreSQL 15", "PostgreSQL", "", ""),
    ("XN-MW-01", "middleware", "缓存与消息中间件", "10.45.3.30", "Redis 7", "Redis", "", ""),
    ("XN-BS-01", "business_system", "一窗综合受理系统", "10.45.4.10", "V3.2", "自建", "http://127.0.0.1:8000/gov/", ""),
    ("XN-BS-01-F01", "business_system", "受理登记入口", "10.45.4.10", "", "", "http://127.0.0.1:8000/gov/gs/cases/",
     "XN-BS-01"),
    ("XN-BS-01-F02", "business_system", "办事指南（公众）", "10.45.4.10", "", "", "http://127.0.0.1:8000/public/",
     "XN-BS-01"),
]
# resource number -> {metric: (base, swing)}; the last hour's value is `last` when given
SERIES = {
    "XN-NET-01-P01": {"port_util_percent": (35, 20)},
    "XN-FW-01": {"cpu_percent": (45, 15), "mem_percent": (52, 6)},
    "XN-LB-01": {"sessions": (120, 60)},
    "XN-DB-01": {"cpu_percent": (30, 12), "disk_percent": (61, 1), "sessions": (210, 90)},
    "XN-MW-01": {"mem_percent": (48, 8)},
}
LAST = {("XN-DB-01", "sessions"): 460, ("XN-FW-01", "cpu_percent"): 93}
APPS = [("一窗综合受理系统", "http://127.0.0.1:8000/gov/login/", "XN-BS-01"),
        ("办事指南（公众服务）", "http://127.0.0.1:8000/public/", "XN-BS-01-F02")]


def seed(scale, out):
    user = User.objects.filter(username="xn_ops").select_related("organisation").first()
    centre = User.objects.filter(username="xn_centre").select_related("organisation").first()
    if user is None or centre is None or centre.organisation is None:
        return ""
    org = centre.organisation
    if Node.all_objects.filter(organisation=org).exists():
        return ""
    with context.bind(context.RequestContext(user=user)), transaction.atomic():
        node = services.save_record(Node(organisation=org, unit_name=org.name, address=org.address or "南宁市兴宁区",
                                       **NODE), user)
        services.generate_keys(node, user)
        if simulated():
            services.connect_simulator(node, user)
        made = {}
        for number, category, name, ip, model, brand, url, parent in RESOURCES:
            made[number] = services.save_resource(Resource(
                node=node, number=number, category=category, name=name, ip=ip, model_no=model, brand=brand, url=url,
                parent=made.get(parent), asset_no=f"ZC-XN-{len(made) + 1:04d}" if not parent else ""), user)
        _samples(made)
        services.summarise()
        for name, url, number in APPS:
            AppMonitor.objects.create(node=node, name=name, url=url, resource=made[number])
        orders = _orders(node, user, made)
    services.scan_alarms()
    reported = 0
    if node.city_public_key:
        with context.bind(context.RequestContext(user=user)):
            for kind in ("node", "resources"):
                reported += services.report(node, kind, user).status == "sent"
    return f"兴宁区运维节点1个（资源{len(made)}个，协同工单{orders}张，上报{reported}份）"


def _samples(made):
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for number, metrics in SERIES.items():
        for hour in range(7 * 24, -1, -1):
            at = now - datetime.timedelta(hours=hour)
            values = {}
            for metric, (base, swing) in metrics.items():
                wave = math.sin((at.hour - 9) / 24 * 2 * math.pi) * swing + math.sin(hour * 1.7) * swing * 0.2
                values[metric] = round(max(base + wave, 0), 2)
                if hour == 0 and (number, metric) in LAST:
                    values[metric] = LAST[(number, metric)]
            services.record_samples(made[number], values, at)


def _orders(node, user, made):
    base = {"node": node, "initiating_unit": node.unit_name, "initiator_contact": "蒙兴宁",
            "initiator_phone": "13771208005", "receiving_unit": "南宁市大数据发展局（市运维节点）",
            "receiver_contact": "市运维值班", "receiver_phone": "0771-5500110"}
    first = services.create_work_order(WorkOrder(
        subject="政务外网上联链路中断", content="兴宁区政务服务大厅至市政务外网链路中断约15分钟，一窗系统无法访问市级平台。",
        business_type="fault", om_level="1", resource=made["XN-NET-01-P01"], **base), user)
    services.dispatch(first, user, user, "请市运维节点协同排查上联链路")
    services.accept(first, user)
    services.complete(first, user, "市运维节点更换光模块后链路恢复，已观察30分钟无丢包。")
    services.evaluate(first, user, 5, "响应及时，处理彻底。")
    second = services.create_work_order(WorkOrder(
        subject="数据库连接数持续偏高", content="政务服务数据库连接数接近上限，请协同排查连接池配置。",
        business_type="fault", om_level="2", resource=made["XN-DB-01"], **base), user)
    services.dispatch(second, user, user)
    services.accept(second, user)
    services.create_work_order(WorkOrder(
        subject="防火墙策略变更申请", content="新增一窗系统至市电子证照库的访问策略（TCP 443）。", business_type="change",
        om_level="3", resource=made["XN-FW-01"], **base), user)
    return 3
