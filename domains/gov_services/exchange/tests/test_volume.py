"""The benchmark volume seeder (demo_volume): counts, and the shadow table, the cases, the callback log and the
front-end databases agreeing with each other exactly as dispatch / apply_callback leave them."""
from collections import Counter

import pytest

from domains.gov_services.one_window.models import Case
from domains.gov_services.one_window.tests.acceptance_support import World
from integrations.department_sim.simulator import Department
from kernel.org.models import Region

from .. import demo_volume, services
from ..frontdb import FrontDB
from ..models import CallbackLog, ShadowRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    w = World()
    w.second = w.make_matter(name="不动产抵押登记", promised=5, statutory=10, category="housing")
    w.system = services.create_system(code="xn_vol", name="兴宁区审批系统", department=w.dept, secret="s3cret-vol")
    return w


def test_volume_counts_states_and_consistency(w):
    counts = demo_volume.seed_volume(1, clerk=w.clerk)
    cases = Case.objects.filter(no__startswith="SBV")
    assert counts["cases"] == cases.count() == 500
    assert counts["shadow"] == ShadowRecord.objects.filter(sbh__startswith="SBV").count() == 2500  # 5 a case
    assert Counter(cases.values_list("status", flat=True)) == {"completed": 450, "correction": 25, "accepted": 25}
    regions = Counter(cases.values_list("region__code", flat=True))
    assert 150 < regions["450102"] < 250 and len(regions) > 3  # 兴宁区 and the other counties
    assert not cases.filter(completed_at__isnull=True, status="completed").exists()
    assert not cases.filter(promised_due__isnull=True).exists()

    shadows = list(ShadowRecord.objects.filter(sbh__startswith="SBV").values_list(
        "sbh", "version", "direction", "stage", "case__no", "system__code", "acknowledged_at"))
    assert all(sbh == no and code == "xn_vol" and ack for sbh, _v, _d, _s, no, code, ack in shadows)
    front = FrontDB("xn_vol")
    out = {(s[0], s[1]) for s in shadows if s[2] == "out"}
    inward = {(s[0], s[1], s[3]) for s in shadows if s[2] == "in"}
    assert {(r["sbh"], r["version"]) for r in front.cases()} == out
    assert {(r["sbh"], r["version"], r["stage"]) for r in front.callbacks()} == inward
    logged = set(CallbackLog.objects.filter(sbh__startswith="SBV", outcome="applied")
                 .values_list("sbh", "version", "stage"))
    assert logged == inward
    # the state of every case is what its shadow rows say: completed cases have a complete callback of their
    # latest version, cases in correction a correction callback of theirs, accepted ones no shadow row at all
    latest = {}
    for sbh, version, direction, _stage, *_ in shadows:
        if direction == "out":
            latest[sbh] = max(latest.get(sbh, 0), version)
    for no, status in cases.values_list("no", "status"):
        if status == "accepted":
            assert no not in latest
        else:
            last = "complete" if status == "completed" else "correction"
            assert (no, latest[no], last) in inward

    # nothing is lost: the recovery scan finds nothing to apply
    assert services.recover() == {"applied": 0, "refused": 0, "renotified": 0}


def test_volume_cases_work_with_the_exchange_and_top_up(w):
    demo_volume.seed_volume(1, clerk=w.clerk)
    case = Case.objects.filter(no__startswith="SBV", status="accepted", region__code="450102").first()
    shadow = services.dispatch(case, w.clerk)
    assert shadow.version == 1 and shadow.acknowledged_at
    department = Department("xn_vol")
    assert department.progress(case.no, "accept", version=1)[0] == 200
    assert department.progress(case.no, "complete", version=1)[0] == 200
    assert Case.objects.get(pk=case.pk).status == "completed"
    # a case created after the volume gets a fresh id (the id sequence moved past the volume)
    fresh = w.register()
    assert fresh.pk > Case.objects.filter(no__startswith="SBV").order_by("-pk").first().pk
    # a second run with a larger scale tops up, reusing nothing
    counts = demo_volume.seed_volume(2, clerk=w.clerk)
    assert counts["existing"] == 500 and counts["cases"] == 500
    assert Case.objects.filter(no__startswith="SBV").count() == 1000
    assert ShadowRecord.objects.filter(sbh__startswith="SBV").count() == 5000 + 3  # + the dispatch above
    assert demo_volume.seed_volume(2, clerk=w.clerk)["cases"] == 0


def test_volume_window_clerk_sees_only_own_county(w):
    demo_volume.seed_volume(1, clerk=w.clerk)
    visible = Case.objects.visible_to(w.clerk).filter(no__startswith="SBV")
    xingning = Region.objects.get(code="450102")
    assert visible.exists() and not visible.exclude(region=xingning).exists()
    assert not Case.objects.visible_to(w.other).filter(no__startswith="SBV", region=xingning).exists()
