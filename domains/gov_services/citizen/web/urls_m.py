from django.urls import path

from . import views as v

urlpatterns = [
    path("me/", v.CentreView.as_view(), name="gs_citizen_centre"),
    path("me/cases/", v.CasesView.as_view(), name="gs_citizen_cases"),
    path("me/cases/<int:pk>/", v.CaseView.as_view(), name="gs_citizen_case"),
    path("me/messages/", v.MessagesView.as_view(), name="gs_citizen_messages"),
    path("me/addresses/", v.AddressesView.as_view(), name="gs_citizen_addresses"),
    path("me/consultations/", v.ConsultationsView.as_view(), name="gs_citizen_consultations"),
    path("proofs/", v.ProofsView.as_view(), name="gs_citizen_proofs"),
    path("proofs/new/", v.ProofEditView.as_view(), name="gs_citizen_proof_new"),
    path("proofs/<int:pk>/", v.ProofEditView.as_view(), name="gs_citizen_proof"),
    path("proofs/<int:pk>/qr/", v.ProofQrView.as_view(), name="gs_citizen_proof_qr"),
    path("proofs/<int:pk>/file/", v.ProofFileView.as_view(), name="gs_citizen_proof_file"),
    path("apply/<str:code>/", v.ApplyView.as_view(), name="gs_citizen_apply"),
]
