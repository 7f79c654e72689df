from django.urls import path

from . import views_m as v

urlpatterns = [
    path("refunds/", v.RefundListView.as_view(), name="si_refund_list"),
    path("refunds/new/", v.NormalNewView.as_view(), name="si_refund_new"),
    path("refunds/special/", v.SpecialNewView.as_view(), name="si_refund_special"),
    path("refunds/<int:pk>/", v.DetailView.as_view(), name="si_refund_detail"),
    path("refunds/<int:pk>/withdraw/", v.WithdrawView.as_view(), name="si_refund_withdraw"),
    path("virtual-declarations/", v.VirtualResultsView.as_view(), name="si_virtual_results"),
]
