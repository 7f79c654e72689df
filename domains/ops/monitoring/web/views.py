"""Pages of the O&M monitoring node (/gov/ops/monitoring/). Every record is looked up through the kernel scope
(visible_to): a user of another county or city sees nothing and gets 404 on a record; writes go through
services.py."""
import datetime
import json
from collections import Counter, defaultdict

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView, View

from integrations.city_node.conf import simulated
from integrations.city_node.envelope import CATEGORIES, KINDS
from kernel.alerts.models import LEVEL_COLOURS, LEVEL_LABELS, Warning
from kernel.audit.services import history_for
from kernel.ui.filters import StyledFilterSet, date_range
from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedFormView, ScopedListView
from kernel.ui.tables import Column
from kernel.workflow.views import panel_context

from .. import services
from ..alerts import APP_STATE, THRESHOLD
from ..models import METRICS, AppMonitor, MetricState, MetricThreshold, Node, Resource, Sample, Summary, UpwardReport, WorkOrder
from .forms import AppMonitorForm, NodeForm, ResourceForm, ThresholdForm, WorkOrderForm, assignee_choices

SECTION = ("运维服务管理", None)
BASE = "/gov/ops/monitoring/"
P = "ops_monitoring."
ALARM_RULES = (THRESHOLD, APP_STATE)


def _messages(exc):
    if hasattr(exc, "message_dict"):
        return "；".join(m for msgs in exc.message_dict.values() for m in msgs)
    return "；".join(exc.messages)


class NodeMixin:
    """The node the page is about: the user's own organisation's, else the first one in their scope."""

    def node(self):
        if not hasattr(self, "_node"):
            self._node = services.node_for(self.request.user)
        return self._node

    def require_node(self):
        node = self.node()
        if node is None:
            raise Http404("您所在单位没有运维节点，或运维节点不在您的管辖范围内")
        return node


class ServiceFormView(NodeMixin, ScopedFormView):
    """A form saved through a service (services.save_record unless the view says otherwise; a refusal goes back
    onto the form, as on every ScopedFormView); then to the node's page `success_path`, if set, else the
    record's own page."""

    success_path = ""

    def save_form(self, form):
        return services.save_record(form.instance, self.request.user)

    def get_success_url(self, obj):
        return BASE + self.success_path if self.success_path else super().get_success_url(obj)



# -- overview ---------------------------------------------------------------------------------------------------

def open_alarm_levels(node):
    """{resource id: worst open alarm level} of a node's resources, and the open alarms of its apps."""
    ranks = {"yellow": 1, "orange": 2, "red": 3}
    open_ = Warning.objects.filter(rule__code__in=ALARM_RULES, organisation_id=node.organisation_id,
                                   status__in=("generated", "approving", "reviewed", "assigned", "handled"))
    by_resource = {}
    state_of = dict(MetricState.objects.filter(resource__node=node).values_list("pk", "resource_id"))
    app_of = dict(AppMonitor.objects.filter(node=node).values_list("pk", "resource_id"))
    for code, subject, level in open_.values_list("rule__code", "subject_id", "level"):
        rid = state_of.get(subject) if code == THRESHOLD else app_of.get(subject)
        if rid and ranks.get(level, 0) > ranks.get(by_resource.get(rid), 0):
            by_resource[rid] = level
    return by_resource, open_


