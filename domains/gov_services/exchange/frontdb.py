"""The front-end database (前置库) of one department system: a connection of its own, not Django's.

SQLite (development, tests): a file <GS_FRONTDB_DIR>/<code>.sqlite3 (GS_FRONTDB_DIR defaults to
MEDIA_ROOT/../frontdb). PostgreSQL: the schema gs_front_<code> in the platform's database, reached
through a separate psycopg connection in autocommit mode (the department writes there independently
of our transactions). Both sides read and write the two tables below (docs/gov-services-exchange.md)."""
import json
import sqlite3
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import CODE

TABLES = {
    "front_case": """CREATE TABLE IF NOT EXISTS {p}front_case (
        sbh VARCHAR(30) NOT NULL, version INTEGER NOT NULL, matter_code VARCHAR(40) NOT NULL,
        payload TEXT NOT NULL, status VARCHAR(12) NOT NULL DEFAULT 'new', written_at VARCHAR(40) NOT NULL,
        PRIMARY KEY (sbh, version))""",
    "front_callback": """CREATE TABLE IF NOT EXISTS {p}front_callback (
        sbh VARCHAR(30) NOT NULL, version INTEGER NOT NULL, stage VARCHAR(12) NOT NULL,
        payload TEXT NOT NULL, files TEXT NOT NULL DEFAULT '[]', written_at VARCHAR(40) NOT NULL,
        PRIMARY KEY (sbh, version, stage))""",
}


def frontdb_dir() -> Path:
    """Where the SQLite front-end databases live: GS_FRONTDB_DIR, else beside the platform's SQLite file
    (db.sqlite3 -> db.frontdb/), so that a new database never meets the front-end rows of an old one."""
    configured = getattr(settings, "GS_FRONTDB_DIR", None)
    if configured:
        return Path(configured)
    name = str(settings.DATABASES["default"].get("NAME") or "")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and name and not name.startswith((":", "file:")):
        db = Path(name)
        return db.parent / f"{db.stem}.frontdb"
    return Path(settings.MEDIA_ROOT).parent / "frontdb"


