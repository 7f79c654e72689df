"""Centre pages of the matters catalogue (/gov/gs/matters/..., namespace "gov")."""
from django.urls import path

from . import catalogue

urlpatterns = [
    path("matters/", catalogue.MatterListView.as_view(), name="gs_matter_list"),
    path("matters/new/", catalogue.MatterCreateView.as_view(), name="gs_matter_create"),
    path("matters/<int:pk>/", catalogue.MatterDetailView.as_view(), name="gs_matter_detail"),
    path("matters/<int:pk>/edit/", catalogue.MatterEditView.as_view(), name="gs_matter_edit"),
    path("matters/<int:pk>/publish/", catalogue.MatterPublishView.as_view(), name="gs_matter_publish"),
    path("matters/<int:pk>/retire/", catalogue.MatterRetireView.as_view(), name="gs_matter_retire"),
    path("matters/<int:pk>/versions/<int:version>/", catalogue.MatterVersionView.as_view(),
         name="gs_matter_version"),
]
