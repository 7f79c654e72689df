import os

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from integrations.city_node.conf import simulated as city_node_simulated
from kernel.ui import views as ui_views

handler403 = "kernel.ui.views.error_403"
handler404 = "kernel.ui.views.error_404"
handler500 = "kernel.ui.views.error_500"

urlpatterns = [
    path("", ui_views.root_redirect, name="root"),
    path("admin/", admin.site.urls),
    path("gov/", include("kernel.ui.urls_gov")),
    path("ent/", include("kernel.ui.urls_ent")),
    path("m/", include("kernel.ui.urls_mobile")),
    path("public/", include("kernel.ui.urls_public")),
    path("files/", include("kernel.files.urls")),
    path("captcha/", include("captcha.urls")),
    path("api/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

# Benchmark-only endpoints (bench/), mounted only when the harness starts the server with ZW_BENCH=1.
if os.environ.get("ZW_BENCH") == "1":
    urlpatterns.append(path("bench/", include("bench.urls")))

if not settings.SMS_GATEWAY_URL:
    # No operator SMS platform configured: the local simulator stands in (demo, tests).
    urlpatterns.append(path("integrations/sms-sim/", include("integrations.sms.simulator")))

if not settings.PAY_GATEWAY_URL:
    # No bank payment gateway configured: the local simulator (cashier, callbacks, reconciliation) stands in.
    urlpatterns.append(path("integrations/pay-sim/", include("integrations.tips_pay.simulator")))

if city_node_simulated():
    # No city O&M exchange supervision system configured (CITY_NODE_URL): the local simulator stands in.
    urlpatterns.append(path("integrations/city-node/", include("integrations.city_node.simulator")))
