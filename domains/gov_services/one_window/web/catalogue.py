"""The matters catalogue (事项目录) and its guide (办事指南).

* Centre staff (/gov/gs/matters/...): the scoped list with filters (category, department, status, name) and
  an Excel export; create and edit a matter's draft with its materials (an inline formset); publish (a new
  version snapshot) and retire; the detail page with the current draft, the published guide and every
  version's snapshot.
* Applicants: the public guide (/public/gs/matters/..., no login) and the same pages in the H5 entrance
  (/m/gs/matters/...) with the 预约 / 网上申请 buttons. These show only published matters, and only what
  their current published version froze (never an unpublished draft).

Staff querysets go through visible_to(user); every change goes through services.py. The public pages read
the published catalogue, which is public information by nature (not scoped to a user)."""
import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms import inlineformset_factory
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.views.generic import TemplateView

from kernel.org.models import Organisation, Region
from kernel.org.scope import region_choices
from kernel.ui.filters import StyledFilterSet
from kernel.ui.generic import EntranceMixin, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column

from .. import services
from ..models import Category, Matter, MatterMaterial, MatterVersion

VIEW, ADD, CHANGE, PUBLISH = ("gs_window.view_matter", "gs_window.add_matter", "gs_window.change_matter",
                              "gs_window.publish_matter")
SECTION = ("一窗受理", None)
BREAD = [SECTION, ("事项目录", "/gov/gs/matters/")]
STATUS_COLOURS = {"draft": "secondary", "published": "success", "retired": "dark"}
TEMPLATES = "gs_window/catalogue/"


