"""Fast bulk insert: COPY on PostgreSQL, batched bulk_create elsewhere.

Used by seed_demo at benchmark scale and by large imports. Bypasses model signals
(no per-row audit): callers that load business data on behalf of a person record
one operation row for the whole load instead.
"""
from django.db import connections

from .cache import bump_now_and_on_commit


def bulk_insert(model, objs, *, using="default", batch_size=5000) -> int:
    conn = connections[using]
    objs = list(objs)
    if not objs:
        return 0
    if conn.vendor != "postgresql":
        model._base_manager.bulk_create(objs, batch_size=batch_size)
        return len(objs)
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and getattr(objs[0], f.attname) is None)]
    columns = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {conn.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    conn.ensure_connection()
    with conn.cursor() as cursor:
        with cursor.cursor.copy(sql) as copy:
            for obj in objs:
                copy.write_row([_prep(f, obj, conn) for f in fields])
    bump_now_and_on_commit(model._meta.db_table, using=using)  # COPY bypasses the execute wrapper
    return len(objs)


def _prep(field, obj, conn):
    value = field.pre_save(obj, add=True)
    return field.get_db_prep_save(value, connection=conn)
