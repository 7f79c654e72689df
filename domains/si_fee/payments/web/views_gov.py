"""The tax staff's payment orders (/gov/si/payments/): list with filters and Excel export, one page per order
with its lines and history and its receipt (PDF); reconciliation runs and differences (/gov/si/reconciliation/)
with 标记已处理. Scoped by the payer's region (another city's order or difference is a 404)."""
import django_filters
from django.db.models import Q
from django.views.generic import TemplateView

from kernel.ui.filters import StyledFilterSet, date_range
from kernel.ui.generic import EntranceMixin, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column

from ..models import ORDER, PaymentOrder, ReconciliationDifference, ReconciliationRun

VIEW, EXPORT = "si_pay.view_paymentorder", "si_pay.export_paymentorder"
BREAD = [("社保费掌上办", None), ("缴费订单", "/gov/si/payments/")]


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
    breadcrumbs = [("社保费掌上办", None)]

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


class OrderReceiptView(ScopedObjectMixin, EntranceMixin, TemplateView):
    """缴费回单 (PDF) of a paid order, opened by staff from the order page (scoped like the order)."""

    model = PaymentOrder
    permission_required = VIEW
    select_related = ("payer", "payer__region", "payer__prefecture", "payer__tax_authority")

    def get(self, request, pk):
        from django.http import Http404

        from kernel.audit.services import log_operation
        from kernel.exports.documents import pdf_response

        from ..receipts import issue_receipt, receipt_data

        order = self.get_object()
        if order.status != "paid":
            raise Http404("订单尚未缴费成功，没有缴费回单")
        data = receipt_data(order, issue_receipt(order, request.user), request=request)
        log_operation("si_receipt_pdf", user=request.user, entrance="gov", order_no=order.order_no,
                      receipt_no=data["receipt"].receipt_no)
        return pdf_response("si_pay/receipt_pdf.html", {**data, "title": "缴费回单"},
                            f"缴费回单_{data['receipt'].receipt_no}")


# == 对账管理 ===================================================================================================
RECON_VIEW = "si_pay.view_reconciliationdifference"
RESOLVE = "si_pay.resolve_reconciliationdifference"
RECON_BREAD = [("社保费掌上办", None), ("对账管理", "/gov/si/reconciliation/")]


class ReconciliationView(EntranceMixin, TemplateView):
    """对账管理: the latest runs (counts of the whole file) and the differences of the user's region, filtered
    by status / kind / day; each difference opens its page with 标记已处理."""

    template_name = "si_pay/gov_reconciliation.html"
    permission_required = (RECON_VIEW, "si_pay.view_reconciliationrun")
    title = "对账管理"
    breadcrumbs = [("社保费掌上办", None)]

    def get_context_data(self, **kwargs):
        import datetime

        from django.core.paginator import Paginator

        ctx = super().get_context_data(**kwargs)
        g = self.request.GET
        status = g.get("status", "open")
        kind = g.get("kind", "")
        qs = ReconciliationDifference.objects.visible_to(self.request.user).select_related("region", "order")
        if status in ("open", "resolved"):
            qs = qs.filter(status=status)
        if kind in ReconciliationDifference.Kind.values:
            qs = qs.filter(kind=kind)
        day = None
        try:
            day = datetime.date.fromisoformat(g.get("day", "")) if g.get("day") else None
        except ValueError:
            ctx["day_error"] = "日期格式应为YYYY-MM-DD"
        if day:
            qs = qs.filter(day=day)
        ctx.update(runs=ReconciliationRun.objects.select_related("triggered_by")[:15],
                   page=Paginator(qs.order_by("-day", "-id"), 20).get_page(g.get("page")),
                   status=status, kind=kind, day=g.get("day", ""), kinds=ReconciliationDifference.Kind.choices,
                   open_count=ReconciliationDifference.objects.visible_to(self.request.user).filter(
                       status="open").count())
        return ctx


class DifferenceView(ScopedObjectMixin, EntranceMixin, TemplateView):
    """One difference: the bank's and our figures, its order, its warning, the handling history; 标记已处理
    with a note (required)."""

    template_name = "si_pay/gov_difference.html"
    permission_required = RECON_VIEW
    breadcrumbs = RECON_BREAD
    select_related = ("region", "order", "order__payer", "run", "resolved_by")

    model = ReconciliationDifference

    def get_title(self):
        return str(self.get_object())

    def get_context_data(self, **kwargs):
        from kernel.alerts.models import Warning

        from ..alerts import CODE

        ctx = super().get_context_data(**kwargs)
        diff = self.get_object()
        warning = (Warning.objects.filter(rule__code=CODE, subject_id=diff.pk).order_by("-id").first())
        ctx.update(diff=diff, state=diff.workflow_state(), warning=warning,
                   can_resolve=diff.status == "open" and self.request.user.has_perm(RESOLVE),
                   transitions=diff.workflow_history().order_by("time"), errors=kwargs.get("errors", {}),
                   general_errors=kwargs.get("errors", {}).get("__all__", []), note=kwargs.get("note", ""))
        return ctx

    def post(self, request, *args, **kwargs):
        from django.contrib import messages
        from django.core.exceptions import PermissionDenied, ValidationError
        from django.shortcuts import redirect

        from ..reconciliation import resolve

        if not request.user.has_perm(RESOLVE):
            raise PermissionDenied("您没有处理对账差异的权限")
        diff = self.get_object()
        note = request.POST.get("note", "")
        try:
            resolve(diff, request.user, note)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            return self.render_to_response(self.get_context_data(errors=errors, note=note), status=400)
        messages.success(request, "差异已标记为已处理")
        return redirect(diff.get_absolute_url())
