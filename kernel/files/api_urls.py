"""API routes of kernel.files; config/api_urls.py adds them under /api/."""
from django.urls import path

from .api import AttachmentContentView, AttachmentView, OwnerAttachmentsView

urlpatterns = [
    path("files/owners/<str:model>/<int:pk>/attachments/", OwnerAttachmentsView.as_view(),
         name="files-owner-attachments"),
    path("files/attachments/<int:pk>/", AttachmentView.as_view(), name="files-attachment"),
    path("files/attachments/<int:pk>/content/", AttachmentContentView.as_view(), name="files-attachment-content"),
]
