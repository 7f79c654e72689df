"""Database operations for migrations that Django has no operation for."""
from django.db import migrations

# Every region of the tree (about 800: region, cities, counties, towns and grids) fits in the
# most-common-values list, so the planner knows which regions hold no rows at all.
REGION_STATISTICS = 1000


def set_statistics(model_label: str, field_name: str, target: int = REGION_STATISTICS):
    """On PostgreSQL, sample more values of one column (ALTER COLUMN … SET STATISTICS); elsewhere nothing.

    Used for `region` columns: jurisdiction filters send a subtree as a literal id list
    (`region_id IN (county, its towns, its grids)`). With the default sample the planner counts
    every id of the list as an average region, overestimates a county's rows several times, and
    prefers walking the primary key backwards for "newest 20" over the region index (24 ms instead
    of 2 ms on 200,000 hazards)."""

    def alter(value):
        def run(apps, schema_editor):
            if schema_editor.connection.vendor != "postgresql":
                return
            model = apps.get_model(model_label)
            qn = schema_editor.quote_name
            column = model._meta.get_field(field_name).column
            schema_editor.execute(f"ALTER TABLE {qn(model._meta.db_table)} ALTER COLUMN {qn(column)} "
                                  f"SET STATISTICS {int(value)}")
        return run

    return migrations.RunPython(alter(target), alter(-1), elidable=False)  # -1: back to the default
