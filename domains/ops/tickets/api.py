"""Open API of the O&M tickets: /api/ops/tickets/.

    GET    /api/ops/tickets/                    the tickets the caller may see (filters: kind, level, status,
                                                contract, channel, sla=near|overdue|breached, raised_from/to)
    POST   /api/ops/tickets/                    raise one (services.create_ticket)
    GET    /api/ops/tickets/{id}/               one ticket with its SLA clocks, pauses and workflow history
    POST   /api/ops/tickets/{id}/transition/    {"transition", "comment", "data"}: a workflow step
    POST   /api/ops/tickets/{id}/signoff/       an upgrade's requirement sign-off {requirement, planned_release_on}
    POST   /api/ops/tickets/{id}/test/          an upgrade's test result {stage, result, note}

Scope is the pages' scope (Ticket.objects.visible_to): another city's ticket is a 404. Changes go through
services.py with the pages' checks; refusals are HTTP 400 with Chinese messages by field (`non_field_errors`
for a rule of the whole record), or 403 when the caller may not act at all. The authorisation file of a
data-maintenance request is uploaded through /api/files/ (purpose ops_ticket_authorisation) or the page."""
import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from domains.ops.contracts.models import ServiceContract
from kernel.accounts.models import User
from kernel.accounts.permissions import ModelPermissions
from kernel.core.api import ScopedModelViewSet
from kernel.ui.generic import CachedCountPaginator
from kernel.workflow.engine import TransitionError, history

from . import services, sla
from .models import Channel, HandlingMode, Kind, TestResult, Ticket, UpgradeType
from .sla import near_q, overdue_q
from .workflows import TICKET


def _errors(exc):
    errors = getattr(exc, "errors", None)  # TransitionError
    if errors is None:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return serializers.ValidationError({("non_field_errors" if k == "__all__" else k): list(v)
                                        for k, v in errors.items()})


class TicketApiFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(label="工单编号", lookup_expr="iexact")
    kind = django_filters.ChoiceFilter(label="工单类型", choices=Kind.choices)
    level = django_filters.NumberFilter(label="故障级别")
    status = django_filters.ChoiceFilter(label="状态", choices=TICKET.choices())
    contract = django_filters.NumberFilter(label="服务合同ID", field_name="contract_id")
    channel = django_filters.ChoiceFilter(label="受理渠道", choices=Channel.choices)
    sla = django_filters.ChoiceFilter(label="时限（near 即将超时 / overdue 已超时 / breached 已完成但超时）",
                                      method="by_sla", choices=[("near", "即将超时"), ("overdue", "已超时"),
                                                                ("breached", "已完成但超时")])
    raised_from = django_filters.DateFilter(label="提出日期起", field_name="raised_at", lookup_expr="date__gte")
    raised_to = django_filters.DateFilter(label="提出日期止", field_name="raised_at", lookup_expr="date__lte")

    class Meta:
        model = Ticket
        fields = []

    def by_sla(self, qs, name, value):
        from django.db.models import Q

        now = timezone.now()
        if value == "overdue":
            return qs.filter(overdue_q(now))
        if value == "near":
            return qs.filter(near_q(now)).exclude(overdue_q(now))
        return qs.filter(Q(response_breached=True) | Q(resolution_breached=True))


class TicketSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, label="工单类型名称")
    status_label = serializers.CharField(source="get_status_display", read_only=True, label="状态名称")
    channel_label = serializers.CharField(source="get_channel_display", read_only=True, label="受理渠道名称")
    contract_no = serializers.CharField(source="contract.contract_no", read_only=True, label="合同编号")
    system_name = serializers.CharField(source="contract.system.name", read_only=True, label="运维对象")
    assignee_name = serializers.CharField(source="assignee.display_name", default="", read_only=True,
                                          label="处理工程师")

    class Meta:
        model = Ticket
        fields = ["id", "number", "contract", "contract_no", "system_name", "kind", "kind_label", "level", "channel",
                  "channel_label", "title", "requester_name", "status", "status_label", "assignee", "assignee_name",
                  "raised_at", "response_due", "resolution_due", "responded_at", "resolved_at", "closed_at",
                  "response_breached", "resolution_breached", "reopen_count"]
        read_only_fields = fields


class HistorySerializer(serializers.Serializer):
    transition = serializers.CharField(label="操作")
    transition_label = serializers.CharField(label="操作名称")
    from_state = serializers.CharField(label="原状态")
    to_state = serializers.CharField(label="新状态")
    actor_name = serializers.CharField(label="操作人")
    time = serializers.DateTimeField(label="时间")
    comment = serializers.CharField(label="意见")


