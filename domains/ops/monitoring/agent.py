"""The collection agents' push interface (自动采集): a machine client of the node's organisation (an ApiClient of
kernel.interfaces, HMAC-SM3 signed, every message logged and reprocessable) pushes resources and samples to
POST /api/inbound/ops_monitoring.agent_push/ :

    {"resources": [{"number": "FW-01", "category": "firewall", "name": "互联网出口防火墙", "ip": "10.1.0.1",
                    "model": "USG6550E", "brand": "华为", "parent_number": "", ...}],
     "samples": [{"resource": "FW-01", "metric": "cpu_percent", "value": 37.5, "at": "2026-05-01T10:00:00+08:00"}]}

Resources are created or updated by number (source 自动采集); samples become performance data and the metrics'
current values. Every field error comes back in Chinese under its path (HTTP 400, the message rejected)."""
from django.utils import timezone
from rest_framework import serializers

from .models import CATEGORY_CHOICES, METRIC_CHOICES, Node, Resource
from .services import check_value, record_samples, save_resource

ENDPOINT = "ops_monitoring.agent_push"
PERMISSION = "ops_monitoring.push_sample"
MAX_ITEMS = 5000


class ResourceIn(serializers.Serializer):
    number = serializers.RegexField(r"^[A-Za-z0-9_-]{2,40}$", label="资源编号", max_length=40,
                                    error_messages={"invalid": "资源编号只能包含字母、数字、下划线和连字符（2至40位）"})
    category = serializers.ChoiceField(label="资源类别", choices=CATEGORY_CHOICES,
                                       error_messages={"invalid_choice": "资源类别“{input}”无效"})
    name = serializers.CharField(label="资源名称", max_length=100)
    parent_number = serializers.CharField(label="上级资源编号", max_length=40, required=False, allow_blank=True)
    ip = serializers.IPAddressField(label="资源IP", required=False, allow_null=True, allow_blank=True)
    model = serializers.CharField(label="资源型号", max_length=100, required=False, allow_blank=True)
    brand = serializers.CharField(label="资源品牌", max_length=60, required=False, allow_blank=True)
    url = serializers.URLField(label="资源URL", required=False, allow_blank=True)
    mgmt_ip = serializers.IPAddressField(label="资源管理IP", required=False, allow_null=True, allow_blank=True)
    mgmt_port = serializers.IntegerField(label="资源管理端口", min_value=1, max_value=65535, required=False,
                                         allow_null=True)
    asset_no = serializers.CharField(label="资产编号", max_length=60, required=False, allow_blank=True)
    description = serializers.CharField(label="资源描述", required=False, allow_blank=True)


class SampleIn(serializers.Serializer):
    resource = serializers.CharField(label="资源编号", max_length=40)
    metric = serializers.ChoiceField(label="指标", choices=METRIC_CHOICES,
                                     error_messages={"invalid_choice": "指标“{input}”无效"})
    value = serializers.FloatField(label="数值")
    at = serializers.DateTimeField(label="采集时间", required=False)

    def validate(self, attrs):
        message = check_value(attrs["metric"], attrs["value"])
        if message:
            raise serializers.ValidationError({"value": [message]})
        if attrs.get("at") and attrs["at"] > timezone.now() + timezone.timedelta(minutes=5):
            raise serializers.ValidationError({"at": ["采集时间不能晚于当前时间"]})
        return attrs


class AgentPush(serializers.Serializer):
    resources = ResourceIn(label="资源", many=True, required=False)
    samples = SampleIn(label="性能数据", many=True, required=False)

    def validate(self, attrs):
        user = self.context.get("user")
        node = Node.objects.filter(organisation_id=getattr(user, "organisation_id", None)).first()
        if node is None:
            raise serializers.ValidationError({"non_field_errors": ["接入客户端所属单位没有运维节点"]})
        resources, samples = attrs.get("resources") or [], attrs.get("samples") or []
        if not resources and not samples:
            raise serializers.ValidationError({"non_field_errors": ["请至少推送一条资源或性能数据"]})
        if len(resources) + len(samples) > MAX_ITEMS:
            raise serializers.ValidationError({"non_field_errors": [f"一次最多推送{MAX_ITEMS}条"]})
        existing = {r.number: r for r in Resource.objects.filter(node=node)}
        pushed = {r["number"]: r for r in resources}
        errors = {}
        for i, r in enumerate(resources):
            parent = r.get("parent_number") or ""
            if parent:
                if parent == r["number"]:
                    errors[f"resources.{i}.parent_number"] = ["上级资源不能是资源本身"]
                    continue
                target = pushed.get(parent) or existing.get(parent)
                if target is None:
                    errors[f"resources.{i}.parent_number"] = [f"上级资源“{parent}”不存在"]
                    continue
                category = target["category"] if isinstance(target, dict) else target.category
                if category != r["category"]:
                    errors[f"resources.{i}.category"] = ["子资源的类别须与上级资源一致"]
        for i, s in enumerate(samples):
            if s["resource"] not in pushed and s["resource"] not in existing:
                errors[f"samples.{i}.resource"] = [f"资源“{s['resource']}”不存在：请先推送该资源"]
        if errors:
            raise serializers.ValidationError(errors)
        attrs["node"] = node
        return attrs


FIELD_MAP = {"model": "model_no"}


def handle(message, data, user) -> dict:
    node = data["node"]
    created = updated = 0
    resources = sorted(data.get("resources") or [], key=lambda r: bool(r.get("parent_number")))  # parents first
    for item in resources:
        resource = Resource.all_objects.filter(node=node, number=item["number"]).first()
        if resource is None:
            resource, created = Resource(node=node, number=item["number"]), created + 1
        else:
            updated += 1
            resource.is_deleted = False
        for name, value in item.items():
            if name in ("number", "parent_number"):
                continue
            setattr(resource, FIELD_MAP.get(name, name), value if value is not None or name in (
                "ip", "mgmt_ip", "mgmt_port") else "")
        for name in ("ip", "mgmt_ip"):
            if getattr(resource, name) == "":
                setattr(resource, name, None)
        parent = item.get("parent_number") or ""
        resource.parent = Resource.objects.get(node=node, number=parent) if parent else None
        resource.source, resource.collected_at = Resource.Source.COLLECTED, timezone.now()
        save_resource(resource)
    batches = {}
    for s in data.get("samples") or []:
        batches.setdefault((s["resource"], s.get("at") or message.received_at), {})[s["metric"]] = s["value"]
    by_number = {r.number: r for r in Resource.objects.filter(node=node, number__in={k[0] for k in batches})}
    count = 0
    for (number, at), values in sorted(batches.items(), key=lambda kv: kv[0][1]):
        count += record_samples(by_number[number], values, at)
    return {"node": node.code, "resources_created": created, "resources_updated": updated, "samples": count}


def register():
    from kernel.interfaces.registry import register_inbound

    register_inbound(ENDPOINT, handle, AgentPush, PERMISSION, label="运维监控采集数据推送")
