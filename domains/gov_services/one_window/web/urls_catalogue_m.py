"""The guide (办事指南) in the H5 entrance for signed-in applicants (/m/gs/matters/..., namespace "m")."""
from django.urls import path

from . import catalogue

urlpatterns = [
    path("matters/", catalogue.MobileMatterList.as_view(), name="gs_matter_list"),
    path("matters/<str:code>/", catalogue.MobileMatterGuide.as_view(), name="gs_matter_guide"),
]
