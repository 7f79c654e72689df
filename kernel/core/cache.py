"""Version-keyed caching of query results (list counts, permissions, region subtrees).

Every database table has a version in the cache. Every INSERT, UPDATE or DELETE that the
application sends (ORM or raw SQL, seen by a database execute wrapper) bumps the version of
its table, once at once (so the writing request reads its own writes) and once more when the
transaction commits (so a reader that cached the old rows while the write was uncommitted is
invalidated). kernel.core.bulk.bulk_insert (COPY) bumps the same way. A cached result is keyed by
the versions of all tables its SQL reads, so it never outlives a change made by the application.
Writes from outside (psql, other systems) must call bump_tables().

The cache must be shared by all processes (Redis, REDIS_URL) when more than one process
serves requests; a system check warns when a production process runs on the local-memory cache.
"""
import hashlib
import re
import threading
import time
from collections import OrderedDict

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.backends.signals import connection_created

from . import context

VERSION_PREFIX = "tblver:"
RESULT_SECONDS = 600
_QUOTED = re.compile(r'"([A-Za-z0-9_]+)"')
_known_tables: set[str] | None = None


def known_tables() -> set[str]:
    global _known_tables
    if _known_tables is None:
        tables = set()
        for model in apps.get_models(include_auto_created=True):
            tables.add(model._meta.db_table)
        _known_tables = tables
    return _known_tables


def bump_tables(*tables: str) -> None:
    now = time.time_ns()
    cache.set_many({VERSION_PREFIX + t: now for t in tables}, timeout=None)
    ctx = context.current()
    if ctx is not None:  # this request sees its own write
        for t in tables:
            ctx.memo[("tblver", t)] = now


# Tables read by nearly every page (permissions, scopes, regions, dictionaries): their versions
# come in the same round trip as the first version a request asks for.
HOT_TABLES = ("accounts_role", "accounts_role_permissions", "accounts_user_roles", "accounts_role_custom_regions",
              "accounts_user_user_permissions", "auth_permission", "org_region", "dicts_dictitem", "dicts_dicttype")


def table_versions(tables) -> str:
    """A string that changes whenever any of the tables changes.

    Versions are read from the shared cache once per request (one round trip for all the
    tables missing so far, plus HOT_TABLES on the first call)."""
    tables = sorted(set(tables))
    ctx = context.current()
    memo = ctx.memo if ctx is not None else {}
    wanted = [t for t in tables if ("tblver", t) not in memo]
    if wanted:
        if ctx is not None and ("tblver", HOT_TABLES[0]) not in memo:
            wanted = sorted(set(wanted) | {t for t in HOT_TABLES if ("tblver", t) not in memo})
        memo.update({("tblver", t): v for t, v in _read_versions(wanted).items()})
    return ".".join(str(memo[("tblver", t)]) for t in tables)


def _read_versions(tables) -> dict:
    keys = {VERSION_PREFIX + t: t for t in tables}
    found = cache.get_many(list(keys))
    missing = [k for k in keys if k not in found]
    if missing:  # an unknown (or evicted) version starts fresh, never reuses an old value
        now = time.time_ns()
        for k in missing:
            cache.add(k, now, timeout=None)
        found = {**found, **cache.get_many(missing)}
    return {t: found.get(k, 0) for k, t in keys.items()}


_MISSING = object()
_LOCAL_MAX = 4096
_local: OrderedDict = OrderedDict()
_local_lock = threading.Lock()


def versioned(name: str, tables, compute, timeout=RESULT_SECONDS):
    """compute(), cached under `name` plus the versions of `tables`.

    A versioned key never changes meaning, so its value is also kept in a small per-process
    LRU in front of the shared cache. Values must be treated as read-only by callers."""
    key = f"{name}:{table_versions(tables)}"
    with _local_lock:
        value = _local.get(key, _MISSING)
        if value is not _MISSING:
            _local.move_to_end(key)
            return value
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, timeout)
    with _local_lock:
        _local[key] = value
        if len(_local) > _LOCAL_MAX:
            _local.popitem(last=False)
    return value


def tables_in_sql(sql: str) -> set[str]:
    return {name for name in _QUOTED.findall(sql) if name in known_tables()}


def cached_count(queryset, timeout=RESULT_SECONDS) -> int:
    """queryset.count(), cached until a table the query reads is written."""
    try:  # the key: the rows' query without its select list, joins for display and order (cheaper to compile)
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (e.g. .none(), IN ())
        return 0
    digest = hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()[:32]
    return versioned(f"count:{digest}", tables_in_sql(sql), queryset.count, timeout)


def cached_figures(name, queryset, compute, *, bucket="", timeout=RESULT_SECONDS):
    """compute(queryset) (say, a few counts by one aggregate), cached until a table the queryset reads is
    written; `bucket` splits the cache further for figures that move with the clock (e.g. the current minute
    for "due within the hour"). Many clients opening the same page share one computation."""
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return compute(queryset)
    digest = hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()[:32]
    return versioned(f"figures:{name}:{digest}:{bucket}", tables_in_sql(sql), lambda: compute(queryset), timeout)


# SQLite writes m2m rows as INSERT OR IGNORE INTO; REPLACE INTO for completeness.
_WRITE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?',
                    re.IGNORECASE)


def written_table(sql: str) -> str | None:
    match = _WRITE.match(sql)
    return match.group(1) if match else None


def bump_now_and_on_commit(table: str, using="default") -> None:
    bump_tables(table)
    transaction.on_commit(lambda: bump_tables(table), using=using)


def _write_watcher(alias):
    def watch(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        table = written_table(sql)
        if table is not None:
            bump_now_and_on_commit(table, using=alias)
        return result

    return watch


def _install(sender, connection, **kwargs):
    if not any(getattr(w, "zw_write_watcher", False) for w in connection.execute_wrappers):
        watcher = _write_watcher(connection.alias)
        watcher.zw_write_watcher = True
        connection.execute_wrappers.append(watcher)


def connect():
    connection_created.connect(_install, dispatch_uid="zw-cache-write-watcher")
    for conn in connections.all(initialized_only=True):
        _install(None, conn)