class OverviewView(NodeMixin, EntranceMixin, TemplateView):
    template_name = "ops_monitoring/overview.html"
    permission_required = P + "view_node"
    title = "监控总览"
    breadcrumbs = [SECTION]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node = self.node()
        ctx["node"] = node
        if node is None:
            return ctx
        resources = list(Resource.objects.visible_to(self.request.user).filter(node=node).order_by("number"))
        levels, open_alarms = open_alarm_levels(node)
        tree = {"name": node.unit_name, "itemStyle": {"color": "#1f4e79"}, "children": [],
                "label": {"position": "top", "align": "center", "verticalAlign": "bottom", "fontWeight": "bold"}}
        children = defaultdict(list)
        for r in resources:
            if r.parent_id:
                children[r.parent_id].append(r)

        def leaf(r):
            colour = LEVEL_COLOURS.get(levels.get(r.pk), "#198754")
            return {"name": r.name, "value": r.number, "itemStyle": {"color": colour, "borderColor": colour},
                    "children": [leaf(c) for c in children.get(r.pk, [])]}

        for code, label in CATEGORIES.items():
            tops = [leaf(r) for r in resources if r.category == code and not r.parent_id]
            if tops:
                tree["children"].append({"name": label, "itemStyle": {"color": "#6c757d"}, "children": tops})
        apps = list(AppMonitor.objects.visible_to(self.request.user).filter(node=node))
        ctx.update(
            tree=tree, resources_total=len(resources), top_total=sum(1 for r in resources if not r.parent_id),
            by_category=[(label, sum(1 for r in resources if r.category == code and not r.parent_id))
                         for code, label in CATEGORIES.items()],
            apps=apps, app_counts=dict(Counter(a.last_status for a in apps)),
            alarm_counts=sorted(Counter(open_alarms.values_list("level", flat=True)).items(),
                                  key=lambda kv: {"red": 0, "orange": 1}.get(kv[0], 2)),
            alarms=list(open_alarms.order_by("-first_seen")[:8]), level_labels=LEVEL_LABELS,
            level_colours=LEVEL_COLOURS,
            orders_open=WorkOrder.objects.filter(node=node).exclude(status__in=("evaluated", "cancelled")).count(),
            last_report=UpwardReport.objects.filter(node=node).order_by("-created_at").first(),
        )
        return ctx


# -- node -------------------------------------------------------------------------------------------------------

class NodeView(NodeMixin, EntranceMixin, TemplateView):
    template_name = "ops_monitoring/node.html"
    permission_required = P + "view_node"
    title = "接入节点信息"
    breadcrumbs = [SECTION]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node = self.node()
        user = self.request.user
        ctx.update(node=node, simulated=simulated() and node is not None and not node.city_url,
                   can_edit=user.has_perm(P + "change_node"), can_keys=user.has_perm(P + "manage_keys"),
                   can_report=user.has_perm(P + "report_node"),
                   history=history_for(node)[:30] if node else [])
        return ctx


class NodeEdit(ServiceFormView):
    model = Node
    form_class = NodeForm
    permission_required = P + "change_node"
    breadcrumbs = [SECTION, ("接入节点信息", BASE + "node/")]
    title = "编辑接入节点信息"
    success_path = "node/"

    def get_instance(self):
        node = self.node()
        if node is None:  # the first node of the user's own unit
            org = self.request.user.organisation
            if org is None:
                raise Http404("您没有所属单位")
            node = Node(organisation=org, unit_name=org.name, address=org.address)
        return node



class NodeKeysView(NodeMixin, EntranceMixin, View):
    permission_required = P + "manage_keys"

    def post(self, request):
        node = self.require_node()
        if request.POST.get("action") == "connect":
            if not simulated() or node.city_url:
                raise PermissionDenied("已配置上级节点地址：请线下向上级节点登记本节点公钥")
            services.connect_simulator(node, request.user)
            messages.success(request, "已向本地市级节点模拟器登记本节点公钥，并取得上级节点公钥")
        else:
            services.generate_keys(node, request.user)
            messages.success(request, "已生成新的SM2密钥对；请将新公钥报上级节点登记")
        return redirect(BASE + "node/")


# -- resources --------------------------------------------------------------------------------------------------

class ResourceFilter(StyledFilterSet):
    q = django_filters.CharFilter(label="编号或名称", method="search")
    category = django_filters.ChoiceFilter(label="资源类别", choices=list(CATEGORIES.items()))
    level = django_filters.ChoiceFilter(label="层级", method="by_level",
                                        choices=[("top", "资源"), ("sub", "子资源")])

    class Meta:
        model = Resource
        fields = []

    def search(self, qs, name, value):
        from django.db.models import Q

        return qs.filter(Q(number__icontains=value) | Q(name__icontains=value))

    def by_level(self, qs, name, value):
        return qs.filter(parent__isnull=(value == "top"))


