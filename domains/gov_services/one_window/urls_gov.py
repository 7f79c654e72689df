"""Pages of the one-window system in the gov entrance (each part's own url module)."""
from django.urls import include, path

urlpatterns = [
    path("", include("domains.gov_services.one_window.web.urls_catalogue_gov")),
    path("", include("domains.gov_services.one_window.web.urls_appointments_gov")),
    path("", include("domains.gov_services.one_window.web.urls_acceptance_gov")),
    path("", include("domains.gov_services.one_window.web.urls_joint_gov")),
]
