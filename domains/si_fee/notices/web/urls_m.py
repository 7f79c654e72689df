from django.urls import path

from . import payer

urlpatterns = [
    path("notices/", payer.PayerNoticeListView.as_view(), name="si_notice_list"),
    path("notices/<int:pk>/", payer.PayerNoticeDetailView.as_view(), name="si_notice_detail"),
    path("notices/<int:pk>/read/", payer.PayerNoticeReadView.as_view(), name="si_notice_read"),
    path("notices/<int:pk>/files/<int:file_pk>/", payer.PayerNoticeFileView.as_view(), name="si_notice_file"),
    path("manual/", payer.ManualView.as_view(), name="si_notice_manual"),
    path("manual/pdf/", payer.ManualPdfView.as_view(), name="si_notice_manual_pdf"),
]
