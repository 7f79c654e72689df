"""Real probes of the inspection targets, run concurrently with timeouts.

* PostgreSQL (psycopg, its own short-lived connection with connect and statement timeouts): database size,
  tablespace use, sessions waiting on a lock longer than N seconds, active sessions, connections against
  max_connections.
* HTTP (urllib without proxies, redirects not followed): status and latency of the load-balanced address and
  of each backend service; a backend is up when it answers 2xx or 3xx in time; the number down behind the
  address.
* Disk (shutil.disk_usage on the host that runs the probe): used % of each path's filesystem.

Tablespace use. A PostgreSQL tablespace is a directory with no quota of its own, so "use" needs a capacity:
1. the capacity configured on the target for that tablespace (GB): use = pg_tablespace_size / capacity;
2. otherwise, when the database runs on this host (host localhost / 127.0.0.1 / ::1 or a socket directory) and
   the tablespace's directory (pg_default: the data directory) is visible here, the use of the filesystem that
   holds it (used / (used + available), as df shows it): that filesystem is what fills up;
3. otherwise the tablespace's result says that no capacity is configured (无法判定) instead of a made-up figure.
pg_global (shared catalogues) is not reported.

Nothing here touches Django's database: a probe works on a plain snapshot of the target (TargetSpec) so that
probes run in threads while the service stores the results afterwards in one transaction. A failing target is
a result (ok=False with the reason), never an exception."""
import http.client
import os
import shutil
import socket
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field

LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}
USER_AGENT = "zhengwu-inspector/1.0"
MAX_WORKERS = 64
GB = 1024 ** 3
MB = 1024 ** 2


@dataclass(frozen=True)
class TargetSpec:
    id: int
    kind: str
    timeout: float = 5.0
    host: str = ""
    port: int = 5432
    dbname: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    lock_wait_seconds: int = 30
    tablespace_capacity: dict = field(default_factory=dict)
    url: str = ""
    backends: tuple = ()
    paths: tuple = ()


@dataclass
class Reading:
    metric: str
    key: str = ""
    value: float | None = None
    text: str = ""
    data: dict = field(default_factory=dict)
    error: str = ""  # this key could not be measured (a path missing, a tablespace without capacity)


@dataclass
class Outcome:
    target_id: int
    ok: bool
    error: str = ""
    readings: list = field(default_factory=list)
    seconds: float = 0.0


def _reason(exc) -> str:
    if isinstance(exc, urllib.error.URLError) and exc.reason is not None:
        exc = exc.reason
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "连接超时"
    if isinstance(exc, ConnectionRefusedError):
        return "连接被拒绝"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


# == HTTP ====================================================================================================
class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx is an answer: the service is up; following it could leave the configured address


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def http_check(url: str, timeout: float) -> dict:
    """GET one URL: {"url", "up", "status", "ms", "error"}."""
    started = time.perf_counter()
    status = None
    try:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT}, method="GET")
        with _OPENER.open(request, timeout=timeout) as response:
            # the status line and headers are the answer: the body is not read, so a server dripping bytes
            # cannot hold the probe past its timeout
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        exc.close()
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
        return {"url": url, "up": False, "status": None, "ms": None, "error": _reason(exc)}
    ms = round((time.perf_counter() - started) * 1000, 1)
    up = 200 <= status < 400
    return {"url": url, "up": up, "status": status, "ms": ms, "error": "" if up else f"HTTP {status}"}


def http_outcome(spec: TargetSpec, checks: dict) -> Outcome:
    """The target's readings from its URL checks ({url: check}): the address, then each backend (the address
    alone is the one service when no backend is configured)."""
    address = checks[spec.url]
    services = [checks[u] for u in spec.backends] if spec.backends else [address]
    down = [c for c in services if not c["up"]]
    readings = [Reading("http_down", "", float(len(down)), f"{len(down)}/{len(services)}个服务宕机",
                        {"address": address, "services": services})]
    for c in services:
        readings.append(Reading("http_latency", c["url"], c["ms"] if c["up"] else None,
                                f"HTTP {c['status']}，{c['ms']}毫秒" if c["up"] else c["error"],
                                {"status": c["status"]}, error="" if c["up"] else c["error"]))
    ok = address["up"] or bool(spec.backends and len(down) < len(services))
    error = "" if ok else f"负载均衡地址不可用：{address['error']}"
    return Outcome(spec.id, ok, error, readings)


