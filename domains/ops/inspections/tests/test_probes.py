"""Real probes: HTTP services behind a load-balanced address on a local server (seed 004: more than 5 down ->
early warning, 5 down does not), a disk path, PostgreSQL figures read from the database the suite runs on,
an unreachable target, and the thread pool with its timeouts."""
import shutil
import threading
import time
from decimal import Decimal

import psycopg
import pytest
from django.db import connection

from domains.ops.inspections import demo, probes, services
from domains.ops.inspections.models import Checklist, ChecklistItem, CheckPoint, InspectionResult, Target
from kernel.alerts.models import OPEN_STATES, Warning

from .conftest import closed_port

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="the PostgreSQL probe needs the suite to run on PostgreSQL")


def seed_item(name):
    """An item exactly as the seed-004 demo checklist defines it."""
    for _, _, _, items in demo.CHECKLISTS:
        for category, item, method, metric, op, threshold, level, action, guidance in items:
            if item == name:
                return dict(category=category, name=item, method=method, metric=metric, operator=op,
                            threshold=threshold, level=level, action=action, guidance=guidance)
    raise KeyError(name)


def checklist_with(system, *items, frequency="daily"):
    checklist = Checklist.objects.create(system=system, name=f"清单{Checklist.objects.count() + 1}",
                                         frequency=frequency)
    for n, item in enumerate(items, 1):
        ChecklistItem.objects.create(checklist=checklist, order=n, **item)
    return checklist


def open_warnings(code):
    return Warning.objects.filter(rule__code=code, status__in=OPEN_STATES)


def result(run, metric, key=None):
    qs = run.results.filter(item__metric=metric)
    return qs.get(key=key) if key is not None else qs.get()


# == HTTP ====================================================================================================
def test_more_than_five_of_eleven_services_down_raises_the_early_warning_and_five_does_not(system, http_services):
    """Seed 004: the pension system has 11 application servers behind one load-balanced address; more than 5
    down -> early-warning response (yellow, 启动预警响应措施); 5 down is within the threshold."""
    names = [f"app{i}" for i in range(11)]
    backends = [http_services.url(n) for n in names]
    target = services.save_target(Target(system=system, kind="http", name="养老系统应用", url=http_services.url("lb"),
                                         backends=backends, timeout_seconds=2))
    item = seed_item("负载均衡地址下宕机服务数")
    assert (item["threshold"], item["operator"], item["level"]) == (Decimal("5"), "gt", "yellow")
    checklist = checklist_with(system, item, seed_item("服务响应时间"))

    for n in names[:6]:  # six down: three answer 503, three time out
        http_services.status[n] = 503
    for n in names[3:6]:
        http_services.status.pop(n)
        http_services.sleep[n] = 4  # beyond the 2 s timeout
    run = services.run_inspection(checklist)
    down = result(run, "http_down")
    assert down.value == Decimal("6") and down.outcome == "breach" and down.level == "yellow"
    assert down.standard == "> 5个"
    states = {s["url"]: s for s in down.data["services"]}
    assert states[http_services.url("app0")]["status"] == 503
    assert states[http_services.url("app3")]["error"] == "连接超时"
    assert states[http_services.url("app9")]["up"] and states[http_services.url("app9")]["ms"] > 0
    latency = result(run, "http_latency", http_services.url("app9"))
    assert latency.outcome == "recorded" and latency.value > 0
    assert result(run, "http_latency", http_services.url("app0")).outcome == "error"
    warning = open_warnings("ops_insp_services_down").get()
    assert warning.level == "yellow" and "启动预警响应措施" in warning.value
    assert warning.region_id == system.agency.region_id
    assert run.probe_seconds < 4  # the timed-out backends ran side by side, each cut at 2 s

    http_services.sleep.pop("app3")  # five down now: within the threshold, the warning is released
    run = services.run_inspection(checklist)
    assert result(run, "http_down").value == Decimal("5") and result(run, "http_down").outcome == "pass"
    assert not open_warnings("ops_insp_services_down").exists()
    assert Warning.objects.get(pk=warning.pk).status == "released"

    http_services.status["app3"] = 500  # six again: a new warning; a second run keeps that one warning
    services.run_inspection(checklist)
    services.run_inspection(checklist)
    assert open_warnings("ops_insp_services_down").count() == 1
    assert target.pk in Target.objects.filter(last_ok=True).values_list("pk", flat=True)


