from django.urls import path

from . import views as v

urlpatterns = [
    path("contracts/", v.ContractListView.as_view(), name="ops_contracts"),
    path("contracts/<int:pk>/", v.ContractDetailView.as_view(), name="ops_contract"),
]
