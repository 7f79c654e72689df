"""The tax staff's refund review (/gov/si/refunds/: list with filters and Excel export, one page per refund with
受理 / 审核通过 / 不予退费, retry of a failed gateway refund, the treasury voucher of a virtual-account refund) and the
no-refund list (/gov/si/no-refund/: list, add, remove, Excel import). Scoped by the payer's region (refunds) or
the entry's prefecture (list): another city's record is a 404."""
import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from kernel.audit.services import log_operation
from kernel.org.models import Region
from kernel.ui.filters import StyledFilterSet, date_range
from kernel.ui.generic import EntranceMixin, ScopedFormView, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column

from .. import services
from ..models import REFUND, NoRefundPerson, RefundApplication

VIEW, EXPORT = "si_refund.view_refundapplication", "si_refund.export_refundapplication"
BREAD = [("社保费掌上办", None), ("退费审核", "/gov/si/refunds/")]


def _money(value):
    return f"{value:.2f}"


COLUMNS = [
    Column("refund_no", "退费申请号", link="gov:si_refund", width=24),
    Column("payer", "缴费人", accessor="payer.name", order_by="payer__name", width=12),
    Column("id_number", "证件号码", accessor="payer.id_number", mask="id_number", sortable=False, width=20),
    Column("region", "参保地", accessor="payer.region.name", order_by="payer__region__code", width=12),
    Column("kind", "退费类型", choices=True, width=14),
    Column("mode", "退费方式", choices=True, width=14),
    Column("insurance", "险种", accessor="insurance.name", sortable=False, width=20),
    Column("period_start", "所属期起", width=12),
    Column("amount", "退费金额（元）", fmt=_money, width=14),
    Column("status", "状态", choices=True, width=12),
    Column("created_at", "申请时间", width=18),
    Column("paid_at", "退款时间", default=False, width=18),
]


class RefundFilter(StyledFilterSet):
    keyword = django_filters.CharFilter(label="申请号/缴费人/证件号码", method="search")
    status = django_filters.ChoiceFilter(label="状态", choices=REFUND.choices(), empty_label="全部")
    kind = django_filters.ChoiceFilter(label="退费类型", choices=RefundApplication.Kind.choices, empty_label="全部")
    created_from, created_to = date_range("created_at")

    class Meta:
        model = RefundApplication
        fields = []

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(refund_no__iexact=value) | Q(payer__name__icontains=value)
                         | Q(payer__id_number__iexact=value.upper()))


class RefundListView(ScopedListView):
    model = RefundApplication
    title = "退费审核"
    list_key = "si_refunds"
    permission_required = VIEW
    export_permission = EXPORT
    filterset_class = RefundFilter
    columns = COLUMNS
    select_related = ("payer", "payer__region", "insurance")
    breadcrumbs = [("社保费掌上办", None)]

    def related_for(self, columns):
        return list(self.select_related)


class RefundDetailView(ScopedObjectMixin, EntranceMixin, TemplateView):
    model = RefundApplication
    template_name = "si_refund/gov_detail.html"
    permission_required = VIEW
    select_related = ("payer", "payer__region", "insurance", "virtual_account", "slip_insurance", "reviewer")
    breadcrumbs = BREAD

    def get_title(self):
        return str(self.get_object())

    def get_context_data(self, **kwargs):
        from kernel.audit.services import history_for

        ctx = super().get_context_data(**kwargs)
        refund = self.get_object()
        user = self.request.user
        actions = {t.name for t in REFUND.available(refund, user) if t.name in ("accept", "approve", "reject")}
        ctx.update(refund=refund, state=refund.workflow_state(), items=refund.items.select_related(
            "line", "line__insurance", "declaration", "declaration__insurance"),
            transitions=refund.workflow_history().order_by("time", "id"), history=history_for(refund)[:30],
            actions=actions, errors=kwargs.get("errors", {}), listed=services.on_no_refund_list(refund.payer),
            may_pay=user.has_perm("si_refund.approve_refund") and refund.status == "approved",
            parts=services.parts(refund), opinion=kwargs.get("opinion", ""))
        return ctx

    def post(self, request, *args, **kwargs):
        refund = self.get_object()
        action = request.POST.get("action", "")
        opinion = request.POST.get("opinion", "")
        try:
            if action == "accept":
                services.accept(refund, request.user)
                messages.success(request, "已受理，进入审核")
            elif action == "approve":
                services.approve(refund, request.user, opinion)
                refund.refresh_from_db()
                if refund.status == "paid":
                    messages.success(request, f"审核通过，已退款{refund.amount}元")
                elif refund.gateway_error:
                    messages.error(request, f"审核通过，但退款未成功：{refund.gateway_error}，请稍后重试")
                else:
                    messages.success(request, "审核通过")
            elif action == "reject":
                services.reject(refund, request.user, opinion)
                messages.success(request, "已作出不予退费决定")
            elif action == "retry":
                if not request.user.has_perm("si_refund.approve_refund"):
                    raise PermissionDenied("您没有退款的权限")
                if services.send(refund, user=request.user):
                    messages.success(request, f"已退款{refund.amount}元")
                else:
                    refund.refresh_from_db()
                    messages.error(request, f"退款未成功：{refund.gateway_error or refund.get_status_display()}")
            elif action == "treasury":
                services.confirm_treasury(refund, request.user, request.POST.get("voucher", ""))
                messages.success(request, "已登记退库，退费办结")
            else:
                raise ValidationError({"__all__": "未知的操作"})
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            self._object = RefundApplication.objects.visible_to(request.user).select_related(
                *self.select_related).get(pk=refund.pk)
            return self.render_to_response(self.get_context_data(errors=errors, opinion=opinion), status=400)
        return redirect("gov:si_refund", pk=refund.pk)


