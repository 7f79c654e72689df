"""Public pages of the hazard system, at /public/se/ (namespace "public"): no login."""
from django.urls import path

from . import public

urlpatterns = [
    path("complaint/", public.ComplaintView.as_view(), name="se_complaint"),
    path("complaint/done/", public.complaint_done, name="se_complaint_done"),
    path("complaint/query/", public.complaint_query, name="se_complaint_query"),
    path("complaint/qr.svg", public.complaint_qr, name="se_complaint_qr"),
    path("complaint/poster/", public.complaint_poster, name="se_complaint_poster"),
]
