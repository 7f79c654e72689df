"""The public guide (办事指南), no login (/public/gs/matters/..., namespace "public")."""
from django.urls import path

from . import catalogue

urlpatterns = [
    path("matters/", catalogue.PublicMatterList.as_view(), name="gs_matter_list"),
    path("matters/<str:code>/", catalogue.PublicMatterGuide.as_view(), name="gs_matter_guide"),
]
