"""Operator pages (/gov/interfaces/): API clients and the inbound-message log."""
import json

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.views import View

from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedFormView, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column

from . import services
from .forms import ApiClientFilter, ApiClientForm, InboundMessageFilter, RotateForm
from .models import ApiClient, InboundMessage
from .registry import get_endpoint

BREAD = [("开放接口", None)]
CLIENT_BREAD = BREAD + [("接入客户端", "/gov/interfaces/clients/")]
MESSAGE_BREAD = BREAD + [("接收报文", "/gov/interfaces/messages/")]

STATUS_COLOURS = {"received": "secondary", "processed": "success", "failed": "danger", "rejected": "warning"}


def _status_badge(message):
    return format_html('<span class="badge text-bg-{}">{}</span>', STATUS_COLOURS.get(message.status, "secondary"),
                       message.get_status_display())


class BadgeColumn(Column):
    def html(self, obj, user=None, link=True):
        return _status_badge(obj)


CLIENT_COLUMNS = [
    Column("name", "客户端名称", link="gov:interfaces_client_detail", width=30),
    Column("organisation", "所属机构", accessor="organisation.name", order_by="organisation__name", width=30),
    Column("key_id", "接入密钥编号", width=28),
    Column("algorithm", "签名算法", choices=True),
    Column("status", "状态", accessor="status_label", sortable=False),
    Column("expires_at", "有效期至"),
    Column("last_used_at", "最近调用时间"),
    Column("created_at", "创建时间", default=False),
]


class ClientListView(ScopedListView):
    model = ApiClient
    title = "接入客户端"
    list_key = "api_clients"
    permission_required = "interfaces.view_apiclient"
    create_url_name = "gov:interfaces_client_create"
    create_permission = "interfaces.add_apiclient"
    filterset_class = ApiClientFilter
    columns = CLIENT_COLUMNS
    select_related = ("organisation",)
    breadcrumbs = BREAD
    filter_form_tables = ()


def _secret_page(request, client, secret, title):
    response = TemplateResponse(request, "interfaces/client_secret.html", {
        "title": title, "breadcrumbs": CLIENT_BREAD + [(title, None)], "entrance": "gov",
        "client": client, "secret": secret})
    response["Cache-Control"] = "no-store"
    return response


class ClientCreateView(ScopedFormView):
    model = ApiClient
    form_class = ApiClientForm
    title = "新增接入客户端"
    permission_required = "interfaces.add_apiclient"
    breadcrumbs = CLIENT_BREAD

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        client, secret = form.save_client(request.user)
        # The secret is shown in this response only: it is never put in a message, a session or a log.
        return _secret_page(request, client, secret, "接入客户端已创建")


class ClientEditView(ScopedObjectMixin, ScopedFormView):
    model = ApiClient
    form_class = ApiClientForm
    permission_required = "interfaces.change_apiclient"
    breadcrumbs = CLIENT_BREAD
    success_message = "接入客户端已保存"

    def get_title(self):
        return f"编辑接入客户端：{self.get_object()}"

    def get_instance(self):
        return self.get_object()

    def save_form(self, form):
        return form.save_client(self.request.user)[0]


