"""Operator pages of kernel.interfaces, included under /gov/interfaces/ (namespace "gov")."""
from django.urls import path

from . import views

urlpatterns = [
    path("clients/", views.ClientListView.as_view(), name="interfaces_client_list"),
    path("clients/new/", views.ClientCreateView.as_view(), name="interfaces_client_create"),
    path("clients/<int:pk>/", views.ClientDetailView.as_view(), name="interfaces_client_detail"),
    path("clients/<int:pk>/edit/", views.ClientEditView.as_view(), name="interfaces_client_edit"),
    path("clients/<int:pk>/toggle/", views.ClientToggleView.as_view(), name="interfaces_client_toggle"),
    path("clients/<int:pk>/rotate/", views.ClientRotateView.as_view(), name="interfaces_client_rotate"),
    path("messages/", views.MessageListView.as_view(), name="interfaces_message_list"),
    path("messages/<int:pk>/", views.MessageDetailView.as_view(), name="interfaces_message_detail"),
    path("messages/<int:pk>/reprocess/", views.MessageReprocessView.as_view(), name="interfaces_message_reprocess"),
]
