from django.urls import path

from . import views as v

urlpatterns = [
    path("training/", v.PlanListView.as_view(), name="ops_training_plans"),
    path("training/new/", v.PlanFormView.as_view(), name="ops_training_plan_new"),
    path("training/<int:pk>/", v.PlanDetailView.as_view(), name="ops_training_plan"),
    path("training/<int:pk>/edit/", v.PlanEditView.as_view(), name="ops_training_plan_edit"),
    path("training/sessions/<int:pk>/", v.SessionDetailView.as_view(), name="ops_training_session"),
    path("training/sessions/<int:pk>/results.xlsx", v.ResultsExportView.as_view(), name="ops_training_results"),
    path("training/attendance/<int:pk>/<slug:name>/", v.AttendanceActionView.as_view(),
         name="ops_training_attendance_action"),
    path("training/exams/<int:pk>/", v.ExamDetailView.as_view(), name="ops_training_exam"),
    path("training/exams/<int:pk>/take/", v.TakeExamView.as_view(), name="ops_training_take"),
    path("training/exams/<int:pk>/result/", v.ResultView.as_view(), name="ops_training_result"),
    path("training/mine/", v.MyTrainingView.as_view(), name="ops_training_mine"),
    path("training/mine/<int:pk>/", v.MySessionView.as_view(), name="ops_training_my_session"),
    path("training/mine/<int:pk>/materials/<int:attachment>/", v.MyMaterialView.as_view(),
         name="ops_training_my_material"),
]
