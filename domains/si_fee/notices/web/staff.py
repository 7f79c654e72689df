"""Back office of the tax authority (/gov/si/...): notices (list, drafts, push list, publish, withdraw, read
statistics) and the operation manual's versions. Notices are scoped by their region (another city: 404);
the manual is one public document for the whole service."""
import django_filters
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.generic import TemplateView

from kernel.files.services import attachments_of
from kernel.ui.filters import StyledFilterSet
from kernel.ui.generic import EntranceMixin, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column

from .. import services
from ..forms import AudienceForm, ManualVersionForm, NoticeForm, WithdrawForm
from ..models import Audience, Category, Level, ManualVersion, Notice, NoticeTarget

VIEW, ADD, CHANGE, PUBLISH = ("si_notice.view_notice", "si_notice.add_notice", "si_notice.change_notice",
                              "si_notice.publish_notice")
VIEW_MANUAL, ADD_MANUAL = "si_notice.view_manualversion", "si_notice.add_manualversion"


def _crumbs():
    return [("通知公告", reverse("gov:si_notice_list"))]


class BadgeColumn(Column):
    def __init__(self, name, label, colour_attr, **kwargs):
        super().__init__(name, label, choices=True, **kwargs)
        self.colour_attr = colour_attr

    def html(self, obj, user=None, link=True):
        return format_html('<span class="badge text-bg-{}">{}</span>', getattr(obj, self.colour_attr),
                           self.display(obj, user))


class NoticeFilter(StyledFilterSet):
    q = django_filters.CharFilter(label="标题/发文字号", method="search")
    status = django_filters.ChoiceFilter(label="状态", choices=Notice.Status.choices)
    level = django_filters.ChoiceFilter(label="分级", choices=Level.choices)
    category = django_filters.ChoiceFilter(label="分类", choices=Category.choices)

    class Meta:
        model = Notice
        fields = ["q", "status", "level", "category"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(title__icontains=value) | qs.filter(document_no__icontains=value) if value else qs


class NoticeListView(ScopedListView):
    model = Notice
    title = "通知公告"
    permission_required = VIEW
    filterset_class = NoticeFilter
    list_key = "si_notice"
    select_related = ("region",)
    default_ordering = "-id"
    create_url_name = "gov:si_notice_create"
    create_permission = ADD
    filter_form_tables = ()
    columns = [
        Column("title", "标题", link="gov:si_notice_detail", width=40),
        Column("document_no", "发文字号", width=24),
        BadgeColumn("level", "分级", "level_colour"),
        Column("category", "分类", choices=True),
        Column("region", "发布辖区", accessor="region.name", order_by="region__path"),
        BadgeColumn("status", "状态", "status_colour"),
        Column("published_at", "发布时间"),
        Column("valid_until", "有效期止"),
    ]


class NoticeFormView(EntranceMixin, TemplateView):
    template_name = "si_notice/gov_notice_form.html"
    permission_required = (VIEW, ADD)

    def get_instance(self):
        return None

    def get_breadcrumbs(self):
        return _crumbs() + [(self.get_title(), None)]

    def form(self, data=None, files=None):
        return NoticeForm(data=data, files=files, instance=self.get_instance(), user=self.request.user)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.form()))

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST, request.FILES)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "attachment"}
            try:
                notice = services.save_draft(request.user, data, self.get_instance(),
                                             attachment=form.cleaned_data.get("attachment"))
            except ValidationError as exc:
                form.add_error("attachment" if not hasattr(exc, "error_dict") else None, exc)
            else:
                messages.success(request, "草稿已保存")
                return redirect(notice.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


class NoticeCreateView(NoticeFormView):
    title = "新建通知公告"


class NoticeEditView(ScopedObjectMixin, NoticeFormView):
    model = Notice
    permission_required = (VIEW, CHANGE)

    def get_instance(self):
        notice = self.get_object()
        if notice.status != Notice.Status.DRAFT:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("只有草稿可以修改")
        return notice

    def get_title(self):
        return f"修改：{self.get_object().title}"


class NoticeDetailView(ScopedObjectMixin, EntranceMixin, TemplateView):
    model = Notice
    template_name = "si_notice/gov_notice_detail.html"
    permission_required = VIEW
    select_related = ("region", "audience_prefecture", "published_by", "withdrawn_by")

    def get_title(self):
        return self.get_object().title

    def get_breadcrumbs(self):
        return _crumbs() + [(self.get_title(), None)]

    def get_context_data(self, **kwargs):
        notice = self.get_object()
        user = self.request.user
        ctx = super().get_context_data(**kwargs)
        draft = notice.status == Notice.Status.DRAFT
        ctx.update(
            notice=notice, stats=services.read_stats(notice),
            attachments=attachments_of(notice, user, services.ATTACHMENT_PURPOSE),
            target_count=NoticeTarget.objects.filter(notice=notice).count(),
            can_change=draft and user.has_perm(CHANGE), can_publish=draft and user.has_perm(PUBLISH),
            can_withdraw=notice.status == Notice.Status.PUBLISHED and user.has_perm(PUBLISH),
            withdraw_form=kwargs.get("withdraw_form") or WithdrawForm(),
            history=notice.workflow_history().order_by("-time", "-id"),
            purpose=services.ATTACHMENT_PURPOSE, persons=notice.audience == Audience.PERSONS,
        )
        return ctx


class NoticeAudienceView(ScopedObjectMixin, EntranceMixin, TemplateView):
    """推送名单: paste ID numbers; every unknown or invalid one is a field error and nothing is saved."""
    model = Notice
    template_name = "si_notice/gov_notice_audience.html"
    permission_required = (VIEW, CHANGE)

    def get_title(self):
        return f"推送名单：{self.get_object().title}"

    def get_breadcrumbs(self):
        notice = self.get_object()
        return _crumbs() + [(notice.title, notice.get_absolute_url()), ("推送名单", None)]

    def get(self, request, pk):
        notice = self.get_object()
        numbers = NoticeTarget.objects.filter(notice=notice).values_list("payer__id_number", flat=True)
        form = AudienceForm(initial={"id_numbers": "\n".join(numbers)})
        return self.render_to_response(self.get_context_data(form=form, notice=notice))

    def post(self, request, pk):
        notice = self.get_object()
        form = AudienceForm(request.POST)
        if form.is_valid():
            try:
                count = services.set_audience(notice, request.user, form.cleaned_data["id_numbers"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"推送名单已保存，共{count}人")
                return redirect(notice.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, notice=notice), status=400)


class NoticePublishView(ScopedObjectMixin, EntranceMixin, TemplateView):
    model = Notice
    permission_required = (VIEW, PUBLISH)

    def post(self, request, pk):
        notice = self.get_object()
        try:
            services.publish(notice, request.user)
        except ValidationError as exc:
            messages.error(request, "发布失败：" + "；".join(exc.messages))
        else:
            messages.success(request, "已发布")
        return redirect(notice.get_absolute_url())


class NoticeWithdrawView(NoticeDetailView):
    permission_required = (VIEW, PUBLISH)

    def get(self, request, *args, **kwargs):
        return redirect(self.get_object().get_absolute_url())

    def post(self, request, pk):
        notice = self.get_object()
        form = WithdrawForm(request.POST)
        if form.is_valid():
            try:
                services.withdraw(notice, request.user, form.cleaned_data["reason"])
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, "已撤回，缴费人不再看到该通知")
                return redirect(notice.get_absolute_url())
        return self.render_to_response(self.get_context_data(withdraw_form=form), status=400)


