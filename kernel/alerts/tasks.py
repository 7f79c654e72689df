from celery import shared_task

from . import scanner


@shared_task(name="alerts.scan_all")
def scan_all():
    return scanner.scan_all()
