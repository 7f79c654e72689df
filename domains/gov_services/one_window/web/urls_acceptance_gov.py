from django.urls import path

from . import acceptance as v

urlpatterns = [
    path("accept/", v.AcceptStartView.as_view(), name="gs_accept"),
    path("accept/org/", v.OrgLookupView.as_view(), name="gs_accept_org"),
    path("accept/<int:pk>/", v.AcceptView.as_view(), name="gs_accept_matter"),
    path("cases/", v.CaseListView.as_view(), name="gs_case_list"),
    path("cases/<int:pk>/", v.CaseDetailView.as_view(), name="gs_case_detail"),
    path("cases/<int:pk>/receipt/", v.ReceiptView.as_view(), name="gs_case_receipt"),
]
