"""Quality figures of seed 004 §2.2 with their targets (response rate ≥ 90%, weekly data-processing completion
≥ 90%, on-time code changes ≥ 85%, data error rate ≤ 2%, delivery error rate ≤ 10%), SLA attainment per
contract and level, the monthly report in Word and Excel, scope and bad input."""
import datetime
import io
import itertools

import pytest
from django.utils import timezone

from domains.ops.reports import quality
from domains.ops.tickets import services
from domains.ops.tickets.models import Ticket
from domains.ops.tickets.tests.conftest import World
from kernel.audit.models import OperationLog
from kernel.core.testing import xlsx_rows

pytestmark = pytest.mark.django_db
TZ = timezone.get_fixed_timezone(8 * 60)
MONTH = datetime.date(2026, 10, 1)
NOW = datetime.datetime(2026, 11, 20, 12, tzinfo=TZ)  # the month is over: every figure settled
_numbers = itertools.count(1)


def at(d, hh=10):
    return datetime.datetime(2026, 10, d, hh, tzinfo=TZ)


@pytest.fixture
def world(db):
    return World()


def make(world, kind="fault", level=2, raised=None, contract=None, **cols):
    """A ticket row with its clock columns set as the service would have left them (written as the volume
    seeder writes rows: the figures are aggregates over these columns)."""
    contract = contract or world.pension
    agency = contract.system.agency
    raised = raised or at(5)
    values = dict(number=f"YW-T{next(_numbers):06d}", contract=contract, region=agency.region, organisation=agency,
                  kind=kind, level=level if kind == "fault" else None, title="测试工单", description="说明",
                  requester_name="韦业务", contact_phone="13771208003", raised_at=raised, status="closed")
    values.update(cols)
    return Ticket.objects.bulk_create([Ticket(**values)])[0]


def responded(world, on_time, **cols):
    raised = cols.pop("raised", at(5))
    due = raised + datetime.timedelta(hours=24)
    answer = raised + datetime.timedelta(hours=2 if on_time else 30)
    return make(world, raised=raised, response_due=due, responded_at=answer, response_breached=not on_time,
                resolved_at=answer + datetime.timedelta(hours=1), **cols)


def report(world, user=None, contract=None):
    return quality.monthly(user or world.manager, MONTH, contract, now=NOW)


def test_response_rate_target_is_90_percent(world):
    for _ in range(9):
        responded(world, True)
    responded(world, False)
    f = report(world).figure("response")
    assert (f.numerator, f.denominator, f.rate, f.met, f.target_text) == (9, 10, 90.0, True, "≥90%")
    responded(world, False)  # 9 of 11 = 81.8%
    f = report(world).figure("response")
    assert (f.rate, f.met) == (81.8, False)


def test_unanswered_ticket_counts_against_response_only_once_its_deadline_has_passed(world):
    responded(world, True)
    make(world, raised=at(31, 20), status="new", response_due=NOW + datetime.timedelta(hours=1))  # still running
    assert report(world).figure("response").denominator == 1
    make(world, raised=at(30), status="new", response_due=at(31))  # past due, never answered
    f = report(world).figure("response")
    assert (f.numerator, f.denominator) == (1, 2)


def test_weekly_data_processing_completion_target_is_90_percent(world):
    # October 2026's weeks start on Mondays 5, 12, 19 and 26
    assert [w[0].day for w in quality.weeks_of(MONTH)] == [5, 12, 19, 26]
    for i in range(10):  # week of the 5th: 9 of 10 resolved before Monday the 12th
        resolved = at(9, 16) if i < 9 else at(13)
        make(world, kind="data", raised=at(6), resolved_at=resolved)
    for i in range(10):  # week of the 12th: 8 of 10
        make(world, kind="data", raised=at(13), resolved_at=at(16) if i < 8 else None, status="in_progress")
    r = report(world)
    weeks = {w.start.day: w for w in r.weeks}
    assert (weeks[5].completed, weeks[5].raised, weeks[5].rate, weeks[5].met) == (9, 10, 90.0, True)
    assert (weeks[12].completed, weeks[12].raised, weeks[12].rate, weeks[12].met) == (8, 10, 80.0, False)
    assert weeks[19].rate is None and weeks[19].finished
    f = r.figure("data_completion")
    assert (f.numerator, f.denominator, f.rate, f.met) == (17, 20, 85.0, False)


def test_on_time_code_change_target_is_85_percent(world):
    due = at(16, 0)  # the end of the agreed release date, 15 October
    for i in range(20):  # 17 released by then, 3 late
        released = at(15, 9) if i < 17 else at(16, 9)
        make(world, kind="upgrade", raised=at(1), planned_release_on=datetime.date(2026, 10, 15), resolution_due=due,
             released_at=released, resolved_at=released)
    f = report(world).figure("on_time_change")
    assert (f.numerator, f.denominator, f.rate, f.met, f.target_text) == (17, 20, 85.0, True, "≥85%")
    # one not released by its deadline counts as late; one due next month does not count here
    make(world, kind="upgrade", raised=at(1), resolution_due=at(20), status="in_progress")
    make(world, kind="upgrade", raised=at(1), resolution_due=datetime.datetime(2026, 11, 2, tzinfo=TZ),
         status="in_progress")
    f = report(world).figure("on_time_change")
    assert (f.numerator, f.denominator, f.met) == (17, 21, False)


