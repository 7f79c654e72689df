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


def copy_rows(model, columns, rows, *, plain_text=False, batch=5000) -> int:
    """Stream plain tuples into a table (benchmark volume seeders): COPY on PostgreSQL, no model instances;
    bulk_create elsewhere (JSON columns given as JSON text are decoded there). `columns` are attnames
    (project_id ...); `rows` may be a generator. With plain_text=True the rows go as COPY text lines in large
    writes — only for values that are numbers, dates, None and text without tabs, newlines or backslashes."""
    import json

    from django.db import connection

    count = 0
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
        connection.ensure_connection()
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            if plain_text:
                buf = []
                for row in rows:
                    buf.append("\t".join("\\N" if v is None else str(v) for v in row))
                    if len(buf) >= 20000:
                        copy.write("\n".join(buf) + "\n")
                        count += len(buf)
                        buf = []
                if buf:
                    copy.write("\n".join(buf) + "\n")
                    count += len(buf)
            else:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        if count:
            bump_now_and_on_commit(model._meta.db_table)  # COPY bypasses the execute wrapper
        return count
    json_cols = {f.attname for f in model._meta.concrete_fields if f.get_internal_type() == "JSONField"}
    chunk = []
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        for col in json_cols & values.keys():
            if isinstance(values[col], str):
                values[col] = json.loads(values[col])
        chunk.append(model(**values))
        if len(chunk) >= batch:
            model._base_manager.bulk_create(chunk, batch_size=500)
            count += len(chunk)
            chunk = []
    if chunk:
        model._base_manager.bulk_create(chunk, batch_size=500)
        count += len(chunk)
    return count


def reset_sequences(*models):
    """Move the id sequences past the rows a COPY wrote with explicit ids (no-op where ids need no sequence)."""
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)
