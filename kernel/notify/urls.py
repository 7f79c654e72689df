from django.urls import path

from . import views

urlpatterns = [
    path("sms/", views.SmsListView.as_view(), name="sms_list"),
    path("sms/<int:pk>/resend/", views.SmsResendView.as_view(), name="sms_resend"),
    path("messages/", views.MessageListView.as_view(), name="message_list"),
]
