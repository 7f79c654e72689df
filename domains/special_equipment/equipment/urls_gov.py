"""Agency pages of the equipment registry (/gov/se/..., see kernel.ui.urls_common.app_urls)."""
from django.urls import path

from . import views

urlpatterns = [
    path("equipment/", views.EquipmentListView.as_view(), name="se_equipment_list"),
    path("equipment/new/", views.EquipmentCreateView.as_view(), name="se_equipment_create"),
    path("equipment/<int:pk>/", views.EquipmentPortraitView.as_view(), name="se_equipment_detail"),
    path("equipment/<int:pk>/edit/", views.EquipmentEditView.as_view(), name="se_equipment_edit"),
    path("units/<int:pk>/", views.UnitPortraitView.as_view(), name="se_unit_portrait"),
    path("reports/", views.ReportListView.as_view(), name="se_report_list"),
    path("reports/unreported/", views.UnreportedListView.as_view(), name="se_report_unreported"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="se_report_detail"),
]
