import re

import django_filters
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from kernel.ui.filters import StyledFilterSet, date_range
from kernel.ui.generic import EntranceMixin, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column

from . import services
from .models import InAppMessage, SmsMessage

SECRET_TEMPLATES = {"verify_code"}  # their content is a one-time code: never shown to staff or exported


class SmsContentColumn(Column):
    """The message text, with the digits of verification codes hidden (the code only travels by SMS)."""

    def raw(self, obj):
        text = super().raw(obj)
        if obj.template_id and getattr(obj.template, "code", "") in SECRET_TEMPLATES:
            return re.sub(r"\d{4,8}", lambda m: "*" * len(m.group(0)), text or "")
        return text


class SmsFilter(StyledFilterSet):
    phone = django_filters.CharFilter(label="手机号")
    status = django_filters.ChoiceFilter(label="状态", choices=SmsMessage.Status.choices, empty_label="全部")
    template__code = django_filters.CharFilter(label="模板编码")
    content = django_filters.CharFilter(label="内容", lookup_expr="icontains")
    date_from, date_to = date_range("created_at")

    class Meta:
        model = SmsMessage
        fields = []


class SmsListView(ScopedListView):
    model = SmsMessage
    title = "短信发送记录"
    list_key = "sms"
    permission_required = "notify.view_smsmessage"
    export_permission = "notify.view_smsmessage"
    filterset_class = SmsFilter
    select_related = ("template",)
    default_ordering = "-created_at"
    template_name = "notify/sms_list.html"
    breadcrumbs = [("系统管理", None)]
    columns = [
        Column("created_at", "创建时间", width=20),
        Column("phone", "手机号", mask="phone", unmask_perm="accounts.view_personal_data"),
        Column("template", "模板", accessor="template.name", order_by="template__code"),
        SmsContentColumn("content", "内容", sortable=False, width=50),
        Column("status", "状态", choices=True),
        Column("attempts", "尝试次数"),
        Column("last_error", "最近错误", sortable=False, width=30),
        Column("sent_at", "提交时间", default=False),
        Column("delivered_at", "送达时间", default=False),
        Column("related", "关联业务", default=False),
        Column("gateway_message_id", "平台消息号", default=False),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["failed"] = (self.request.user.has_perm("notify.resend_smsmessage") and
                         list(SmsMessage.objects.visible_to(self.request.user)
                              .filter(status__in=["failed", "undelivered"]).order_by("-created_at")[:20]))
        return ctx


class SmsResendView(ScopedObjectMixin, EntranceMixin, View):
    model = SmsMessage
    permission_required = "notify.resend_smsmessage"

    def post(self, request, pk):
        try:
            services.resend(self.get_object(), request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已重新加入发送队列")
        return redirect("gov:sms_list")


class MessageListView(EntranceMixin, TemplateView):
    template_name = "notify/messages.html"
    title = "站内消息"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["items"] = list(InAppMessage.objects.visible_to(self.request.user)[:100])
        return ctx

    def post(self, request):
        InAppMessage.objects.visible_to(request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect(request.path)
