"""The project's URLs plus this app's API routes (until config/api_urls.py includes them)."""
from django.urls import include, path

from config.urls import urlpatterns as project

from ..api_urls import urlpatterns as api

urlpatterns = [path("api/", include(api))] + project
