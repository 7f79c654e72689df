"""The payer's H5 pages (/m/si/...): notices (list in four sorts with unread marks, detail that marks
the notice read, attachment download) and the operation manual (text version, video link, watermarked PDF)."""
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView

from domains.si_fee.payers.web.mixins import PayerMixin
from kernel.files.models import Attachment
from kernel.files.services import download_response, record_download

from .. import services
from .staff import pdf_download


class PayerNoticeListView(PayerMixin, TemplateView):
    template_name = "si_notice/m_notices.html"
    title = "通知公告"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        sort = self.request.GET.get("sort", "time")
        if sort not in services.SORTS:
            sort = "time"
        notices = list(services.payer_list(self.payer, sort)[:200])
        ctx.update(notices=notices, sort=sort, sorts=[(k, label) for k, (label, _) in services.SORTS.items()],
                   unread=sum(1 for n in notices if not n.is_read))
        return ctx


class PayerNoticeMixin(PayerMixin):
    def get_notice(self):
        if not hasattr(self, "_notice"):
            self._notice = services.notice_for_payer(self.payer, self.kwargs["pk"])
        return self._notice


class PayerNoticeDetailView(PayerNoticeMixin, TemplateView):
    """Opening a notice is reading it: the first time is recorded."""
    template_name = "si_notice/m_notice.html"

    def get_title(self):
        return "通知详情"

    def get(self, request, *args, **kwargs):
        services.mark_read(self.payer, self.get_notice())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        notice = self.get_notice()
        ct = ContentType.objects.get_for_model(notice)
        ctx.update(notice=notice, back_url=reverse("m:si_notice_list"),
                   attachments=Attachment.objects.filter(content_type=ct, object_id=notice.pk,
                                                         purpose=services.ATTACHMENT_PURPOSE).order_by("id"))
        return ctx


class PayerNoticeReadView(PayerNoticeMixin, TemplateView):
    """我知道了 on the pop-up: mark read without opening (POST)."""
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        read = services.mark_read(self.payer, self.get_notice())
        if request.headers.get("HX-Request") or request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"read_at": read.read_at.isoformat()})
        target = request.POST.get("next", "")
        if not (target.startswith("/m/") and url_has_allowed_host_and_scheme(target, {request.get_host()})):
            target = reverse("m:si_notice_list")
        return redirect(target)


class PayerNoticeFileView(PayerNoticeMixin, TemplateView):
    """An attachment of a notice the payer may see (the notice decides, as for any attachment's owner)."""

    def get(self, request, pk, file_pk):
        notice = self.get_notice()
        ct = ContentType.objects.get_for_model(notice)
        attachment = Attachment.objects.filter(pk=file_pk, content_type=ct, object_id=notice.pk,
                                               purpose=services.ATTACHMENT_PURPOSE).first()
        if attachment is None:
            raise Http404("附件不存在")
        response = download_response(attachment, inline=False)
        record_download(attachment, request.user)
        return response


class ManualView(PayerMixin, TemplateView):
    template_name = "si_notice/m_manual.html"
    title = "操作手册"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["manual"] = services.current_manual()
        return ctx


class ManualPdfView(PayerMixin, TemplateView):
    def get(self, request):
        manual = services.current_manual()
        if manual is None:
            raise Http404("暂无操作手册")
        pdf = services.manual_pdf(manual, request.user, self.payer.name)
        return pdf_download(pdf, f"社保费掌上办操作手册_{manual.version}.pdf")
