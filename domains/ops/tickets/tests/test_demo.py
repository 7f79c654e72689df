"""The demo story (a few dozen tickets in every state, some near and past their deadline, warned by the scan)
and the benchmark volume (the state mix, deadlines as the services compute them, the scan's counts)."""
import io

import pytest
from django.db.models import Count
from django.utils import timezone

from domains.ops.tickets import demo, demo_volume
from domains.ops.tickets.models import Ticket, TicketPause
from domains.ops.tickets.sla import RESOLUTION_RULE, RESPONSE_RULE, near_q, overdue_q
from kernel.alerts.models import Warning

pytestmark = pytest.mark.django_db


def test_demo_story_is_realistic_and_idempotent(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        summary = demo.seed(1, io.StringIO())
    assert summary.startswith(f"运维工单{len(demo.CLOSED) + len(demo.OPEN)}个")
    assert demo.seed(1, io.StringIO()) == ""
    states = dict(Ticket.objects.values_list("status").annotate(n=Count("id")))
    assert states["closed"] == len(demo.CLOSED)
    assert {"new", "accepted", "assigned", "in_progress", "waiting", "resolved", "cancelled"} <= set(states)
    now = timezone.now()
    assert Ticket.objects.filter(overdue_q(now)).count() >= 2
    assert Ticket.objects.filter(near_q(now)).exclude(overdue_q(now)).count() >= 2
    # the story's history: one late first response (the level-1 outage answered after 12 h), one late resolution
    closed = Ticket.objects.filter(status="closed")
    assert closed.filter(response_breached=True).count() == 1
    assert closed.filter(resolution_breached=True).count() == 1
    assert closed.filter(kind="data", reopen_count=1).count() == 1
    assert closed.filter(kind="upgrade", reopen_count=1).count() == 1
    outage = closed.get(title="养老系统全区无法登录")
    assert (outage.responded_at - outage.raised_at).total_seconds() == 15 * 3600
    assert [log.time for log in outage.workflow_history().order_by("id")][0] == outage.responded_at
    assert TicketPause.objects.filter(ended_at__isnull=True).count() == 1
    assert Warning.objects.filter(rule__code__in=[RESPONSE_RULE, RESOLUTION_RULE]).count() >= 4


def test_volume_state_mix_and_scan(world, django_capture_on_commit_callbacks):
    counts = demo_volume.seed_volume(2000)
    assert counts["tickets"] == 2000 and counts["pauses"] == 6
    assert demo_volume.seed_volume(2000)["tickets"] == 0  # resumed: nothing left to write
    states = dict(Ticket.objects.values_list("status").annotate(n=Count("id")))
    assert states == {"closed": 1930, "cancelled": 6, "resolved": 12, "waiting": 6, "in_progress": 24,
                      "assigned": 8, "accepted": 6, "new": 8}
    # an open ticket's deadlines are the services' own
    from domains.ops.tickets import sla

    for t in Ticket.objects.filter(status="new").select_related("sla_term", "sla_term__schedule"):
        due = (t.response_due, t.response_warn_at, t.resolution_due, t.resolution_warn_at)
        sla.refresh(t, pauses=[])
        assert (t.response_due, t.response_warn_at, t.resolution_due, t.resolution_warn_at) == due
    with django_capture_on_commit_callbacks(execute=True):
        result = demo_volume.scan_once()
    now = timezone.now()
    clock = Ticket.objects.filter(status__in=("new", "accepted", "assigned", "in_progress", "reopened"))
    expected_response = clock.filter(responded_at__isnull=True, response_warn_at__lte=now).count()
    expected_resolution = clock.filter(resolved_at__isnull=True, resolution_warn_at__lte=now).count()
    assert result[RESPONSE_RULE]["matched"] == expected_response > 0
    assert result[RESOLUTION_RULE]["matched"] == expected_resolution > 0
    assert result["seconds"] > 0
