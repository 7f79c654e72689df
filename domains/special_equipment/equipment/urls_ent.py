"""Enterprise and institution pages of the equipment registry (/ent/se/...)."""
from django.urls import path

from . import views

urlpatterns = [
    path("equipment/", views.EntEquipmentListView.as_view(), name="se_equipment_list"),
    path("equipment/<int:pk>/", views.EntEquipmentPortraitView.as_view(), name="se_equipment_detail"),
    path("reports/", views.EntReportListView.as_view(), name="se_report_list"),
    path("reports/new/", views.ReportCreateView.as_view(), name="se_report_create"),
    path("reports/new/lookup/", views.EquipmentLookupView.as_view(), name="se_report_lookup"),
    path("reports/<int:pk>/", views.EntReportDetailView.as_view(), name="se_report_detail"),
]
