from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """The O&M monitoring node of seed 002 (issue 8 point 5): resources of six types, application monitoring,
    performance samples and summaries, threshold alarms, collaborative work orders and upward reporting to the
    city node, SM2-encrypted (integrations/city_node)."""
    name = "domains.ops.monitoring"
    label = "ops_monitoring"
    verbose_name = "运维监控节点"
    url_prefix = "ops"
    entrance_urls = {"gov": "domains.ops.monitoring.web.urls_gov"}

    def ready(self):
        from kernel.ui.menu import MenuItem, registry

        from . import agent, alerts, imports  # noqa: F401  (alerts: the rules register on import)

        agent.register()
        imports.register()
        registry.section("运维服务管理", 70, "bi-tools")
        # the node's other pages (access node, resources, applications, performance, upward reports) are tabs
        # of these pages
        for label, url_name, perm, icon, order in (
                ("监控总览", "gov:ops_monitoring", "ops_monitoring.view_node", "bi-diagram-3", 50),
                ("监控告警", "gov:ops_monitoring_alarms", "ops_monitoring.view_node", "bi-bell", 55),
                ("协同工单", "gov:ops_monitoring_orders", "ops_monitoring.view_workorder", "bi-clipboard-check", 56)):
            registry.add(MenuItem("运维服务管理", label, url_name, perm=perm, icon=icon, order=order))

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        from .demo import seed

        return seed(scale, out)
