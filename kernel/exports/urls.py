"""URL patterns of kernel.exports, mounted under /gov/exports/ (namespace "gov")."""
from django.urls import path

from . import views

urlpatterns = [
    path("import/<slug:key>/", views.ImportView.as_view(), name="exports_import"),
    path("import/<slug:key>/template/", views.ImportTemplateView.as_view(), name="exports_import_template"),
    path("import/<slug:key>/errors/", views.ImportErrorReportView.as_view(), name="exports_import_errors"),
]
