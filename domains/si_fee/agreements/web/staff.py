"""The tax staff's pages (/gov/si/...): agreement monitoring (list with filters and Excel export, detail) and
batch deduction (tasks with their counts, launch, run now, items). Agreements and items are scoped by the payer's
region, tasks by their prefecture: another city's record is a 404."""
import datetime

import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.views.generic import TemplateView

from kernel.ui.filters import StyledFilterSet, date_range
from kernel.ui.generic import EntranceMixin, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column

from .. import services
from ..models import AGREEMENT, BANKS, Agreement, BatchItem, BatchTask

VIEW, EXPORT = "si_agree.view_agreement", "si_agree.export_agreement"
TASK_VIEW, TASK_ADD, TASK_RUN = "si_agree.view_batchtask", "si_agree.add_batchtask", "si_agree.run_batchtask"

AGREEMENT_COLUMNS = [
    Column("agreement_no", "协议号", link="gov:si_agree_detail", width=20),
    Column("kind", "协议类型", choices=True, width=10),
    Column("subject_name", "缴费人", width=10),
    Column("subject_id_number", "证件号码", mask="id_number", sortable=False, width=20),
    Column("region", "参保地", accessor="payer.region.name", order_by="payer__region__code", width=12),
    Column("bank", "开户银行", accessor="bank_name", order_by="bank_code", width=16),
    Column("account", "扣款账号", accessor="masked_account", sortable=False, width=22),
    Column("account_name", "账户名称", width=10),
    Column("for_other", "为他人签订", width=8, default=False),
    Column("status", "协议状态", choices=True, width=10),
    Column("fail_reason", "验证失败原因", width=20),
    Column("created_at", "签订时间", width=18),
    Column("verified_at", "生效时间", width=18, default=False),
    Column("terminated_at", "终止时间", width=18, default=False),
]


class AgreementFilter(StyledFilterSet):
    keyword = django_filters.CharFilter(label="协议号/缴费人/证件号码", method="search")
    kind = django_filters.ChoiceFilter(label="协议类型", choices=Agreement.Kind.choices, empty_label="全部")
    status = django_filters.ChoiceFilter(label="协议状态", choices=AGREEMENT.choices(), empty_label="全部")
    bank_code = django_filters.ChoiceFilter(label="开户银行", choices=BANKS, empty_label="全部")
    signed_from, signed_to = date_range("created_at")

    class Meta:
        model = Agreement
        fields = []

    def search(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(agreement_no__iexact=value) | Q(subject_name__icontains=value)
                         | Q(subject_id_number__iexact=value.upper()))


class AgreementListView(ScopedListView):
    model = Agreement
    title = "委托扣款协议"
    list_key = "si_agree_list"
    permission_required = VIEW
    export_permission = EXPORT
    filterset_class = AgreementFilter
    columns = AGREEMENT_COLUMNS
    select_related = ("payer", "payer__region")
    breadcrumbs = [("社保费掌上办", None)]

    def related_for(self, columns):
        return list(self.select_related)


class AgreementDetailView(ScopedObjectMixin, EntranceMixin, TemplateView):
    model = Agreement
    template_name = "si_agree/gov_agreement.html"
    permission_required = VIEW
    select_related = ("payer", "payer__region", "subject_payer")
    breadcrumbs = [("社保费掌上办", None), ("委托扣款协议", "/gov/si/agreements/")]

    def get_title(self):
        return str(self.get_object())

    def get_context_data(self, **kwargs):
        from kernel.audit.services import history_for

        ctx = super().get_context_data(**kwargs)
        agreement = self.get_object()
        ctx.update(agreement=agreement, state=agreement.workflow_state(),
                   transitions=agreement.workflow_history().order_by("time"), history=history_for(agreement)[:30],
                   items=agreement.items.visible_to(self.request.user).select_related("task", "insurance")[:50])
        return ctx


# == batch tasks ====================================================================================================
def _count(status):
    return Count("items", filter=Q(items__status=status, items__is_deleted=False))


TASK_COLUMNS = [
    Column("batch_no", "批扣任务号", link="gov:si_agree_batch", width=20),
    Column("prefecture", "地市", accessor="prefecture.name", order_by="prefecture__code", width=10),
    Column("year", "年度", width=8),
    Column("month", "灵活就业月份", width=10),
    Column("run_on", "计划扣款日期", width=12),
    Column("n_pending", "待批扣", sortable=False, width=8),
    Column("n_sending", "扣款中", sortable=False, width=8, default=False),
    Column("n_deducted", "已扣款", sortable=False, width=8),
    Column("n_failed", "扣款失败", sortable=False, width=8),
    Column("n_voided", "已作废", sortable=False, width=8),
    Column("last_run_at", "最近执行时间", width=18),
    Column("created_at", "发起时间", width=18, default=False),
]


