"""Excel import of resources (/gov/exports/import/ops_monitoring_resources/): the node's resources entered in
bulk, validated whole (row-numbered Chinese errors) and saved all or nothing; matched by 资源编号 in update mode.
A sub-resource names its parent by number; the parent must already exist (import parents first)."""
from django.core.exceptions import ValidationError

from kernel.exports.importing import ImportColumn, ImportSpec
from kernel.exports.registry import register_import

from . import services
from .models import CATEGORY_CHOICES, Resource

KEY = "ops_monitoring_resources"


def _defaults(user):
    node = services.node_for(user)
    return {"node": node, "source": Resource.Source.IMPORTED} if node else {"source": Resource.Source.IMPORTED}


def _validate(values, instance, user):
    if instance is None or not instance.node_id:
        raise ValidationError("您所在单位没有运维节点，不能导入资源")


def _save(values, instance, user):
    return services.save_resource(instance, user)


def _parents(user):
    return Resource.objects.visible_to(user).filter(parent__isnull=True)


SPEC = ImportSpec(
    title="监控资源",
    model=Resource,
    key="number",
    updatable=lambda user: Resource.objects.visible_to(user),
    defaults=_defaults,
    validate_row=_validate,
    save_row=_save,
    notes=["7. 资源类别为：网络设备、防火墙、负载均衡、数据库、中间件、业务系统；子资源（如路由器端口、业务系统的某个"
           "功能入口）填写上级资源编号，类别须与上级资源一致，上级资源须已存在（请先导入上级资源）。"],
    columns=[
        ImportColumn("资源编号", "number", required=True, unique=True, max_length=40, example="XN-FW-01"),
        ImportColumn("资源类别", "category", "choice", required=True, choices=CATEGORY_CHOICES, example="防火墙"),
        ImportColumn("资源名称", "name", required=True, max_length=100, example="互联网出口防火墙"),
        ImportColumn("上级资源编号", "parent", "fk", fk_model=Resource, fk_field="number", fk_queryset=_parents,
                     help="子资源填写，留空为资源"),
        ImportColumn("资源IP", "ip", example="10.45.1.1"),
        ImportColumn("资源型号", "model_no", example="USG6550E"),
        ImportColumn("资源品牌", "brand", example="华为"),
        ImportColumn("资源URL", "url", example="https://10.45.1.1/"),
        ImportColumn("资源管理IP", "mgmt_ip", example="10.45.0.1"),
        ImportColumn("资源管理端口", "mgmt_port", "int", min_value=1, max_value=65535, example="443"),
        ImportColumn("资产编号", "asset_no", example="ZC-2024-0012"),
        ImportColumn("资源描述", "description", max_length=1000, width=30),
    ],
)


def register():
    register_import(KEY, SPEC, "ops_monitoring.add_resource", update_permission="ops_monitoring.change_resource",
                    back=("监控资源", "gov:ops_monitoring_resources"))
