"""SLA terms as data and their deadlines on the business calendar (issue 8 point 1): across a weekend, a holiday
and the 15:00 consultation rule, with the clock paused while waiting on the requester; terms validated in
Chinese; contracts scoped to the using agency's region."""
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from domains.ops.contracts import demo, services
from domains.ops.contracts.models import MaintainedSystem, ServiceContract, SlaTerm
from kernel.calendar.models import CalendarDay, Schedule
from kernel.core.testing import make_agency, make_staff

pytestmark = pytest.mark.django_db
TZ = timezone.get_fixed_timezone(8 * 60)


def at(y, m, d, hh, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=TZ)


@pytest.fixture
def contract():
    system = MaintainedSystem.objects.create(code="pension", name="养老系统", agency=make_agency("450100", "hrss"))
    return ServiceContract.objects.create(system=system, contract_no="HT-1", name="养老系统运维", supplier="某公司",
                                          starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 12, 31))


def term(contract, kind="fault", level=1, response=None, resolution=None, sched="always", cutoff=None):
    return services.save_term(SlaTerm(contract=contract, kind=kind, level=level, response_hours=response,
                                      resolution_hours=resolution, schedule=Schedule.objects.get(code=sched),
                                      cutoff=cutoff))


def test_level_one_fault_runs_round_the_clock_over_the_weekend(contract):
    t = term(contract, response=Decimal("12"))  # seed 004: level 1 within 12 hours
    d = services.deadlines(t, at(2026, 11, 27, 20))  # Friday 20:00
    assert timezone.localtime(d.response) == at(2026, 11, 28, 8)  # Saturday 08:00: 7×24
    assert d.resolution is None



def test_consultation_deadline_moves_by_the_time_waiting_on_the_requester(contract):
    t = term(contract, kind="consultation", level=None, sched="office", cutoff=datetime.time(15))
    raised = at(2026, 11, 25, 10)  # Wednesday 10:00: due 17:30 the same day
    assert timezone.localtime(services.deadlines(t, raised).resolution) == at(2026, 11, 25, 17, 30)
    # waiting 11:00-16:00 takes 2.5 h of office time (11:00-12:00, 14:30-16:00): due Thursday 10:30
    waited = [services.Pause(at(2026, 11, 25, 11), at(2026, 11, 25, 16))]
    assert timezone.localtime(services.deadlines(t, raised, waited).resolution) == at(2026, 11, 26, 10, 30)
    assert services.deadlines(t, raised, [services.Pause(at(2026, 11, 25, 11))]).resolution is None  # still waiting

def test_office_hours_clock_skips_the_weekend(contract):
    t = term(contract, level=2, response=Decimal("2"), resolution=Decimal("8"), sched="office")
    d = services.deadlines(t, at(2026, 11, 27, 16, 30))  # Friday 16:30: one hour left that day
    assert timezone.localtime(d.response) == at(2026, 11, 30, 9)  # Monday 08:00 + 1 h
    # 8 h: Fri 1 h, Mon 08:00-12:00 (4 h), 14:30-17:30 (3 h) -> Monday 17:30
    assert timezone.localtime(d.resolution) == at(2026, 11, 30, 17, 30)


def test_consultation_before_and_after_15_00_and_across_a_holiday(contract):
    t = term(contract, kind="consultation", level=None, sched="office", cutoff=datetime.time(15))
    assert timezone.localtime(services.deadlines(t, at(2026, 11, 27, 14, 59)).resolution) == at(2026, 11, 27, 17, 30)
    assert timezone.localtime(services.deadlines(t, at(2026, 11, 27, 15, 1)).resolution) == at(2026, 11, 30, 17, 30)
    CalendarDay.objects.create(date=datetime.date(2026, 12, 7), kind=CalendarDay.Kind.HOLIDAY, name="测试假日")
    # Friday 4 December after 15:00: Monday the 7th is a holiday -> Tuesday the 8th
    assert timezone.localtime(services.deadlines(t, at(2026, 12, 4, 16)).resolution) == at(2026, 12, 8, 17, 30)


