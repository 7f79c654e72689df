"""The demo contracts of issue 8 point 1 (seed 004's pension system: faults of level 1/2/3 answered within
12/24/48 hours on a 7×24 clock, consultations by the 15:00 rule; seed 000's labour platform: 1 h / 8 h) and
the demo O&M users: gx_ops (manager), gx_ops_eng (engineer), gx_ops_clerk (requester) of the autonomous-region
HRSS department that owns them, nn_ops_clerk of Nanning."""
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from domains.ops.contracts import demo as contracts_demo
from domains.ops.contracts.models import ServiceContract
from domains.ops.tickets import services
from domains.ops.tickets.models import Ticket
from kernel.accounts.models import User
from kernel.core.testing import make_agency

TZ = timezone.get_fixed_timezone(8 * 60)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def at(y, m, d, hh, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=TZ)


def local(moment):
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def pdf(name="授权函.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


class World:
    def __init__(self):
        for region, kind in (("450000", "hrss"), ("450000", "market"), ("450000", "tax"), ("450100", "hrss")):
            make_agency(region, kind)
        contracts_demo.seed(1, io.StringIO())
        self.pension = ServiceContract.objects.get(system__code="pension")
        self.labour = ServiceContract.objects.get(system__code="labor_platform")
        users = {u.username: u for u in User.objects.filter(username__in=[
            "gx_ops", "gx_ops_eng", "gx_ops_clerk", "nn_ops_clerk"])}
        self.manager, self.engineer = users["gx_ops"], users["gx_ops_eng"]
        self.clerk, self.nn_clerk = users["gx_ops_clerk"], users["nn_ops_clerk"]

    def fault(self, level=2, contract=None, by=None, raised_at=None, **extra):
        """A fault raised by the clerk (now) or recorded by the engineer (at raised_at)."""
        by = by or (self.engineer if raised_at else self.clerk)
        kwargs = dict(contract=contract or self.pension, kind="fault", level=level, title=f"{level}级故障测试",
                      description="养老待遇核定功能报错，窗口业务积压", contact_phone="13771208003",
                      requester_name="韦业务")
        kwargs.update(extra)
        if raised_at is not None:
            kwargs["raised_at"] = raised_at
        if by != self.clerk:
            kwargs.setdefault("requester", self.clerk)
        return services.create_ticket(by, **kwargs)

    def ticket(self, kind, by=None, **extra):
        kwargs = dict(contract=self.pension, kind=kind, title=f"{kind}工单", description="说明",
                      contact_phone="13771208003", requester_name="韦业务")
        if kind == "consultation":
            kwargs["channel"] = "phone"
        if kind == "upgrade":
            kwargs["upgrade_type"] = "policy"
        kwargs.update(extra)
        return services.create_ticket(by or self.clerk, **kwargs)

    def in_progress(self, ticket):
        services.accept(ticket, self.engineer, assignee=self.engineer)
        services.start(ticket, self.engineer, handling_mode="remote")
        ticket.refresh_from_db()
        return ticket

    def backdate(self, ticket, **delta):
        """Move a ticket's raising into the past (the clocks are recomputed as they would have run)."""
        from domains.ops.tickets import sla

        ticket = Ticket.objects.get(pk=ticket.pk)
        ticket.raised_at = ticket.raised_at - datetime.timedelta(**delta)
        sla.refresh(ticket)
        ticket.save()
        return ticket


@pytest.fixture
def world(db):
    return World()
