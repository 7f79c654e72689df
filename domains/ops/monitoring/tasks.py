from celery import shared_task


@shared_task(name="ops_monitoring.tick")
def tick():
    """Collect due samples, check applications, scan alarms, retry and schedule reports, summarise and purge."""
    from .services import tick as run

    return run()
