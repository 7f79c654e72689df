"""Pages of kernel.files, mounted at /files/ (shared by every entrance)."""
from django.urls import path

from . import views

app_name = "files"

urlpatterns = [
    path("<int:pk>/", views.download, name="download"),
    path("<int:pk>/thumb/", views.thumbnail, name="thumbnail"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("o/<str:model>/<int:pk>/", views.owner_panel, name="panel_all"),
    path("o/<str:model>/<int:pk>/<slug:purpose>/", views.owner_panel, name="panel"),
]