class PauseSerializer(serializers.Serializer):
    reason = serializers.CharField(label="暂停原因")
    started_at = serializers.DateTimeField(label="暂停开始")
    ended_at = serializers.DateTimeField(label="暂停结束", allow_null=True)


class TicketDetailSerializer(TicketSerializer):
    handling_mode_label = serializers.CharField(source="get_handling_mode_display", read_only=True,
                                                label="处理方式名称")
    clocks = serializers.SerializerMethodField(label="SLA时限")
    pauses = PauseSerializer(many=True, read_only=True, label="暂停计时")
    history = serializers.SerializerMethodField(label="流程记录")

    class Meta(TicketSerializer.Meta):
        fields = TicketSerializer.Meta.fields + [
            "description", "contact_phone", "handling_mode", "handling_mode_label", "root_cause", "solution",
            "upgrade_type", "requirement", "signed_off_by", "signed_off_at", "internal_test", "user_test",
            "planned_release_on", "released_at", "auth_department", "auth_document_no", "clocks", "pauses", "history"]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField())
    def get_clocks(self, obj):
        c = sla.clocks(obj)
        out = {}
        for key in ("response", "resolution"):
            clock = c[key]
            out[key] = {"due": clock["due"].isoformat() if clock["due"] else None, "state": clock["state"],
                        "text": clock["text"]}
        out["paused_seconds"] = c["paused_seconds"]
        out["paused"] = c["paused"]
        return out

    @extend_schema_field(HistorySerializer(many=True))
    def get_history(self, obj):
        return HistorySerializer(history(obj).order_by("time", "id"), many=True).data


class TicketWriteSerializer(serializers.Serializer):
    contract = serializers.IntegerField(label="服务合同ID", error_messages={"required": "请选择服务合同",
                                                                       "invalid": "请选择服务合同"})
    kind = serializers.CharField(label="工单类型", help_text="fault | consultation | upgrade | data",
                                 error_messages={"required": "请选择工单类型", "blank": "请选择工单类型"})
    level = serializers.IntegerField(label="故障级别", required=False, allow_null=True)
    channel = serializers.CharField(label="受理渠道", required=False, allow_blank=True,
                                    help_text=" | ".join(f"{c} {lb}" for c, lb in Channel.choices))
    upgrade_type = serializers.CharField(label="升级类型", required=False, allow_blank=True,
                                         help_text=" | ".join(f"{c} {lb}" for c, lb in UpgradeType.choices))
    title = serializers.CharField(label="标题", required=False, allow_blank=True, max_length=200)
    description = serializers.CharField(label="问题描述", required=False, allow_blank=True)
    requester = serializers.IntegerField(label="提出人账号ID（代登记时）", required=False, allow_null=True)
    requester_name = serializers.CharField(label="提出人", required=False, allow_blank=True, max_length=50)
    contact_phone = serializers.CharField(label="联系电话", required=False, allow_blank=True, max_length=20)
    raised_at = serializers.DateTimeField(label="提出时间（代登记时）", required=False, allow_null=True,
                                          error_messages={"invalid": "请填写有效的时间"})
    auth_department = serializers.CharField(label="授权主管部门", required=False, allow_blank=True)
    auth_document_no = serializers.CharField(label="授权文件文号", required=False, allow_blank=True)

    def create(self, validated):
        user = self.context["request"].user
        data = dict(validated)
        data["contract"] = ServiceContract.objects.filter(pk=data["contract"]).first()
        if data.get("requester"):
            data["requester"] = User.objects.filter(pk=data["requester"]).first()
        try:
            return services.create_ticket(user, **data)
        except DjangoValidationError as exc:
            raise _errors(exc) from None
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None


class TicketTransitionSerializer(serializers.Serializer):
    transition = serializers.ChoiceField(
        label="操作", choices=[(t.name, t.label) for t in TICKET.transitions],
        error_messages={"required": "请填写要办理的操作", "invalid_choice": "没有名为“{input}”的操作"},
        help_text=" | ".join(f"{t.name} {t.label}" for t in TICKET.transitions))
    comment = serializers.CharField(label="处理意见", required=False, allow_blank=True, max_length=2000)
    data = serializers.DictField(label="操作数据", required=False, default=dict,
                                 help_text="accept/assign: {assignee}；start: {handling_mode}；"
                                           "resolve: {handling_mode, root_cause, solution}")


class SignOffSerializer(serializers.Serializer):
    requirement = serializers.CharField(label="最终确认的需求说明", required=False, allow_blank=True)
    planned_release_on = serializers.DateField(label="计划发布日期", required=False, allow_null=True,
                                               error_messages={"invalid": "请填写有效的日期"})


