"""H5 pages of the payer (entrance "m", /m/si/...): 委托扣款协议 (sign three-party / two-party, query, detail,
terminate, print, paper verification), 应缴费额设置 (residents), 待批扣清册 (change the amount, void). Every record
is the signed-in payer's own (visible_to and payer=self.payer): anybody else's is a 404."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from domains.si_fee.payers.models import IdType
from domains.si_fee.payers.web.mixins import PayerMixin
from domains.si_fee.rules.models import yuan
from kernel.files import services as files

from .. import services
from ..models import BANKS, Agreement, BatchItem, ResidentAmount

FORM_FIELDS = ("bank_code", "account_no", "account_name", "for_other", "subject_id_type", "subject_id_number",
               "subject_name", "confirmed", "signature_data")


class AgreementPage(PayerMixin, TemplateView):
    def my_agreements(self):
        """The agreements the payer signed, and those someone else signed with the payer as the person paid
        for (签订他人协议): the payer sees and may terminate those too, else one made by someone else would
        hold the payer's only slot."""
        from django.db.models import Q

        signed = Agreement.objects.visible_to(self.request.user).filter(payer=self.payer)
        about_me = Agreement.objects.filter(subject_payer=self.payer)
        return Agreement.objects.filter(Q(pk__in=signed.values("pk")) | Q(pk__in=about_me.values("pk")))

    def get_agreement(self):
        agreement = self.my_agreements().filter(pk=self.kwargs["pk"]).first()
        if agreement is None:
            raise Http404("协议不存在")
        return agreement


class AgreementListView(AgreementPage):
    """委托扣款协议查询 (§2.4 rows 5-6): the payer's agreements of both kinds, with their status."""

    template_name = "si_agree/m_agreements.html"
    title = "委托扣款协议"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["agreements"] = list(self.my_agreements().order_by("-id"))
        return ctx


class AgreementCreateView(AgreementPage):
    """三方协议签订 / 两两协议签订: identity auto-filled (two-party: may be for another person), bank, account,
    confirmation and an optional drawn signature; verification by the bank starts on submit."""

    template_name = "si_agree/m_agreement_form.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["kind"] not in Agreement.Kind.values:
            raise Http404("协议类型不存在")
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return "三方协议签订" if self.kwargs["kind"] == Agreement.Kind.TRIPARTITE else "两两协议签订"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        kind = self.kwargs["kind"]
        ctx.update(kind=kind, banks=BANKS, id_types=IdType.choices, data=kwargs.get("data") or {},
                   errors=kwargs.get("errors", {}), back_url=reverse("m:si_agree_list"),
                   form_title=("委托银行代缴税款三方协议" if kind == Agreement.Kind.TRIPARTITE
                               else "委托银行代缴税款两两协议"),
                   in_force=self.my_agreements().filter(status__in=["pending", "active"], for_other=False).first())
        return ctx

    def post(self, request, *args, **kwargs):
        data = {k: request.POST.get(k, "") for k in FORM_FIELDS}
        paper = request.POST.get("action") == "paper"
        try:
            agreement = services.sign_agreement(self.payer, self.kwargs["kind"], data, user=request.user, paper=paper)
        except ValidationError as exc:
            data.pop("signature_data", None)
            return self.render_to_response(self.get_context_data(data=data, errors=services.errors_of(exc)),
                                           status=400)
        if agreement.status == "active":
            messages.success(request, f"协议已生效，协议号{agreement.agreement_no}")
        elif agreement.status == "failed":
            messages.error(request, f"银行验证未通过：{agreement.fail_reason}")
        elif paper:
            messages.info(request, "协议已生成，请打印后到开户银行办理，银行录入后在此完成验证")
        else:
            messages.info(request, "协议已提交，银行验证结果稍后更新")
        return redirect("m:si_agree_detail", pk=agreement.pk)


class AgreementDetailView(AgreementPage):
    template_name = "si_agree/m_agreement.html"
    title = "协议详情"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        agreement = self.get_agreement()
        ctx.update(agreement=agreement, state=agreement.workflow_state(), back_url=reverse("m:si_agree_list"),
                   transitions=agreement.workflow_history().order_by("time"), errors=kwargs.get("errors", {}))
        return ctx


class AgreementTerminateView(AgreementDetailView):
    def get(self, request, *args, **kwargs):
        return redirect("m:si_agree_detail", pk=self.kwargs["pk"])

    def post(self, request, *args, **kwargs):
        agreement = self.get_agreement()
        try:
            services.terminate_agreement(agreement, user=request.user, reason=request.POST.get("reason", ""))
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(errors=services.errors_of(exc)), status=400)
        messages.success(request, "协议已终止")
        return redirect("m:si_agree_detail", pk=agreement.pk)


class AgreementVerifyView(AgreementDetailView):
    """Paper path: after the bank has entered the printed agreement, the payer completes verification."""

    def get(self, request, *args, **kwargs):
        return redirect("m:si_agree_detail", pk=self.kwargs["pk"])

    def post(self, request, *args, **kwargs):
        agreement = self.get_agreement()
        if agreement.status != "pending":
            messages.error(request, f"协议{agreement.get_status_display()}，无需验证")
        elif not services.verify_agreement(agreement, user=request.user):
            messages.error(request, "银行系统暂不可用，请稍后再试")
        elif agreement.status == "active":
            messages.success(request, "协议已生效")
        else:
            messages.error(request, f"银行验证未通过：{agreement.fail_reason}")
        return redirect("m:si_agree_detail", pk=agreement.pk)


