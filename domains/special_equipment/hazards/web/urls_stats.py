"""Statistics of major hazards (/gov/se/hazards/stats/), included by hazards/urls_gov.py."""
from django.urls import path

from . import stats

urlpatterns = [
    path("hazards/stats/", stats.StatsView.as_view(), name="se_hazard_stats"),
]
