from django.apps import AppConfig


class TicketsConfig(AppConfig):
    """O&M tickets (issue 8 point 2): consultations, faults, upgrades and data-maintenance requests through the workflow engine, with SLA clocks on the business calendar and escalation through the alert engine, SMS and to-dos."""
    name = "domains.ops.tickets"
    label = "ops_tickets"
    verbose_name = "运维工单"
