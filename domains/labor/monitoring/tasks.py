"""Celery tasks of the supervision database (autodiscovered; scheduled by CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from . import jobs


@shared_task(name="labor.guarantee_reminders")
def guarantee_reminders():
    return jobs.guarantee_reminders()
