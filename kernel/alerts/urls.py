from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="gov:warning_list"), name="alerts_home"),
    path("warnings/", views.WarningListView.as_view(), name="warning_list"),
    path("warnings/batch/", views.BatchView.as_view(), name="warning_batch"),
    path("warnings/register/", views.RegisterView.as_view(), name="warning_register"),
    path("warnings/<int:pk>/", views.WarningDetailView.as_view(), name="warning_detail"),
    path("warnings/<int:pk>/<slug:action>/", views.WarningActionView.as_view(), name="warning_action"),
    path("stats/", views.StatsView.as_view(), name="warning_stats"),
    path("rules/", views.RuleListView.as_view(), name="alertrule_list"),
    path("rules/<int:pk>/", views.RuleEditView.as_view(), name="alertrule_edit"),
]
