"""Performance samples (seed 002 §2.5): kept at least one week (configurable, never under 7 days), summarised by
week, month and quarter (average, maximum, minimum), the summaries surviving the purge; the built-in collector
reads this host's CPU, memory and disk."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from domains.ops.monitoring import services
from domains.ops.monitoring.models import MetricState, Sample, Summary

from .support import resource

pytestmark = pytest.mark.django_db
TZ = timezone.get_fixed_timezone(8 * 60)


def at(m, d, h=10):
    return datetime.datetime(2026, m, d, h, tzinfo=TZ)


def summary(res, period, start):
    s = Summary.objects.get(resource=res, metric="cpu_percent", period=period, period_start=start)
    return round(s.average, 4), s.maximum, s.minimum, s.count


def test_weekly_monthly_quarterly_summaries_and_the_one_week_retention(node):
    db = resource(node, "XN-DB-01")
    for when, value in ((at(3, 30), 20), (at(3, 31), 40), (at(4, 1), 90)):  # Monday 30 March to Wednesday 1 April
        services.record_samples(db, {"cpu_percent": value}, when)
    assert services.summarise() == 3
    assert summary(db, "week", datetime.date(2026, 3, 30)) == (50, 90, 20, 3)
    assert summary(db, "month", datetime.date(2026, 3, 1)) == (30, 40, 20, 2)
    assert summary(db, "month", datetime.date(2026, 4, 1)) == (90, 90, 90, 1)
    assert summary(db, "quarter", datetime.date(2026, 1, 1)) == (30, 40, 20, 2)
    assert summary(db, "quarter", datetime.date(2026, 4, 1)) == (90, 90, 90, 1)
    services.record_samples(db, {"cpu_percent": 10}, at(4, 2))
    assert services.summarise() == 1 and services.summarise() == 0  # incremental, each sample once
    assert summary(db, "week", datetime.date(2026, 3, 30)) == (40, 90, 10, 4)
    assert summary(db, "month", datetime.date(2026, 4, 1)) == (50, 90, 10, 2)

    services.record_samples(db, {"cpu_percent": 70}, at(4, 6))  # six days before the purge below
    services.record_samples(db, {"cpu_percent": 60}, at(4, 4, 23))  # seven days and 11 hours before
    deleted = services.purge(now=at(4, 12))
    assert deleted == 5  # everything older than 7 days
    assert list(Sample.objects.values_list("value", flat=True)) == [70.0]
    assert summary(db, "week", datetime.date(2026, 3, 30)) == (44, 90, 10, 5)  # summaries outlive the samples
    assert summary(db, "week", datetime.date(2026, 4, 6)) == (70, 70, 70, 1)
    assert summary(db, "quarter", datetime.date(2026, 4, 1)) == (57.5, 90, 10, 4)


def test_retention_is_configurable_but_never_under_a_week(node):
    db = resource(node, "XN-DB-01")
    for days in (6, 8, 11):
        services.record_samples(db, {"cpu_percent": days}, at(4, 20) - datetime.timedelta(days=days))
    node.retention_days = 6
    with pytest.raises(ValidationError) as exc:
        services.save_record(node)
    assert exc.value.message_dict["retention_days"] == ["确保该值大于或等于7。"]
    node.retention_days = 10
    services.save_record(node)
    assert services.purge(now=at(4, 20)) == 1
    assert sorted(Sample.objects.values_list("value", flat=True)) == [6.0, 8.0]
    type(node).objects.filter(pk=node.pk).update(retention_days=3)  # below the floor, written around the form
    assert services.purge(now=at(4, 20)) == 1
    assert list(Sample.objects.values_list("value", flat=True)) == [6.0]


def test_samples_keep_the_latest_value_as_the_current_state(node):
    db = resource(node, "XN-DB-01")
    services.record_samples(db, {"cpu_percent": 40}, at(4, 2))
    services.record_samples(db, {"cpu_percent": 30}, at(4, 1))  # late arrival: history only
    assert MetricState.objects.get(resource=db).value == 40
    with pytest.raises(ValidationError) as exc:
        services.record_samples(db, {"cpu_percent": 130})
    assert exc.value.message_dict == {"cpu_percent": ["CPU使用率应在0至100之间"]}
    with pytest.raises(ValidationError) as exc:
        services.record_samples(db, {"temperature": 30})
    assert "指标“temperature”无效" in exc.value.message_dict["temperature"][0]
    assert Sample.objects.count() == 2


def test_the_builtin_collector_reads_this_host(node):
    values = services.read_host()
    assert set(values) == {"cpu_percent", "mem_percent", "disk_percent", "load1"}
    assert all(0 <= values[m] <= 100 for m in ("cpu_percent", "mem_percent", "disk_percent"))
    assert 0 < values["mem_percent"] and 0 < values["disk_percent"]
    now = timezone.now()
    assert services.collect_due(now) == 1
    node.refresh_from_db()
    host = node.local_resource
    assert host.source == "collected" and host.category == "business_system"
    assert MetricState.objects.filter(resource=host).count() == 4
    assert services.collect_due(now + datetime.timedelta(seconds=node.sample_interval - 1)) == 0  # not due yet
    assert services.collect_due(now + datetime.timedelta(seconds=node.sample_interval)) == 1
    assert Sample.objects.filter(resource=host).count() == 8
