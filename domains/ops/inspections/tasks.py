from celery import shared_task


@shared_task(name="ops_inspections.run_due")
def run_due():
    """Run the inspections that are due (daily, weekly, monthly checklists not yet run in their period)."""
    from .services import run_due as run

    return [(c.pk, r.pk if r else None, error) for c, r, error in run()]
