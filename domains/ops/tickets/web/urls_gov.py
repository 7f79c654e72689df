from django.urls import path

from . import views as v

urlpatterns = [
    path("tickets/", v.TicketListView.as_view(), name="ops_tickets"),
    path("tickets/new/", v.TicketCreateView.as_view(), name="ops_ticket_new"),
    path("tickets/<int:pk>/", v.TicketDetailView.as_view(), name="ops_ticket"),
    path("tickets/<int:pk>/step/<slug:name>/", v.TicketStepView.as_view(), name="ops_ticket_step"),
]
