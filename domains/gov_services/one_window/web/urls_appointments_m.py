from django.urls import path

from . import appointments as v

urlpatterns = [
    path("appointments/", v.MyAppointmentsView.as_view(), name="gs_m_appointments"),
    path("appointments/new/", v.BookView.as_view(), name="gs_m_book"),
    path("appointments/<int:pk>/", v.MyAppointmentView.as_view(), name="gs_m_appointment"),
]
