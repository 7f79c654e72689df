from django.urls import path

from . import appointments as v

urlpatterns = [
    path("slots/", v.SlotsView.as_view(), name="gs_slots"),
    path("appointments/", v.StaffAppointmentsView.as_view(), name="gs_appointments"),
]
