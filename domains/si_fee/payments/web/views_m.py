"""H5 pages of the payer (entrance "m", /m/si/...): 缴费申报 (self-declared flexible-employment pension), 待缴费用
(payables assessed by social security), the return page after the cashier, and 缴费记录. Every record is the
signed-in payer's own (payer=self.payer and visible_to), anybody else's order is a 404."""
import uuid
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from domains.si_fee.payers.web.mixins import PayerMixin
from domains.si_fee.rules.models import InsuranceType, yuan
from domains.si_fee.rules.services import payable_periods, period_label

from .. import services
from ..models import PERIOD_SOURCES, SETTLED, Payable, PaymentLine, PaymentOrder


def home_url():
    return reverse("m:si_home")


def errors_of(exc: ValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


class PayPage(PayerMixin, TemplateView):

    def my_orders(self):
        return PaymentOrder.objects.visible_to(self.request.user).filter(payer=self.payer)


def _return_url(request, order):
    return request.build_absolute_uri(reverse("m:si_pay_return", args=[order.order_no]))


def _to_cashier(request, order):
    url = services.open_cashier(order, notify_url=services.notify_url(request), return_url=_return_url(request, order))
    return redirect(url)


class DeclareView(PayPage):
    """缴费申报: choose the insurance type, periods open today under the prefecture's rule, and a base grade."""

    template_name = "si_pay/declare.html"
    title = "缴费申报"

    def insurances(self):
        return list(InsuranceType.objects.filter(active=True, self_declared=True, rate__isnull=False,
                                                 person_type=self.payer.person_type))

    def options(self, insurance, today):
        """(periods [(value, label, state)], grades [Decimal], note) for the insurance on `today`."""
        from domains.si_fee.rules.models import ContributionRule
        from domains.si_fee.rules.services import must_be_assessed

        periods, grades, notes = [], [], []
        held = {line.period_start: line.status for line in PaymentLine.objects.filter(
            payer=self.payer, insurance=insurance, source__in=PERIOD_SOURCES, status__in=SETTLED + ["pending"])}
        for year in (today.year - 1, today.year):
            rule = (ContributionRule.objects.filter(prefecture=self.payer.prefecture, year=year, insurance=insurance)
                    .select_related("prefecture").first())
            if rule is None:
                continue
            why = must_be_assessed(rule, self.payer.special_category)
            open_ = payable_periods(rule, today)
            if why:
                if open_:
                    notes.append(why)
                continue
            if open_ and not grades:
                grades = rule.grade_amounts
            for p in open_:
                state = "paid" if held.get(p) in SETTLED else ("pending" if p in held else "")
                periods.append((p.strftime("%Y-%m"), period_label(p), state))
        return periods, grades, notes

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        insurances = self.insurances()
        data = kwargs.get("data") or self.request.GET
        chosen = next((i for i in insurances if str(i.pk) == str(data.get("insurance", ""))), None) or (
            insurances[0] if insurances else None)
        periods, grades, notes = self.options(chosen, services.today()) if chosen else ([], [], [])
        ctx.update(insurances=insurances, insurance=chosen, periods=periods, notes=notes,
                   grades=[(str(g), yuan(g)) for g in grades],
                   rate_bp=int(chosen.rate * 10000) if chosen else 0, rate_pct=yuan(chosen.rate * 100) if chosen else "",
                   request_id=kwargs.get("request_id") or uuid.uuid4().hex,
                   chosen_periods=data.getlist("periods") if hasattr(data, "getlist") else [],
                   chosen_base=data.get("base", ""), errors=kwargs.get("errors", {}))
        return ctx

    def post(self, request, *args, **kwargs):
        import datetime

        data = request.POST
        errors = {}
        insurance = InsuranceType.objects.filter(pk=data.get("insurance") or 0).first() if (
            data.get("insurance", "").isdigit()) else None
        periods = []
        for value in data.getlist("periods"):
            try:
                periods.append(datetime.datetime.strptime(value, "%Y-%m").date())
            except ValueError:
                errors["periods"] = ["所属期格式不正确"]
        base = (data.get("base") or "").strip()
        if not base:
            errors["base"] = ["请选择缴费基数"]
        if not errors:
            try:
                order, _ = services.create_self_order(self.payer, insurance, periods, base,
                                                      request_id=data.get("request_id", ""), today=services.today(),
                                                      user=request.user)
                if order.status == "paid":
                    return redirect("m:si_pay_return", order_no=order.order_no)
                return _to_cashier(request, order)
            except ValidationError as exc:
                errors = errors_of(exc)
        ctx = self.get_context_data(data=data, errors=errors, request_id=data.get("request_id", ""))
        return self.render_to_response(ctx, status=400)


class PayablesView(PayPage):
    """待缴费用: the payer's pending payables assessed by social security; pay the chosen ones."""

    template_name = "si_pay/payables.html"
    title = "待缴费用"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        payables = list(Payable.objects.visible_to(self.request.user).filter(
            payer=self.payer, status=Payable.Status.PENDING).select_related("insurance"))
        held = set(PaymentLine.objects.filter(payable__in=payables, status="pending").values_list("payable_id", flat=True))
        ctx.update(payables=[(p, p.pk in held) for p in payables], request_id=kwargs.get("request_id") or uuid.uuid4().hex,
                   errors=kwargs.get("errors", {}), total=sum((p.amount for p in payables), Decimal("0.00")))
        return ctx

    def post(self, request, *args, **kwargs):
        try:
            order, _ = services.create_payable_order(self.payer, request.POST.getlist("payables"),
                                                     request_id=request.POST.get("request_id", ""), user=request.user)
            if order.status == "paid":
                return redirect("m:si_pay_return", order_no=order.order_no)
            return _to_cashier(request, order)
        except ValidationError as exc:
            ctx = self.get_context_data(errors=errors_of(exc), request_id=request.POST.get("request_id", ""))
            return self.render_to_response(ctx, status=400)


class ReturnView(PayPage):
    """The page the cashier sends the payer back to: the order's result (asked of the gateway if no
    callback has arrived yet)."""

    template_name = "si_pay/result.html"
    title = "缴费结果"

    def get_order(self):
        order = self.my_orders().filter(order_no=self.kwargs["order_no"]).first()
        if order is None:
            raise Http404("订单不存在")
        return order

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        order = services.refresh_order(self.get_order())
        ctx.update(order=order, state=order.workflow_state(), lines=order.lines.select_related("insurance"),
                   back_url=reverse("m:si_pay_history"))
        return ctx


class CancelView(ReturnView):
    def post(self, request, *args, **kwargs):
        order = self.get_order()
        try:
            services.cancel_order(order, user=request.user)
            messages.info(request, "订单已取消")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("m:si_pay_return", order_no=order.order_no)

    def get(self, request, *args, **kwargs):
        return redirect("m:si_pay_return", order_no=self.kwargs["order_no"])


class ContinueView(ReturnView):
    """继续支付: back to the cashier of an unpaid order."""

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        try:
            return _to_cashier(request, order)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("m:si_pay_return", order_no=order.order_no)


class HistoryView(PayPage):
    """缴费记录: the payer's orders, newest first, each with its lines and their status."""

    template_name = "si_pay/history.html"
    title = "缴费记录"

    def get_context_data(self, **kwargs):
        from django.core.paginator import Paginator
        from django.db.models import Prefetch

        ctx = super().get_context_data(**kwargs)
        qs = self.my_orders().prefetch_related(
            Prefetch("lines", queryset=PaymentLine.objects.select_related("insurance"))).order_by("-id")
        ctx["page"] = Paginator(qs, 10).get_page(self.request.GET.get("page"))
        return ctx


# == 缴费回单 ===================================================================================================
class ReceiptListView(PayPage):
    """缴费回单: the payer's paid orders, each opening its receipt."""

    template_name = "si_pay/receipts.html"
    title = "缴费回单"

    def get_context_data(self, **kwargs):
        from django.core.paginator import Paginator
        from django.db.models import Prefetch

        ctx = super().get_context_data(**kwargs)
        qs = self.my_orders().filter(status="paid").prefetch_related(
            Prefetch("lines", queryset=PaymentLine.objects.select_related("insurance"))).order_by("-paid_at", "-id")
        ctx["page"] = Paginator(qs, 10).get_page(self.request.GET.get("page"))
        return ctx


class ReceiptView(PayPage):
    """One receipt (H5), with the QR code of its verification page and the PDF download."""

    template_name = "si_pay/receipt.html"
    title = "缴费回单"

    def get_order(self):
        order = (self.my_orders().filter(order_no=self.kwargs["order_no"], status="paid")
                 .select_related("payer", "payer__region", "payer__prefecture", "payer__tax_authority").first())
        if order is None:
            raise Http404("缴费回单不存在")
        return order

    def receipt_data(self):
        from ..receipts import issue_receipt, receipt_data

        order = self.get_order()
        return receipt_data(order, issue_receipt(order, self.request.user), request=self.request)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(self.receipt_data(), back_url=reverse("m:si_pay_receipts"))
        return ctx


class ReceiptPdfView(ReceiptView):
    def get(self, request, *args, **kwargs):
        from kernel.audit.services import log_operation
        from kernel.exports.documents import pdf_response

        data = self.receipt_data()
        log_operation("si_receipt_pdf", user=request.user, entrance="m", order_no=data["order"].order_no,
                      receipt_no=data["receipt"].receipt_no)
        return pdf_response("si_pay/receipt_pdf.html", {**data, "title": "缴费回单"},
                            f"缴费回单_{data['receipt'].receipt_no}")
