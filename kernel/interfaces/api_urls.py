"""API routes of kernel.interfaces, added to config/api_urls.py."""
from django.urls import path

from .api import WhoAmIView, inbound_view

urlpatterns = [
    path("inbound/<str:endpoint_name>/", inbound_view, name="api-inbound"),
    path("interfaces/whoami/", WhoAmIView.as_view(), name="api-interfaces-whoami"),
]