class ClientDetailView(ScopedDetailView):
    model = ApiClient
    permission_required = "interfaces.view_apiclient"
    select_related = ("organisation", "user")
    template_name = "interfaces/client_detail.html"
    breadcrumbs = CLIENT_BREAD
    edit_url_name = "gov:interfaces_client_edit"
    edit_permission = "interfaces.change_apiclient"
    fields = CLIENT_COLUMNS[:4] + [
        Column("status", "状态", accessor="status_label"),
        Column("user", "接口账号", accessor="user.username"),
        Column("roles", "接口账号角色", accessor="role_names"),
        Column("allowed_ips", "允许的来源IP", fmt=lambda v: "、".join(v.split())),
        Column("expires_at", "有效期至"),
        Column("secret_issued_at", "密钥签发时间"),
        Column("previous_secret_valid_until", "旧密钥有效期至"),
        Column("last_used_at", "最近调用时间"),
        Column("last_used_ip", "最近调用IP"),
        Column("remark", "备注"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        client = self.get_object()
        user = self.request.user
        ctx["can_change"] = user.has_perm("interfaces.change_apiclient")
        ctx["rotate_form"] = RotateForm()
        ctx["recent_messages"] = (InboundMessage.objects.visible_to(user).filter(client=client)
                                  .only("pk", "endpoint", "message_id", "status", "received_at")[:10]
                                  if user.has_perm("interfaces.view_inboundmessage") else None)
        return ctx


class ClientToggleView(ScopedObjectMixin, EntranceMixin, View):
    model = ApiClient
    permission_required = "interfaces.change_apiclient"

    def post(self, request, pk):
        client = self.get_object()
        services.set_enabled(client, not client.enabled, actor=request.user)
        messages.success(request, f"已{'启用' if client.enabled else '停用'}接入客户端“{client.name}”")
        return redirect(client.get_absolute_url())


class ClientRotateView(ScopedObjectMixin, EntranceMixin, View):
    model = ApiClient
    permission_required = "interfaces.change_apiclient"

    def post(self, request, pk):
        client = self.get_object()
        form = RotateForm(request.POST)
        if not form.is_valid():
            messages.error(request, "请选择旧密钥的保留时间")
            return redirect(client.get_absolute_url())
        try:
            secret = services.rotate_secret(client, grace_hours=form.cleaned_data["grace_hours"], actor=request.user)
        except services.InterfaceError as exc:
            messages.error(request, str(exc))
            return redirect(client.get_absolute_url())
        return _secret_page(request, client, secret, "已重新签发密钥")


MESSAGE_COLUMNS = [
    Column("received_at", "接收时间", link="gov:interfaces_message_detail", width=20),
    Column("client", "接入客户端", accessor="client.name", order_by="client__name", width=24),
    Column("endpoint", "接口", width=26),
    Column("message_id", "消息编号", width=28),
    BadgeColumn("status", "状态", choices=True),
    Column("attempts", "处理次数"),
    Column("processed_at", "处理时间", default=False),
    Column("error", "错误信息", sortable=False, fmt=lambda v: v.splitlines()[0][:120] if v else v, width=50),
    Column("duplicates", "重复接收次数", default=False),
    Column("remote_ip", "来源IP", default=False),
    Column("content_hash", "报文摘要", default=False, sortable=False, width=40),
    Column("body", "报文内容", default=False, sortable=False, width=60),
]


class MessageListView(ScopedListView):
    model = InboundMessage
    title = "接收报文"
    list_key = "inbound_messages"
    permission_required = "interfaces.view_inboundmessage"
    export_permission = "interfaces.export_inboundmessage"
    filterset_class = InboundMessageFilter
    columns = MESSAGE_COLUMNS
    select_related = ("client",)
    default_ordering = "-received_at"
    breadcrumbs = BREAD
    filter_form_tables = ("interfaces_apiclient",)

    def base_queryset(self):
        # Raw bodies can be large: read them only when the body column is shown or exported.
        qs = super().base_queryset().defer("headers", "result")
        return qs if "body" in {c.name for c in self.visible_columns()} else qs.defer("body")


def _pretty(value):
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, ensure_ascii=False, indent=2)


class MessageDetailView(ScopedDetailView):
    model = InboundMessage
    permission_required = "interfaces.view_inboundmessage"
    select_related = ("client__organisation",)
    template_name = "interfaces/message_detail.html"
    breadcrumbs = MESSAGE_BREAD
    fields = [
        Column("client", "接入客户端", accessor="client.name"),
        Column("organisation", "所属机构", accessor="client.organisation.name"),
        Column("endpoint", "接口"),
        Column("endpoint_label", "接口名称", accessor="endpoint_label"),
        Column("message_id", "消息编号"),
        BadgeColumn("status", "状态"),
        Column("received_at", "接收时间"),
        Column("processed_at", "处理时间"),
        Column("attempts", "处理次数"),
        Column("duplicates", "重复接收次数"),
        Column("response_status", "响应状态码"),
        Column("request_id", "请求编号"),
        Column("remote_ip", "来源IP"),
        Column("content_hash", "报文摘要（SHA-256）"),
    ]

    def get_title(self):
        message = self.get_object()
        return f"接收报文 #{message.pk}"

    def get_object(self):
        message = super().get_object()
        endpoint = get_endpoint(message.endpoint)
        message.endpoint_label = endpoint.label if endpoint else "（未注册）"
        return message

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        message = self.get_object()
        ctx.update(body_pretty=_pretty(message.body), result_pretty=_pretty(message.result),
                   headers=sorted(message.headers.items()),
                   can_reprocess=message.can_reprocess and self.request.user.has_perm(
                       "interfaces.reprocess_inboundmessage"))
        return ctx


class MessageReprocessView(ScopedObjectMixin, EntranceMixin, View):
    model = InboundMessage
    permission_required = "interfaces.reprocess_inboundmessage"

    def post(self, request, pk):
        message = self.get_object()
        try:
            outcome = services.reprocess(message, actor=request.user)
        except services.InterfaceError as exc:
            messages.error(request, f"未能重新处理：{exc}")
        else:
            result = outcome.message
            if result.status == InboundMessage.Status.PROCESSED:
                messages.success(request, "重新处理成功")
            else:
                messages.error(request, f"重新处理后状态为“{result.get_status_display()}”：{result.error.splitlines()[0] if result.error else ''}")
        return redirect(message.get_absolute_url())
