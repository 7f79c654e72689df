"""Mobile H5 entrance (/m/): citizens, and staff or maintenance workers on the move."""
from django.urls import path

from kernel.ui import views as ui_views
from kernel.ui.urls_common import _account_urls, app_urls

app_name = "m"

urlpatterns = _account_urls("m") + [
    path("", ui_views.MobileHomeView.as_view(), name="home"),
] + app_urls("m")
