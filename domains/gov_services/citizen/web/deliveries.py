"""证照送达 for the window staff (/gov/gs/deliveries/): the deliveries of their jurisdiction's cases, with
filters and Excel export, and one page per delivery to register the courier's tracking number (寄出), the
receipt (签收), a window pickup (领取) and the door-to-door collection of originals (上门收件).

Every queryset goes through visible_to(user) (another county's delivery is a 404); every change goes through
services.py (audit row, SMS to the applicant)."""
import django_filters
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.utils.html import format_html
from django.views.generic import TemplateView

from kernel.audit.services import history_for
from kernel.ui.filters import StyledFilterSet
from kernel.ui.generic import EntranceMixin, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column

from .. import services
from ..models import Delivery

VIEW, CHANGE, EXPORT = "gs_citizen.view_delivery", "gs_citizen.change_delivery", "gs_citizen.export_delivery"
BREAD = [("一窗受理", None), ("证照送达", "/gov/gs/deliveries/")]
STATUS_COLOURS = {"pending": "warning", "shipped": "info", "delivered": "success", "picked": "success"}


class StatusColumn(Column):
    def __init__(self):
        super().__init__("status", "送达状态", order_by="status", width=10)

    def raw(self, obj):
        return obj.get_status_display()

    def html(self, obj, user=None, link=True):
        return format_html('<span class="badge text-bg-{}">{}</span>', STATUS_COLOURS.get(obj.status, "secondary"),
                           obj.get_status_display())


class OriginalsColumn(Column):
    def __init__(self):
        super().__init__("door_pickup", "上门收件", order_by="door_pickup", width=10)

    def raw(self, obj):
        if not obj.door_pickup:
            return ""
        return "已收取原件" if obj.originals_collected_at else "待上门收件"

    def html(self, obj, user=None, link=True):
        text = self.raw(obj)
        if not text:
            return ""
        return format_html('<span class="badge text-bg-{}">{}</span>',
                           "success" if obj.originals_collected_at else "danger", text)


COLUMNS = [
    Column("case_no", "申报号", accessor="case.no", order_by="case__no", link="gov:gs_citizen_delivery", width=20),
    Column("matter", "事项", accessor="case.matter.name", order_by="case__matter__name", width=28),
    Column("applicant", "申请人", accessor="case.applicant_name", order_by="case__applicant_name", width=14),
    Column("method", "取件方式", choices=True, width=10),
    OriginalsColumn(),
    Column("recipient", "收件人", width=12),
    Column("phone", "收件人手机", mask="phone", sortable=False, width=14),
    Column("address", "收件地址", sortable=False, width=30),
    Column("postcode", "邮编", sortable=False, default=False, width=8),
    Column("carrier", "快递公司", choices=True, width=12),
    Column("tracking_no", "快递单号", width=20),
    StatusColumn(),
    Column("case_status", "办件状态", accessor="case.workflow_state.label", order_by="case__status", width=10),
    Column("shipped_at", "寄出时间", width=18),
    Column("updated_at", "更新时间", default=False, width=18),
]


class DeliveryFilter(StyledFilterSet):
    keyword = django_filters.CharFilter(label="申报号/申请人/收件人", method="search")
    status = django_filters.ChoiceFilter(label="送达状态", choices=Delivery.Status.choices, empty_label="全部")
    method = django_filters.ChoiceFilter(label="取件方式", choices=Delivery.Method.choices, empty_label="全部")
    originals = django_filters.ChoiceFilter(label="上门收件", method="by_originals", empty_label="全部", choices=[
        ("waiting", "待上门收件"), ("collected", "已收取原件"), ("none", "未申请")])
    ready = django_filters.ChoiceFilter(label="办件", method="by_ready", empty_label="全部", choices=[
        ("completed", "已办结（可寄送/领取）"), ("open", "办理中")])

    class Meta:
        model = Delivery
        fields = []

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(case__no__iexact=value) | Q(case__applicant_name__icontains=value)
                         | Q(recipient__icontains=value) | Q(tracking_no__iexact=value))

    def by_originals(self, qs, name, value):
        if value == "waiting":
            return qs.filter(door_pickup=True, originals_collected_at__isnull=True)
        if value == "collected":
            return qs.filter(door_pickup=True, originals_collected_at__isnull=False)
        return qs.filter(door_pickup=False)

    def by_ready(self, qs, name, value):
        return qs.filter(case__status="completed") if value == "completed" else qs.exclude(case__status="completed")


class DeliveryListView(ScopedListView):
    model = Delivery
    title = "证照送达"
    list_key = "gs_deliveries"
    permission_required = VIEW
    export_permission = EXPORT
    filterset_class = DeliveryFilter
    columns = COLUMNS
    select_related = ("case", "case__matter")
    breadcrumbs = [("一窗受理", None)]

    def related_for(self, columns):
        return list(self.select_related)


class DeliveryView(ScopedObjectMixin, EntranceMixin, TemplateView):
    """One delivery: what the applicant chose, and the staff's actions on it."""

    model = Delivery
    template_name = "gs_citizen/gov_delivery.html"
    permission_required = VIEW
    select_related = ("case", "case__matter", "case__matter__department", "case__region", "shipped_by",
                      "finished_by", "originals_collected_by")
    breadcrumbs = BREAD
    ACTIONS = {"ship": "证照已寄出，已短信通知申请人", "delivered": "已登记签收", "picked": "已登记领取",
               "originals": "已登记收取原件"}

    def get_title(self):
        return f"证照送达 {self.get_object().case.no}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        d = self.get_object()
        user = self.request.user
        can = user.has_perm(CHANGE)
        completed = d.case.status == "completed"
        ctx.update(delivery=d, case=d.case, case_state=d.case.workflow_state(), carriers=Delivery.Carrier.choices,
                   status_colour=STATUS_COLOURS.get(d.status, "secondary"),
                   can_ship=can and d.method == "courier" and d.status == "pending" and completed,
                   can_deliver=can and d.method == "courier" and d.status == "shipped",
                   can_pick=can and d.method == "pickup" and d.status == "pending" and completed,
                   can_collect=can and d.door_pickup and not d.originals_collected_at
                   and d.case.status not in services.FINISHED_CASE,
                   waiting_for_completion=d.status == "pending" and not completed,
                   history=history_for(d)[:30])
        ctx.setdefault("errors", {})
        ctx.setdefault("data", {})
        return ctx

    def post(self, request, pk):
        from django.core.exceptions import PermissionDenied

        delivery = self.get_object()  # 404 outside the user's jurisdiction
        if not request.user.has_perm(CHANGE):
            raise PermissionDenied("您没有办理证照送达的权限")
        action = request.POST.get("action")
        try:
            if action == "ship":
                services.ship_delivery(request.user, delivery, request.POST.get("tracking_no", ""),
                                       request.POST.get("carrier", ""))
            elif action == "delivered":
                services.mark_delivered(request.user, delivery)
            elif action == "picked":
                services.mark_picked(request.user, delivery)
            elif action == "originals":
                services.collect_originals(request.user, delivery)
            else:
                raise ValidationError({"action": ["未知操作"]})
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"action": exc.messages}
            self._object = Delivery.objects.select_related(*self.select_related).get(pk=delivery.pk)
            return self.render_to_response(self.get_context_data(errors=errors, data=request.POST), status=400)
        messages.success(request, self.ACTIONS[action])
        return redirect("gov:gs_citizen_delivery", pk=delivery.pk)