# == disk ====================================================================================================
def disk_used_pct(path: str) -> tuple[float, object]:
    usage = shutil.disk_usage(path)
    return usage.used / (usage.used + usage.free) * 100 if usage.used + usage.free else 0.0, usage


def probe_disk(spec: TargetSpec) -> Outcome:
    readings = []
    for path in spec.paths:
        try:
            pct, usage = disk_used_pct(path)
        except OSError as exc:
            readings.append(Reading("disk_used_pct", path, None, error=f"无法读取路径：{_reason(exc)}"))
            continue
        readings.append(Reading("disk_used_pct", path, round(pct, 2),
                                f"已用{usage.used / GB:.1f}GB，可用{usage.free / GB:.1f}GB，共{usage.total / GB:.1f}GB",
                                {"total": usage.total, "used": usage.used, "free": usage.free}))
    ok = any(not r.error for r in readings)
    return Outcome(spec.id, ok, "" if ok else "；".join(r.error for r in readings)[:300], readings)


# == PostgreSQL ==============================================================================================
def _is_local(host: str) -> bool:
    return (host or "").strip().lower() in LOCAL_HOSTS or (host or "").startswith("/")


def _lock_sql(server_version: int) -> str:
    # pg_locks.waitstart (PostgreSQL 14+) is when the wait began; before it, the waiting query's start
    since = "COALESCE(l.waitstart, a.query_start)" if server_version >= 140000 else "a.query_start"
    return (f"SELECT a.pid, pg_blocking_pids(a.pid), EXTRACT(EPOCH FROM now() - {since})::float8, l.locktype, "
            f"l.mode, LEFT(a.query, 200) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            f"WHERE NOT l.granted AND a.datname = current_database() AND {since} IS NOT NULL "
            f"AND now() - {since} > make_interval(secs => %s) ORDER BY 3 DESC")


def _tablespace_reading(cur, spec, name, location, data_directory):
    try:
        cur.execute("SELECT pg_tablespace_size(%s)", [name])
        size = cur.fetchone()[0]
    except Exception as exc:  # no privilege on the tablespace: that key is unmeasured, the rest goes on
        return Reading("pg_tablespace_pct", name, None, error=f"无法读取表空间大小：{_reason(exc)}")
    capacity = spec.tablespace_capacity.get(name)
    if capacity:
        pct = size / (float(capacity) * GB) * 100
        return Reading("pg_tablespace_pct", name, round(pct, 2),
                       f"已用{size / MB:.1f}MB，配置容量{float(capacity):g}GB",
                       {"size": size, "capacity_gb": capacity, "basis": "configured"})
    path = location or data_directory
    if _is_local(spec.host) and path and os.path.exists(path):
        pct, usage = disk_used_pct(path)
        return Reading("pg_tablespace_pct", name, round(pct, 2),
                       f"表空间{size / MB:.1f}MB；所在文件系统已用{pct:.1f}%（可用{usage.free / GB:.1f}GB）",
                       {"size": size, "path": path, "basis": "filesystem", "fs_total": usage.total,
                        "fs_free": usage.free})
    return Reading("pg_tablespace_pct", name, None, data={"size": size},
                   error=f"表空间{size / MB:.1f}MB，未配置容量且数据库不在本机，无法计算使用率")


