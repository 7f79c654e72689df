from django.urls import path

from . import views as v

urlpatterns = [
    path("inspections/checklists/", v.ChecklistListView.as_view(), name="ops_inspections_checklists"),
    path("inspections/checklists/new/", v.ChecklistCreateView.as_view(), name="ops_inspections_checklist_create"),
    path("inspections/checklists/<int:pk>/", v.ChecklistDetailView.as_view(), name="ops_inspections_checklist"),
    path("inspections/checklists/<int:pk>/edit/", v.ChecklistEditView.as_view(), name="ops_inspections_checklist_edit"),
    path("inspections/checklists/<int:pk>/items/new/", v.ItemFormView.as_view(), name="ops_inspections_item_create"),
    path("inspections/checklists/<int:pk>/items/<int:item_id>/", v.ItemFormView.as_view(),
         name="ops_inspections_item_edit"),
    path("inspections/checklists/<int:pk>/run/", v.RunNowView.as_view(), name="ops_inspections_run_now"),
    path("inspections/targets/", v.TargetListView.as_view(), name="ops_inspections_targets"),
    path("inspections/targets/new/", v.TargetCreateView.as_view(), name="ops_inspections_target_create"),
    path("inspections/targets/<int:pk>/", v.TargetDetailView.as_view(), name="ops_inspections_target"),
    path("inspections/targets/<int:pk>/edit/", v.TargetEditView.as_view(), name="ops_inspections_target_edit"),
    path("inspections/runs/", v.RunListView.as_view(), name="ops_inspections_runs"),
    path("inspections/runs/<int:pk>/", v.RunDetailView.as_view(), name="ops_inspections_run"),
    path("inspections/runs/<int:pk>/report.docx", v.RunReportView.as_view(), name="ops_inspections_run_report"),
]
