"""SLA clocks through the ticket: seed 004's level-2 fault (24 h on the 7×24 clock) across a weekend and a
holiday, the consultation 15:00 rule, the clock paused while waiting on the requester (the deadline moves by
the paused time), a reopened ticket not charged for the time it waited for confirmation, the warning moment
at 80 % of the limit, and the upgrade's agreed release date as its resolution deadline."""
import datetime

import pytest
from django.utils import timezone

from domains.ops.tickets import services, sla
from domains.ops.tickets.models import Ticket, TicketPause
from kernel.calendar.models import CalendarDay

from .conftest import at, local

pytestmark = pytest.mark.django_db


def test_level_two_fault_is_due_in_24_hours_round_the_clock_over_weekend_and_holiday(world):
    # Friday 20 November 2026, 10:00: due Saturday 10:00, the weekend does not stop a 7×24 clock
    friday = world.fault(level=2, raised_at=at(2026, 11, 20, 10))
    assert friday.sla_term.response_hours == 24 and friday.sla_term.schedule.code == "always"
    assert local(friday.response_due) == datetime.datetime(2026, 11, 21, 10, 0)
    # 80 % of 24 h = 19 h 12 min after raising: Saturday 05:12
    assert local(friday.response_warn_at) == datetime.datetime(2026, 11, 21, 5, 12)
    assert friday.resolution_due is None  # seed 004 sets response limits only
    # Sunday 22 November 15:00 with Monday the 23rd a holiday: still Monday 15:00
    CalendarDay.objects.create(date=datetime.date(2026, 11, 23), kind=CalendarDay.Kind.HOLIDAY, name="测试假日")
    sunday = world.fault(level=2, raised_at=at(2026, 11, 22, 15))
    assert local(sunday.response_due) == datetime.datetime(2026, 11, 23, 15, 0)
    # ... while a consultation raised at the same moment waits for the next working day (Tuesday, office end)
    consult = world.ticket("consultation", by=world.engineer, raised_at=at(2026, 11, 22, 15))
    assert local(consult.resolution_due) == datetime.datetime(2026, 11, 24, 17, 30)
    # levels 1 and 3: 12 h and 48 h
    assert local(world.fault(level=1, raised_at=at(2026, 11, 20, 10)).response_due) == datetime.datetime(2026, 11, 20, 22)
    assert local(world.fault(level=3, raised_at=at(2026, 11, 20, 10)).response_due) == datetime.datetime(2026, 11, 22, 10)


@pytest.mark.parametrize("raised, due", [
    (at(2026, 11, 26, 14, 59), datetime.datetime(2026, 11, 26, 17, 30)),  # Thursday before 15:00: same day
    (at(2026, 11, 26, 15, 1), datetime.datetime(2026, 11, 27, 17, 30)),   # after 15:00: next working day
    (at(2026, 11, 27, 16, 0), datetime.datetime(2026, 11, 30, 17, 30)),   # Friday after 15:00: Monday
    (at(2026, 11, 21, 10, 0), datetime.datetime(2026, 11, 23, 17, 30)),   # Saturday: next working day
])
def test_consultation_15_00_rule_via_the_ticket(world, raised, due):
    ticket = world.ticket("consultation", by=world.engineer, raised_at=raised, channel="wechat")
    assert ticket.sla_term.cutoff == datetime.time(15)
    assert local(ticket.resolution_due) == due
    assert ticket.response_due is None


