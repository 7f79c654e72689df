"""Celery app. With CELERY_BROKER_URL (or REDIS_URL) set, tasks go to workers; otherwise
they run in-process (eager), so nothing needs a broker to try the product."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("zhengwu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
