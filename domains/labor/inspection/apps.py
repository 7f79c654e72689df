from django.apps import AppConfig


class InspectionConfig(AppConfig):
    """Wage-arrears early warning and disposition (劳动监察预警处置): the warning models on the alert
    engine, grids, complaint/report registration (投诉举报登记表) with case supervision on the
    business calendar, statistics and the big screen, mobile disposition."""
    name = "domains.labor.inspection"
    label = "labor_inspection"
    verbose_name = "劳动监察预警处置"
    url_prefix = "labor"
    entrance_urls = {"gov": "domains.labor.inspection.urls_gov", "m": "domains.labor.inspection.urls_mobile"}

    def ready(self):
        from kernel.alerts.registry import register_detail_extension, register_escalation_guard

        from . import alerts, case_alerts, menus, menus_mobile, menus_stats  # noqa: F401  (rules, menus)
        from .services import escalation_guard
        from .web.warnings import kernel_page_extension

        register_detail_extension(kernel_page_extension)
        register_escalation_guard(escalation_guard)

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        from . import demo, demo_cases

        parts = [demo.seed(scale, out), demo_cases.seed(scale, out)]
        return "；".join(p for p in parts if p)
