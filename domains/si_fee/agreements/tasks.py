from celery import shared_task


@shared_task(name="si_agree.batch_deduct")
def batch_deduct():
    """Daily: deduct the batch tasks that are due (and ask the bank again about pending agreements)."""
    from .services import run_due

    return run_due()
