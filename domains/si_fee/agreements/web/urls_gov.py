from django.urls import path

from . import staff as v

urlpatterns = [
    path("agreements/", v.AgreementListView.as_view(), name="si_agree_list"),
    path("agreements/<int:pk>/", v.AgreementDetailView.as_view(), name="si_agree_detail"),
    path("batches/", v.BatchListView.as_view(), name="si_agree_batches"),
    path("batches/new/", v.BatchLaunchView.as_view(), name="si_agree_batch_new"),
    path("batches/<int:pk>/", v.BatchDetailView.as_view(), name="si_agree_batch"),
    path("batches/<int:pk>/run/", v.BatchRunView.as_view(), name="si_agree_batch_run"),
]