def test_refused_backends_count_as_down_and_a_dead_address_is_an_unreachable_target(system, http_services):
    refused = f"http://127.0.0.1:{closed_port()}/x"
    target = services.save_target(Target(system=system, kind="http", name="应用", url=refused,
                                         backends=[refused], timeout_seconds=1))
    checklist = checklist_with(system, dict(category="application", name="宕机", method="probe", metric="http_down",
                                            operator="gt", threshold=Decimal("0"), level="orange"))
    run = services.run_inspection(checklist)
    down = result(run, "http_down")
    assert down.value == 1 and down.outcome == "breach"
    assert down.data["services"][0]["error"] == "连接被拒绝"
    target.refresh_from_db()
    assert target.last_ok is False and "负载均衡地址不可用" in target.last_error
    assert open_warnings("ops_insp_unreachable").get().subject_id == target.pk
    assert open_warnings("ops_insp_services_down").get().level == "orange"


def test_probes_run_concurrently_with_timeouts():
    """Twenty backends that each take 0.6 s finish together; one that hangs is cut at its timeout."""
    state = {}

    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            time.sleep(30 if self.path == "/hang" else 0.6)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        specs = [probes.TargetSpec(id=1, kind="http", timeout=2, url=f"{base}/lb",
                                   backends=tuple(f"{base}/s{i}" for i in range(20))),
                 probes.TargetSpec(id=2, kind="http", timeout=1, url=f"{base}/hang")]
        started = time.perf_counter()
        state = probes.probe_all(specs)
        elapsed = time.perf_counter() - started
    finally:
        server.shutdown()
        server.server_close()
    assert elapsed < 3  # sequential would be 20 × 0.6 s + 1 s
    assert state[1].ok and [r.value for r in state[1].readings if r.metric == "http_down"] == [0.0]
    assert not state[2].ok and state[2].error == "负载均衡地址不可用：连接超时"


# == disk ====================================================================================================
def test_disk_probe_measures_the_path_and_reports_a_missing_one(system, tmp_path):
    services.save_target(Target(system=system, kind="disk", name="日志盘", paths=[str(tmp_path), "/nonexistent/zw"]))
    checklist = checklist_with(system, dict(category="host", name="磁盘使用率", method="probe", metric="disk_used_pct",
                                            operator="gt", threshold=Decimal("0"), level="orange", action="清理或扩容"))
    run = services.run_inspection(checklist)
    usage = shutil.disk_usage(tmp_path)
    measured = result(run, "disk_used_pct", str(tmp_path))
    assert abs(float(measured.value) - usage.used / (usage.used + usage.free) * 100) < 1
    assert measured.outcome == "breach"  # anything above 0% breaches a 0% threshold
    missing = result(run, "disk_used_pct", "/nonexistent/zw")
    assert missing.outcome == "error" and "无法读取路径" in missing.detail
    assert open_warnings("ops_insp_disk").get().level == "orange"
    point = CheckPoint.objects.get()  # only the breach has a check point, not the missing path
    assert point.breach and point.key == str(tmp_path) and point.level == "orange"
    ChecklistItem.objects.filter(checklist=checklist).update(threshold=Decimal("100"))
    run = services.run_inspection(checklist)
    assert result(run, "disk_used_pct", str(tmp_path)).outcome == "pass"
    assert not open_warnings("ops_insp_disk").exists()
    point.refresh_from_db()
    cleared_at = point.updated_at
    assert not point.breach and point.result.run == run
    services.run_inspection(checklist)  # healthy again: the check point is not written
    point.refresh_from_db()
    assert point.updated_at == cleared_at and CheckPoint.objects.count() == 1


# == PostgreSQL ==============================================================================================
def own_database_target(system, **extra):
    db = connection.settings_dict
    target = Target(system=system, kind="postgresql", name="本库", host=db.get("HOST") or "127.0.0.1",
                    port=int(db.get("PORT") or 5432), dbname=db["NAME"], db_user=db.get("USER") or "postgres",
                    **extra)
    return services.save_target(target, password=db.get("PASSWORD") or "")


def pg_items(**thresholds):
    return [dict(category="database", name=metric, method="probe", metric=metric, operator="gt",
                 threshold=thresholds.get(metric), level="red" if metric == "pg_tablespace_pct" else "orange",
                 action="立即扩容" if metric == "pg_tablespace_pct" else "")
            for metric in ("pg_db_size", "pg_tablespace_pct", "pg_long_locks", "pg_active_sessions",
                           "pg_connections", "pg_connections_pct")]


