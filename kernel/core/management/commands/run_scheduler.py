"""The periodic work of the platform for a single machine without Celery beat (make run):
SMS retries and receipts every 30 seconds, warning scans every 10 minutes, settings.DAILY_TASKS once
a day from 08:00. In production the same tasks run from Celery beat (CELERY_BEAT_SCHEDULE in settings)."""
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from kernel.core import context

DAILY_HOUR = 8  # daily tasks (reminders to people) run from 08:00 local time, as Celery beat does


def run_once(scan=True):
    from django.conf import settings

    from kernel.alerts import scanner
    from kernel.notify import services as notify

    with context.bind(context.RequestContext()):
        sent = notify.process_outbox()
        receipts = notify.poll_receipts()
        scans = scanner.scan_all() if scan else {}
        if scan:
            run_tasks(settings.ROUND_TASKS)
    return sent, receipts, scans


def run_tasks(names):
    """Celery tasks by name, in this process. Outside a Celery worker nothing has imported the apps' tasks
    modules, so the loader imports them first (the same autodiscovery a worker does)."""
    from celery import current_app

    current_app.loader.import_default_modules()
    return {name: current_app.tasks[name]() for name in names}


def run_daily():
    """settings.DAILY_TASKS in this process."""
    from django.conf import settings

    with context.bind(context.RequestContext()):
        return run_tasks(settings.DAILY_TASKS)


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
            now, local = time.monotonic(), timezone.localtime()
            scan = once or now - last_scan >= scan_every
            if local.date() != last_day and local.hour >= DAILY_HOUR:
                last_day = local.date()  # once a day even when a task fails (it logs; tomorrow retries)
                try:
                    self.stdout.write(f"每日任务：{run_daily()}")
                except Exception as exc:
                    self.stderr.write(f"每日任务出错：{exc}")
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
