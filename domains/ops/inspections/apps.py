from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    """Inspections (issue 8 point 4): checklists as data and real probes against configured targets (PostgreSQL, HTTP applications, host disk), results stored, breaches raised as alerts, inspection reports in Word."""
    name = "domains.ops.inspections"
    label = "ops_inspections"
    verbose_name = "运维巡检"
    url_prefix = "ops"
    entrance_urls = {"gov": "domains.ops.inspections.web.urls_gov"}

    def ready(self):
        from kernel.ui.menu import MenuItem, registry

        from . import alerts  # noqa: F401 (registers the inspection warning rules)

        registry.section("运维服务管理", 70, "bi-tools")
        registry.add(MenuItem("运维服务管理", "巡检记录", "gov:ops_inspections_runs",
                              perm="ops_inspections.view_inspectionrun", icon="bi-clipboard2-pulse", order=40))
        registry.add(MenuItem("运维服务管理", "巡检清单", "gov:ops_inspections_checklists",
                              perm="ops_inspections.view_checklist", icon="bi-list-check", order=41))
        registry.add(MenuItem("运维服务管理", "巡检目标", "gov:ops_inspections_targets",
                              perm="ops_inspections.view_target", icon="bi-hdd-network", order=42))

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        from .demo import seed

        return seed(scale, out)