class TestSerializer(serializers.Serializer):
    stage = serializers.CharField(label="测试阶段", help_text="internal 内部测试 | user 用户测试", required=False,
                                  allow_blank=True)
    result = serializers.CharField(label="测试结果", help_text=" | ".join(f"{c} {lb}" for c, lb in TestResult.choices),
                                   required=False, allow_blank=True)
    note = serializers.CharField(label="测试说明", required=False, allow_blank=True, max_length=500)


def run_transition(ticket, user, name, comment, data):
    if name in ("accept", "assign"):
        assignee = None
        if data.get("assignee") not in (None, ""):
            assignee = services.engineers_for(ticket).filter(pk=data["assignee"]).first()
            if assignee is None:
                raise DjangoValidationError({"assignee": ["所选人员不是该工单所属单位的运维工程师"]})
        if name == "accept":
            return services.accept(ticket, user, assignee=assignee, comment=comment)
        return services.assign(ticket, user, assignee, comment=comment)
    if name == "start":
        return services.start(ticket, user, handling_mode=data.get("handling_mode", ""), comment=comment)
    if name == "resolve":
        mode = data.get("handling_mode", "")
        if mode and mode not in HandlingMode.values:
            raise DjangoValidationError({"handling_mode": ["请选择有效的处理方式"]})
        return services.resolve(ticket, user, solution=data.get("solution", ""), root_cause=data.get("root_cause", ""),
                                handling_mode=mode, comment=comment)
    return services.STEPS[name](ticket, user, comment=comment)


class TicketPermissions(ModelPermissions):
    """Reading needs view_ticket; raising add_ticket; the steps need the ticket to be visible and the workflow
    checks each step's roles and guards."""

    def has_permission(self, request, view):
        if getattr(view, "action", None) in ("transition", "signoff", "test"):
            user = request.user
            return bool(user and user.is_authenticated and user.has_perm(services.VIEW))
        return super().has_permission(request, view)


class TicketPagination(PageNumberPagination):
    """The page count is cached until the ticket table is written (a million tickets take a while to count)."""

    django_paginator_class = CachedCountPaginator


REFUSED = OpenApiResponse(description="400: field errors in Chinese, e.g. {\"root_cause\": [\"故障工单须填写原因分析\"]}")


@extend_schema_view(
    list=extend_schema(summary="运维工单列表（本辖区）"),
    retrieve=extend_schema(summary="运维工单详情（含SLA时限、暂停计时与流程记录）"),
    create=extend_schema(summary="提出运维工单", request=TicketWriteSerializer,
                         responses={201: TicketDetailSerializer, 400: REFUSED}),
)
class TicketViewSet(ScopedModelViewSet):
    queryset_base = Ticket.objects
    serializer_class = TicketSerializer
    filterset_class = TicketApiFilter
    permission_classes = [TicketPermissions]
    pagination_class = TicketPagination
    select_related = ("contract", "contract__system", "assignee", "sla_term", "sla_term__schedule")
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().order_by("-id")

    def get_serializer_class(self):
        if self.action == "create":
            return TicketWriteSerializer
        if self.action == "retrieve":
            return TicketDetailSerializer
        return TicketSerializer

    def _detail(self, ticket, code=status.HTTP_200_OK):
        ticket = self.get_queryset().get(pk=ticket.pk)
        return Response(TicketDetailSerializer(ticket, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._detail(serializer.save(), status.HTTP_201_CREATED)

    def _run(self, fn):
        try:
            fn()
        except (DjangoValidationError, TransitionError) as exc:
            raise _errors(exc) from None
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None

    @extend_schema(summary="办理流程操作（受理、派单、开始处理、待用户反馈、恢复、解决、确认关闭、重新打开、撤销）",
                   request=TicketTransitionSerializer, responses={200: TicketDetailSerializer, 400: REFUSED})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        ticket = self.get_object()
        serializer = TicketTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        self._run(lambda: run_transition(ticket, request.user, d["transition"], (d.get("comment") or "").strip(),
                                         d.get("data") or {}))
        return self._detail(ticket)

    @extend_schema(summary="升级工单需求确认签字", request=SignOffSerializer,
                   responses={200: TicketDetailSerializer, 400: REFUSED})
    @action(detail=True, methods=["post"])
    def signoff(self, request, pk=None):
        ticket = self.get_object()
        serializer = SignOffSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        self._run(lambda: services.sign_off(ticket, request.user, requirement=d.get("requirement", ""),
                                            planned_release_on=d.get("planned_release_on")))
        return self._detail(ticket)

    @extend_schema(summary="升级工单登记测试结果", request=TestSerializer,
                   responses={200: TicketDetailSerializer, 400: REFUSED})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        ticket = self.get_object()
        serializer = TestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        self._run(lambda: services.record_test(ticket, request.user, stage=d.get("stage", ""),
                                               result=d.get("result", ""), note=d.get("note", "")))
        return self._detail(ticket)
