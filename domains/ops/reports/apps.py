from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Quality figures and reports (issue 8 point 7): response rate, data-processing completion, on-time code changes, error rates, SLA attainment per contract and level, the monthly service report and the dashboard."""
    name = "domains.ops.reports"
    label = "ops_reports"
    verbose_name = "运维质量与报告"
