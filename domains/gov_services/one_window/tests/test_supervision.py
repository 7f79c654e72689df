"""E-supervision (电子监察) of case time limits: the levels at their boundaries on the business calendar,
the thresholds as data, the scan and the statistics on the case list."""
import pytest
from django.urls import reverse

from kernel.alerts.models import Warning
from kernel.alerts.registry import definition
from kernel.alerts.scanner import scan

from .. import alerts
from ..models import Case
from .acceptance_support import D, World

pytestmark = pytest.mark.django_db
THURSDAY = D("2026-12-03")


def _levels(day):
    rule = definition(alerts.CODE).ensure_rule()
    return dict(definition(alerts.CODE).matches(rule, today=day).values_list("pk", "alert_level"))


@pytest.fixture
def cases():
    w = World()
    made = {name: w.register() for name in ("today", "monday", "tuesday", "past_promise", "past_statute",
                                            "statute_today", "completed")}

    def set_(name, promised, statutory, **extra):
        Case.all_objects.filter(pk=made[name].pk).update(promised_due=D(promised), statutory_due=D(statutory), **extra)

    set_("today", "2026-12-03", "2026-12-10")
    set_("monday", "2026-12-07", "2026-12-14")  # 2nd working day after Thursday, across the weekend
    set_("tuesday", "2026-12-08", "2026-12-15")  # 3rd working day
    set_("past_promise", "2026-12-02", "2026-12-10")  # one day past the promised date
    set_("past_statute", "2026-11-25", "2026-12-02")  # one day past the statutory date
    set_("statute_today", "2026-11-30", "2026-12-03")
    set_("completed", "2026-11-01", "2026-11-05", status="completed")
    return w, made


def test_levels_at_the_boundaries(cases):
    w, made = cases
    levels = _levels(THURSDAY)
    assert levels[made["today"].pk] == "yellow"
    assert levels[made["monday"].pk] == "yellow"
    assert levels[made["tuesday"].pk] is None
    assert levels[made["past_promise"].pk] == "orange"
    assert levels[made["past_statute"].pk] == "red"
    assert levels[made["statute_today"].pk] == "orange"  # past its promise, not yet its statute
    assert made["completed"].pk not in levels


def test_levels_are_data(cases):
    w, made = cases
    rule = definition(alerts.CODE).ensure_rule()
    assert rule.category == "电子监察"
    rule.levels = [{"level": "yellow", "threshold": 3}, {"level": "orange", "threshold": 1},
                   {"level": "red", "threshold": 0}]
    rule.save()
    levels = _levels(THURSDAY)
    assert levels[made["tuesday"].pk] == "yellow"  # within 3 working days now
    assert levels[made["past_promise"].pk] == "yellow"  # past by one working day: orange only beyond 1
    assert levels[made["past_statute"].pk] == "red"


def test_scan_raises_warnings_and_the_list_counts_colours(cases, client, monkeypatch):
    from django.utils import timezone

    w, made = cases
    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: THURSDAY)
    scan(alerts.CODE)
    got = dict(Warning.objects.filter(rule__code=alerts.CODE).values_list("subject_id", "level"))
    assert {int(k): v for k, v in got.items()} == {
        made["today"].pk: "yellow", made["monday"].pk: "yellow", made["past_promise"].pk: "orange",
        made["past_statute"].pk: "red", made["statute_today"].pk: "orange"}
    assert alerts.colour_counts(Case.objects.all(), THURSDAY) == {"yellow": 2, "orange": 2, "red": 1}
    from kernel.core.testing import PASSWORD

    assert client.login(username=w.clerk.username, password=PASSWORD)
    text = client.get(reverse("gov:gs_case_list")).content.decode()
    assert 'data-count="red">1<' in text and 'data-count="orange">2<' in text
    text = client.get(reverse("gov:gs_case_list"), {"overdue": "red"}).content.decode()
    assert made["past_statute"].no in text and made["today"].no not in text
