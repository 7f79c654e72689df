"""Escalation through the alert engine: a yellow warning once 80 % of the limit has elapsed and a red one at the
deadline, each notifying exactly once (SMS, in-app message, to-do) however often the scan runs; the manager
joins at breach; the response clock stops with the first response; a waiting ticket is not warned; the scan is
one SQL statement over the ticket table."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from domains.ops.tickets import services
from domains.ops.tickets.alerts import run_sla_scan
from domains.ops.tickets.models import Ticket
from domains.ops.tickets.sla import RESOLUTION_RULE, RESPONSE_RULE
from kernel.alerts import scanner
from kernel.alerts.models import Warning
from kernel.notify.models import InAppMessage, SmsMessage
from kernel.todos.models import Todo

pytestmark = pytest.mark.django_db
OPEN = ("generated", "approving", "reviewed", "assigned", "handled")


def warning(ticket, code):
    return Warning.objects.filter(rule__code=code, subject_id=ticket.pk, status__in=OPEN).first()


def sms(template, phone=None):
    qs = SmsMessage.objects.filter(template__code=template)
    return qs.filter(phone=phone).count() if phone else qs.count()


def sla_todos(ticket, phase):
    return sorted(Todo.objects.filter(content_type__model="ticket", object_id=str(ticket.pk),
                                      key__startswith=f"sla:{phase}:").values_list("key", "role_code", "status"))


def scan(capture):
    with capture(execute=True):
        return run_sla_scan()


def test_response_escalation_fires_before_breach_once_and_at_breach_once(world, django_capture_on_commit_callbacks):
    now = timezone.now()
    # seed 000's labour platform: first response within 1 hour; raised 50 minutes ago = 83 % elapsed
    ticket = world.fault(level=1, contract=world.labour, raised_at=now - datetime.timedelta(minutes=50))
    assert ticket.response_warn_at == ticket.raised_at + datetime.timedelta(minutes=48)
    stats = scan(django_capture_on_commit_callbacks)
    assert stats[RESPONSE_RULE]["raised"] == 1 and stats[RESPONSE_RULE]["matched"] == 1
    w = warning(ticket, RESPONSE_RULE)
    assert w.level == "yellow" and w.subject_repr == str(ticket) and w.region.code == "450000"
    eng_phone, mgr_phone = world.engineer.phone, world.manager.phone
    assert sms("ops_ticket_sla_warning", eng_phone) == 1 and sms("ops_ticket_sla_warning") == 1  # not yet assigned
    assert sms("ops_ticket_sla_breach") == 0
    stamp = timezone.localtime(ticket.response_due).strftime("%Y%m%d%H%M")
    assert sla_todos(ticket, "response") == [(f"sla:response:yellow:{stamp}", "ops_engineer", "open")]
    message = InAppMessage.objects.get(recipient=world.engineer, title__startswith="运维工单首次响应即将超时")
    assert ticket.number in message.title
    # the second scan notifies nobody again
    stats = scan(django_capture_on_commit_callbacks)
    assert stats[RESPONSE_RULE]["raised"] == 0 and stats[RESPONSE_RULE]["changed"] == 0
    assert sms("ops_ticket_sla_warning") == 1 and len(sla_todos(ticket, "response")) == 1
    # 70 minutes after raising the hour has passed: red, the engineer and the manager, once
    ticket = world.backdate(ticket, minutes=20)
    stats = scan(django_capture_on_commit_callbacks)
    assert stats[RESPONSE_RULE]["changed"] == 1 and warning(ticket, RESPONSE_RULE).level == "red"
    assert sms("ops_ticket_sla_breach", eng_phone) == 1 and sms("ops_ticket_sla_breach", mgr_phone) == 1
    assert sms("ops_ticket_sla_breach") == 2
    stamp = timezone.localtime(ticket.response_due).strftime("%Y%m%d%H%M")
    assert {(k, r) for k, r, _ in sla_todos(ticket, "response")} >= {
        (f"sla:response:red:{stamp}", "ops_engineer"), (f"sla:response:red:{stamp}:manager", "ops_manager")}
    scan(django_capture_on_commit_callbacks)
    scan(django_capture_on_commit_callbacks)
    assert sms("ops_ticket_sla_breach") == 2 and sms("ops_ticket_sla_warning") == 1
    assert len(sla_todos(ticket, "response")) == 3
    # the first response stops the clock: the warning is released, the SLA to-dos are done, the breach is kept
    services.accept(ticket, world.engineer, assignee=world.engineer)
    ticket.refresh_from_db()
    assert ticket.response_breached is True
    assert {s for _, _, s in sla_todos(ticket, "response")} == {"done"}
    stats = scan(django_capture_on_commit_callbacks)
    assert stats[RESPONSE_RULE]["released"] == 1 and warning(ticket, RESPONSE_RULE) is None


def test_resolution_escalation_goes_to_the_assignee_and_stops_while_waiting(world, django_capture_on_commit_callbacks):
    now = timezone.now()
    # 8 hours to resolve: raised 7 hours ago = 87.5 % elapsed; answered in time
    ticket = world.fault(level=1, contract=world.labour, raised_at=now - datetime.timedelta(hours=7))
    ticket = world.in_progress(ticket)
    stats = scan(django_capture_on_commit_callbacks)
    assert stats[RESOLUTION_RULE]["raised"] == 1 and warning(ticket, RESOLUTION_RULE).level == "yellow"
    assert warning(ticket, RESPONSE_RULE) is None  # responded: that clock has stopped
    assert sms("ops_ticket_sla_warning", world.engineer.phone) == 1
    todo = Todo.objects.get(content_type__model="ticket", object_id=str(ticket.pk), key__startswith="sla:resolution:")
    assert todo.assignee == world.engineer and todo.role_code == ""
    # waiting on the requester: no clock, no warning
    services.wait(ticket, world.engineer, "请确认受影响的参保人名单")
    stats = scan(django_capture_on_commit_callbacks)
    assert stats[RESOLUTION_RULE]["released"] == 1 and warning(ticket, RESOLUTION_RULE) is None
    assert Todo.objects.get(pk=todo.pk).status == "cancelled"


def test_tickets_without_a_near_deadline_are_not_warned(world, django_capture_on_commit_callbacks):
    world.fault(level=2)  # 24 h from now
    world.fault(level=1, contract=world.labour, raised_at=timezone.now() - datetime.timedelta(minutes=40))  # 67 %
    cancelled = world.fault(level=1, contract=world.labour, raised_at=timezone.now() - datetime.timedelta(hours=3))
    services.cancel(cancelled, world.clerk, "重复提交")
    assert Ticket.objects.get(pk=cancelled.pk).response_warn_at is None
    stats = scan(django_capture_on_commit_callbacks)
    assert stats[RESPONSE_RULE]["matched"] == 0 and stats[RESOLUTION_RULE]["matched"] == 0
    assert SmsMessage.objects.count() == 0


def test_each_scan_reads_the_ticket_table_in_one_statement(world, django_capture_on_commit_callbacks):
    world.fault(level=1, contract=world.labour, raised_at=timezone.now() - datetime.timedelta(minutes=55))
    for code in (RESPONSE_RULE, RESOLUTION_RULE):
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=False):
            scanner.scan(code)
        reads = [q["sql"] for q in queries.captured_queries if '"ops_tickets_ticket"' in q["sql"]]
        assert len(reads) == 1 and reads[0].startswith("INSERT INTO zw_alert_scan_")
