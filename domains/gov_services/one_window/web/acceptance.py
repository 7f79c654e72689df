"""Window acceptance (综合受理, /gov/gs/accept/) and cases (办件, /gov/gs/cases/) in the gov entrance.

* 综合受理: business category -> a published matter of it (search) -> 受理登记: applicant (person with a
  validated ID number, or enterprise by USCC), optional appointment number, delivery, and the checklist of the
  matter's current version's materials (已核验 / 已验原件 / scan upload). services.register_case saves it.
* 受理回执 (PDF), the case list (filters, supervision colours, Excel export) and the case page.

Every queryset goes through visible_to(user); every change goes through services.py."""
import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import format_html
from django.views.generic import TemplateView

from kernel.exports.documents import pdf_response
from kernel.files.forms import AttachmentField
from kernel.org.models import Organisation
from kernel.ui.filters import DateInput, StyledFilterSet
from kernel.ui.forms import apply_errors as kernel_apply_errors
from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column
from kernel.workflow.views import panel_context

from .. import alerts, services
from ..models import Case, Category, Matter, Window
from ..workflows import CASE, OPEN_STATES

VIEW, ACCEPT, EXPORT = "gs_window.view_case", "gs_window.accept_case", "gs_window.export_case"
SECTION = ("一窗受理", None)
ACCEPT_BREAD = [SECTION, ("综合受理", "/gov/gs/accept/")]
CASE_BREAD = [SECTION, ("办件管理", "/gov/gs/cases/")]
CATEGORIES = [c for c in Category if c != Category.OTHER]  # the five business categories
STATE_COLOURS = {s.code: s.colour for s in CASE.states}
SLOGAN = "一表申请、一窗受理、一次告知、一份证照"


def apply_errors(form, exc):
    """A service's refusal onto the acceptance form; a material's problem shows on its checklist row."""
    def rename(field):
        return f"m_{field.removeprefix('material_')}_file" if field.startswith("material_") else field

    kernel_apply_errors(form, exc, rename)


def _published(user):
    return Matter.objects.visible_to(user).filter(status=Matter.Status.PUBLISHED)


# == 1. category and matter ===================================================================================
class AcceptStartView(EntranceMixin, TemplateView):
    template_name = "gs_window/acceptance/start.html"
    title = "综合受理"
    permission_required = (VIEW, ACCEPT)
    breadcrumbs = [SECTION]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        category = self.request.GET.get("category", "")
        q = self.request.GET.get("q", "").strip()
        published = _published(self.request.user)
        counts = {c: published.filter(category=c).count() for c in CATEGORIES}
        ctx["categories"] = [{"code": c.value, "label": c.label, "count": counts[c], "active": c.value == category}
                             for c in CATEGORIES]
        ctx["category"], ctx["q"] = category, q
        if category in Category.values:
            matters = published.filter(category=category).select_related("department")
            if q:
                from django.db.models import Q

                matters = matters.filter(Q(name__icontains=q) | Q(code__icontains=q))
            ctx["category_label"] = Category(category).label
            ctx["matters"] = matters[:100]
        return ctx


# == 2. 受理登记 ===================================================================================================
class AcceptanceForm(forms.Form):
    window = forms.ModelChoiceField(label="受理窗口", queryset=Window.objects.none(), empty_label="请选择",
                                    error_messages={"required": "请选择受理窗口"})
    applicant_kind = forms.ChoiceField(label="申请人类型", choices=[("person", "个人"), ("enterprise", "企业")],
                                       widget=forms.RadioSelect, initial="person")
    uscc = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    applicant_name = forms.CharField(label="申请人（企业名称）", max_length=100, required=False)
    applicant_id_number = forms.CharField(label="身份证号码", max_length=18, required=False,
                                          help_text="个人申请必填；企业申请填写经办人身份证号")
    applicant_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    appointment_no = forms.CharField(label="预约编号", max_length=30, required=False, help_text="预约到窗的填写")
    delivery = forms.ChoiceField(label="取件方式", choices=Case.Delivery.choices, initial=Case.Delivery.PICKUP,
                                 widget=forms.RadioSelect)

    def __init__(self, *args, user, matter, **kwargs):
        super().__init__(*args, **kwargs)
        self.matter = matter
        windows = services.acceptance_windows(user, matter.category)
        self.fields["window"].queryset = Window.objects.filter(pk__in=[w.pk for w in windows])
        if len(windows) == 1:
            self.fields["window"].initial = windows[0].pk
        self.items = services.version_materials(matter)
        for item in self.items:
            k = item["key"]
            self.fields[f"m_{k}_checked"] = forms.BooleanField(label="已核验", required=False)
            self.fields[f"m_{k}_original"] = forms.BooleanField(label="已验原件", required=False)
            self.fields[f"m_{k}_file"] = AttachmentField(purpose=services.CASE_MATERIAL_PURPOSE, label="扫描件/照片",
                                                         required=False)
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.RadioSelect):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm" if name.startswith("m_") else "form-control"

    def material_rows(self):
        return [{"item": i, "checked": self[f"m_{i['key']}_checked"], "original": self[f"m_{i['key']}_original"],
                 "file": self[f"m_{i['key']}_file"]}
                for i in self.items]

    def clean(self):
        data = super().clean()
        self.org = None
        if data.get("applicant_kind") == "enterprise":
            uscc = (data.get("uscc") or "").strip().upper()
            if not uscc:
                self.add_error("uscc", "请填写统一社会信用代码")
            else:
                self.org = Organisation.objects.filter(kind="enterprise", uscc=uscc).first()
                if self.org is None:
                    self.add_error("uscc", "未找到该统一社会信用代码的企业")
                else:
                    data["applicant_name"] = self.org.name
        return data

    def service_kwargs(self):
        d = self.cleaned_data
        materials = [{"key": i["key"], "checked": d.get(f"m_{i['key']}_checked"),
                      "original_seen": d.get(f"m_{i['key']}_original"), "file": d.get(f"m_{i['key']}_file")}
                     for i in self.items]
        return dict(matter=self.matter, window=d["window"], applicant_name=d.get("applicant_name", ""),
                    applicant_phone=d.get("applicant_phone", ""), applicant_id_number=d.get("applicant_id_number", ""),
                    applicant_org=self.org, delivery=d["delivery"], appointment_no=d.get("appointment_no", ""),
                    materials=materials)


