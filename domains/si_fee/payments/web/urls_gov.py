from django.urls import path

from . import views_gov as v

urlpatterns = [
    path("payments/", v.OrderListView.as_view(), name="si_pay_orders"),
    path("payments/<int:pk>/", v.OrderDetailView.as_view(), name="si_pay_order"),
    path("payments/<int:pk>/receipt/", v.OrderReceiptView.as_view(), name="si_pay_order_receipt"),
    path("reconciliation/", v.ReconciliationView.as_view(), name="si_pay_reconciliation"),
    path("reconciliation/differences/<int:pk>/", v.DifferenceView.as_view(), name="si_pay_recon_difference"),
]
