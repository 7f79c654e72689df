"""Agency pages of labour-inspection warning disposition (/gov/labor/..., namespace "gov")."""
from django.urls import include, path

from .web import cases, grids, warnings

urlpatterns = [
    # 投诉举报登记与案件督办
    path("complaints/", cases.ComplaintListView.as_view(), name="labor_complaint_list"),
    path("complaints/new/", cases.ComplaintCreateView.as_view(), name="labor_complaint_create"),
    path("complaints/<int:pk>/", cases.ComplaintDetailView.as_view(), name="labor_complaint_detail"),
    path("complaints/<int:pk>/document.docx", cases.ComplaintDocumentView.as_view(), name="labor_complaint_document"),
    # 网格
    path("grids/", grids.GridListView.as_view(), name="labor_grid_list"),
    path("grids/new/", grids.GridCreateView.as_view(), name="labor_grid_create"),
    path("grids/stats/", grids.GridStatsView.as_view(), name="labor_grid_stats"),
    path("grids/<int:pk>/edit/", grids.GridEditView.as_view(), name="labor_grid_edit"),
    path("grids/<int:pk>/delete/", grids.GridDeleteView.as_view(), name="labor_grid_delete"),
    # 欠薪预警审核、转立案登记、撤回
    path("warnings/", warnings.LabourWarningListView.as_view(), name="labor_warning_list"),
    path("warnings/batch/", warnings.LabourBatchView.as_view(), name="labor_warning_batch"),
    path("warnings/<int:pk>/", warnings.LabourWarningDetailView.as_view(), name="labor_warning_detail"),
    path("warnings/<int:pk>/convert/", warnings.ConvertView.as_view(), name="labor_warning_convert"),
    path("warnings/<int:pk>/withdraw/", warnings.WithdrawView.as_view(), name="labor_warning_withdraw"),
    path("warnings/<int:pk>/edit/", warnings.EditManualView.as_view(), name="labor_warning_edit"),
    # statistics pages: owned by the statistics module (web/urls_stats.py)
    path("", include("domains.labor.inspection.web.urls_stats")),
]
