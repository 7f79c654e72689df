from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Quality figures and reports (issue 8 point 7): response rate, data-processing completion, on-time code
    changes, error rates, SLA attainment per contract and level, the monthly service report and the dashboard."""
    name = "domains.ops.reports"
    label = "ops_reports"
    verbose_name = "运维质量与报告"
    url_prefix = "ops"
    entrance_urls = {"gov": "domains.ops.reports.web.urls_gov"}

    def ready(self):
        from kernel.ui.menu import MenuItem, registry

        registry.section("运维服务管理", 70, "bi-tools")
        registry.add(MenuItem("运维服务管理", "运维服务看板", "gov:ops_dashboard", perm="ops_tickets.view_ticket",
                              icon="bi-speedometer2", order=5))
        registry.add(MenuItem("运维服务管理", "运维服务月报", "gov:ops_monthly_report", perm="ops_tickets.export_ticket",
                              icon="bi-journal-text", order=90))
