from django.core.management.base import BaseCommand

from domains.gov_services.exchange.services import recover


class Command(BaseCommand):
    help = "扫描各部门前置库：补收丢失通知的回调，重发未确认的分发通知"

    def handle(self, *args, **options):
        counts = recover()
        self.stdout.write(f"补收回调{counts['applied']}条，拒绝{counts['refused']}条，重发通知{counts['renotified']}条")