def test_data_error_rate_at_most_2_percent(world):
    for i in range(50):
        make(world, kind="data", raised=at(2), resolved_at=at(3), reopen_count=1 if i == 0 else 0)
    f = report(world).figure("data_error")
    assert (f.numerator, f.denominator, f.rate, f.met, f.target_text) == (1, 50, 2.0, True, "≤2%")
    # reopened and being handled again (its resolved_at cleared): still an error of the month
    make(world, kind="data", raised=at(2), resolved_at=None, reopen_count=1, status="in_progress")
    f = report(world).figure("data_error")
    assert (f.numerator, f.denominator, f.met) == (2, 51, False)
    make(world, kind="data", raised=at(2), status="in_progress")  # never resolved yet: not counted
    assert report(world).figure("data_error").denominator == 51


def test_cancelled_tickets_count_nowhere(world):
    responded(world, True)
    make(world, raised=at(6), status="cancelled", response_due=at(7), resolution_due=at(8))  # past due, cancelled
    r = report(world)
    assert r.figure("response").denominator == 1 and r.sla_total == (1, 1, 100.0) and r.counts["raised"] == 1


def test_delivery_error_rate_at_most_10_percent(world):
    for i in range(10):
        make(world, kind="upgrade", raised=at(1), released_at=at(8), resolved_at=at(8), reopen_count=int(i == 0))
    f = report(world).figure("delivery_error")
    assert (f.rate, f.met) == (10.0, True)
    make(world, kind="upgrade", raised=at(1), released_at=at(9), resolved_at=at(9), reopen_count=1)
    assert report(world).figure("delivery_error").met is False


def test_sla_attainment_per_contract_and_level(world):
    responded(world, True)  # pension level 2, met
    responded(world, False)  # pension level 2, response late
    responded(world, True, level=1)
    make(world, level=3, raised=at(10), response_due=at(12), responded_at=at(11), resolution_due=at(12, 12),
         status="in_progress")  # answered, resolution still open past its deadline: breached
    make(world, level=3, raised=at(31, 23), response_due=NOW + datetime.timedelta(days=1), status="new")  # running
    responded(world, True, level=1, contract=world.labour)
    lines = {(line.contract_no, line.kind, line.level): line for line in report(world).sla}
    two = lines[("GXZC2021-004", "fault", 2)]
    assert (two.settled, two.attained, two.response_breached, two.rate) == (2, 1, 1, 50.0)
    assert lines[("GXZC2021-004", "fault", 1)].rate == 100.0
    three = lines[("GXZC2021-004", "fault", 3)]
    assert (three.settled, three.attained, three.resolution_breached) == (1, 0, 1)
    assert lines[("GXZC2021-000", "fault", 1)].settled == 1
    assert report(world, contract=world.labour).sla_total == (1, 1, 100.0)


def test_a_level_two_fault_through_the_workflow_counts_within_sla(world):
    ticket = world.in_progress(world.fault(level=2))
    services.resolve(ticket, world.engineer, root_cause="索引失效导致核定查询超时", solution="重建索引并优化查询")
    services.close(Ticket.objects.get(pk=ticket.pk), world.clerk)
    r = quality.monthly(world.manager, timezone.localdate().replace(day=1))
    line = next(line for line in r.sla if line.level == 2)
    assert (line.settled, line.attained, line.rate) == (1, 1, 100.0)
    assert r.figure("response").numerator == 1 and r.counts["closed"] == 1


def test_other_city_sees_nothing_and_cannot_pick_the_contract(world, client):
    responded(world, True)
    assert report(world, user=world.nn_clerk).sla == []
    world.nn_clerk.roles.add(*world.engineer.roles.all())  # give the Nanning user the report permission
    client.force_login(world.nn_clerk)
    r = client.get("/gov/ops/reports/monthly/", {"month": "2026-10", "contract": world.pension.pk})
    assert "请选择您可查看的服务合同" in r.content.decode()
    r = client.get("/gov/ops/reports/monthly/", {"month": "2026-10", "contract": world.pension.pk, "format": "docx"})
    assert r.status_code == 400


def test_bad_month_is_refused_in_chinese_and_nothing_is_exported(world, client):
    client.force_login(world.manager)
    before = OperationLog.objects.count()
    r = client.get("/gov/ops/reports/monthly/", {"month": "2026-13", "format": "xlsx"})
    assert r.status_code == 400 and "请输入有效的月份" in r.content.decode()
    assert OperationLog.objects.count() == before


def test_requester_may_not_open_the_report(world, client):
    client.force_login(world.clerk)
    assert client.get("/gov/ops/reports/monthly/").status_code == 403
    assert client.get("/gov/ops/dashboard/").status_code == 200


def test_monthly_report_in_word_and_excel(world, client):
    for _ in range(9):
        responded(world, True)
    responded(world, False)
    client.force_login(world.manager)
    r = client.get("/gov/ops/reports/monthly/", {"month": "2026-10", "format": "docx"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    from docx import Document

    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "2026年10月运维服务月报" in text and "本月共受理工单10件" in text
    assert "每月维护响应率" in cells and "90.0%" in cells and "达标" in cells
    assert OperationLog.objects.filter(action="export", detail__object="2026年10月运维服务月报").exists()
    r = client.get("/gov/ops/reports/monthly/", {"month": "2026-10", "format": "xlsx"})
    rows = xlsx_rows(r)
    assert rows[0][0] == "指标" and rows[1][:5] == ["每月维护响应率", "≥90%", 9, 10, "90.0%"]
    page = client.get("/gov/ops/reports/monthly/", {"month": "2026-10"}).content.decode()
    assert 'data-figure="response" data-met="1"' in page


def test_dashboard_shows_figures_and_clocks(world, client):
    ticket = world.fault(level=1)
    Ticket.objects.filter(pk=ticket.pk).update(response_due=timezone.now() - datetime.timedelta(minutes=1))
    client.force_login(world.engineer)
    page = client.get("/gov/ops/dashboard/").content.decode()
    assert 'id="count-past">1<' in page and 'id="count-raised">1<' in page and 'id="ops-chart"' in page