class ResourceList(ScopedListView):
    model = Resource
    title = "监控资源"
    list_key = "ops_monitoring_resources"
    permission_required = P + "view_resource"
    export_permission = P + "view_resource"
    create_url_name = "gov:ops_monitoring_resource_create"
    create_permission = P + "add_resource"
    filterset_class = ResourceFilter
    select_related = ("parent",)
    default_ordering = "number"
    breadcrumbs = [SECTION]
    columns = [
        Column("number", "资源编号", link="gov:ops_monitoring_resource"), Column("name", "资源名称", width=28),
        Column("category", "资源类别", choices=True), Column("parent", "上级资源", accessor="parent.name",
                                                             order_by="parent__number"),
        Column("ip", "资源IP"), Column("brand", "资源品牌"), Column("model_no", "资源型号"),
        Column("url", "资源URL", default=False, width=30), Column("mgmt_ip", "资源管理IP", default=False),
        Column("mgmt_port", "管理端口", default=False), Column("asset_no", "资产编号", default=False),
        Column("source", "来源", choices=True), Column("collected_at", "最近采集时间", default=False),
    ]


class ResourceDetail(ScopedDetailView):
    model = Resource
    template_name = "ops_monitoring/resource.html"
    permission_required = P + "view_resource"
    select_related = ("node", "parent")
    breadcrumbs = [SECTION, ("监控资源", BASE + "resources/")]
    edit_url_name = "gov:ops_monitoring_resource_edit"
    edit_permission = P + "change_resource"
    delete_url_name = "gov:ops_monitoring_resource_delete"
    delete_permission = P + "delete_resource"
    fields = [Column("number", "资源编号"), Column("category", "资源类别", choices=True), Column("name", "资源名称"),
              Column("parent", "上级资源", accessor="parent"), Column("ip", "资源IP"), Column("model_no", "资源型号"),
              Column("brand", "资源品牌"), Column("url", "资源URL"), Column("mgmt_ip", "资源管理IP"),
              Column("mgmt_port", "资源管理端口"), Column("asset_no", "资产编号"), Column("description", "资源描述"),
              Column("source", "来源", choices=True), Column("collected_at", "最近采集时间")]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.get_object()
        ctx["children"] = list(obj.children.filter(is_deleted=False).order_by("number"))
        ctx["states"] = [(METRICS[s.metric][0], s.value, METRICS[s.metric][1], s.sampled_at)
                         for s in obj.metric_states.order_by("metric")]
        return ctx


class ResourceFormView(ServiceFormView):
    model = Resource
    form_class = ResourceForm
    breadcrumbs = [SECTION, ("监控资源", BASE + "resources/")]

    def get_form(self, data=None):
        return self.form_class(data=data, instance=self.get_instance(), user=self.request.user,
                               node=self.require_node() if "pk" not in self.kwargs else self.get_instance().node)

    def get_instance(self):
        if "pk" not in self.kwargs:
            return None
        if not hasattr(self, "_instance"):
            obj = Resource.objects.visible_to(self.request.user).filter(pk=self.kwargs["pk"]).first()
            if obj is None:
                raise Http404("记录不存在或不在您的管辖范围内")
            self._instance = obj
        return self._instance

    def get_title(self):
        return "编辑监控资源" if "pk" in self.kwargs else "新增监控资源"

    def save_form(self, form):
        return services.save_resource(form.instance, self.request.user)


class ResourceCreate(ResourceFormView):
    permission_required = P + "add_resource"

    def get_form(self, data=None):
        initial = {}
        if self.request.GET.get("parent", "").isdigit():
            initial["parent"] = int(self.request.GET["parent"])
        return self.form_class(data=data, initial=initial, user=self.request.user, node=self.require_node())


class ResourceEdit(ResourceFormView):
    permission_required = P + "change_resource"


class ResourceDelete(EntranceMixin, View):
    permission_required = P + "delete_resource"

    def post(self, request, pk):
        obj = Resource.objects.visible_to(request.user).filter(pk=pk).first()
        if obj is None:
            raise Http404("记录不存在或不在您的管辖范围内")
        try:
            services.delete_resource(obj, request.user)
        except ValidationError as exc:
            messages.error(request, _messages(exc))
            return redirect(obj.get_absolute_url())
        messages.success(request, f"已删除资源“{obj.name}”")
        return redirect(BASE + "resources/")


