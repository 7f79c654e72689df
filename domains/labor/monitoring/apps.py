from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """The labour-inspection supervision database (劳动监察监管数据库): construction projects, migrant
    workers' real-name records, contracts, attendance, payroll, wage special accounts, wage deposits
    and guarantees. Data arrives by Excel import and by signed machine interfaces (桂薪宝, banks,
    insurers); the warning rules of domains.labor.inspection read it."""
    name = "domains.labor.monitoring"
    label = "labor_monitoring"
    verbose_name = "劳动监察监管数据"
    url_prefix = "labor"
    entrance_urls = {"gov": "domains.labor.monitoring.urls_gov"}

    def ready(self):
        from . import imports, menus  # noqa: F401  (menus and the Excel import specs)
        from .push import register as register_push

        register_push()  # the signed inbound endpoints of 桂薪宝, banks and insurers (kernel.interfaces)

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        from .demo import seed

        return seed(scale, out)
