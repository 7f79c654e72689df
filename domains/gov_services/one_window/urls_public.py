"""Pages of the one-window system in the public entrance (each part's own url module)."""
from django.urls import include, path

urlpatterns = [
    path("", include("domains.gov_services.one_window.web.urls_catalogue_public")),
    path("", include("domains.gov_services.one_window.web.urls_appointments_public")),
    path("", include("domains.gov_services.one_window.web.urls_acceptance_public")),
]
