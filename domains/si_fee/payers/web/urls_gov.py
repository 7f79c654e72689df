from django.urls import path

from . import staff as v

urlpatterns = [
    path("payers/", v.PayerListView.as_view(), name="si_payers"),
    path("payers/<int:pk>/", v.PayerDetailView.as_view(), name="si_payer"),
]
