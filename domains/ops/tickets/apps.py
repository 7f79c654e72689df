from django.apps import AppConfig


class TicketsConfig(AppConfig):
    """O&M tickets (issue 8 point 2): consultations, faults, upgrades and data-maintenance requests through the
    workflow engine, with SLA clocks on the business calendar and escalation through the alert engine, SMS and
    to-dos."""
    name = "domains.ops.tickets"
    label = "ops_tickets"
    verbose_name = "运维工单"
    url_prefix = "ops"
    entrance_urls = {"gov": "domains.ops.tickets.web.urls_gov"}

    def ready(self):
        from django.db.models.signals import post_save

        from kernel.alerts.models import AlertRule
        from kernel.files.purposes import MB, register_purpose
        from kernel.ui.menu import MenuItem, registry

        from . import alerts
        from .workflows import ATTACHMENT_PURPOSE, AUTHORISATION_PURPOSE

        register_purpose(AUTHORISATION_PURPOSE, "数据维护授权文件", ["pdf", "image", "word"], 20 * MB, max_files=5)
        register_purpose(ATTACHMENT_PURPOSE, "工单附件", ["pdf", "image", "word", "excel", "archive"], 20 * MB,
                         max_files=10)
        post_save.connect(alerts.on_rule_saved, sender=AlertRule, dispatch_uid="ops_tickets_rule_saved")
        registry.section("运维服务管理", 70, "bi-tools")
        registry.add(MenuItem("运维服务管理", "运维工单", "gov:ops_tickets", perm="ops_tickets.view_ticket",
                              icon="bi-ticket-detailed", order=20))
        registry.add(MenuItem("运维服务管理", "提出工单", "gov:ops_ticket_new", perm="ops_tickets.add_ticket",
                              icon="bi-plus-square", order=21))

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        from .demo import seed

        summary = seed(scale, out)
        if scale > 1:  # the benchmark volume: 500 tickets a scale unit (scale 2000: 1,000,000)
            from . import demo_volume

            summary = "；".join(p for p in (summary, demo_volume.seed(scale, out)) if p)
        return summary
