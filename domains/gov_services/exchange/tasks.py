from celery import shared_task


@shared_task(name="gs_exchange.scan")
def scan():
    from .services import recover

    return recover()
