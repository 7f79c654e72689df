from celery import shared_task

from . import services


@shared_task(name="notify.deliver_sms")
def deliver_sms(message_id):
    services.deliver(message_id)


@shared_task(name="notify.process_outbox")
def process_outbox():
    return services.process_outbox()


@shared_task(name="notify.poll_sms_receipts")
def poll_sms_receipts():
    return services.poll_receipts()
