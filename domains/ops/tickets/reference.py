"""Permissions of the ticket system for the shared ops roles, and the SLA escalation SMS templates."""
from domains.ops.contracts.reference import grant
from kernel.notify.models import SmsTemplate

from .alerts import SMS_TEMPLATES

VIEW = ["ops_tickets.view_ticket", "ops_tickets.view_ticketpause"]
PERMS = {
    "ops_requester": VIEW + ["ops_tickets.add_ticket"],
    "ops_engineer": VIEW + ["ops_tickets.add_ticket", "ops_tickets.change_ticket", "ops_tickets.export_ticket",
                            "alerts.view_warning"],
    "ops_manager": VIEW + ["ops_tickets.add_ticket", "ops_tickets.change_ticket", "ops_tickets.export_ticket",
                           "alerts.view_warning"],
}


def load():
    for role, perms in PERMS.items():
        grant(role, perms)
    for code, name, text in SMS_TEMPLATES:
        SmsTemplate.objects.get_or_create(code=code, defaults={"name": name, "content": text})
    return f"运维工单权限（角色{len(PERMS)}个），短信模板{len(SMS_TEMPLATES)}个"
