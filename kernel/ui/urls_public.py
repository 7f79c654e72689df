"""Public pages (/public/): no login."""
from django.urls import path

from kernel.ui import views as ui_views
from kernel.ui.urls_common import app_urls

app_name = "public"

urlpatterns = [
    path("", ui_views.public_home, name="home"),
] + app_urls("public")