@on_postgresql
def test_postgresql_probe_reads_real_figures_and_a_low_threshold_raises_warnings(system):
    own_database_target(system)
    checklist = checklist_with(system, *pg_items(pg_tablespace_pct=Decimal("0"), pg_db_size=Decimal("0")))
    run = services.run_inspection(checklist)
    with connection.cursor() as c:
        c.execute("SELECT pg_database_size(current_database()), current_setting('max_connections')::int")
        size, max_connections = c.fetchone()
    measured = result(run, "pg_db_size")
    assert measured.value > 0 and abs(float(measured.value) - size / 1024 ** 2) < 16  # MB, allowing for writes
    assert result(run, "pg_connections").value >= 1
    assert result(run, "pg_connections").data["max_connections"] == max_connections
    assert result(run, "pg_active_sessions").value >= 1  # the probe's own query is active
    assert 0 < result(run, "pg_connections_pct").value <= 100
    assert result(run, "pg_long_locks").outcome == "recorded"
    tablespace = result(run, "pg_tablespace_pct", "pg_default")
    assert tablespace.outcome == "breach" and tablespace.level == "red" and 0 < tablespace.value <= 100
    assert tablespace.data["basis"] == "filesystem"  # no capacity configured, the database is on this host
    warning = open_warnings("ops_insp_tablespace").get()
    assert warning.level == "red" and "立即扩容" in warning.value and "pg_default" in warning.subject_repr
    assert open_warnings("ops_insp_breach").get().subject_repr.endswith("pg_db_size")  # size over a 0 MB limit
    assert run.failed == 0 and run.breached == 2


@on_postgresql
def test_tablespace_use_against_a_configured_capacity(system):
    own_database_target(system, tablespace_capacity={"pg_default": 1000000})  # 1,000,000 GB: far from full
    checklist = checklist_with(system, seed_item("核心用户表空间及索引表空间使用率"))
    run = services.run_inspection(checklist)
    tablespace = result(run, "pg_tablespace_pct", "pg_default")
    with connection.cursor() as c:
        c.execute("SELECT pg_tablespace_size('pg_default')")
        size = c.fetchone()[0]
    assert tablespace.data["basis"] == "configured"
    assert abs(float(tablespace.value) - size / (1000000 * 1024 ** 3) * 100) < 0.01
    assert tablespace.outcome == "pass" and tablespace.standard == "> 90%"
    # a capacity just below the size: past 90%, red, expand at once
    Target.objects.update(tablespace_capacity={"pg_default": size / 1024 ** 3 * 1.05})
    run = services.run_inspection(checklist)
    tablespace = result(run, "pg_tablespace_pct", "pg_default")
    assert 90 < tablespace.value < 100 and tablespace.outcome == "breach"
    assert open_warnings("ops_insp_tablespace").get().level == "red"


@on_postgresql
def test_long_lock_waits_are_counted_from_pg_locks(system):
    db = connection.settings_dict
    params = dict(host=db.get("HOST") or "127.0.0.1", port=int(db.get("PORT") or 5432), dbname=db["NAME"],
                  user=db.get("USER") or "postgres", password=db.get("PASSWORD") or None, autocommit=True)
    own_database_target(system, lock_wait_seconds=1)
    checklist = checklist_with(system, dict(category="database", name="长时间锁表", method="probe",
                                            metric="pg_long_locks", operator="gt", threshold=Decimal("0"),
                                            level="orange"))
    holder, waiter = psycopg.connect(**params), psycopg.connect(**params)
    try:
        holder.execute("CREATE TABLE IF NOT EXISTS zw_insp_lock_probe (id int)")
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE zw_insp_lock_probe IN ACCESS EXCLUSIVE MODE")
        waiter_pid, holder_pid = waiter.info.backend_pid, holder.info.backend_pid
        blocked = threading.Thread(target=lambda: waiter.execute("SELECT count(*) FROM zw_insp_lock_probe"))
        blocked.start()
        time.sleep(1.5)
        run = services.run_inspection(checklist)
        holder.execute("ROLLBACK")
        blocked.join(5)
    finally:
        holder.execute("DROP TABLE IF EXISTS zw_insp_lock_probe")
        holder.close()
        waiter.close()
    locks = result(run, "pg_long_locks")
    assert locks.value >= 1 and locks.outcome == "breach"
    waiting = {entry["pid"]: entry for entry in locks.data["locks"]}
    assert waiting[waiter_pid]["blocked_by"] == [holder_pid] and waiting[waiter_pid]["seconds"] >= 1
    assert open_warnings("ops_insp_long_locks").exists()


def test_an_unreachable_database_is_a_result_not_an_exception(system):
    target = services.save_target(Target(system=system, kind="postgresql", name="停机的库", host="127.0.0.1",
                                         port=closed_port(), dbname="x", db_user="u", timeout_seconds=2),
                                  password="pw")
    checklist = checklist_with(system, *pg_items(pg_tablespace_pct=Decimal("90")))
    run = services.run_inspection(checklist)
    assert run.failed == 6 and run.breached == 0
    assert set(run.results.values_list("outcome", flat=True)) == {"error"}
    assert "无法连接数据库" in run.results.first().detail
    target.refresh_from_db()
    assert target.last_ok is False
    warning = open_warnings("ops_insp_unreachable").get()
    assert warning.level == "orange" and warning.subject_id == target.pk and "无法连接数据库" in warning.value
    assert not CheckPoint.objects.exists()  # nothing measured, nothing judged
    assert InspectionResult.objects.filter(run=run, target=target).count() == 6
