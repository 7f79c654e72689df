from django.urls import path

from . import views as v

urlpatterns = [
    path("monitoring/", v.OverviewView.as_view(), name="ops_monitoring"),
    path("monitoring/node/", v.NodeView.as_view(), name="ops_monitoring_node"),
    path("monitoring/node/edit/", v.NodeEdit.as_view(), name="ops_monitoring_node_edit"),
    path("monitoring/node/keys/", v.NodeKeysView.as_view(), name="ops_monitoring_node_keys"),
    path("monitoring/resources/", v.ResourceList.as_view(), name="ops_monitoring_resources"),
    path("monitoring/resources/new/", v.ResourceCreate.as_view(), name="ops_monitoring_resource_create"),
    path("monitoring/resources/<int:pk>/", v.ResourceDetail.as_view(), name="ops_monitoring_resource"),
    path("monitoring/resources/<int:pk>/edit/", v.ResourceEdit.as_view(), name="ops_monitoring_resource_edit"),
    path("monitoring/resources/<int:pk>/delete/", v.ResourceDelete.as_view(), name="ops_monitoring_resource_delete"),
    path("monitoring/apps/", v.AppList.as_view(), name="ops_monitoring_apps"),
    path("monitoring/apps/new/", v.AppCreate.as_view(), name="ops_monitoring_app_create"),
    path("monitoring/apps/<int:pk>/", v.AppEdit.as_view(), name="ops_monitoring_app_edit"),
    path("monitoring/performance/", v.PerformanceView.as_view(), name="ops_monitoring_performance"),
    path("monitoring/thresholds/", v.ThresholdList.as_view(), name="ops_monitoring_thresholds"),
    path("monitoring/thresholds/new/", v.ThresholdCreate.as_view(), name="ops_monitoring_threshold_create"),
    path("monitoring/thresholds/<int:pk>/", v.ThresholdEdit.as_view(), name="ops_monitoring_threshold_edit"),
    path("monitoring/alarms/", v.AlarmView.as_view(), name="ops_monitoring_alarms"),
    path("monitoring/orders/", v.OrderList.as_view(), name="ops_monitoring_orders"),
    path("monitoring/orders/new/", v.OrderCreate.as_view(), name="ops_monitoring_order_create"),
    path("monitoring/orders/<int:pk>/", v.OrderDetail.as_view(), name="ops_monitoring_order"),
    path("monitoring/orders/<int:pk>/<slug:action>/", v.OrderAction.as_view(), name="ops_monitoring_order_action"),
    path("monitoring/reports/", v.ReportList.as_view(), name="ops_monitoring_reports"),
    path("monitoring/reports/<int:pk>/", v.ReportDetail.as_view(), name="ops_monitoring_report"),
    path("monitoring/reports/<int:pk>/replay/", v.ReportReplay.as_view(), name="ops_monitoring_report_replay"),
]
