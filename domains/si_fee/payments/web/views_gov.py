"""The tax staff's payment orders (/gov/si/payments/): list with filters and Excel export, one page per order
with its lines and history. Scoped by the payer's region (another city's order is a 404)."""
import django_filters
from django.db.models import Q
from django.views.generic import TemplateView

from kernel.ui.filters import StyledFilterSet, date_range
from kernel.ui.generic import EntranceMixin, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column

from ..models import ORDER, PaymentOrder

VIEW, EXPORT = "si_pay.view_paymentorder", "si_pay.export_paymentorder"
BREAD = [("社保费", None), ("缴费订单", "/gov/si/payments/")]


def _money(value):
    return f"{value:.2f}"


COLUMNS = [
    Column("order_no", "订单号", link="gov:si_pay_order", width=24),
    Column("payer", "缴费人", accessor="payer.name", order_by="payer__name", width=12),
    Column("id_number", "证件号码", accessor="payer.id_number", mask="id_number", sortable=False, width=20),
    Column("region", "参保地", accessor="payer.region.name", order_by="payer__region__code", width=12),
    Column("kind", "缴费类型", choices=True, width=14),
    Column("total", "金额合计（元）", fmt=_money, width=14),
    Column("status", "订单状态", choices=True, width=10),
    Column("channel", "缴费渠道", width=16),
    Column("bank_serial", "银行流水", width=24),
    Column("paid_at", "缴费时间", width=18),
    Column("created_at", "下单时间", default=False, width=18),
]


class OrderFilter(StyledFilterSet):
    keyword = django_filters.CharFilter(label="订单号/缴费人/证件号码/银行流水", method="search")
    status = django_filters.ChoiceFilter(label="订单状态", choices=ORDER.choices(), empty_label="全部")
    kind = django_filters.ChoiceFilter(label="缴费类型", choices=PaymentOrder.Kind.choices, empty_label="全部")
    paid_from, paid_to = date_range("paid_at")

    class Meta:
        model = PaymentOrder
        fields = []

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(order_no__iexact=value) | Q(payer__name__icontains=value)
                         | Q(payer__id_number__iexact=value.upper()) | Q(bank_serial__iexact=value))


class OrderListView(ScopedListView):
    model = PaymentOrder
    title = "缴费订单"
    list_key = "si_pay_orders"
    permission_required = VIEW
    export_permission = EXPORT
    filterset_class = OrderFilter
    columns = COLUMNS
    select_related = ("payer", "payer__region")
    breadcrumbs = [("社保费", None)]

    def related_for(self, columns):
        return list(self.select_related)


class OrderDetailView(ScopedObjectMixin, EntranceMixin, TemplateView):
    model = PaymentOrder
    template_name = "si_pay/gov_order.html"
    permission_required = VIEW
    select_related = ("payer", "payer__region")
    breadcrumbs = BREAD

    def get_title(self):
        return str(self.get_object())

    def get_context_data(self, **kwargs):
        from kernel.audit.services import history_for

        ctx = super().get_context_data(**kwargs)
        order = self.get_object()
        ctx.update(order=order, state=order.workflow_state(), lines=order.lines.select_related("insurance", "payable"),
                   transitions=order.workflow_history().order_by("time"), history=history_for(order)[:30])
        return ctx