# -- applications -----------------------------------------------------------------------------------------------

class AppList(NodeMixin, EntranceMixin, TemplateView):
    template_name = "ops_monitoring/apps.html"
    permission_required = P + "view_appmonitor"
    title = "应用监控"
    breadcrumbs = [SECTION]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        apps = list(AppMonitor.objects.visible_to(self.request.user).select_related("node", "resource")
                    .order_by("name"))
        ctx.update(apps=apps, counts=Counter(a.last_status for a in apps), colours=AppMonitor.COLOURS,
                   states=AppMonitor.State, node=self.node(),
                   can_check=self.request.user.has_perm(P + "check_appmonitor"),
                   can_add=self.request.user.has_perm(P + "add_appmonitor"))
        return ctx

    def post(self, request):
        if not request.user.has_perm(P + "check_appmonitor"):
            raise PermissionDenied("您没有检测应用的权限")
        counts = services.check_apps(AppMonitor.objects.visible_to(request.user))
        from kernel.alerts.scanner import scan

        scan(APP_STATE)
        messages.success(request, f"检测完成：正常{counts['normal']}个，响应慢{counts['slow']}个，无法访问{counts['down']}个")
        return redirect(BASE + "apps/")


class AppFormView(ServiceFormView):
    model = AppMonitor
    form_class = AppMonitorForm
    breadcrumbs = [SECTION, ("应用监控", BASE + "apps/")]
    success_path = "apps/"

    def get_instance(self):
        if "pk" not in self.kwargs:
            return None
        obj = AppMonitor.objects.visible_to(self.request.user).filter(pk=self.kwargs["pk"]).first()
        if obj is None:
            raise Http404("记录不存在或不在您的管辖范围内")
        return obj

    def get_form(self, data=None):
        instance = self.get_instance()
        return self.form_class(data=data, instance=instance, user=self.request.user,
                               node=instance.node if instance else self.require_node())

    def get_title(self):
        return "编辑应用监控" if "pk" in self.kwargs else "新增应用监控"



class AppCreate(AppFormView):
    permission_required = P + "add_appmonitor"


class AppEdit(AppFormView):
    permission_required = P + "change_appmonitor"


# -- performance ------------------------------------------------------------------------------------------------

