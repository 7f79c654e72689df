"""The periodic work of the platform for a single machine without Celery beat (make run):
SMS retries and receipts every 30 seconds, warning scans every 10 minutes, settings.DAILY_TASKS once a day. In production the same
tasks run from Celery beat (CELERY_BEAT_SCHEDULE in settings)."""
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from kernel.core import context


def run_once(scan=True, daily=False):
    from celery import current_app
    from django.conf import settings

    from kernel.alerts import scanner
    from kernel.notify import services as notify

    with context.bind(context.RequestContext()):
        sent = notify.process_outbox()
        receipts = notify.poll_receipts()
        scans = scanner.scan_all() if scan else {}
        if daily:  # settings.DAILY_TASKS, called in-process (Celery beat runs them at 08:00 in production)
            for name in settings.DAILY_TASKS:
                current_app.tasks[name]()
    return sent, receipts, scans


class Command(BaseCommand):
    help = "Run periodic tasks in a loop (SMS outbox and receipts, warning scans); --once for a single round."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=int, default=30)
        parser.add_argument("--scan-every", type=int, default=600)

    def handle(self, *args, once=False, interval=30, scan_every=600, **options):
        from django.utils import timezone

        last_scan, last_day = 0.0, None
        while True:
            close_old_connections()
            now, today = time.monotonic(), timezone.localdate()
            scan = once or now - last_scan >= scan_every
            daily = today != last_day
            try:
                sent, receipts, scans = run_once(scan=scan, daily=daily)
            except Exception as exc:  # keep the loop alive; the next round retries
                self.stderr.write(f"定时任务出错：{exc}")
            else:
                if daily:
                    last_day = today
                if scan:
                    last_scan = now
                if sent or receipts or scans:
                    self.stdout.write(f"短信{sent}条，回执{receipts}条，扫描{len(scans)}个规则")
            if once:
                return
            time.sleep(interval)
