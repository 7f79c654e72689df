from django.urls import path

from . import payer as v

urlpatterns = [
    path("agreements/", v.AgreementListView.as_view(), name="si_agree_list"),
    path("agreements/new/tripartite/", v.AgreementCreateView.as_view(), {"kind": "tripartite"},
         name="si_agree_new_tripartite"),
    path("agreements/new/bilateral/", v.AgreementCreateView.as_view(), {"kind": "bilateral"},
         name="si_agree_new_bilateral"),
    path("agreements/<int:pk>/", v.AgreementDetailView.as_view(), name="si_agree_detail"),
    path("agreements/<int:pk>/terminate/", v.AgreementTerminateView.as_view(), name="si_agree_terminate"),
    path("agreements/<int:pk>/verify/", v.AgreementVerifyView.as_view(), name="si_agree_verify"),
    path("agreements/<int:pk>/print/", v.AgreementPrintView.as_view(), name="si_agree_print"),
    path("agreements/<int:pk>/signature/", v.AgreementSignatureView.as_view(), name="si_agree_signature"),
    path("amounts/", v.ResidentAmountView.as_view(), name="si_agree_amount"),
    path("batch-items/", v.ItemListView.as_view(), name="si_agree_items"),
    path("batch-items/<int:pk>/amount/", v.ItemAmountView.as_view(), name="si_agree_item_amount"),
    path("batch-items/<int:pk>/void/", v.ItemVoidView.as_view(), name="si_agree_item_void"),
]