class PerformanceView(NodeMixin, EntranceMixin, TemplateView):
    template_name = "ops_monitoring/performance.html"
    permission_required = P + "view_sample"
    title = "性能监管"
    breadcrumbs = [SECTION]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        from django.db.models import Count

        resources = list(Resource.objects.visible_to(user).filter(metric_states__isnull=False)
                         .annotate(n_metrics=Count("metric_states")).order_by("number"))
        rid = self.request.GET.get("resource", "")
        busiest = max(resources, key=lambda r: r.n_metrics, default=None)  # the default: the most watched one
        resource = next((r for r in resources if str(r.pk) == rid), busiest)
        try:
            days = min(max(int(self.request.GET.get("days", "1")), 1), 31)
        except ValueError:
            days = 1
        series, summaries, states = {}, [], []
        if resource is not None:
            since = timezone.now() - datetime.timedelta(days=days)
            for metric, value, at in (Sample.objects.visible_to(user).filter(resource=resource, sampled_at__gte=since)
                                      .order_by("sampled_at").values_list("metric", "value", "sampled_at")):
                series.setdefault(metric, []).append([timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S"), value])
            summaries = list(Summary.objects.visible_to(user).filter(resource=resource)
                             .order_by("period", "-period_start", "metric"))
            states = list(resource.metric_states.order_by("metric"))
        for s in summaries:
            s.metric_label, s.unit = METRICS[s.metric][0], METRICS[s.metric][1]
        for s in states:
            s.metric_label, s.unit = METRICS[s.metric][0], METRICS[s.metric][1]
        node = self.node()
        ctx.update(resources=resources, resource=resource, days=days, states=states, node=node,
                   summaries_by_period=[(label, [s for s in summaries if s.period == code])
                                        for code, label in Summary.Period.choices],
                   chart={"series": [{"name": METRICS[m][0] + (f"（{METRICS[m][1]}）" if METRICS[m][1] else ""),
                                      "data": rows} for m, rows in series.items()]},
                   can_collect=user.has_perm(P + "change_resource") and node is not None)
        return ctx

    def post(self, request):
        if not request.user.has_perm(P + "change_resource"):
            raise PermissionDenied("您没有采集权限")
        node = self.require_node()
        count = services.collect_local(node)
        services.summarise()
        messages.success(request, f"已采集本机性能数据{count}项")
        return redirect(BASE + f"performance/?resource={node.local_resource_id}")


class ThresholdList(NodeMixin, EntranceMixin, TemplateView):
    template_name = "ops_monitoring/thresholds.html"
    permission_required = P + "view_metricthreshold"
    title = "告警阈值"
    breadcrumbs = [SECTION, ("告警", BASE + "alarms/")]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        node = self.require_node()
        rows = list(MetricThreshold.objects.filter(Q(node__isnull=True) | Q(node=node))
                    .order_by("metric", "category", F("node").asc(nulls_first=True)))
        for r in rows:
            r.unit = METRICS.get(r.metric, ("", ""))[1]
        ctx.update(rows=rows, can_edit=self.request.user.has_perm(P + "change_metricthreshold"),
                   can_add=self.request.user.has_perm(P + "add_metricthreshold"))
        return ctx


class ThresholdFormView(ServiceFormView):
    model = MetricThreshold
    form_class = ThresholdForm
    breadcrumbs = [SECTION, ("告警阈值", BASE + "thresholds/")]
    success_path = "thresholds/"

    def get_instance(self):
        if "pk" not in self.kwargs:
            return None
        # a node's manager edits the node's own rows; the platform's defaults are edited by a platform
        # administrator in the admin
        obj = MetricThreshold.objects.filter(pk=self.kwargs["pk"], node=self.require_node()).first()
        if obj is None:
            raise Http404("记录不存在")
        return obj

    def get_form(self, data=None):
        form = super().get_form(data)
        if form.instance.node_id is None:
            form.instance.node = self.require_node()
        return form

    def get_title(self):
        return "编辑告警阈值" if "pk" in self.kwargs else "新增告警阈值"



class ThresholdCreate(ThresholdFormView):
    permission_required = P + "add_metricthreshold"


class ThresholdEdit(ThresholdFormView):
    permission_required = P + "change_metricthreshold"


# -- alarms -----------------------------------------------------------------------------------------------------

class AlarmView(NodeMixin, EntranceMixin, TemplateView):
    template_name = "ops_monitoring/alarms.html"
    permission_required = (P + "view_node", "alerts.view_warning")
    title = "告警"
    breadcrumbs = [SECTION]

    def _range(self):
        today = timezone.localdate()
        try:
            start = datetime.date.fromisoformat(self.request.GET.get("date_from", ""))
        except ValueError:
            start = today - datetime.timedelta(days=29)
        try:
            end = datetime.date.fromisoformat(self.request.GET.get("date_to", ""))
        except ValueError:
            end = today
        return start, max(end, start)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        start, end = self._range()
        alarms = list(Warning.objects.visible_to(user).filter(
            rule__code__in=ALARM_RULES, first_seen__date__gte=start, first_seen__date__lte=end)
            .select_related("rule").order_by("-first_seen"))
        state_cat = dict(MetricState.objects.visible_to(user).values_list("pk", "resource__category"))
        by_level, by_type, by_day = Counter(), Counter(), Counter()
        for w in alarms:
            by_level[w.level] += 1
            by_type[CATEGORIES.get(state_cat.get(w.subject_id), "其他") if w.rule.code == THRESHOLD else "应用"] += 1
            by_day[timezone.localtime(w.first_seen).date()] += 1
        days = [(start + datetime.timedelta(days=i)) for i in range((end - start).days + 1)][-62:]
        for w in alarms:
            w.status_label = Warning.workflow.state(w.status).label
        ctx.update(
            alarms=alarms[:100], total=len(alarms), start=start, end=end,
            open_count=sum(1 for w in alarms if w.is_open),
            chart={"level": [{"name": LEVEL_LABELS.get(k, k), "value": v, "itemStyle": {"color": LEVEL_COLOURS.get(k)}}
                             for k, v in by_level.items()],
                   "type": [[k, v] for k, v in by_type.most_common()],
                   "day": [[d.strftime("%m-%d"), by_day.get(d, 0)] for d in days]},
            can_scan=user.has_perm(P + "check_appmonitor"), can_order=user.has_perm(P + "add_workorder"))
        return ctx

    def post(self, request):
        if not request.user.has_perm(P + "check_appmonitor"):
            raise PermissionDenied("您没有执行告警扫描的权限")
        stats = services.scan_alarms()
        raised = sum(s.get("raised", 0) for s in stats.values())
        released = sum(s.get("released", 0) for s in stats.values())
        messages.success(request, f"告警扫描完成：新产生{raised}条，解除{released}条")
        return redirect(BASE + "alarms/")


# -- work orders ------------------------------------------------------------------------------------------------

class OrderFilter(StyledFilterSet):
    q = django_filters.CharFilter(label="编号或主题", method="search")
    status = django_filters.ChoiceFilter(label="处理状态", choices=WorkOrder.workflow.choices())
    kind = django_filters.ChoiceFilter(label="工单类别", choices=WorkOrder.Kind.choices)
    date_from, date_to = date_range("created_at")

    class Meta:
        model = WorkOrder
        fields = []

    def search(self, qs, name, value):
        from django.db.models import Q

        return qs.filter(Q(number__icontains=value) | Q(subject__icontains=value))


def _state_colour(order):
    return {"danger": "#dc3545", "warning": "#e0a800", "primary": "#0d6efd", "info": "#0dcaf0",
            "success": "#198754", "secondary": "#6c757d"}[WorkOrder.workflow.state(order.status).colour]


class OrderList(ScopedListView):
    model = WorkOrder
    title = "协同工单"
    list_key = "ops_monitoring_orders"
    permission_required = P + "view_workorder"
    export_permission = P + "view_workorder"
    create_url_name = "gov:ops_monitoring_order_create"
    create_permission = P + "add_workorder"
    filterset_class = OrderFilter
    select_related = ("assignee",)
    breadcrumbs = [SECTION]
    columns = [
        Column("number", "编号", link="gov:ops_monitoring_order", width=24), Column("subject", "主题", width=30),
        Column("kind", "工单类别", choices=True), Column("business_type", "业务类型", choices=True),
        Column("initiating_unit", "发起单位"), Column("receiving_unit", "接收单位"),
        Column("om_level", "运维级别", choices=True), Column("status", "处理状态", choices=True, colour=_state_colour),
        Column("assignee", "处理人", accessor="assignee.display_name", order_by="assignee__username"),
        Column("completed_at", "办结时间"), Column("star_rating", "星级评价"),
        Column("initiator_contact", "发起人", default=False), Column("initiator_phone", "发起人电话", default=False,
                                                                     mask="phone"),
        Column("receiver_contact", "接收人", default=False), Column("receiver_phone", "接收人电话", default=False,
                                                                    mask="phone"),
        Column("created_at", "创建时间", default=False),
    ]


class OrderCreate(ServiceFormView):
    model = WorkOrder
    form_class = WorkOrderForm
    permission_required = P + "add_workorder"
    breadcrumbs = [SECTION, ("协同工单", BASE + "orders/")]
    title = "新建协同工单"
    success_message = "工单已创建"

    def get_form(self, data=None):
        form = self.form_class(data=data, user=self.request.user, node=self.require_node())
        alarm = self._alarm()
        if alarm is not None and data is None:
            form.initial.update(subject=f"告警处置：{alarm.subject_repr}", business_type="fault",
                                content=f"{alarm.rule.name}，等级{alarm.level_label}，监测值{alarm.value}，"
                                        f"产生于{timezone.localtime(alarm.first_seen):%Y-%m-%d %H:%M}。",
                                om_level="1" if alarm.level == "red" else "2" if alarm.level == "orange" else "3")
        return form

    def _alarm(self):
        value = self.request.GET.get("alarm") or self.request.POST.get("alarm") or ""
        if not value.isdigit():
            return None
        return Warning.objects.visible_to(self.request.user).filter(pk=int(value), rule__code__in=ALARM_RULES).first()

    def save_form(self, form):
        form.instance.alarm = self._alarm()
        return services.create_work_order(form.instance, self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["alarm"] = self._alarm()
        return ctx


class OrderDetail(ScopedDetailView):
    model = WorkOrder
    template_name = "ops_monitoring/order.html"
    permission_required = P + "view_workorder"
    select_related = ("node", "resource", "assignee", "alarm")
    breadcrumbs = [SECTION, ("协同工单", BASE + "orders/")]
    fields = [Column("number", "编号"), Column("kind", "工单类别", choices=True), Column("subject", "主题"),
              Column("content", "内容"), Column("business_type", "业务类型", choices=True),
              Column("om_level", "运维级别", choices=True), Column("initiating_unit", "发起单位"),
              Column("initiator_contact", "发起人联系人"), Column("initiator_phone", "发起人联系电话"),
              Column("receiving_unit", "接收单位"), Column("receiver_contact", "接收人联系人"),
              Column("receiver_phone", "接收人联系电话"), Column("receiver_feedback", "接收单位情况反馈"),
              Column("status", "处理状态", choices=True), Column("assignee", "处理人", accessor="assignee.display_name"),
              Column("completed_at", "办结时间"), Column("star_rating", "星级评价"), Column("evaluation", "运维评价"),
              Column("resource", "相关资源", accessor="resource"), Column("alarm", "来源告警", accessor="alarm")]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        order = self.get_object()
        user = self.request.user
        ctx.update(panel_context(order, user))
        ctx["can"] = {t.name for t in WorkOrder.workflow.available(order, user)}
        if "dispatch" in ctx["can"] or (order.status == "new" and user.has_perm(P + "dispatch_workorder")):
            ctx["assignees"] = assignee_choices(user, order.node)
        ctx["stars"] = range(1, 6)
        return ctx


class OrderAction(EntranceMixin, View):
    permission_required = P + "view_workorder"
    ACTIONS = ("dispatch", "accept", "return", "complete", "evaluate", "cancel")

    def post(self, request, pk, action):
        if action not in self.ACTIONS:
            raise Http404("没有该操作")
        order = WorkOrder.objects.visible_to(request.user).filter(pk=pk).first()
        if order is None:
            raise Http404("记录不存在或不在您的管辖范围内")
        comment = request.POST.get("comment", "")
        try:
            if action == "dispatch":
                from kernel.accounts.models import User

                value = request.POST.get("assignee", "")
                assignee = User.objects.filter(pk=int(value)).first() if value.isdigit() else None
                services.dispatch(order, request.user, assignee, comment)
            elif action == "accept":
                services.accept(order, request.user, comment)
            elif action == "return":
                services.return_order(order, request.user, comment)
            elif action == "complete":
                services.complete(order, request.user, request.POST.get("receiver_feedback", ""), comment)
            elif action == "evaluate":
                services.evaluate(order, request.user, request.POST.get("star_rating"), request.POST.get("evaluation", ""))
            else:
                services.cancel(order, request.user, comment)
        except ValidationError as exc:
            messages.error(request, _messages(exc))
        else:
            messages.success(request, f"已{WorkOrder.workflow.transition(action).label}")
        return redirect(order.get_absolute_url())


# -- upward reports ---------------------------------------------------------------------------------------------

class ReportFilter(StyledFilterSet):
    kind = django_filters.ChoiceFilter(label="报文类型", choices=list(KINDS.items()))
    status = django_filters.ChoiceFilter(label="状态", choices=UpwardReport.Status.choices)
    date_from, date_to = date_range("created_at")

    class Meta:
        model = UpwardReport
        fields = []


class ReportList(NodeMixin, ScopedListView):
    model = UpwardReport
    title = "数据上报"
    list_key = "ops_monitoring_reports"
    template_name = "ops_monitoring/reports.html"
    permission_required = P + "view_upwardreport"
    export_permission = P + "view_upwardreport"
    filterset_class = ReportFilter
    breadcrumbs = [SECTION]
    columns = [
        Column("created_at", "创建时间", link="gov:ops_monitoring_report"), Column("kind", "报文类型", choices=True),
        Column("message_id", "消息编号", width=34), Column("item_count", "条数"),
        Column("trigger", "触发方式", choices=True),
        Column("status", "状态", choices=True, colour=lambda r: r.colour), Column("attempts", "发送次数"),
        Column("response_code", "响应代码"), Column("receipt_no", "回执编号"), Column("sent_at", "上报成功时间"),
        Column("next_attempt_at", "下次重试时间", default=False),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(kinds=list(KINDS.items()), node=self.node(),
                   can_report=self.request.user.has_perm(P + "report_node"), simulated=simulated())
        return ctx

    def post(self, request):
        if not request.user.has_perm(P + "report_node"):
            raise PermissionDenied("您没有上报权限")
        node = self.require_node()
        kind = request.POST.get("kind", "")
        try:
            entries = (services.report_all(node, request.user) if kind == "all"
                       else [services.report(node, kind, request.user)])
        except ValidationError as exc:
            messages.error(request, "不能上报：" + _messages(exc))
            return redirect(BASE + "reports/")
        sent = sum(1 for e in entries if e.status == UpwardReport.Status.SENT)
        if sent == len(entries):
            messages.success(request, f"已上报{sent}份报文，上级节点已接收")
        else:
            bad = next(e for e in entries if e.status != UpwardReport.Status.SENT)
            messages.error(request, f"上报{len(entries)}份，成功{sent}份；{bad.get_status_display()}："
                                    f"{bad.response_code} {bad.response_message}")
        return redirect(BASE + "reports/")


class ReportDetail(ScopedDetailView):
    model = UpwardReport
    template_name = "ops_monitoring/report.html"
    permission_required = P + "view_upwardreport"
    select_related = ("node",)
    breadcrumbs = [SECTION, ("数据上报", BASE + "reports/")]
    fields = [Column("kind", "报文类型", choices=True), Column("message_id", "消息编号"), Column("node", "运维节点"),
              Column("trigger", "触发方式", choices=True), Column("item_count", "条数"),
              Column("status", "状态", choices=True, colour=lambda r: r.colour), Column("attempts", "发送次数"),
              Column("last_attempt_at", "最近发送时间"), Column("next_attempt_at", "下次重试时间"),
              Column("sent_at", "上报成功时间"), Column("response_status", "响应状态码"),
              Column("response_code", "响应代码"), Column("response_message", "响应信息"),
              Column("receipt_no", "回执编号")]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.get_object()
        env = dict(obj.envelope or {})
        for name in ("encrypted_key", "ciphertext", "signature"):
            if len(env.get(name, "")) > 120:
                env[name] = env[name][:120] + f"…（共{len(obj.envelope[name])}字符）"
        ctx.update(payload=json.dumps(obj.payload, ensure_ascii=False, indent=2)[:20000],
                   envelope=json.dumps(env, ensure_ascii=False, indent=2), attempts=obj.attempt_log or [],
                   can_replay=self.request.user.has_perm(P + "replay_upwardreport"))
        return ctx


class ReportReplay(EntranceMixin, View):
    permission_required = P + "replay_upwardreport"

    def post(self, request, pk):
        entry = UpwardReport.objects.visible_to(request.user).filter(pk=pk).first()
        if entry is None:
            raise Http404("记录不存在或不在您的管辖范围内")
        try:
            entry = services.replay(entry, request.user)
        except ValidationError as exc:
            messages.error(request, "不能重新上报：" + _messages(exc))
        else:
            if entry.status == UpwardReport.Status.SENT:
                messages.success(request, f"已重新上报，上级节点回执{entry.receipt_no}")
            else:
                messages.error(request, f"重新上报未成功：{entry.response_code} {entry.response_message}")
        return redirect(entry.get_absolute_url())
