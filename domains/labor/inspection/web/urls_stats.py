"""Statistics, combined queries and the big screen (/gov/labor/stats/..., /gov/labor/screen/...), included by
domains/labor/inspection/urls_gov.py."""
from django.urls import path

from . import stats

urlpatterns = [
    path("stats/", stats.StatsView.as_view(), name="labor_stats"),
    path("stats/warnings/", stats.WarningQueryView.as_view(), name="labor_stats_warnings"),
    path("stats/units/", stats.UnitQueryView.as_view(), name="labor_stats_units"),
    path("stats/logs/", stats.TransitionLogQueryView.as_view(), name="labor_stats_logs"),
    path("stats/logs/changes/", stats.ChangeLogQueryView.as_view(), name="labor_stats_changes"),
    path("screen/", stats.ScreenView.as_view(), name="labor_screen"),
    path("screen/data/", stats.ScreenDataView.as_view(), name="labor_screen_data"),
]
