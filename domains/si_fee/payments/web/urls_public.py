from django.urls import path

from . import views_public as v

urlpatterns = [
    path("pay/callback/", v.callback, name="si_pay_callback"),
    path("receipts/<str:code>/", v.receipt_verify, name="si_receipt_verify"),
]
