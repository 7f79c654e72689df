from django.core.management.base import BaseCommand

from kernel.notify import services


class Command(BaseCommand):
    help = "Send due SMS (first attempts left over and retries) and read delivery receipts."

    def handle(self, *args, **options):
        sent = services.process_outbox()
        receipts = services.poll_receipts()
        self.stdout.write(f"处理短信{sent}条，回执{receipts}条")
