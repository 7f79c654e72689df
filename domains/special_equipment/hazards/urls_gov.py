"""Agency pages of the hazard system (/gov/se/...), one module per area."""
from django.urls import include, path

urlpatterns = [
    path("", include("domains.special_equipment.hazards.web.urls_gov")),
    path("", include("domains.special_equipment.hazards.web.urls_complaints")),
    path("", include("domains.special_equipment.hazards.web.urls_stats")),
]