class AgreementPrintView(AgreementDetailView):
    template_name = "si_agree/agreement_print.html"


class AgreementSignatureView(AgreementPage):
    def get(self, request, *args, **kwargs):
        agreement = self.get_agreement()
        if agreement.signature_id is None or not files.may_view(request.user, agreement):
            raise Http404("没有电子签名")
        return files.download_response(agreement.signature, inline=True)


# == 应缴费额设置 ==================================================================================================
class ResidentAmountView(PayerMixin, TemplateView):
    template_name = "si_agree/m_amount.html"
    title = "应缴费额设置"

    def year(self):
        try:
            year = int(self.request.POST.get("year") or self.request.GET.get("year") or services.today().year)
        except ValueError:
            year = services.today().year
        return year if 2000 <= year <= 2100 else services.today().year

    def get_context_data(self, **kwargs):
        from domains.si_fee.rules.models import ResidentGrade

        ctx = super().get_context_data(**kwargs)
        year = self.year()
        rows = []
        if self.payer.person_type == "resident":
            for insurance in services.resident_insurances():
                grade = ResidentGrade.objects.filter(prefecture=self.payer.prefecture, year=year,
                                                     insurance=insurance).first()
                chosen = (ResidentAmount.objects.visible_to(self.request.user)
                          .filter(payer=self.payer, insurance=insurance, year=year).first())
                # option values and the chosen amount in one form ("300.00"), so the current choice is selected
                rows.append({"insurance": insurance, "grades": [(f"{a:.2f}", yuan(a)) for a in grade.grade_amounts]
                             if grade else [], "chosen": f"{chosen.amount:.2f}" if chosen else "",
                             "default": f"{grade.default_grade:.2f}" if grade else ""})
        today = services.today()
        ctx.update(year=year, years=[today.year, today.year + 1], rows=rows, errors=kwargs.get("errors", {}))
        return ctx

    def post(self, request, *args, **kwargs):
        from domains.si_fee.rules.models import InsuranceType

        ins_id = request.POST.get("insurance", "")
        insurance = InsuranceType.objects.filter(pk=ins_id).first() if ins_id.isdigit() else None
        try:
            services.set_resident_amount(self.payer, insurance, self.year(), request.POST.get("amount", ""),
                                         user=request.user)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(errors=services.errors_of(exc)), status=400)
        messages.success(request, "应缴费额已设置，批量扣款将按此金额扣缴")
        return redirect(f"{reverse('m:si_agree_amount')}?year={self.year()}")


# == 待批扣清册 ======================================================================================================
class ItemPage(PayerMixin, TemplateView):
    template_name = "si_agree/m_items.html"
    title = "待批扣清册"

    def my_items(self):
        return BatchItem.objects.visible_to(self.request.user).filter(payer=self.payer)

    def get_item(self):
        item = self.my_items().filter(pk=self.kwargs["pk"]).select_related("insurance", "payer").first()
        if item is None:
            raise Http404("记录不存在")
        return item

    def get_context_data(self, **kwargs):
        from domains.si_fee.rules.services import resident_grades

        ctx = super().get_context_data(**kwargs)
        items = list(self.my_items().select_related("insurance", "task", "agreement").order_by("-id")[:100])
        rows = []
        for item in items:
            grades = []
            if item.status == "pending" and item.insurance.yearly:
                try:
                    grade = resident_grades(self.payer.prefecture, item.period_start.year, item.insurance)
                    grades = [(f"{a:.2f}", yuan(a)) for a in grade.grade_amounts]
                except ValidationError:
                    grades = []
            rows.append((item, grades))
        ctx.update(rows=rows, errors=kwargs.get("errors", {}), error_item=kwargs.get("error_item"))
        return ctx


class ItemListView(ItemPage):
    """待批扣清册查询 (§2.4 row 4) with 修改金额 / 作废 on pending items."""


class ItemAmountView(ItemPage):
    def get(self, request, *args, **kwargs):
        return redirect("m:si_agree_items")

    def post(self, request, *args, **kwargs):
        item = self.get_item()
        try:
            services.change_item_amount(item, request.POST.get("amount", ""), user=request.user)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(errors=services.errors_of(exc), error_item=item.pk),
                                           status=400)
        messages.success(request, f"批扣金额已修改为{item.amount}元")
        return redirect("m:si_agree_items")


class ItemVoidView(ItemPage):
    def get(self, request, *args, **kwargs):
        return redirect("m:si_agree_items")

    def post(self, request, *args, **kwargs):
        item = self.get_item()
        try:
            services.void_item(item, user=request.user, reason=request.POST.get("reason", ""))
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(errors=services.errors_of(exc), error_item=item.pk),
                                           status=400)
        messages.success(request, "待批扣记录已作废，请通过其他方式缴费")
        return redirect("m:si_agree_items")
