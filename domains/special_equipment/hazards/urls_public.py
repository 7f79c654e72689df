"""Public pages of the hazard system (/public/se/...)."""
from django.urls import include, path

urlpatterns = [path("", include("domains.special_equipment.hazards.web.urls_public"))]
