from django.urls import path

from . import views_gov as v

urlpatterns = [
    path("payments/", v.OrderListView.as_view(), name="si_pay_orders"),
    path("payments/<int:pk>/", v.OrderDetailView.as_view(), name="si_pay_order"),
]
