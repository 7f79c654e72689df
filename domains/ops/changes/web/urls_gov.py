from django.urls import path

from . import views as v

urlpatterns = [
    path("problems/", v.ProblemListView.as_view(), name="ops_changes_problems"),
    path("problems/new/", v.ProblemFormView.as_view(), name="ops_changes_problem_new"),
    path("problems/<int:pk>/", v.ProblemDetailView.as_view(), name="ops_changes_problem"),
    path("problems/<int:pk>/edit/", v.ProblemEditView.as_view(), name="ops_changes_problem_edit"),
    path("problems/<int:pk>/act/<slug:name>/", v.ProblemActionView.as_view(), name="ops_changes_problem_act"),
    path("changes/", v.ChangeListView.as_view(), name="ops_changes_changes"),
    path("changes/new/", v.ChangeFormView.as_view(), name="ops_changes_change_new"),
    path("changes/<int:pk>/", v.ChangeDetailView.as_view(), name="ops_changes_change"),
    path("changes/<int:pk>/edit/", v.ChangeEditView.as_view(), name="ops_changes_change_edit"),
    path("changes/<int:pk>/act/<slug:name>/", v.ChangeActionView.as_view(), name="ops_changes_change_act"),
    path("notices/", v.InboxView.as_view(), name="ops_changes_notices"),
    path("notices/<int:pk>/", v.ReadView.as_view(), name="ops_changes_notice_read"),
    path("notices/manage/", v.NoticeListView.as_view(), name="ops_changes_notices_manage"),
    path("notices/manage/new/", v.NoticeFormView.as_view(), name="ops_changes_notice_new"),
    path("notices/manage/<int:pk>/", v.NoticeManageView.as_view(), name="ops_changes_notice_manage"),
    path("notices/manage/<int:pk>/edit/", v.NoticeEditView.as_view(), name="ops_changes_notice_edit"),
    path("notices/manage/<int:pk>/act/<slug:name>/", v.NoticeActionView.as_view(), name="ops_changes_notice_act"),
]