# == no-refund list ================================================================================================
class NoRefundFilter(StyledFilterSet):
    keyword = django_filters.CharFilter(label="姓名/证件号码", method="search")

    class Meta:
        model = NoRefundPerson
        fields = []

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(id_number__iexact=value.upper())) if value else qs


NO_REFUND_COLUMNS = [
    Column("name", "姓名", link="gov:si_no_refund_entry", width=12),
    Column("id_number", "证件号码", mask="id_number", sortable=False, width=20),
    Column("prefecture", "地市", accessor="prefecture.name", order_by="prefecture__code", width=12),
    Column("reason", "不能退费原因", sortable=False, width=30),
    Column("created_at", "登记时间", width=18),
]


class NoRefundListView(ScopedListView):
    model = NoRefundPerson
    title = "不能退费人员名单"
    list_key = "si_no_refund"
    permission_required = "si_refund.view_norefundperson"
    filterset_class = NoRefundFilter
    columns = NO_REFUND_COLUMNS
    select_related = ("prefecture",)
    create_url_name = "gov:si_no_refund_new"
    create_permission = "si_refund.add_norefundperson"
    breadcrumbs = [("社保费掌上办", None)]


class NoRefundForm(forms.ModelForm):
    class Meta:
        model = NoRefundPerson
        fields = ["id_number", "name", "prefecture", "reason"]

    def __init__(self, *args, user, **kwargs):
        from kernel.org.forms import restrict_regions

        super().__init__(*args, **kwargs)
        self.fields["prefecture"].queryset = restrict_regions(Region.objects.filter(level__lte=2), user).order_by("code")
        self.fields["prefecture"].error_messages["required"] = "请选择地市"
        self.fields["prefecture"].error_messages["invalid_choice"] = "请选择您辖区内的地市"
        for name, label in (("id_number", "证件号码"), ("name", "姓名"), ("reason", "不能退费原因")):
            self.fields[name].error_messages["required"] = f"请填写{label}"
        for field in self.fields.values():
            w = field.widget
            w.attrs.setdefault("class", "form-select" if isinstance(w, forms.Select) else "form-control")

    def clean_id_number(self):
        from kernel.org.validators import validate_id_number

        value = self.cleaned_data["id_number"].strip().upper()
        validate_id_number(value)
        return value

    def clean(self):
        data = super().clean()
        if data.get("id_number") and data.get("prefecture") and NoRefundPerson.objects.filter(
                id_number=data["id_number"], prefecture=data["prefecture"]).exists():
            self.add_error("id_number", "该人员已在该地市的不能退费名单中")
        return data


class NoRefundCreateView(ScopedFormView):
    model = NoRefundPerson
    form_class = NoRefundForm
    title = "登记不能退费人员"
    permission_required = "si_refund.add_norefundperson"
    breadcrumbs = [("社保费掌上办", None), ("不能退费人员名单", "/gov/si/no-refund/")]
    success_message = "已登记"

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except IntegrityError:
            form = self.get_form(request.POST)
            form.is_valid()
            form.add_error("id_number", "该人员已在该地市的不能退费名单中")
            return self.render_to_response(self.get_context_data(form=form), status=400)

    def save_form(self, form):
        obj = form.save(commit=False)
        obj.created_by = self.request.user
        obj.save()
        log_operation("si_refund_norefund_added", user=self.request.user, entry=obj.pk,
                      prefecture=obj.prefecture.code)
        return obj

    def get_success_url(self, obj):
        return reverse("gov:si_no_refund")


class NoRefundDeleteView(ScopedObjectMixin, EntranceMixin, TemplateView):
    """One entry: shown with 移出名单 for those who may remove it."""

    model = NoRefundPerson
    template_name = "si_refund/gov_norefund.html"
    permission_required = "si_refund.view_norefundperson"
    select_related = ("prefecture",)
    breadcrumbs = [("社保费掌上办", None), ("不能退费人员名单", "/gov/si/no-refund/")]

    def get_title(self):
        return str(self.get_object())

    def get_context_data(self, **kwargs):
        from kernel.audit.services import history_for

        ctx = super().get_context_data(**kwargs)
        ctx.update(entry=self.get_object(), history=history_for(self.get_object())[:20],
                   may_delete=self.request.user.has_perm("si_refund.delete_norefundperson"))
        return ctx

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm("si_refund.delete_norefundperson"):
            raise PermissionDenied("您没有移出名单的权限")
        obj = self.get_object()
        with transaction.atomic():
            obj.delete()
            log_operation("si_refund_norefund_removed", user=request.user, entry=obj.pk)
        messages.success(request, f"已将{obj.name}移出不能退费名单")
        return redirect("gov:si_no_refund")