class TaskFilter(StyledFilterSet):
    batch_no = django_filters.CharFilter(label="批扣任务号", lookup_expr="iexact")
    year = django_filters.NumberFilter(label="年度")

    class Meta:
        model = BatchTask
        fields = []


class BatchListView(ScopedListView):
    model = BatchTask
    title = "批量扣款任务"
    list_key = "si_agree_batches"
    permission_required = TASK_VIEW
    export_permission = TASK_VIEW
    filterset_class = TaskFilter
    columns = TASK_COLUMNS
    select_related = ("prefecture",)
    breadcrumbs = [("社保费掌上办", None)]
    create_url_name = "gov:si_agree_batch_new"
    create_permission = TASK_ADD

    def base_queryset(self):
        return super().base_queryset().annotate(
            n_pending=_count("pending"), n_sending=_count("sending"), n_deducted=_count("deducted"),
            n_failed=_count("failed"), n_voided=_count("voided"))

    def related_for(self, columns):
        return list(self.select_related)


def city_choices(user):
    """(id, name) of the prefectures (and the autonomous region) within the user's jurisdiction."""
    from kernel.org.models import Region
    from kernel.org.scope import region_choices

    return [(pk, name.strip("　")) for pk, name in region_choices(user, Region.Level.CITY)]


class BatchLaunchView(EntranceMixin, TemplateView):
    template_name = "si_agree/gov_batch_form.html"
    permission_required = TASK_ADD
    title = "发起批量扣款任务"
    breadcrumbs = [("社保费掌上办", None), ("批量扣款任务", "/gov/si/batches/")]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = services.today()
        ctx.update(cities=city_choices(self.request.user), data=kwargs.get("data") or {
            "year": str(today.year), "run_on": (today + datetime.timedelta(days=1)).isoformat()},
            errors=kwargs.get("errors", {}))
        return ctx

    def post(self, request, *args, **kwargs):
        from kernel.org.models import Region

        data = {k: request.POST.get(k, "").strip() for k in ("prefecture", "year", "month", "run_on", "remark")}
        errors = {}
        allowed = {str(pk) for pk, _ in city_choices(request.user)}
        prefecture = Region.objects.filter(pk=data["prefecture"]).first() if data["prefecture"] in allowed else None
        if prefecture is None:
            errors["prefecture"] = ["请选择地市"]
        year = int(data["year"]) if data["year"].isdigit() else None
        if year is None:
            errors["year"] = ["请填写年度"]
        month = None
        if data["month"]:
            month = int(data["month"]) if data["month"].isdigit() else 0
        try:
            run_on = datetime.date.fromisoformat(data["run_on"])
        except ValueError:
            run_on = None
            errors["run_on"] = ["请填写计划扣款日期"]
        if not errors:
            try:
                task, counts = services.launch_task(prefecture, year, month, run_on, user=request.user,
                                                    remark=data["remark"])
            except ValidationError as exc:
                errors = services.errors_of(exc)
            else:
                messages.success(request, f"批扣任务{task.batch_no}已发起，生成待批扣记录{counts['created']}条")
                return redirect("gov:si_agree_batch", pk=task.pk)
        return self.render_to_response(self.get_context_data(data=data, errors=errors), status=400)


class BatchDetailView(ScopedObjectMixin, EntranceMixin, TemplateView):
    model = BatchTask
    template_name = "si_agree/gov_batch.html"
    permission_required = TASK_VIEW
    select_related = ("prefecture",)
    breadcrumbs = [("社保费掌上办", None), ("批量扣款任务", "/gov/si/batches/")]

    def get_title(self):
        return str(self.get_object())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        task = self.get_object()
        status = self.request.GET.get("status", "")
        items = (BatchItem.objects.visible_to(self.request.user).filter(task=task)
                 .select_related("payer", "insurance", "agreement").order_by("id"))
        if status:
            items = items.filter(status=status)
        ctx.update(task=task, counts=services.task_counts(task), items=items[:500], status=status,
                   can_run=self.request.user.has_perm(TASK_RUN))
        return ctx


class BatchRunView(BatchDetailView):
    permission_required = TASK_RUN

    def get(self, request, *args, **kwargs):
        return redirect("gov:si_agree_batch", pk=self.kwargs["pk"])

    def post(self, request, *args, **kwargs):
        task = self.get_object()
        if not request.user.has_perm(TASK_RUN):
            raise PermissionDenied("您没有执行批量扣款的权限")
        counts = services.run_task(task, user=request.user)
        messages.success(request, f"执行完成：已扣款{counts['deducted']}条，扣款失败{counts['failed']}条，"
                                  f"已作废{counts['voided']}条，待批扣{counts['pending']}条")
        return redirect("gov:si_agree_batch", pk=task.pk)
