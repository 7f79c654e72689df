"""kernel.core.dbops: the region columns carry a larger statistics sample on PostgreSQL."""
import pytest
from django.db import connection


@pytest.mark.django_db
@pytest.mark.parametrize("table", ["se_hazards_majorhazard", "se_equipment_equipment", "se_equipment_inspectionreport"])
def test_region_columns_sample_every_region(table):
    if connection.vendor != "postgresql":
        pytest.skip("statistics targets are a PostgreSQL setting (the migration does nothing elsewhere)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT attstattarget FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'region_id'",
                       [table])
        assert cursor.fetchone()[0] == 1000
