"""kernel.core.lookups: `__int_in`, the integer-list membership used by jurisdiction filters."""
import pytest
from django.db import connection

from kernel.org.models import Region


@pytest.mark.django_db
def test_int_in_matches_like_in_and_compiles_to_one_array_on_postgresql():
    ids = list(Region.objects.filter(code__startswith="4501").values_list("pk", flat=True))
    assert len(ids) > 10
    by_int_in = Region.objects.filter(pk__int_in=[str(i) for i in ids] + ids[:3])  # strings and repeats are fine
    assert sorted(by_int_in.values_list("pk", flat=True)) == sorted(ids)
    assert sorted(Region.objects.filter(parent__int_in=ids).values_list("pk", flat=True)) == sorted(
        Region.objects.filter(parent__in=ids).values_list("pk", flat=True))
    sql, params = by_int_in.query.sql_with_params()
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and params == (sorted(ids),)
    else:
        assert " IN (" in sql and list(params) == sorted(ids)


@pytest.mark.django_db
def test_int_in_an_empty_list_matches_nothing():
    assert not Region.objects.filter(pk__int_in=[]).exists()
    assert Region.objects.exclude(pk__int_in=[]).count() == Region.objects.count()
