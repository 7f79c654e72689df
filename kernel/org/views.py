from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views import View

from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedFormView, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column

from . import services
from .filters import OrganisationFilter, RegionFilter
from .forms import OrganisationForm
from .models import Organisation, Region

ORG_COLUMNS = [
    Column("name", "机构名称", link="gov:org_detail", width=36),
    Column("kind", "机构类别", choices=True),
    Column("uscc", "统一社会信用代码", width=22),
    Column("industry", "所属行业", dict_type="industry", width=24),
    Column("region", "所属区划", accessor="region.name", order_by="region__path"),
    Column("legal_representative", "法定代表人"),
    Column("contact_phone", "联系电话", mask="phone", unmask_perm="accounts.view_personal_data", default=False),
    Column("agency_type", "部门类型", dict_type="agency_type", default=False),
    Column("address", "地址", default=False, sortable=False, width=40),
    Column("created_at", "登记时间", default=False),
]
BREAD = [("基础数据", None)]


class OrganisationListView(ScopedListView):
    model = Organisation
    title = "机构管理"
    list_key = "organisations"
    permission_required = "org.view_organisation"
    export_permission = "org.export_organisation"
    create_url_name = "gov:org_create"
    create_permission = "org.add_organisation"
    filterset_class = OrganisationFilter
    columns = ORG_COLUMNS
    select_related = ("region",)
    breadcrumbs = BREAD


class OrganisationDetailView(ScopedDetailView):
    model = Organisation
    permission_required = "org.view_organisation"
    select_related = ("region",)
    template_name = "org/organisation_detail.html"
    fields = ORG_COLUMNS + [Column("region_full", "完整区划", accessor="region.full_name")]
    edit_url_name = "gov:org_edit"
    edit_permission = "org.change_organisation"
    delete_url_name = "gov:org_delete"
    delete_permission = "org.delete_organisation"
    breadcrumbs = BREAD + [("机构管理", "/gov/org/organisations/")]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["members"] = self.get_object().users.filter(is_active=True).order_by("username")[:50]
        return ctx


class OrganisationCreateView(ScopedFormView):
    model = Organisation
    form_class = OrganisationForm
    title = "新增机构"
    permission_required = "org.add_organisation"
    breadcrumbs = BREAD + [("机构管理", "/gov/org/organisations/")]

    def save_form(self, form):
        return services.save_organisation(form)


class OrganisationEditView(ScopedObjectMixin, ScopedFormView):
    model = Organisation
    form_class = OrganisationForm
    permission_required = "org.change_organisation"
    breadcrumbs = BREAD + [("机构管理", "/gov/org/organisations/")]

    def get_title(self):
        return f"编辑机构：{self.get_object()}"

    def get_instance(self):
        return self.get_object()

    def save_form(self, form):
        return services.save_organisation(form)


class OrganisationDeleteView(ScopedObjectMixin, EntranceMixin, View):
    model = Organisation
    permission_required = "org.delete_organisation"

    def post(self, request, pk):
        org = self.get_object()
        try:
            services.delete_organisation(org)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect(org.get_absolute_url())
        messages.success(request, f"已删除机构“{org.name}”")
        return redirect("gov:org_list")


class RegionListView(ScopedListView):
    model = Region
    title = "行政区划"
    list_key = "regions"
    permission_required = "org.view_region"
    filterset_class = RegionFilter
    columns = [
        Column("code", "区划代码"),
        Column("name", "名称"),
        Column("level", "层级", choices=True),
        Column("parent", "上级区划", accessor="parent.name", order_by="parent__code"),
    ]
    select_related = ("parent",)
    default_ordering = "path"
    breadcrumbs = BREAD

    def base_queryset(self):
        region = self.request.user.region
        if self.request.user.is_superuser or region is None:
            return Region.objects.all()
        return Region.objects.filter(path__startswith=region.path)
