"""Pages of the department exchange in the gov entrance (/gov/gs/exchange/)."""
from django.urls import path

from .web import case, staff

urlpatterns = [
    path("cases/<int:pk>/dispatch/", case.DispatchView.as_view(), name="gs_exchange_dispatch"),
    path("cases/<int:pk>/redispatch/", case.RedispatchView.as_view(), name="gs_exchange_redispatch"),
    path("systems/", staff.SystemList.as_view(), name="gs_exchange_system_list"),
    path("systems/new/", staff.SystemCreate.as_view(), name="gs_exchange_system_create"),
    path("systems/<int:pk>/", staff.SystemEdit.as_view(), name="gs_exchange_system_edit"),
    path("shadows/", staff.ShadowList.as_view(), name="gs_exchange_shadow_list"),
    path("callbacks/", staff.CallbackList.as_view(), name="gs_exchange_callback_list"),
]
