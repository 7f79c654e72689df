import django_filters
from django.contrib.contenttypes.models import ContentType

from kernel.ui.filters import StyledFilterSet, date_range
from kernel.ui.generic import ScopedListView
from kernel.ui.tables import Column

from .models import ChangeLog, OperationLog

BREAD = [("系统管理", None)]


def _audited_types():
    from django.apps import apps

    ids = [ContentType.objects.get_for_model(m, for_concrete_model=False).pk
           for m in apps.get_models() if getattr(m, "audit_enabled", False)]
    return ContentType.objects.filter(pk__in=ids).order_by("app_label", "model")


class ChangeLogFilter(StyledFilterSet):
    actor_name = django_filters.CharFilter(label="操作人", lookup_expr="icontains")
    action = django_filters.ChoiceFilter(label="操作", choices=ChangeLog.Action.choices, empty_label="全部")
    content_type = django_filters.ModelChoiceFilter(label="对象类型", queryset=ContentType.objects.none(), empty_label="全部")
    object_id = django_filters.CharFilter(label="对象编号")
    object_repr = django_filters.CharFilter(label="对象名称", lookup_expr="icontains")
    date_from, date_to = date_range("time")
    request_id = django_filters.CharFilter(label="请求编号")

    class Meta:
        model = ChangeLog
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.form.fields["content_type"]
        field.queryset = _audited_types()
        field.label_from_instance = lambda ct: ct.model_class()._meta.verbose_name if ct.model_class() else ct.model


class OperationLogFilter(StyledFilterSet):
    username = django_filters.CharFilter(label="登录名", lookup_expr="icontains")
    action = django_filters.ChoiceFilter(label="操作", choices=OperationLog.Action.choices, empty_label="全部")
    success = django_filters.BooleanFilter(label="结果")
    ip = django_filters.CharFilter(label="IP地址")
    date_from, date_to = date_range("time")

    class Meta:
        model = OperationLog
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["success"].widget.choices = [("", "全部"), ("true", "成功"), ("false", "失败")]



class ChangeLogListView(ScopedListView):
    model = ChangeLog
    title = "数据变更日志"
    list_key = "changelog"
    permission_required = "audit.view_changelog"
    export_permission = "audit.export_changelog"
    filterset_class = ChangeLogFilter
    select_related = ("content_type",)
    default_ordering = "-time"
    breadcrumbs = BREAD
    columns = [
        Column("time", "时间", width=20),
        Column("actor_name", "操作人"),
        Column("action", "操作", choices=True),
        Column("content_type", "对象类型", accessor="content_type.name", sortable=False),
        Column("object_id", "对象编号"),
        Column("object_repr", "对象", width=30),
        Column("changed_fields", "变更字段", accessor="changed_fields", sortable=False, fmt=lambda v: "、".join(v), width=30),
        Column("ip", "IP地址"),
        Column("request_id", "请求编号", default=False),
        Column("before", "变更前", sortable=False, default=False, fmt=str, width=50),
        Column("after", "变更后", sortable=False, default=False, fmt=str, width=50),
    ]


class OperationLogListView(ScopedListView):
    model = OperationLog
    title = "登录与操作日志"
    list_key = "oplog"
    permission_required = "audit.view_operationlog"
    export_permission = "audit.export_operationlog"
    filterset_class = OperationLogFilter
    default_ordering = "-time"
    breadcrumbs = BREAD
    columns = [
        Column("time", "时间", width=20),
        Column("username", "登录名"),
        Column("action", "操作", choices=True),
        Column("success", "成功"),
        Column("entrance", "入口"),
        Column("ip", "IP地址"),
        Column("detail", "详情", sortable=False, fmt=lambda d: "；".join(f"{k}={v}" for k, v in d.items()), width=40),
        Column("user_agent", "客户端", sortable=False, default=False, width=40),
    ]