# -- forms ---------------------------------------------------------------------------------------
class StepsField(forms.CharField):
    """办理流程: one step a line in the form, a list of strings in the model."""

    widget = forms.Textarea(attrs={"rows": 5})

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "\n".join(str(v) for v in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class MatterForm(forms.ModelForm):
    process_steps = StepsField(label="办理流程", required=False, help_text="每行一个步骤，按办理顺序填写")

    class Meta:
        model = Matter
        fields = ["code", "name", "category", "department", "region", "statutory_days", "promised_days",
                  "contact_phone", "supervision_phone", "fee_standard", "fee_basis", "location", "conditions",
                  "legal_basis", "process_steps", "online", "bookable"]
        widgets = {"fee_basis": forms.Textarea(attrs={"rows": 2}), "conditions": forms.Textarea(attrs={"rows": 4}),
                   "legal_basis": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"code": {"unique": "事项编码已存在，请更换"}}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["department"].queryset = (Organisation.objects.visible_to(user).filter(kind="agency")
                                              .order_by("region__path", "name"))
        region_ids = [int(pk) for pk, _ in region_choices(user, Region.Level.COUNTY)]
        self.fields["region"].queryset = Region.objects.filter(pk__in=region_ids).order_by("path")
        self.fields["region"].label_from_instance = lambda r: r.name
        if not self.instance.pk and user is not None and getattr(user, "region", None):
            self.initial.setdefault("region", user.region.pk)
        if self.instance.pk and self.instance.version:
            # published once: the code is in public links and cases, it no longer changes
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "已发布的事项编码不可修改"
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"
            else:
                field.widget.attrs["class"] = "form-control"

    def clean_code(self):
        code = (self.cleaned_data.get("code") or "").strip()
        if Matter.all_objects.filter(code=code).exclude(pk=self.instance.pk).exists():
            raise ValidationError("事项编码已存在，请更换")
        return code

    def clean(self):
        data = super().clean()
        for name in ("fee_basis", "conditions", "legal_basis"):  # browsers send CRLF line breaks
            if isinstance(data.get(name), str):
                data[name] = data[name].replace("\r\n", "\n").strip()
        statutory, promised = data.get("statutory_days"), data.get("promised_days")
        if statutory and promised and promised > statutory:
            self.add_error("promised_days", f"承诺期限（{promised}个工作日）不能超过法定期限（{statutory}个工作日）")
        return data


class MaterialForm(forms.ModelForm):
    class Meta:
        model = MatterMaterial
        fields = ["name", "required", "original", "copies", "licence_type", "note", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"
        self.fields["name"].error_messages["required"] = "请填写材料名称"


MaterialFormSet = inlineformset_factory(Matter, MatterMaterial, form=MaterialForm, extra=2, can_delete=True)


# -- list ----------------------------------------------------------------------------------------
class StatusColumn(Column):
    def __init__(self):
        super().__init__("status", "状态", choices=True, width=10)

    def html(self, obj, user=None, link=True):
        return format_html('<span class="badge text-bg-{}">{}</span>', STATUS_COLOURS.get(obj.status, "secondary"),
                           obj.get_status_display())


MATTER_COLUMNS = [
    Column("code", "事项编码", link="gov:gs_matter_detail", width=18),
    Column("name", "事项名称", link="gov:gs_matter_detail", width=30),
    Column("category", "事项分类", choices=True, width=20),
    Column("department", "办理部门", accessor="department.name", order_by="department__name", width=26),
    Column("region", "服务中心所在区划", accessor="region.name", order_by="region__path", default=False, width=14),
    Column("statutory_days", "法定期限（工作日）", width=12),
    Column("promised_days", "承诺期限（工作日）", width=12),
    Column("fee_standard", "收费标准", sortable=False, default=False, width=20),
    Column("online", "可网上申请", default=False, width=10),
    Column("bookable", "可预约", default=False, width=10),
    StatusColumn(),
    Column("version", "当前发布版本", width=10),
    Column("updated_at", "更新时间", default=False, width=18),
]


class MatterFilter(StyledFilterSet):
    name = django_filters.CharFilter(label="事项名称/编码", method="search")
    category = django_filters.ChoiceFilter(label="事项分类", choices=Category.choices, empty_label="全部")
    department = django_filters.ModelChoiceFilter(label="办理部门", queryset=Organisation.objects.none(),
                                                  empty_label="全部")
    status = django_filters.ChoiceFilter(label="状态", choices=Matter.Status.choices, empty_label="全部")

    class Meta:
        model = Matter
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        self.form.fields["department"].queryset = Organisation.objects.visible_to(user).filter(
            pk__in=Matter.objects.visible_to(user).values("department")).order_by("name")

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(code__iexact=value)) if value else qs


class MatterListView(ScopedListView):
    model = Matter
    title = "事项目录"
    list_key = "gs_matters"
    permission_required = VIEW
    export_permission = VIEW
    filterset_class = MatterFilter
    columns = MATTER_COLUMNS
    select_related = ("department", "region")
    default_ordering = "category"
    create_url_name = "gov:gs_matter_create"
    create_permission = ADD
    filter_form_tables = ("dicts_dictitem", "org_region", "org_organisation", "gs_window_matter")
    breadcrumbs = [SECTION]

    def ordering(self):
        order = super().ordering()
        return order + ["code"] if order == ["category"] else order


# -- create / edit ---------------------------------------------------------------------------------
class MatterEditMixin:
    template_name = TEMPLATES + "matter_form.html"

    def forms(self, instance, data=None):
        form = MatterForm(data=data, instance=instance, user=self.request.user)
        formset = MaterialFormSet(data=data, instance=instance if instance.pk else Matter(), prefix="materials")
        return form, formset

    def get(self, request, *args, **kwargs):
        form, formset = self.forms(self.get_instance())
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        form, formset = self.forms(instance, request.POST)
        if form.is_valid() and formset.is_valid():
            matter = services.save_matter(form, formset)
            messages.success(request, "已保存草稿；发布后办事指南才会更新" if matter.version else "已保存草稿")
            return redirect(reverse("gov:gs_matter_detail", args=[matter.pk]))
        return self.render_to_response(self.get_context_data(form=form, formset=formset), status=400)


class MatterCreateView(MatterEditMixin, EntranceMixin, TemplateView):
    title = "新增事项"
    permission_required = (VIEW, ADD)
    breadcrumbs = BREAD

    def get_instance(self):
        return Matter()


class MatterEditView(MatterEditMixin, ScopedObjectMixin, EntranceMixin, TemplateView):
    model = Matter
    permission_required = (VIEW, CHANGE)
    breadcrumbs = BREAD

    def get_instance(self):
        return self.get_object()

    def get_title(self):
        return f"编辑事项：{self.get_object().name}"


# -- detail, publish, retire, versions ---------------------------------------------------------------
class MatterDetailView(ScopedObjectMixin, EntranceMixin, TemplateView):
    model = Matter
    select_related = ("department", "region")
    permission_required = VIEW
    template_name = TEMPLATES + "matter_detail.html"
    breadcrumbs = BREAD

    def get_title(self):
        return self.get_object().name

    def get_context_data(self, **kwargs):
        from kernel.audit.services import history_for

        matter = self.get_object()
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(object=matter, guide=services.matter_guide(matter),
                   versions=matter.versions.select_related("published_by"),
                   unpublished=services.has_unpublished_changes(matter),
                   can_change=user.has_perm(CHANGE), can_publish=user.has_perm(PUBLISH),
                   history=history_for(matter)[:50], status_colour=STATUS_COLOURS.get(matter.status))
        return ctx


class MatterPublishView(ScopedObjectMixin, EntranceMixin, TemplateView):
    model = Matter
    permission_required = (VIEW, PUBLISH)
    http_method_names = ["post"]

    def post(self, request, pk):
        matter = self.get_object()
        try:
            version = services.publish_matter(matter, request.user, request.POST.get("note", "").strip())
        except ValidationError as exc:
            messages.error(request, "发布失败：" + "；".join(exc.messages))
        else:
            messages.success(request, f"已发布第{version.version}版，办事指南已更新")
        return redirect(reverse("gov:gs_matter_detail", args=[matter.pk]))


class MatterRetireView(ScopedObjectMixin, EntranceMixin, TemplateView):
    model = Matter
    permission_required = (VIEW, PUBLISH)
    http_method_names = ["post"]

    def post(self, request, pk):
        matter = self.get_object()
        try:
            services.retire_matter(matter, request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "事项已停用，不再出现在办事指南中")
        return redirect(reverse("gov:gs_matter_detail", args=[matter.pk]))


class MatterVersionView(ScopedObjectMixin, EntranceMixin, TemplateView):
    model = Matter
    permission_required = VIEW
    template_name = TEMPLATES + "version_detail.html"
    breadcrumbs = BREAD

    def get_version(self):
        row = MatterVersion.objects.filter(matter=self.get_object(), version=self.kwargs["version"]).first()
        if row is None:
            raise Http404("没有该版本")
        return row

    def get_title(self):
        return f"{self.get_object().name}（第{self.kwargs['version']}版）"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        row = self.get_version()
        ctx.update(object=self.get_object(), version=row, guide=row.snapshot)
        return ctx


# -- the guide for applicants (public and H5) ----------------------------------------------------------
def published_matters():
    """The published catalogue: public information, the same for every applicant."""
    return Matter.objects.filter(status=Matter.Status.PUBLISHED, version__gt=0)


def guide_groups(query=""):
    """[(category label, [(code, name, department, promised days)])] of the published catalogue, each
    entry read from its current published version."""
    matters = published_matters().select_related("department").order_by("category", "code")
    versions = {(v.matter_id, v.version): v.snapshot
                for v in MatterVersion.objects.filter(matter__in=matters).only("matter_id", "version", "snapshot")}
    query = query.strip()
    groups = {}
    for matter in matters:
        guide = versions.get((matter.pk, matter.version))
        if guide is None:
            continue
        if query and query not in guide["name"] and query not in guide.get("department", "") \
                and query != guide["code"]:
            continue
        groups.setdefault(guide.get("category", matter.category), []).append(guide)
    return [(label, groups[code]) for code, label in Category.choices if code in groups]


class PublicCatalogueMixin:
    list_template = TEMPLATES + "public_list.html"
    guide_template = TEMPLATES + "public_guide.html"

    def get_guide(self):
        matter = published_matters().filter(code=self.kwargs["code"]).first()
        guide = services.published_guide(matter) if matter else None
        if guide is None:
            raise Http404("事项不存在或未发布")
        return guide


class PublicMatterList(PublicCatalogueMixin, TemplateView):
    template_name = TEMPLATES + "public_list.html"
    base_template = "public/base.html"
    link_prefix = "/public/gs/matters/"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "")
        ctx.update(title="办事指南", groups=guide_groups(q), q=q, base_template=self.base_template,
                   link_prefix=self.link_prefix)
        return ctx


class PublicMatterGuide(PublicCatalogueMixin, TemplateView):
    template_name = TEMPLATES + "public_guide.html"
    base_template = "public/base.html"
    back = "/public/gs/matters/"
    mobile = False

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        guide = self.get_guide()
        ctx.update(title="办事指南", guide=guide, base_template=self.base_template, back_url=self.back,
                   mobile=self.mobile)
        if self.mobile:
            code = guide["code"]
            ctx["book_url"] = f"/m/gs/appointments/new/?matter={code}" if guide.get("bookable") else None
            ctx["apply_url"] = f"/m/gs/apply/{code}/" if guide.get("online") else None
        return ctx


class MobileMatterList(EntranceMixin, PublicMatterList):
    entrance = "m"
    base_template = "mobile/base.html"
    link_prefix = "/m/gs/matters/"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["back_url"] = "/m/"
        return ctx


class MobileMatterGuide(EntranceMixin, PublicMatterGuide):
    entrance = "m"
    base_template = "mobile/base.html"
    back = "/m/gs/matters/"
    mobile = True