class FrontDB:
    def __init__(self, code: str):
        if not CODE.match(code or ""):
            raise ValueError(f"bad front-end database code {code!r}")
        self.code = code
        self.postgres = connection.vendor == "postgresql"
        self.schema = f"gs_front_{code}"
        self.prefix = f"{self.schema}." if self.postgres else ""

    # -- connection --------------------------------------------------------------------------------
    def _connect(self):
        if self.postgres:
            import psycopg

            s = connection.settings_dict
            return psycopg.connect(dbname=s["NAME"], user=s.get("USER") or None, password=s.get("PASSWORD") or None,
                                   host=s.get("HOST") or None, port=s.get("PORT") or None, autocommit=True)
        path = frontdb_dir() / f"{self.code}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=20, isolation_level=None)  # autocommit
        return conn

    def _run(self, sql, params=(), fetch=False):
        sql = sql.format(p=self.prefix)
        if not self.postgres:
            sql = sql.replace("%s", "?")
        conn = self._connect()
        try:
            cur = conn.cursor()
            cur.execute(sql, params)
            if fetch:
                cols = [c[0] for c in cur.description]
                return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
            return cur.rowcount
        finally:
            conn.close()

    def ensure(self):
        if self.postgres:
            self._run(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
        for ddl in TABLES.values():
            self._run(ddl)

    def drop(self):
        if self.postgres:
            self._run(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        else:
            path = frontdb_dir() / f"{self.code}.sqlite3"
            path.unlink(missing_ok=True)

    # -- bulk loading (the benchmark volume, demo_volume.py) ----------------------------------------
    def copy_rows(self, table, columns, rows) -> int:
        """Append plain tuples to front_case / front_callback: COPY on PostgreSQL, executemany on SQLite."""
        if table not in TABLES or not rows:
            return 0
        cols = ", ".join(columns)
        conn = self._connect()
        try:
            if self.postgres:
                with conn.cursor() as cur, cur.copy(f'COPY "{self.schema}".{table} ({cols}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(columns))
                conn.execute("BEGIN")
                conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
                conn.execute("COMMIT")
        finally:
            conn.close()
        return len(rows)

    def remove_orphans(self, prefix, known=None):
        """Remove rows whose case number starts with `prefix` but whose case does not exist (a bulk load
        interrupted between the front-end rows and the cases). PostgreSQL: against the case table in the
        same database; SQLite: against the set `known` of existing case numbers."""
        like = prefix + "%"
        for table in TABLES:
            if self.postgres:
                self._run(f"DELETE FROM {{p}}{table} f WHERE f.sbh LIKE %s AND NOT EXISTS "
                          "(SELECT 1 FROM gs_window_case c WHERE c.no = f.sbh)", (like,))
            else:
                stale = {r["sbh"] for r in self._run(f"SELECT DISTINCT sbh FROM {table} WHERE sbh LIKE %s", (like,),
                                                     fetch=True)} - set(known or ())
                for sbh in stale:
                    self._run(f"DELETE FROM {table} WHERE sbh = %s", (sbh,))

    # -- the platform's side ----------------------------------------------------------------------
    def write_case(self, sbh, version, matter_code, payload: dict):
        self._run("INSERT INTO {p}front_case (sbh, version, matter_code, payload, status, written_at) "
                  "VALUES (%s, %s, %s, %s, 'new', %s)",
                  (sbh, version, matter_code, json.dumps(payload, ensure_ascii=False), _now()))

    def latest_version(self, sbh):
        """The highest version of a case written to this front-end database, or None."""
        rows = self._run("SELECT MAX(version) AS v FROM {p}front_case WHERE sbh = %s", (sbh,), fetch=True)
        return rows[0]["v"] if rows else None

    def read_callback(self, sbh, version, stage):
        rows = self._run("SELECT * FROM {p}front_callback WHERE sbh = %s AND version = %s AND stage = %s",
                         (sbh, version, stage), fetch=True)
        return _decode(rows[0]) if rows else None

    def callback_keys(self, batch=5000):
        """The keys (sbh, version, stage) of every callback row, in pages of `batch` in key order (keyset
        pagination on the primary key, one connection, no payloads): what the recovery scan compares."""
        sql = "SELECT sbh, version, stage FROM {p}front_callback {w} ORDER BY sbh, version, stage LIMIT %s"
        after = "WHERE (sbh, version, stage) > (%s, %s, %s)"
        conn = self._connect()
        try:
            last = None
            while True:
                query = sql.format(p=self.prefix, w=after if last else "")
                if not self.postgres:
                    query = query.replace("%s", "?")
                cur = conn.cursor()
                cur.execute(query, (*last, batch) if last else (batch,))
                rows = [tuple(r) for r in cur.fetchall()]
                if not rows:
                    return
                yield rows
                if len(rows) < batch:
                    return
                last = rows[-1]
        finally:
            conn.close()

    def callbacks(self):
        return [_decode(r) for r in self._run("SELECT * FROM {p}front_callback ORDER BY written_at, sbh, version",
                                              fetch=True)]

    # -- the department's side (the simulator, or a department's own adapter) ---------------------
    def read_case(self, sbh, version):
        rows = self._run("SELECT * FROM {p}front_case WHERE sbh = %s AND version = %s", (sbh, version), fetch=True)
        return _decode(rows[0]) if rows else None

    def cases(self):
        return [_decode(r) for r in self._run("SELECT * FROM {p}front_case ORDER BY written_at", fetch=True)]

    def mark_case(self, sbh, version, status):
        self._run("UPDATE {p}front_case SET status = %s WHERE sbh = %s AND version = %s", (status, sbh, version))

    def write_callback(self, sbh, version, stage, payload: dict, files=()):
        self._run("INSERT INTO {p}front_callback (sbh, version, stage, payload, files, written_at) "
                  "VALUES (%s, %s, %s, %s, %s, %s)",
                  (sbh, version, stage, json.dumps(payload, ensure_ascii=False),
                   json.dumps(list(files), ensure_ascii=False), _now()))


def _now():
    return timezone.now().isoformat()


def _decode(row):
    row = dict(row)
    for key in ("payload", "files"):
        if key in row:
            row[key] = json.loads(row[key] or ("[]" if key == "files" else "{}"))
    return row
