from django.urls import path

from .web import mobile

urlpatterns = [
    path("warnings/", mobile.MobileWarningList.as_view(), name="labor_m_warnings"),
    path("warnings/<int:pk>/", mobile.MobileWarningDetail.as_view(), name="labor_m_warning"),
]
