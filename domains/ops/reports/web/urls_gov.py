from django.urls import path

from . import views as v

urlpatterns = [
    path("dashboard/", v.DashboardView.as_view(), name="ops_dashboard"),
    path("reports/monthly/", v.MonthlyReportView.as_view(), name="ops_monthly_report"),
]
