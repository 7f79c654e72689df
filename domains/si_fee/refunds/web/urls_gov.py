from django.urls import path

from . import views_gov as v

urlpatterns = [
    path("refunds/", v.RefundListView.as_view(), name="si_refunds"),
    path("refunds/<int:pk>/", v.RefundDetailView.as_view(), name="si_refund"),
    path("no-refund/", v.NoRefundListView.as_view(), name="si_no_refund"),
    path("no-refund/new/", v.NoRefundCreateView.as_view(), name="si_no_refund_new"),
    path("no-refund/<int:pk>/", v.NoRefundDeleteView.as_view(), name="si_no_refund_entry"),
]
