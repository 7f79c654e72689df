from django.urls import path

from . import sso as v

urlpatterns = [
    path("sso/<slug:channel>/", v.sso_view, name="si_sso"),
]
