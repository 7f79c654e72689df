"""Agency pages of the major-hazard closed loop and the judgement configuration, at /gov/se/ (namespace "gov")."""
from django.urls import path

from . import gov

urlpatterns = [
    # 重大事故隐患
    path("hazards/", gov.HazardListView.as_view(), name="se_hazard_list"),
    path("hazards/new/", gov.HazardCreateView.as_view(), name="se_hazard_create"),
    path("hazards/reminders/", gov.ReminderListView.as_view(), name="se_hazard_reminders"),
    path("hazards/units/", gov.UnitOptionsView.as_view(), name="se_hazard_units"),
    path("hazards/unit-equipment/", gov.UnitEquipmentView.as_view(), name="se_hazard_unit_equipment"),
    path("hazards/judgement-options/", gov.JudgementOptionsView.as_view(), name="se_hazard_judgement_options"),
    path("hazards/<int:pk>/", gov.HazardDetailView.as_view(), name="se_hazard_detail"),
    path("hazards/<int:pk>/document.<str:fmt>", gov.HazardDocumentView.as_view(), name="se_hazard_document"),
    # 隐患判定项配置 (GB 45067—2024)
    path("judgement-items/", gov.JudgementListView.as_view(), name="se_judgement_list"),
    path("judgement-items/new/", gov.JudgementCreateView.as_view(), name="se_judgement_create"),
    path("judgement-items/<int:pk>/", gov.JudgementDetailView.as_view(), name="se_judgement_detail"),
    path("judgement-items/<int:pk>/edit/", gov.JudgementEditView.as_view(), name="se_judgement_edit"),
]
