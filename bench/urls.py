"""URLs of the benchmark views; included by config/urls.py only when ZW_BENCH=1."""
from django.urls import path

from . import views

app_name = "bench"

urlpatterns = [
    path("bare/", views.bare, name="bare"),
    path("bare-auth/", views.bare_auth, name="bare_auth"),
]