def test_clock_paused_while_waiting_on_the_requester(contract):
    t = term(contract, response=Decimal("12"))
    raised = at(2026, 11, 30, 8)
    waiting = services.Pause(at(2026, 11, 30, 10), at(2026, 11, 30, 14))
    assert timezone.localtime(services.deadlines(t, raised, [waiting]).response) == at(2026, 12, 1, 0)  # 20:00 + 4 h
    still = services.Pause(at(2026, 11, 30, 10))
    assert services.deadlines(t, raised, [still]).response is None  # paused: no deadline runs


def test_terms_are_validated_in_chinese_and_looked_up_by_level(contract):
    with pytest.raises(ValidationError) as exc:
        term(contract, level=None)
    assert exc.value.message_dict["level"] == ["故障类条款须指定故障级别"]
    with pytest.raises(ValidationError) as exc:
        term(contract, response=Decimal("8"), resolution=Decimal("2"))
    assert exc.value.message_dict["resolution_hours"] == ["解决时限不能短于响应时限"]
    with pytest.raises(ValidationError) as exc:
        term(contract, kind="consultation", level=2, cutoff=datetime.time(15))
    assert exc.value.message_dict["level"] == ["只有故障类条款分级别"]
    assert SlaTerm.objects.count() == 0
    two = term(contract, level=2, response=Decimal("24"))
    assert services.term_for(contract, "fault", 2) == two
    with pytest.raises(ValidationError) as exc:
        services.term_for(contract, "fault", 3)
    assert exc.value.message_dict["kind"] == ["合同HT-1没有故障3级的SLA条款"]


def test_contracts_are_scoped_and_changes_audited(client, contract):
    from kernel.audit.models import ChangeLog

    term(contract, response=Decimal("12"))
    assert ChangeLog.objects.filter(object_id=str(SlaTerm.objects.get().pk)).exists()
    client.force_login(make_staff("450100", ["ops_contracts.view_servicecontract"]))
    page = client.get("/gov/ops/contracts/").content.decode()
    assert "HT-1" in page
    detail = client.get(f"/gov/ops/contracts/{contract.pk}/").content.decode()
    assert "12小时" in detail and "7×24小时" in detail
    client.force_login(make_staff("450200", ["ops_contracts.view_servicecontract"]))
    assert "HT-1" not in client.get("/gov/ops/contracts/").content.decode()
    assert client.get(f"/gov/ops/contracts/{contract.pk}/").status_code == 404


def test_demo_contracts_carry_the_seeds_figures():
    for region, kind in (("450000", "hrss"), ("450000", "market"), ("450000", "tax")):
        make_agency(region, kind)
    assert demo.seed(1, io.StringIO()).startswith("运维对象与服务合同4个")
    assert demo.seed(1, io.StringIO()) == ""
    pension = ServiceContract.objects.get(system__code="pension")
    assert [(t.level, t.response_hours) for t in pension.terms.filter(kind="fault").order_by("level")] == [
        (1, Decimal("12.00")), (2, Decimal("24.00")), (3, Decimal("48.00"))]
    assert pension.terms.get(kind="consultation").cutoff == datetime.time(15)
    si = ServiceContract.objects.get(system__code="si_fee_mobile").terms.order_by("level")
    assert [(t.level, t.response_hours, t.resolution_hours) for t in si] == [
        (level, Decimal("0.50"), Decimal("2.00")) for level in (1, 2, 3)]
    labour = ServiceContract.objects.get(system__code="labor_platform").terms.get(level=2)
    assert (labour.response_hours, labour.resolution_hours) == (Decimal("1.00"), Decimal("8.00"))
    se = ServiceContract.objects.get(system__code="se_platform").terms.get(level=3)
    assert (se.response_hours, se.resolution_hours) == (Decimal("0.50"), Decimal("3.00"))