# == operation manual ===============================================================================
class ManualListView(EntranceMixin, TemplateView):
    template_name = "si_notice/gov_manuals.html"
    permission_required = VIEW_MANUAL
    title = "操作手册"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # The manual is public (shown to every payer): not a record of a jurisdiction.
        ctx.update(versions=ManualVersion.objects.order_by("-released_on", "-id"), current=services.current_manual(),
                   can_add=self.request.user.has_perm(ADD_MANUAL))
        return ctx


class ManualCreateView(EntranceMixin, TemplateView):
    template_name = "si_notice/gov_manual_form.html"
    permission_required = (VIEW_MANUAL, ADD_MANUAL)
    title = "新增手册版本"

    def get_breadcrumbs(self):
        return [("操作手册", reverse("gov:si_notice_manuals")), (self.title, None)]

    def get(self, request):
        current = services.current_manual()
        initial = {"released_on": timezone.localdate()}
        if current:
            initial["content"] = services.sections_text(current.sections)
            initial["video_url"] = current.video_url
        return self.render_to_response(self.get_context_data(form=ManualVersionForm(initial=initial)))

    def post(self, request):
        form = ManualVersionForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    version = services.add_manual_version(request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, f"已发布操作手册 {version.version}")
                return redirect(version.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ManualDetailView(EntranceMixin, TemplateView):
    template_name = "si_notice/gov_manual_detail.html"
    permission_required = VIEW_MANUAL

    def get_version(self):
        from django.shortcuts import get_object_or_404

        return get_object_or_404(ManualVersion.objects.all(), pk=self.kwargs["pk"])

    def get_title(self):
        return str(self.get_version())

    def get_breadcrumbs(self):
        return [("操作手册", reverse("gov:si_notice_manuals")), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["manual"] = self.get_version()
        return ctx


class ManualPdfView(ManualDetailView):
    def get(self, request, pk):
        version = self.get_version()
        pdf = services.manual_pdf(version, request.user, request.user.display_name)
        return pdf_download(pdf, f"社保费掌上办操作手册_{version.version}.pdf")


def pdf_download(content: bytes, filename: str) -> HttpResponse:
    from kernel.files.services import content_disposition

    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition("attachment", filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
