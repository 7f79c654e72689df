"""Enterprise / institution pages of the hazard system, at /ent/se/ (namespace "ent")."""
from django.urls import path

from . import ent

urlpatterns = [
    # 重大事故隐患 (the unit's and the reporting institution's)
    path("hazards/", ent.MajorHazardListView.as_view(), name="se_hazard_list"),
    path("hazards/new/", ent.MajorHazardCreateView.as_view(), name="se_hazard_create"),
    path("hazards/judgement-items/", ent.JudgementItemsView.as_view(), name="se_hazard_judgement_items"),
    path("hazards/<int:pk>/", ent.MajorHazardDetailView.as_view(), name="se_hazard_detail"),
    path("hazards/<int:pk>/edit/", ent.MajorHazardEditView.as_view(), name="se_hazard_edit"),
    path("hazards/<int:pk>/document.<str:fmt>", ent.MajorHazardDocumentView.as_view(), name="se_hazard_document"),
    path("hazards/<int:pk>/delete/", ent.MajorHazardDeleteView.as_view(), name="se_hazard_delete"),
    # 一般隐患
    path("general-hazards/", ent.GeneralHazardListView.as_view(), name="se_general_list"),
    path("general-hazards/new/", ent.GeneralHazardCreateView.as_view(), name="se_general_create"),
    path("general-hazards/<int:pk>/", ent.GeneralHazardDetailView.as_view(), name="se_general_detail"),
    path("general-hazards/<int:pk>/edit/", ent.GeneralHazardEditView.as_view(), name="se_general_edit"),
    # 隐患排查计划
    path("check-plans/", ent.CheckPlanListView.as_view(), name="se_plan_list"),
    path("check-plans/new/", ent.CheckPlanCreateView.as_view(), name="se_plan_create"),
    path("check-plans/<int:pk>/", ent.CheckPlanDetailView.as_view(), name="se_plan_detail"),
    path("check-plans/<int:pk>/edit/", ent.CheckPlanEditView.as_view(), name="se_plan_edit"),
]