def test_clock_paused_while_waiting_moves_the_deadline_by_the_paused_time(world):
    # seed 000's labour platform: level-1 faults answered in 1 h and resolved in 8 h, 7×24
    now = timezone.now()
    ticket = world.fault(level=1, contract=world.labour, raised_at=now - datetime.timedelta(hours=4))
    assert ticket.resolution_due == ticket.raised_at + datetime.timedelta(hours=8)
    first_due = ticket.resolution_due
    ticket = world.in_progress(ticket)
    services.wait(ticket, world.engineer, "请提供报错截图和操作时间")
    ticket.refresh_from_db()
    assert ticket.status == "waiting"
    assert ticket.resolution_due is None and ticket.resolution_warn_at is None  # no clock runs while paused
    pause = TicketPause.objects.get(ticket=ticket, ended_at__isnull=True)
    # the requester answers two hours later
    TicketPause.objects.filter(pk=pause.pk).update(started_at=timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2))
    services.resume(ticket, world.clerk, "截图已发送")
    ticket.refresh_from_db()
    pause.refresh_from_db()
    assert ticket.status == "in_progress" and pause.ended_at is not None
    paused = pause.ended_at - pause.started_at
    assert paused >= datetime.timedelta(hours=2)
    assert ticket.resolution_due == first_due + paused
    # the warning moment moved with it: 80 % of the 8 running hours after raising, plus the pause
    assert ticket.resolution_warn_at == ticket.raised_at + datetime.timedelta(hours=6.4) + paused
    clocks = sla.clocks(ticket)
    assert clocks["resolution"]["state"] == "running" and clocks["paused_text"].startswith("2小时")


def test_reopened_ticket_is_not_charged_for_the_time_it_waited_for_confirmation(world):
    now = timezone.now()
    ticket = world.in_progress(world.fault(level=1, contract=world.labour, raised_at=now - datetime.timedelta(hours=5)))
    due = ticket.resolution_due
    services.resolve(ticket, world.engineer, root_cause="应用服务器内存溢出", solution="调整JVM参数并重启服务")
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now().replace(microsecond=0) - datetime.timedelta(hours=3))
    ticket.refresh_from_db()
    services.reopen(ticket, world.clerk, "问题复现")
    ticket.refresh_from_db()
    assert ticket.status == "reopened" and ticket.reopen_count == 1 and ticket.resolved_at is None
    confirming = TicketPause.objects.get(ticket=ticket, reason="confirming")
    assert ticket.resolution_due == due + (confirming.ended_at - confirming.started_at)
    assert ticket.resolution_due - due >= datetime.timedelta(hours=3)


def test_upgrade_is_due_on_its_agreed_release_date(world):
    ticket = world.ticket("upgrade", requirement="")
    assert ticket.resolution_due is None  # the pension contract has no upgrade term; no date agreed yet
    services.accept(ticket, world.engineer, assignee=world.engineer)
    release = timezone.localdate() + datetime.timedelta(days=10)
    services.sign_off(ticket, world.clerk, requirement="调整过渡性养老金计算参数", planned_release_on=release)
    ticket.refresh_from_db()
    assert local(ticket.resolution_due) == datetime.datetime.combine(release + datetime.timedelta(days=1),
                                                                     datetime.time(0))
    assert ticket.signed_off_by == world.clerk


def test_data_request_is_due_at_the_end_of_its_week(world):
    ticket = world.ticket("data", by=world.engineer, raised_at=at(2026, 11, 25, 9))  # a Wednesday
    assert local(ticket.resolution_due) == datetime.datetime(2026, 11, 30, 0, 0)  # Sunday 24:00


def test_warning_share_follows_the_rule_threshold(world, django_capture_on_commit_callbacks):
    from kernel.alerts.registry import definition

    ticket = world.fault(level=2, raised_at=at(2026, 11, 20, 10))
    services.accept(ticket, world.engineer)  # responded: its response clock has stopped
    rule = definition(sla.RESPONSE_RULE).ensure_rule()
    assert rule.levels == [{"level": "yellow", "threshold": 80}, {"level": "red", "threshold": 100}]
    # a ticket whose clock still runs gets the new moment when the threshold changes
    open_ticket = world.fault(level=3)
    rule.levels = [{"level": "yellow", "threshold": 50}, {"level": "red", "threshold": 100}]
    with django_capture_on_commit_callbacks(execute=True):
        rule.save()
    open_ticket.refresh_from_db()
    assert open_ticket.response_warn_at == open_ticket.raised_at + datetime.timedelta(hours=24)  # 50 % of 48 h
    new = world.fault(level=2, raised_at=at(2026, 11, 20, 10))
    assert local(new.response_warn_at) == datetime.datetime(2026, 11, 20, 22, 0)  # 50 % of 24 h
    ticket.refresh_from_db()
    assert local(ticket.response_warn_at) == datetime.datetime(2026, 11, 21, 5, 12)  # a stopped clock keeps its own