def probe_postgres(spec: TargetSpec) -> Outcome:
    import psycopg

    timeout_ms = int(spec.timeout * 1000)
    try:
        conn = psycopg.connect(host=spec.host, port=spec.port or 5432, dbname=spec.dbname, user=spec.user,
                               password=spec.password or None, connect_timeout=max(int(spec.timeout), 1),
                               autocommit=True, application_name="zhengwu-inspector",
                               options=f"-c statement_timeout={timeout_ms} -c lock_timeout={timeout_ms}")
    except Exception as exc:
        return Outcome(spec.id, False, f"无法连接数据库：{_reason(exc)}")
    readings = []
    try:
        with conn.cursor() as cur:
            version = conn.info.server_version
            cur.execute("SELECT pg_database_size(current_database())")
            size = cur.fetchone()[0]
            readings.append(Reading("pg_db_size", "", round(size / MB, 4), f"{size / MB:.1f}MB", {"bytes": size}))
            cur.execute("SELECT count(*) FILTER (WHERE state = 'active' AND datname = current_database()), count(*) "
                        "FROM pg_stat_activity WHERE backend_type = 'client backend'")
            active, connections = cur.fetchone()
            cur.execute("SELECT current_setting('max_connections')::int")
            max_connections = cur.fetchone()[0]
            readings.append(Reading("pg_active_sessions", "", float(active), f"{active}个活动会话"))
            readings.append(Reading("pg_connections", "", float(connections),
                                    f"{connections}/{max_connections}", {"max_connections": max_connections}))
            readings.append(Reading("pg_connections_pct", "", round(connections / max_connections * 100, 2),
                                    f"{connections}/{max_connections}", {"max_connections": max_connections}))
            cur.execute(_lock_sql(version), [float(spec.lock_wait_seconds)])
            rows = cur.fetchall()
            waiting = sorted({r[0] for r in rows})
            locks = [{"pid": r[0], "blocked_by": list(r[1] or []), "seconds": round(r[2], 1), "locktype": r[3],
                      "mode": r[4], "query": r[5]} for r in rows[:20]]
            longest = f"，最长等待{rows[0][2]:.0f}秒" if rows else ""
            readings.append(Reading("pg_long_locks", "", float(len(waiting)),
                                    f"{len(waiting)}个会话等待锁超过{spec.lock_wait_seconds}秒{longest}",
                                    {"locks": locks, "seconds": spec.lock_wait_seconds}))
            try:
                cur.execute("SELECT current_setting('data_directory')")
                data_directory = cur.fetchone()[0]
            except Exception:  # not a superuser nor pg_read_all_settings
                data_directory = ""
            cur.execute("SELECT spcname, pg_tablespace_location(oid) FROM pg_tablespace "
                        "WHERE spcname <> 'pg_global' ORDER BY spcname")
            for name, location in cur.fetchall():
                readings.append(_tablespace_reading(cur, spec, name, location, data_directory))
    except Exception as exc:
        return Outcome(spec.id, False, f"数据库巡检查询失败：{_reason(exc)}", readings)
    finally:
        conn.close()
    return Outcome(spec.id, True, "", readings)


# == the cycle ===============================================================================================
def probe_all(specs, workers: int = MAX_WORKERS) -> dict[int, Outcome]:
    """Probe every target concurrently: one job per PostgreSQL or disk target and one per URL of an HTTP
    target (its address and each backend), so a slow backend never holds up the others. Every job has its own
    timeout; a job still running past the slowest timeout (plus a margin) counts as timed out."""
    specs = list(specs)
    if not specs:
        return {}
    jobs = {}  # future -> (spec, url or None)
    started = time.perf_counter()
    size = max(1, min(workers, sum(1 + len(s.backends) if s.kind == "http" else 1 for s in specs)))
    pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="ops-probe")
    try:
        for spec in specs:
            if spec.kind == "http":
                for url in dict.fromkeys([spec.url, *spec.backends]):
                    jobs[pool.submit(http_check, url, spec.timeout)] = (spec, url)
            elif spec.kind == "postgresql":
                jobs[pool.submit(probe_postgres, spec)] = (spec, None)
            elif spec.kind == "disk":
                jobs[pool.submit(probe_disk, spec)] = (spec, None)
        # jobs queue behind the pool: each wave of `size` jobs may take up to twice the slowest timeout
        waves = -(-len(jobs) // size)
        limit = waves * max(s.timeout for s in specs) * 2 + 5
        done, _ = wait(jobs, timeout=limit)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    outcomes, checks = {}, {}
    for future, (spec, url) in jobs.items():
        if future in done and future.exception() is None:
            value = future.result()
        elif future in done:
            value = None
            error = f"探测出错：{_reason(future.exception())}"
        else:
            value = None
            error = "探测超时"
        if url is not None:
            checks.setdefault(spec.id, {})[url] = value or {"url": url, "up": False, "status": None, "ms": None,
                                                            "error": error}
        else:
            outcomes[spec.id] = value or Outcome(spec.id, False, error)
    elapsed = time.perf_counter() - started
    for spec in specs:
        if spec.kind == "http":
            outcomes[spec.id] = http_outcome(spec, checks.get(spec.id, {}))
        outcomes[spec.id].seconds = round(elapsed, 3)
    return outcomes
