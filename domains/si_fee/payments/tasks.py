"""Celery tasks of the payment app (autodiscovered; si_pay.reconcile is in settings.DAILY_TASKS)."""
from celery import shared_task


@shared_task(name="si_pay.reconcile")
def reconcile():
    """The nightly reconciliation of yesterday's bank file."""
    from .reconciliation import reconcile as run
    from .reconciliation import yesterday

    result = run(yesterday())
    return {"day": result.day.isoformat(), "status": result.status, "missing": result.missing,
            "extra": result.extra, "amount": result.amount, "duration_ms": result.duration_ms}
