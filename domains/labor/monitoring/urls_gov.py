"""Agency pages of the supervision database (/gov/labor/..., see kernel.ui.urls_common.app_urls)."""
from django.urls import path

from . import views

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="labor_project_list"),
    path("projects/<int:pk>/", views.ProjectDetailView.as_view(), name="labor_project_detail"),
    path("workers/", views.WorkerListView.as_view(), name="labor_worker_list"),
    path("workers/<int:pk>/", views.WorkerDetailView.as_view(), name="labor_worker_detail"),
    path("accounts/", views.AccountListView.as_view(), name="labor_account_list"),
    path("accounts/<int:pk>/", views.AccountDetailView.as_view(), name="labor_account_detail"),
    path("deposits/", views.DepositListView.as_view(), name="labor_deposit_list"),
    path("deposits/<int:pk>/", views.DepositDetailView.as_view(), name="labor_deposit_detail"),
    path("guarantees/", views.GuaranteeListView.as_view(), name="labor_guarantee_list"),
    path("guarantees/<int:pk>/", views.GuaranteeDetailView.as_view(), name="labor_guarantee_detail"),
    path("guarantee-reminders/", views.ReminderListView.as_view(), name="labor_reminder_list"),
    path("differentiated/", views.DifferentiatedListView.as_view(), name="labor_differentiated_list"),
    path("differentiated/new/", views.DifferentiatedCreateView.as_view(), name="labor_differentiated_create"),
    path("differentiated/<int:pk>/", views.DifferentiatedDetailView.as_view(), name="labor_differentiated_detail"),
    path("differentiated/<int:pk>/edit/", views.DifferentiatedEditView.as_view(), name="labor_differentiated_edit"),
    path("differentiated/<int:pk>/delete/", views.DifferentiatedDeleteView.as_view(),
         name="labor_differentiated_delete"),
]
