"""Agency pages of the labour-inspection supervision database (/gov/labor/...): projects with their
portrait, migrant workers (real name), wage special accounts, wage deposits with their ledger,
guarantees (§A3 (2)), the guarantee expiry reminder library (§A3 (3)) and the differentiated-storage
enterprise registry (§A3 (1)).

Every list, detail and export starts from Model.objects.visible_to(user); a record of another
jurisdiction is a 404. Lists export to Excel with the page's filters (kernel.exports)."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import DecimalField, F, Value
from django.db.models.functions import Greatest
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import View

from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedFormView, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column

from . import exports as cols
from . import services
from .filters import (
    AccountFilter,
    DepositFilter,
    DifferentiatedFilter,
    GuaranteeFilter,
    ProjectFilter,
    ReminderFilter,
    WorkerFilter,
)
from .forms import DifferentiatedEnterpriseForm
from .models import (
    DifferentiatedEnterprise,
    Guarantee,
    GuaranteeReminder,
    Project,
    WageAccount,
    WageDeposit,
    Worker,
)

BREAD = [("劳动监察", None)]
P = "labor_monitoring."
FLOWS_PER_PAGE = 50


class UnderList:
    """A page under a list page of the supervision database: `list_page` is (the list's title, its URL name)."""

    list_page: tuple = ()

    @property
    def breadcrumbs(self):
        label, url_name = self.list_page
        return BREAD + [(label, reverse(url_name))]


class ListView(ScopedListView):
    """A list page of the supervision database; `extra_imports` names the Excel imports (registered by
    imports.py) that feed this list without a list page of their own, offered in a "导入明细" menu."""

    template_name = "labor_monitoring/list.html"
    extra_imports: tuple = ()

    def get_context_data(self, **kwargs):
        from kernel.exports.registry import get_import

        ctx = super().get_context_data(**kwargs)
        user, offered = self.request.user, []
        for key in self.extra_imports:
            registration = get_import(key)
            if registration is not None and user.has_perm(registration.permission):
                offered.append((f"导入{registration.spec.title}", reverse("gov:exports_import", args=[key])))
        ctx["extra_imports"] = offered
        return ctx


def _fields(columns, order, extra=()):
    by_name = {c.name: c for c in columns}
    return [by_name[n] for n in order] + list(extra)


# -- projects ---------------------------------------------------------------------------------------
class ProjectListView(ListView):
    model = Project
    title = "工程项目"
    list_key = "labor_projects"  # also the key of the registered Excel import (imports.py)
    extra_imports = ("labor_contracts", "labor_attendance", "labor_payroll")
    permission_required = P + "view_project"
    export_permission = P + "export_project"
    filterset_class = ProjectFilter
    columns = cols.PROJECT_COLUMNS
    select_related = cols.PROJECT_SELECT
    breadcrumbs = BREAD


class ProjectDetailView(UnderList, ScopedDetailView):
    """The project portrait: units and people, permit and qualification, workers, attendance, monthly
    payroll, special accounts, deposits, guarantees and the warnings of the project."""

    model = Project
    permission_required = P + "view_project"
    template_name = "labor_monitoring/project_detail.html"
    select_related = cols.PROJECT_SELECT

    list_page = ("工程项目", "gov:labor_project_list")

    fields = _fields(cols.PROJECT_COLUMNS, ["code", "name", "project_type", "funding_source", "start_date",
                                            "contract_price", "status"], [
        Column("region", "项目所在区划", accessor="region.full_name"),
        Column("address", "项目地址"),
        Column("labour_cost_share", "约定人工费用比例（%）"),
    ])

    def get_title(self):
        return f"项目画像：{self.get_object().name}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        project, user = self.get_object(), self.request.user
        accounts = services.project_accounts(project, user)
        deposits = services.project_deposits(project, user)
        guarantees = services.project_guarantees(project, user)
        contracts = services.project_contracts(project, user)
        ctx.update(
            units=services.project_units(project),
            people=services.project_people(project),
            certificates=services.project_certificates(project),
            headcount=services.project_headcount(project, user),
            contracts=contracts[:services.PORTRAIT_ROWS],
            last_attendance=services.last_attendance(project),
            payroll=services.payroll_summary(project),
            accounts=accounts,
            deposits=deposits,
            guarantees=guarantees,
            warnings=services.project_warnings(project, user, accounts, deposits, guarantees),
            can_see_identity=user.has_perm(cols.IDENTITY_PERM),
            # the labour permission too: other agencies' roles hold alerts.view_warning for their own warnings
            can_see_warnings=user.has_perms(("alerts.view_warning", "labor_inspection.view_labour_warning")),
            workers_url=reverse("gov:labor_worker_list") + f"?project={project.pk}",
        )
        return ctx


# -- workers ----------------------------------------------------------------------------------------
class WorkerListView(ListView):
    model = Worker
    title = "农民工实名信息"
    list_key = "labor_workers"
    permission_required = P + "view_worker"
    export_permission = P + "export_worker"
    filterset_class = WorkerFilter
    columns = cols.WORKER_COLUMNS
    select_related = cols.WORKER_SELECT
    breadcrumbs = BREAD

    def base_queryset(self):
        return services.with_current_project(super().base_queryset(), self.request.user)


class WorkerDetailView(UnderList, ScopedDetailView):
    """The worker portrait: identity (masked unless the role may see it), contracts, attendance of the
    last 60 days as a calendar, payroll lines."""

    model = Worker
    permission_required = P + "view_worker"
    template_name = "labor_monitoring/worker_detail.html"
    select_related = cols.WORKER_SELECT

    list_page = ("农民工实名信息", "gov:labor_worker_list")

    fields = _fields(cols.WORKER_COLUMNS, ["name", "id_number", "gender", "phone"], [
        Column("bank_card", "工资卡号", mask="id_number", unmask_perm=cols.IDENTITY_PERM),
        Column("bank_name", "工资卡开户行"),
        Column("hometown", "籍贯"),
        Column("employer", "用工单位", accessor="employer.name"),
        Column("region", "所在区划", accessor="region.full_name"),
        Column("registered_on", "实名登记日期"),
    ])

    def get_title(self):
        worker = self.get_object()
        return f"农民工画像：{worker.name}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        worker, user = self.get_object(), self.request.user
        ctx.update(contracts=services.worker_contracts(worker, user),
                   attendance=services.worker_attendance(worker, user),
                   payroll=services.worker_payroll(worker, user))
        return ctx


# -- wage special accounts --------------------------------------------------------------------------
class AccountListView(ListView):
    model = WageAccount
    title = "工资专用账户"
    list_key = "labor_accounts"
    extra_imports = ("labor_account_flows",)
    permission_required = P + "view_wageaccount"
    export_permission = P + "export_wageaccount"
    filterset_class = AccountFilter
    columns = cols.ACCOUNT_COLUMNS
    select_related = cols.ACCOUNT_SELECT
    breadcrumbs = BREAD

    def related_for(self, columns):  # the opener check reads the project's general contractor
        related = super().related_for(columns)
        return related if "project" in related else related + ["project"]


class AccountDetailView(UnderList, ScopedDetailView):
    model = WageAccount
    permission_required = P + "view_wageaccount"
    template_name = "labor_monitoring/account_detail.html"
    select_related = cols.ACCOUNT_SELECT + ("project__general_contractor",)

    list_page = ("工资专用账户", "gov:labor_account_list")

    fields = _fields(cols.ACCOUNT_COLUMNS, ["account_no", "account_name", "bank", "project", "opener",
                                            "opener_is_contractor", "opened_on", "balance", "status"],
                     [Column("contractor", "施工总承包单位", accessor="project.general_contractor.name")])

    def get_title(self):
        return f"工资专用账户：{self.get_object().account_no}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        account = self.get_object()
        flows = account.flows.select_related("worker")
        ctx.update(flows=Paginator(flows, FLOWS_PER_PAGE).get_page(self.request.GET.get("page")),
                   totals=services.account_flow_totals(account),
                   can_see_identity=self.request.user.has_perm(cols.IDENTITY_PERM))
        return ctx


# -- deposits ---------------------------------------------------------------------------------------
def with_shortfall(qs):
    money = DecimalField(max_digits=16, decimal_places=2)
    return qs.annotate(shortfall=Greatest(F("required_amount") - F("balance"), Value(0, output_field=money),
                                          output_field=money))


class DepositListView(ListView):
    model = WageDeposit
    title = "工资保证金"
    list_key = "labor_deposits"
    extra_imports = ("labor_deposit_flows",)
    permission_required = P + "view_wagedeposit"
    export_permission = P + "export_wagedeposit"
    filterset_class = DepositFilter
    columns = cols.DEPOSIT_COLUMNS
    select_related = cols.DEPOSIT_SELECT
    breadcrumbs = BREAD

    def base_queryset(self):
        return with_shortfall(super().base_queryset())


class DepositDetailView(UnderList, ScopedDetailView):
    """A deposit and its ledger (台账): 存储, 补存, 划拨, 退还 with the running balance."""

    model = WageDeposit
    permission_required = P + "view_wagedeposit"
    template_name = "labor_monitoring/deposit_detail.html"
    select_related = cols.DEPOSIT_SELECT

    list_page = ("工资保证金", "gov:labor_deposit_list")

    fields = [Column("enterprise", "施工企业", accessor="enterprise.name"),
              cols.LinkColumn("project", "项目", "gov:labor_project_detail", "project_id", accessor="project.name"),
              Column("region", "存储地区划", accessor="region.full_name"),
              Column("form", "存储方式", choices=True),
              cols.MoneyColumn("required_amount", "应存金额（元）"),
              cols.MoneyColumn("balance", "账户余额（元）"),
              Column("due_on", "应存期限"),
              Column("bank", "存储银行"),
              Column("account_no", "保证金账号")]

    def get_title(self):
        return f"保证金台账：{self.get_object().enterprise.name}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["ledger"] = services.deposit_ledger(self.get_object())
        return ctx


# -- guarantees (§A3 (2)) ---------------------------------------------------------------------------
class GuaranteeListView(ListView):
    model = Guarantee
    title = "保险保函信息查询"
    list_key = "labor_guarantees"
    permission_required = P + "view_guarantee"
    export_permission = P + "export_guarantee"
    filterset_class = GuaranteeFilter
    columns = cols.GUARANTEE_COLUMNS
    select_related = cols.GUARANTEE_SELECT
    default_ordering = "valid_until"
    breadcrumbs = BREAD


class GuaranteeDetailView(UnderList, ScopedDetailView):
    model = Guarantee
    permission_required = P + "view_guarantee"
    template_name = "labor_monitoring/guarantee_detail.html"
    select_related = cols.GUARANTEE_SELECT

    list_page = ("保险保函信息查询", "gov:labor_guarantee_list")

    fields = _fields(cols.GUARANTEE_COLUMNS, ["guarantee_no", "kind", "enterprise", "project", "issuer", "amount",
                                              "valid_from", "valid_until", "validity", "contact_person",
                                              "contact_phone"],
                     [Column("region", "所属区划", accessor="region.full_name")])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["reminders"] = self.get_object().reminders.select_related("sms").order_by("-reminded_at")[:50]
        return ctx


# -- reminder library (§A3 (3)) ---------------------------------------------------------------------
class ReminderListView(ListView):
    """Guarantee expiry reminders (SMS one month before expiry), scoped through their guarantee."""

    model = GuaranteeReminder
    title = "保函到期提醒库"
    list_key = "labor_reminders"
    permission_required = P + "view_guaranteereminder"
    export_permission = P + "export_guarantee"
    filterset_class = ReminderFilter
    columns = cols.REMINDER_COLUMNS
    select_related = cols.REMINDER_SELECT
    default_ordering = "-reminded_at"
    breadcrumbs = BREAD

    def base_queryset(self):
        return GuaranteeReminder.objects.filter(guarantee__in=Guarantee.objects.visible_to(self.request.user))

    def related_for(self, columns):  # the SMS status column needs the message
        return list(self.select_related)


# -- differentiated-storage registry (§A3 (1)) ------------------------------------------------------
class DifferentiatedListView(ListView):
    model = DifferentiatedEnterprise
    title = "差异化存储企业备案库"
    list_key = "labor_differentiated"
    permission_required = P + "view_differentiatedenterprise"
    export_permission = P + "export_differentiatedenterprise"
    create_url_name = "gov:labor_differentiated_create"
    create_permission = P + "add_differentiatedenterprise"
    filterset_class = DifferentiatedFilter
    columns = cols.DIFFERENTIATED_COLUMNS
    select_related = cols.DIFFERENTIATED_SELECT
    breadcrumbs = BREAD


class DifferentiatedDetailView(UnderList, ScopedDetailView):
    model = DifferentiatedEnterprise
    permission_required = P + "view_differentiatedenterprise"
    select_related = cols.DIFFERENTIATED_SELECT
    edit_url_name = "gov:labor_differentiated_edit"
    edit_permission = P + "change_differentiatedenterprise"
    delete_url_name = "gov:labor_differentiated_delete"
    delete_permission = P + "delete_differentiatedenterprise"

    list_page = ("差异化存储企业备案库", "gov:labor_differentiated_list")

    fields = _fields(cols.DIFFERENTIATED_COLUMNS, ["enterprise", "uscc"], [
        Column("region", "备案区划", accessor="region.full_name")]) + _fields(
        cols.DIFFERENTIATED_COLUMNS, ["ratio", "reason", "valid_from", "valid_until", "state", "created_at"])

    def get_title(self):
        return f"差异化存储备案：{self.get_object().enterprise.name}"


class DifferentiatedCreateView(UnderList, ScopedFormView):
    model = DifferentiatedEnterprise
    form_class = DifferentiatedEnterpriseForm
    title = "新增差异化存储企业备案"
    permission_required = P + "add_differentiatedenterprise"
    success_message = "备案已保存"

    list_page = ("差异化存储企业备案库", "gov:labor_differentiated_list")

    def save_form(self, form):
        return services.save_differentiated(self.request.user, form.save(commit=False))

    def get_success_url(self, obj):
        return reverse("gov:labor_differentiated_detail", args=[obj.pk])


class DifferentiatedEditView(ScopedObjectMixin, DifferentiatedCreateView):
    model = DifferentiatedEnterprise
    permission_required = P + "change_differentiatedenterprise"
    select_related = cols.DIFFERENTIATED_SELECT

    def get_title(self):
        return f"编辑差异化存储备案：{self.get_object().enterprise.name}"

    def get_instance(self):
        return self.get_object()


class DifferentiatedDeleteView(ScopedObjectMixin, EntranceMixin, View):
    model = DifferentiatedEnterprise
    permission_required = P + "delete_differentiatedenterprise"

    def post(self, request, pk):
        entry = self.get_object()
        try:
            services.delete_differentiated(request.user, entry)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, str(exc))
            return redirect("gov:labor_differentiated_detail", pk=entry.pk)
        messages.success(request, f"已删除“{entry.enterprise.name}”的差异化存储备案")
        return redirect("gov:labor_differentiated_list")
