from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """The O&M monitoring node of seed 002 (issue 8 point 5): resources of six types, application monitoring, performance samples and summaries, threshold alarms, collaborative work orders and upward reporting to the city node, SM2-encrypted."""
    name = "domains.ops.monitoring"
    label = "ops_monitoring"
    verbose_name = "运维监控节点"
