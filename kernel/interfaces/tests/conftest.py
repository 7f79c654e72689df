import pytest
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from kernel.interfaces.auth import SignatureAuthentication


@pytest.fixture
def signed_kernel_api(monkeypatch):
    """The kernel API (organisations, users, ...) accepting signed requests, as it does once
    settings.REST_FRAMEWORK lists kernel.interfaces.auth.SignatureAuthentication (see the report)."""
    classes = list(api_settings.DEFAULT_AUTHENTICATION_CLASSES)
    if SignatureAuthentication not in classes:
        monkeypatch.setattr(APIView, "authentication_classes", classes + [SignatureAuthentication])
