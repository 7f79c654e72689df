from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    """Inspections (issue 8 point 4): checklists as data and real probes against configured targets (PostgreSQL, HTTP applications, host disk), results stored, breaches raised as alerts, inspection reports in Word."""
    name = "domains.ops.inspections"
    label = "ops_inspections"
    verbose_name = "运维巡检"