class AcceptView(EntranceMixin, TemplateView):
    template_name = "gs_window/acceptance/form.html"
    permission_required = (VIEW, ACCEPT)
    breadcrumbs = ACCEPT_BREAD

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.matter = _published(request.user).select_related("department").filter(pk=kwargs["pk"]).first()
            if self.matter is None:
                raise Http404("事项不存在、未发布或不在您的管辖范围内")
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return f"受理登记：{self.matter.name}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["matter"] = self.matter
        ctx["category_label"] = Category(self.matter.category).label
        return ctx

    def get(self, request, pk):
        return self.render_to_response(self.get_context_data(form=AcceptanceForm(user=request.user, matter=self.matter)))

    def post(self, request, pk):
        form = AcceptanceForm(request.POST, request.FILES, user=request.user, matter=self.matter)
        if form.is_valid():
            try:
                case = services.register_case(request.user, **form.service_kwargs())
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已受理，申报号 {case.no}，承诺办结日期 {case.promised_due:%Y-%m-%d}")
                return redirect(case.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


class OrgLookupView(EntranceMixin, TemplateView):
    """The enterprise of a USCC (name filled in on the form)."""

    permission_required = (VIEW, ACCEPT)

    def get(self, request):
        uscc = request.GET.get("uscc", "").strip().upper()
        org = Organisation.objects.filter(kind="enterprise", uscc=uscc).first() if uscc else None
        if org is None:
            return JsonResponse({"found": False, "message": "未找到该统一社会信用代码的企业"})
        return JsonResponse({"found": True, "name": org.name})


# == 3. cases =====================================================================================================
class StateColumn(Column):
    def __init__(self):
        super().__init__("status", "办件状态", order_by="status", width=12)

    def raw(self, obj):
        return obj.workflow_state().label

    def html(self, obj, user=None, link=True):
        state = obj.workflow_state()
        return format_html('<span class="badge text-bg-{}">{}</span>', state.colour, state.label)


class DaysLeftColumn(Column):
    def __init__(self):
        super().__init__("days_left", "剩余（工作日）", sortable=False, width=14)

    def days(self, obj):
        if obj.status not in OPEN_STATES:
            return None
        return services.working_days_left(obj.promised_due)

    def raw(self, obj):
        left = self.days(obj)
        if left is None:
            return ""
        return f"超期{-left}天" if left < 0 else f"剩余{left}天"

    def html(self, obj, user=None, link=True):
        left = self.days(obj)
        if left is None:
            return ""
        colour = "danger" if left < 0 else ("warning" if left <= 2 else "light border text-dark")
        return format_html('<span class="badge text-bg-{}" data-days-left="{}">{}</span>', colour, left, self.raw(obj))


CASE_COLUMNS = [
    Column("no", "申报号", link="gov:gs_case_detail", width=20),
    Column("matter", "事项", accessor="matter.name", order_by="matter__name", width=30),
    Column("category", "分类", accessor="matter.get_category_display", sortable=False, width=16),
    Column("applicant_name", "申请人", width=20),
    Column("applicant_id_number", "证件号码", mask="id_number", sortable=False, default=False, width=20),
    Column("applicant_phone", "联系电话", mask="phone", sortable=False, width=14),
    Column("channel", "来源", choices=True, width=10),
    Column("window", "受理窗口", accessor="window", order_by="window__number", width=16),
    StateColumn(),
    Column("accepted_at", "受理时间", width=18),
    Column("promised_due", "承诺办结日期", width=12),
    Column("statutory_due", "法定办结日期", default=False, width=12),
    DaysLeftColumn(),
]


class CaseFilter(StyledFilterSet):
    keyword = django_filters.CharFilter(label="申报号/申请人", method="search")
    status = django_filters.ChoiceFilter(label="办件状态", choices=CASE.choices(), empty_label="全部")
    category = django_filters.ChoiceFilter(label="事项分类", field_name="matter__category", choices=Category.choices,
                                           empty_label="全部")
    matter = django_filters.ModelChoiceFilter(label="事项", queryset=Matter.objects.none(), empty_label="全部")
    window = django_filters.ModelChoiceFilter(label="受理窗口", queryset=Window.objects.none(), empty_label="全部")
    accepted_from = django_filters.DateFilter(label="受理日期起", field_name="accepted_at", lookup_expr="date__gte",
                                              widget=DateInput)
    accepted_to = django_filters.DateFilter(label="受理日期止", field_name="accepted_at", lookup_expr="date__lte",
                                            widget=DateInput)
    overdue = django_filters.ChoiceFilter(label="电子监察", method="by_level", empty_label="全部", choices=[
        ("yellow", "黄牌预警"), ("orange", "超承诺期限（橙牌）"), ("red", "超法定期限（红牌）"),
        ("overdue", "已超期（橙牌和红牌）")])

    class Meta:
        model = Case
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.form.fields["matter"].queryset = Matter.objects.visible_to(user).order_by("category", "code")
            self.form.fields["window"].queryset = Window.objects.visible_to(user)

    def search(self, qs, name, value):
        from django.db.models import Q

        value = value.strip()
        return qs.filter(Q(no__iexact=value) | Q(applicant_name__icontains=value))

    def by_level(self, qs, name, value):
        if value == "overdue":
            return qs.filter(status__in=alerts.WATCHED_STATES, promised_due__lt=timezone.localdate())
        return alerts.level_filter(qs, value)


class CaseListView(ScopedListView):
    model = Case
    title = "办件管理"
    list_key = "gs_cases"
    permission_required = VIEW
    export_permission = EXPORT
    filterset_class = CaseFilter
    columns = CASE_COLUMNS
    select_related = ("matter", "window")
    template_name = "gs_window/acceptance/case_list.html"
    filter_form_tables = ("dicts_dictitem", "org_region", "gs_window_matter", "gs_window_window")
    breadcrumbs = [SECTION]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        counts = alerts.colour_counts(self.base_queryset())
        ctx["supervision"] = [{"level": lv, "label": alerts.LEVEL_LABELS[lv], "count": counts[lv],
                               "colour": {"yellow": "warning", "orange": "orange", "red": "danger"}[lv]}
                              for lv in ("yellow", "orange", "red")]
        ctx["can_accept"] = self.request.user.has_perm(ACCEPT)
        return ctx


class CaseDetailView(ScopedDetailView):
    model = Case
    permission_required = VIEW
    select_related = ("matter", "matter__department", "window", "window__centre", "region", "appointment",
                      "applicant_org", "accepted_by")
    template_name = "gs_window/acceptance/case_detail.html"
    breadcrumbs = CASE_BREAD
    fields = [
        Column("no", "申报号"), Column("channel", "来源", choices=True),
        Column("applicant_name", "申请人"),
        Column("applicant_id_number", "证件号码", mask="id_number"),
        Column("applicant_phone", "联系电话", mask="phone"),
        Column("applicant_org", "申请单位", accessor="applicant_org.name"),
        Column("appointment", "预约编号", accessor="appointment.no"),
        Column("window", "受理窗口", accessor="window"),
        Column("accepted_at", "受理时间"), Column("accepted_by", "受理人", accessor="accepted_by.display_name"),
        Column("delivery", "取件方式", choices=True),
    ]

    def get_title(self):
        return f"办件 {self.get_object().no}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case, user = self.get_object(), self.request.user
        ctx.update(panel_context(case, user))
        ctx["state_colour"] = STATE_COLOURS.get(case.status, "secondary")
        ctx["materials"] = list(case.materials.select_related("attachment"))
        ctx["is_open"] = case.status in OPEN_STATES
        ctx["promised_left"] = services.working_days_left(case.promised_due)
        ctx["statutory_left"] = services.working_days_left(case.statutory_due)
        ctx["category_label"] = Category(case.matter.category).label
        from domains.gov_services.exchange.web.case import exchange_context  # dispatch to the departments

        ctx.update(exchange_context(case, user))
        return ctx


def receipt_context(case):
    centre = case.window.centre if case.window_id else None
    return {"case": case, "matter": case.matter, "centre": centre,
            "centre_name": centre.name if centre else case.region.name + "政务服务中心",
            "materials": list(case.materials.all()), "slogan": SLOGAN,
            "printed_at": timezone.localtime(), "title": "受理回执"}


class ReceiptView(ScopedObjectMixin, EntranceMixin, TemplateView):
    """受理回执 (PDF) of one case."""

    model = Case
    permission_required = VIEW
    select_related = ("matter", "window", "window__centre", "region")

    def get(self, request, pk):
        case = self.get_object()
        if case.accepted_at is None:
            raise Http404("办件尚未受理")
        return pdf_response("gs_window/acceptance/receipt.html", receipt_context(case), f"受理回执_{case.no}")
