from django.urls import path

from . import deliveries as d
from . import views as v

urlpatterns = [
    path("proof/<str:token>/", v.ProofScanView.as_view(), name="gs_citizen_proof_scan"),
    path("consultations/", v.StaffConsultationsView.as_view(), name="gs_citizen_consultations"),
    path("rectifications/", v.RectificationsView.as_view(), name="gs_citizen_rectifications"),
    path("rectifications/<int:pk>/", v.RectificationView.as_view(), name="gs_citizen_rectification"),
    path("evaluations/stats/", v.EvaluationStatsView.as_view(), name="gs_citizen_evaluation_stats"),
    path("deliveries/", d.DeliveryListView.as_view(), name="gs_citizen_deliveries"),
    path("deliveries/<int:pk>/", d.DeliveryView.as_view(), name="gs_citizen_delivery"),
]
