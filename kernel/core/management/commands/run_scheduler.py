"""The periodic work of the platform for a single machine without Celery beat (make run):
SMS retries and receipts every 30 seconds, warning scans every 10 minutes. In production the same
tasks run from Celery beat (CELERY_BEAT_SCHEDULE in settings)."""
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from kernel.core import context


def run_once(scan=True):
    from kernel.alerts import scanner
    from kernel.notify import services as notify

    with context.bind(context.RequestContext()):
        sent = notify.process_outbox()
        receipts = notify.poll_receipts()
        scans = scanner.scan_all() if scan else {}
    return sent, receipts, scans


class Command(BaseCommand):
    help = "Run periodic tasks in a loop (SMS outbox and receipts, warning scans); --once for a single round."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=int, default=30)
        parser.add_argument("--scan-every", type=int, default=600)

    def handle(self, *args, once=False, interval=30, scan_every=600, **options):
        last_scan = 0.0
        while True:
            close_old_connections()
            now = time.monotonic()
            scan = once or now - last_scan >= scan_every
            try:
                sent, receipts, scans = run_once(scan=scan)
            except Exception as exc:  # keep the loop alive; the next round retries
                self.stderr.write(f"定时任务出错：{exc}")
            else:
                if scan:
                    last_scan = now
                if sent or receipts or scans:
                    self.stdout.write(f"短信{sent}条，回执{receipts}条，扫描{len(scans)}个规则")
            if once:
                return
            time.sleep(interval)
