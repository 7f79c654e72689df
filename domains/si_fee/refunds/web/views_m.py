"""H5 pages of the payer (entrance "m", /m/si/...): 退费申请 (my refunds, normal and special application, detail,
withdraw while submitted) and 虚拟户申报结果 (residents). Every refund is the signed-in payer's own
(payer=self.payer and visible_to), anybody else's is a 404. Virtual accounts and their declarations are read
for the payer only (their own ID number, their prefecture's accounts) through the services."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from domains.si_fee.payers.web.mixins import PayerMixin
from domains.si_fee.rules.models import InsuranceType

from .. import services
from ..models import RefundApplication, VirtualAccount

FIELDS = ["reason", "bank_name", "account_name", "bank_account"]


def errors_of(exc: ValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


class RefundPage(PayerMixin, TemplateView):
    def my_refunds(self):
        return RefundApplication.objects.visible_to(self.request.user).filter(payer=self.payer)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("errors", {})
        return ctx


class RefundListView(RefundPage):
    template_name = "si_refund/m_list.html"
    title = "退费申请"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["refunds"] = self.my_refunds().select_related("insurance").prefetch_related("items")[:50]
        ctx["listed"] = services.on_no_refund_list(self.payer)
        return ctx


class NormalNewView(RefundPage):
    """正常缴费退费申请: the payer's tax receipts grouped by period (every insurance type of the period shown),
    one insurance type and period chosen, refunded in full; or 虚拟户模式 with the virtual account's number."""

    template_name = "si_refund/m_normal.html"
    title = "正常缴费退费申请"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        data = kwargs.get("data") or self.request.GET
        virtual = data.get("virtual") in ("1", "on")
        number = (data.get("virtual_no") or "").strip()
        account = (VirtualAccount.objects.filter(identification_no=number, prefecture=self.payer.prefecture).first()
                   if number else None)
        if virtual:
            groups = services.virtual_groups(self.payer, account) if account else []
        else:
            groups = services.normal_groups(self.payer)
        notice = ""
        if not virtual and not groups and not services.has_receipts(self.payer):
            notice = services.NO_RECEIPT
        query = (self.request.GET.get("va_q") or "").strip()
        ctx.update(virtual=virtual, virtual_no=number, account=account, groups=groups, notice=notice,
                   va_q=query, va_found=services.search_virtual_accounts(self.payer, query) if query else None,
                   data=data, resident=self.payer.person_type == "resident",
                   listed=services.on_no_refund_list(self.payer))
        return ctx

    def post(self, request, *args, **kwargs):
        try:
            refund = services.apply_normal(self.payer, request.POST, user=request.user)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(data=request.POST, errors=errors_of(exc)), status=400)
        messages.success(request, f"退费申请已提交，申请号{refund.refund_no}")
        return redirect("m:si_refund_detail", pk=refund.pk)


class SpecialNewView(RefundPage):
    """特殊缴费退费申请: a tax receipt of special payment refunded in full, or the assessed refund slip
    (是否录入核定退费单 → 录入核定退费单) for the slip's amount."""

    template_name = "si_refund/m_special.html"
    title = "特殊缴费退费申请"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        data = kwargs.get("data") or self.request.GET
        ctx.update(receipts=services.special_receipts(self.payer), data=data, slip=data.get("slip") in ("1", "on"),
                   insurances=InsuranceType.objects.filter(person_type=self.payer.person_type, active=True),
                   listed=services.on_no_refund_list(self.payer))
        return ctx

    def post(self, request, *args, **kwargs):
        try:
            refund = services.apply_special(self.payer, request.POST, user=request.user)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(data=request.POST, errors=errors_of(exc)), status=400)
        messages.success(request, f"退费申请已提交，申请号{refund.refund_no}")
        return redirect("m:si_refund_detail", pk=refund.pk)


class DetailView(RefundPage):
    template_name = "si_refund/m_detail.html"

    def get_refund(self):
        refund = self.my_refunds().filter(pk=self.kwargs["pk"]).select_related("insurance", "virtual_account").first()
        if refund is None:
            raise Http404("退费申请不存在")
        return refund

    def get_title(self):
        return "退费申请详情"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        refund = self.get_refund()
        ctx.update(refund=refund, state=refund.workflow_state(), items=refund.items.all(),
                   transitions=refund.workflow_history().order_by("time", "id"),
                   back_url=reverse("m:si_refund_list"))
        return ctx


class WithdrawView(DetailView):
    def get(self, request, *args, **kwargs):
        return redirect("m:si_refund_detail", pk=self.kwargs["pk"])

    def post(self, request, *args, **kwargs):
        refund = self.get_refund()
        try:
            services.withdraw(refund, request.user)
            messages.info(request, "退费申请已撤回")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("m:si_refund_detail", pk=refund.pk)


class VirtualResultsView(RefundPage):
    """城乡居民虚拟户社保费申报结果查询（自主模式）."""

    template_name = "si_refund/m_virtual.html"
    title = "虚拟户申报结果"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["message"], ctx["declarations"] = services.virtual_results(self.payer)
        return ctx
