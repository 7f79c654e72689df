from django.urls import path

from . import views_m as v

urlpatterns = [
    path("pay/", v.DeclareView.as_view(), name="si_pay_declare"),
    path("pay/return/<str:order_no>/", v.ReturnView.as_view(), name="si_pay_return"),
    path("pay/<str:order_no>/cancel/", v.CancelView.as_view(), name="si_pay_cancel"),
    path("pay/<str:order_no>/continue/", v.ContinueView.as_view(), name="si_pay_continue"),
    path("payables/", v.PayablesView.as_view(), name="si_pay_payables"),
    path("payments/", v.HistoryView.as_view(), name="si_pay_history"),
    path("receipts/", v.ReceiptListView.as_view(), name="si_pay_receipts"),
    path("receipts/<str:order_no>/", v.ReceiptView.as_view(), name="si_pay_receipt"),
    path("receipts/<str:order_no>/pdf/", v.ReceiptPdfView.as_view(), name="si_receipt_pdf"),
]
