"""Enterprise and institution pages of the hazard system (/ent/se/...)."""
from django.urls import include, path

urlpatterns = [path("", include("domains.special_equipment.hazards.web.urls_ent"))]
