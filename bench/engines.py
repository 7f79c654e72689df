"""Kernel engine benchmarks on the PostgreSQL bench database (run after bench/run.py has seeded it):

1. One warning rule scanned over every enterprise (1,000,000 at scale 2000): the first scan, a
   re-scan with nothing changed, and a re-scan after 1% of the records changed. Reported as
   seconds and records/second with the data size.
2. The special-equipment rectification-deadline rule over every major hazard (first scan, re-scan).
3. The eleven labour wage-arrears rules over the supervision database (20,000 projects, 500,000
   workers, 15,000,000 attendance rows at scale 2000): first full scan, re-scan, and the daily scan
   after one more day of attendance.
4. Excel export of 100,000 organisation rows through the same code the list pages use, in a child
   process so that its peak memory (ru_maxrss) is the export's own.
5. One-window department exchange (1,000,000 cases, 5,000,000 shadow rows at scale 2000): dispatch
   throughput end to end with the department simulator (gs_dispatch), and the recovery scan of the
   front-end databases with nothing lost and with lost callback notifications (gs_recovery).
6. Social-insurance fee (1,000,000 payers, 20,000,000 payment lines at scale 2000): the nightly reconciliation
   of the volume's reconciliation day, 1,000,000 paid orders against the payment simulator's file
   (si_reconcile): a first run and a re-run, the bank file's fetch and parse timed apart.
7. O&M tickets (1,000,000 at scale 2000): the two SLA escalation rules (response, resolution) scanned over the
   ticket table (ops_scan): the detection queries alone, the first scan (every warning new, with its SMS,
   messages and to-dos written) and a re-scan (nothing new).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhengwu_bench .venv/bin/python bench/engines.py
"""
import datetime
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ZW_DEV", "1")

import django  # noqa: E402

django.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Case, CharField, F, Value, When  # noqa: E402

from kernel.alerts import scanner  # noqa: E402
from kernel.alerts.models import AlertRule, Warning, WarningEvent  # noqa: E402
from kernel.alerts.registry import RuleDefinition, definition, register  # noqa: E402
from kernel.org.models import Organisation  # noqa: E402
from kernel.todos.models import Todo  # noqa: E402

RISKY = {"B": "red", "D": "orange", "E": "yellow"}  # mining, gas and power, construction


@register
class IndustryRisk(RuleDefinition):
    """Benchmark rule: enterprises of high-risk industries, one level per industry."""

    code = "bench_industry_risk"
    name = "高风险行业企业"
    category = "基准测试"
    subject = "org.Organisation"
    default_levels = [{"level": "yellow", "threshold": 1}, {"level": "orange", "threshold": 2},
                      {"level": "red", "threshold": 3}]

    def matches(self, rule):
        level = Case(*[When(industry=k, then=Value(v)) for k, v in RISKY.items()], default=Value(None),
                     output_field=CharField())
        return (self.subjects().filter(kind="enterprise")
                .annotate(alert_level=level, alert_region=F("region_id"), alert_org=F("pk"), alert_repr=F("name"),
                          alert_value=F("industry")))


def reset():
    rule = AlertRule.objects.filter(code=IndustryRisk.code).first()
    if rule is not None:
        with transaction.atomic():
            ids = Warning.objects.filter(rule=rule).values("pk")
            WarningEvent.objects.filter(warning__in=ids).delete()
            Todo.objects.filter(key="workflow:generated", url__startswith="/gov/alerts/").delete()
            with connection.cursor() as c:
                c.execute("DELETE FROM workflow_transitionlog WHERE workflow = 'warning'")
                c.execute("DELETE FROM alerts_warning WHERE rule_id = %s", [rule.pk])


def change_one_percent(n):
    """Move n enterprises into or out of the risky industries (half each way), spread over the table.
    Returns what undo_changes() needs to put them back (the web bench reads the same rows)."""
    with connection.cursor() as c:
        c.execute("UPDATE org_organisation SET industry = 'B' WHERE id IN (SELECT id FROM org_organisation "
                  "WHERE kind = 'enterprise' AND industry IN ('C', 'F', 'G') ORDER BY md5(id::text) LIMIT %s) "
                  "RETURNING id", [n // 2])
        into_b = c.fetchall()
        c.execute("UPDATE org_organisation SET industry = 'F' WHERE id IN (SELECT id FROM org_organisation "
                  "WHERE kind = 'enterprise' AND industry = 'E' ORDER BY md5(id::text) LIMIT %s) RETURNING id",
                  [n - n // 2])
        e_to_f = [row[0] for row in c.fetchall()]
    from kernel.core.cache import bump_tables

    bump_tables("org_organisation")
    return [row[0] for row in into_b], e_to_f


def undo_changes(changes, originals):
    into_b, e_to_f = changes
    with connection.cursor() as c:
        for industry, ids in originals.items():
            c.execute("UPDATE org_organisation SET industry = %s WHERE id = ANY(%s)", [industry, ids])
        c.execute("UPDATE org_organisation SET industry = 'E' WHERE id = ANY(%s)", [e_to_f])
    from kernel.core.cache import bump_tables

    bump_tables("org_organisation")


def bench_scan():
    total = Organisation.objects.filter(kind="enterprise").count()
    reset()
    rows = []
    originals = {}  # industry -> ids, of the enterprises moved into B
    with connection.cursor() as c:
        c.execute("SELECT industry, array_agg(id) FROM (SELECT id, industry FROM org_organisation WHERE kind = "
                  "'enterprise' AND industry IN ('C', 'F', 'G') ORDER BY md5(id::text) LIMIT %s) t GROUP BY industry",
                  [(total // 100) // 2])
        originals = dict(c.fetchall())
    changes = None
    for label, prepare in [("first scan", None), ("re-scan, nothing changed", None),
                           ("re-scan, 1% changed", lambda: change_one_percent(total // 100))]:
        if prepare:
            changes = prepare()
        started = time.perf_counter()
        stats = scanner.scan(IndustryRisk.code)
        seconds = time.perf_counter() - started
        rows.append((label, seconds, stats))
    undo_changes(changes, originals)  # leave the data as the web bench expects it
    open_count = Warning.objects.filter(rule__code=IndustryRisk.code, status="generated").count()
    print(f"\nAlert scan: rule {IndustryRisk.code} over {total:,} enterprises (PostgreSQL)")
    print(f"{'scan':<28}{'seconds':>9}{'records/s':>12}{'matched':>10}{'raised':>9}{'changed':>9}{'released':>9}")
    for label, seconds, s in rows:
        print(f"{label:<28}{seconds:>9.2f}{total / seconds:>12,.0f}{s['matched']:>10,}{s['raised']:>9,}"
              f"{s['changed']:>9,}{s['released']:>9,}")
    print(f"open warnings after the scans: {open_count:,}; targets: full scan < 20 s, re-scan < 5 s")
    return rows


def bench_hazard_scan():
    """Special equipment: the rectification-deadline warning over every major hazard."""
    from domains.special_equipment.hazards.alerts import RectificationDeadline
    from domains.special_equipment.hazards.models import MajorHazard

    total = MajorHazard.objects.count()
    if not total:
        print("\nHazard deadline scan: no hazards seeded, skipped")
        return None
    code = RectificationDeadline.code
    rule = AlertRule.objects.filter(code=code).first()
    if rule is not None:
        with transaction.atomic(), connection.cursor() as c:
            # the earlier scans added hundreds of thousands of rows: plan with fresh statistics
            for table in ("todos_todo", "alerts_warning", "alerts_warningevent"):
                c.execute(f"ANALYZE {table}")
            c.execute("DELETE FROM alerts_warningevent WHERE warning_id IN (SELECT id FROM alerts_warning WHERE rule_id = %s)",
                      [rule.pk])
            c.execute("DELETE FROM todos_todo t USING alerts_warning w WHERE t.key = 'workflow:generated' "
                      "AND t.object_id = CAST(w.id AS varchar(20)) AND w.rule_id = %s", [rule.pk])
            c.execute("DELETE FROM alerts_warning WHERE rule_id = %s", [rule.pk])
    print(f"\nHazard deadline scan: rule {code} over {total:,} major hazards (PostgreSQL)")
    print(f"{'scan':<28}{'seconds':>9}{'hazards/s':>12}{'matched':>10}{'raised':>9}{'changed':>9}{'released':>9}")
    for label in ("first scan", "re-scan, nothing changed"):
        started = time.perf_counter()
        st = scanner.scan(code)
        seconds = time.perf_counter() - started
        print(f"{label:<28}{seconds:>9.2f}{total / seconds:>12,.0f}{st['matched']:>10,}{st['raised']:>9,}"
              f"{st['changed']:>9,}{st['released']:>9,}")


def delete_warnings(rule_ids):
    """Remove the warnings of some rules with their events, to-dos and log rows (a clean first scan);
    warnings a complaint registration points to stay (their rows are protected)."""
    with transaction.atomic(), connection.cursor() as c:
        for table in ("todos_todo", "alerts_warning", "alerts_warningevent"):
            c.execute(f"ANALYZE {table}")
        c.execute("CREATE TEMPORARY TABLE bench_gone AS SELECT w.id FROM alerts_warning w WHERE w.rule_id = ANY(%s) "
                  "AND NOT EXISTS (SELECT 1 FROM labor_inspection_complaint c WHERE c.warning_id = w.id)",
                  [list(rule_ids)])
        c.execute("DELETE FROM alerts_warningevent WHERE warning_id IN (SELECT id FROM bench_gone)")
        c.execute("DELETE FROM todos_todo WHERE content_type_id = %s AND object_id IN "
                  "(SELECT CAST(id AS varchar(20)) FROM bench_gone)",
                  [ContentType.objects.get_for_model(Warning).pk])
        c.execute("DELETE FROM workflow_transitionlog WHERE workflow = 'warning' AND object_id IN "
                  "(SELECT CAST(id AS varchar(20)) FROM bench_gone)")
        c.execute("DELETE FROM alerts_warning WHERE id IN (SELECT id FROM bench_gone)")
        c.execute("DROP TABLE bench_gone")


def _scan_all(codes):
    started, totals = time.perf_counter(), {"matched": 0, "raised": 0, "changed": 0, "released": 0}
    for code in codes:
        st = scanner.scan(code)
        for k in totals:
            totals[k] += st.get(k, 0)
    return time.perf_counter() - started, totals


def bench_labor_scan():
    """Labour inspection (issue 5): every wage-arrears rule over the supervision database: the first full
    scan, a re-scan, and the daily scan after a day's attendance arrived (one row per active contract)."""
    from domains.labor.inspection.alerts import LABOUR_CODES
    from domains.labor.monitoring.models import Project, Worker

    projects, workers = Project.objects.count(), Worker.objects.count()
    if not projects:
        print("\nLabour scan: no projects seeded, skipped")
        return None
    with connection.cursor() as c:
        c.execute("SELECT count(*), max(work_date) FROM labor_monitoring_attendance")
        attendance, last_day = c.fetchone()
    for code in LABOUR_CODES:
        definition(code).ensure_rule()
    delete_warnings(AlertRule.objects.filter(code__in=LABOUR_CODES).values_list("pk", flat=True))
    print(f"\nLabour wage-arrears scan: {len(LABOUR_CODES)} rules over {projects:,} projects, {workers:,} workers, "
          f"{attendance:,} attendance rows (PostgreSQL)")
    print(f"{'scan':<34}{'seconds':>9}{'matched':>10}{'raised':>9}{'changed':>9}{'released':>9}")
    rows = []

    def run(label):
        seconds, t = _scan_all(LABOUR_CODES)
        rows.append((label, seconds))
        print(f"{label:<34}{seconds:>9.1f}{t['matched']:>10,}{t['raised']:>9,}{t['changed']:>9,}{t['released']:>9,}",
              flush=True)

    run("full scan, first")
    run("re-scan, nothing changed")
    # the next day's attendance, as 桂薪宝 pushes it: one row per worker of an active contract
    next_day = last_day + datetime.timedelta(days=1)
    with connection.cursor() as c:
        c.execute("INSERT INTO labor_monitoring_attendance (project_id, worker_id, work_date, hours, source, received_at) "
                  "SELECT k.project_id, k.worker_id, %s, 8.0, 'bench', now() FROM labor_monitoring_contract k "
                  "WHERE k.status = 'active' AND NOT k.is_deleted ON CONFLICT DO NOTHING", [next_day])
        added = c.rowcount
        c.execute("ANALYZE labor_monitoring_attendance")
    try:
        run(f"daily scan (+{added:,} attendance rows)")
    finally:
        with connection.cursor() as c:
            c.execute("DELETE FROM labor_monitoring_attendance WHERE work_date = %s AND source = 'bench'", [next_day])
    print("targets: full scan < 300 s, daily scan < 60 s (the daily scan is a full scan of the new data)")
    return rows


# == one-window department exchange (issue 6) ============================================================

def _gs_cpu():
    """CPU seconds of this process and of the PostgreSQL server processes (bench/run.py's accounting)."""
    from bench.run import _cpu_seconds

    cpu = _cpu_seconds(-1)  # no gunicorn here: "app" stays 0, "client" is this process
    return {"python": cpu["client"], "db": cpu["db"]}


def _gs_sizes():
    from domains.gov_services.exchange.models import DepartmentSystem, ShadowRecord
    from domains.gov_services.one_window.models import Case

    with connection.cursor() as c:  # estimates: an exact count(*) of 5,000,000 rows is a scan of its own
        c.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relname IN (%s, %s)",
                  [Case._meta.db_table, ShadowRecord._meta.db_table])
        est = dict(c.fetchall())
    return (f"{est.get(Case._meta.db_table, 0):,} cases, {est.get(ShadowRecord._meta.db_table, 0):,} shadow rows "
            f"(estimates), {DepartmentSystem.objects.filter(active=True).count()} department systems")


def _gs_accepted(n):
    """n volume cases of 兴宁区 accepted at the window and not dispatched yet (demo_volume leaves 1 in 20)."""
    from domains.gov_services.exchange.demo_volume import VOLUME_PREFIX
    from domains.gov_services.one_window.models import Case

    return list(Case.objects.filter(no__startswith=VOLUME_PREFIX, status="accepted", region__code="450102")
                .select_related("matter", "matter__department", "region").order_by("pk")[:n])


def bench_gs_dispatch(n=1000):
    """Dispatch n accepted cases end to end, one after the other as the window clerk: dispatch (front-end row,
    shadow row, signed notification the simulator verifies and acknowledges), then the simulated department
    calls back 受理 and 办结 (front-end row + signed callback through the WSGI stack, applied: state, shadow
    row, SMS, result file at 办结). Reported as cases per second, with the time of each step and the CPU."""
    from domains.gov_services.exchange import services as exchange
    from integrations.department_sim.simulator import Department
    from kernel.accounts.models import User

    cases = _gs_accepted(n)
    if not cases:
        print("\nOne-window dispatch: no accepted volume cases (seed_demo --scale > 1), skipped")
        return None
    clerk = User.objects.get(username="xn_window")
    departments, steps = {}, {"dispatch": 0.0, "accept": 0.0, "complete": 0.0}
    print(f"\nOne-window dispatch end to end with the department simulator: {len(cases):,} cases; {_gs_sizes()}")
    cpu0, started = _gs_cpu(), time.perf_counter()
    for case in cases:
        t0 = time.perf_counter()
        shadow = exchange.dispatch(case, clerk)
        t1 = time.perf_counter()
        code = shadow.system.code
        department = departments.get(code) or departments.setdefault(code, Department(code))
        status, answer = department.progress(case.no, "accept", opinion="材料齐全，予以受理", version=shadow.version)
        t2 = time.perf_counter()
        status2, answer2 = department.progress(case.no, "complete", opinion="准予许可", version=shadow.version)
        t3 = time.perf_counter()
        if shadow.acknowledged_at is None or status != 200 or status2 != 200:
            raise RuntimeError(f"{case.no}: ack {shadow.acknowledged_at}, 受理 {status} {answer}, 办结 {status2} {answer2}")
        steps["dispatch"] += t1 - t0
        steps["accept"] += t2 - t1
        steps["complete"] += t3 - t2
    seconds, cpu1 = time.perf_counter() - started, _gs_cpu()
    from domains.gov_services.one_window.models import Case as GsCase

    done = GsCase.objects.filter(pk__in=[c.pk for c in cases], status="completed").count()
    per = {k: 1000 * v / len(cases) for k, v in steps.items()}
    print(f"{len(cases):,} cases in {seconds:.1f} s: {len(cases) / seconds:,.1f} cases/s end to end "
          f"({done:,} completed); per case: dispatch {per['dispatch']:.1f} ms, 受理 callback {per['accept']:.1f} ms, "
          f"办结 callback {per['complete']:.1f} ms")
    from django.conf import settings

    sms = ("delivered in-process to the SMS simulator (Celery eager)" if settings.CELERY_TASK_ALWAYS_EAGER
           else "queued for a Celery worker (CELERY_BROKER_URL set)")
    db = cpu1["db"] - cpu0["db"]  # live server processes only: backends that exited in between are lost
    db = f"{1000 * db / len(cases):.1f}" if db >= 0 else "n/a (backends exited)"
    print(f"CPU ms per case: python {1000 * (cpu1['python'] - cpu0['python']) / len(cases):.1f}, "
          f"PostgreSQL {db} (one process, sequential); SMS {sms}")
    return seconds


def bench_gs_recovery(lost=500):
    """The recovery scan (services.recover, the gs_exchange.scan task) over every front-end database and the
    shadow table: with nothing lost, after `lost` 受理 callbacks were written into the front-end databases
    with their notification lost (taken in by the scan), and again with nothing lost."""
    from domains.gov_services.exchange import services as exchange
    from domains.gov_services.exchange.frontdb import FrontDB
    from domains.gov_services.exchange.models import DepartmentSystem
    from integrations.department_sim.simulator import Department
    from kernel.accounts.models import User

    front_rows = 0
    for system in DepartmentSystem.objects.filter(active=True):
        with connection.cursor() as c:
            c.execute(f'SELECT count(*) FROM "{FrontDB(system.code).schema}".front_callback')
            front_rows += c.fetchone()[0]
    print(f"\nOne-window recovery scan: {_gs_sizes()}, {front_rows:,} callback rows in the front-end databases")
    print(f"{'scan':<44}{'seconds':>9}{'applied':>9}{'renotified':>11}{'CPU s: python':>15}{'db':>7}")

    def run(label):
        cpu0, started = _gs_cpu(), time.perf_counter()
        counts = exchange.recover()
        seconds, cpu1 = time.perf_counter() - started, _gs_cpu()
        print(f"{label:<44}{seconds:>9.2f}{counts['applied']:>9,}{counts['renotified']:>11,}"
              f"{cpu1['python'] - cpu0['python']:>15.1f}{cpu1['db'] - cpu0['db']:>7.1f}", flush=True)
        return seconds, counts

    run("nothing lost")
    cases = _gs_accepted(lost)
    clerk = User.objects.get(username="xn_window")
    for case in cases:  # dispatched normally, then the department's 受理 notification is lost
        shadow = exchange.dispatch(case, clerk)
        Department(shadow.system.code).progress(case.no, "accept", version=shadow.version, notify=False)
    seconds, counts = run(f"{len(cases):,} callbacks with notification lost")
    if counts["applied"] != len(cases):
        raise RuntimeError(f"the scan applied {counts['applied']} of {len(cases)} lost callbacks")
    run("re-scan, nothing lost")


# == social-insurance fee: the nightly reconciliation (issue 7) ============================================

class _TimedGateway:
    """The payment gateway, the time of its reconciliation file (fetched from the simulator and parsed) taken."""

    def __init__(self):
        from domains.si_fee.payments.services import gateway

        self.gw, self.seconds, self.lines = gateway(), 0.0, 0

    def reconciliation(self, day):
        started = time.perf_counter()
        lines = self.gw.reconciliation(day)
        self.seconds, self.lines = time.perf_counter() - started, len(lines)
        return lines


def _peak_mb():
    with open("/proc/self/status") as status:
        return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0) / 1024


def bench_si_reconcile():
    """reconcile(day) of the volume's reconciliation day (domains/si_fee/payments/demo_volume.py): the day's
    lines are put back to 已缴费 and its differences (with their warnings) removed first, so every run starts
    from the night before; then a first run and a re-run (nothing new), each with the alert scan."""
    from domains.si_fee.payments import demo_volume
    from domains.si_fee.payments.alerts import CODE
    from domains.si_fee.payments.models import ReconciliationDifference
    from domains.si_fee.payments.reconciliation import day_bounds, reconcile

    day = demo_volume.recon_day()
    if day is None:
        print("\nSI reconciliation: no volume seeded (seed_demo --scale > 1), skipped")
        return None
    start, end = day_bounds(day)
    with connection.cursor() as c:  # estimates: exact counts of 20,000,000 rows are scans of their own
        c.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relname IN "
                  "('si_payers_payer', 'si_pay_paymentorder', 'si_pay_paymentline')")
        est = dict(c.fetchall())
    rule_ids = list(AlertRule.objects.filter(code=CODE).values_list("pk", flat=True))
    if rule_ids:
        delete_warnings(rule_ids)
    with transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE si_pay_paymentline l SET status = 'paid' FROM si_pay_paymentorder o WHERE l.order_id = o.id "
                  "AND o.paid_at >= %s AND o.paid_at < %s AND o.order_no LIKE %s AND l.status IN ('remitted', 'stored')",
                  [start, end, f"{demo_volume.VOLUME_PREFIX}R%"])
        reset = c.rowcount
        c.execute("DELETE FROM workflow_transitionlog WHERE workflow = 'si_pay_recon_difference' AND object_id IN "
                  "(SELECT CAST(id AS varchar(20)) FROM si_pay_reconciliationdifference WHERE day = %s)", [day])
        ReconciliationDifference.all_objects.filter(day=day)._raw_delete(ReconciliationDifference.objects.db)
    print(f"\nSI nightly reconciliation of {day:%Y-%m-%d}: {est.get('si_payers_payer', 0):,} payers, "
          f"{est.get('si_pay_paymentorder', 0):,} orders, {est.get('si_pay_paymentline', 0):,} lines (estimates); "
          f"{reset:,} lines of the day reset to 已缴费")
    print(f"{'run':<12}{'seconds':>9}{'file s':>8}{'compare+update s':>18}{'scan s':>8}{'file lines':>12}"
          f"{'ours':>11}{'matched':>11}{'remitted':>10}{'stored':>9}{'missing':>9}{'extra':>7}{'amount':>8}"
          f"{'CPU s: python':>15}{'db':>7}")
    rows = []
    for label in ("first run", "re-run"):
        gw = _TimedGateway()
        cpu0, started = _gs_cpu(), time.perf_counter()
        run = reconcile(day, gw=gw)
        seconds, cpu1 = time.perf_counter() - started, _gs_cpu()
        if run.status != "done":
            raise RuntimeError(f"reconciliation failed: {run.error}")
        scan = seconds - run.duration_ms / 1000
        print(f"{label:<12}{seconds:>9.1f}{gw.seconds:>8.1f}{run.duration_ms / 1000 - gw.seconds:>18.1f}{scan:>8.1f}"
              f"{run.file_count:>12,}{run.our_count:>11,}{run.matched:>11,}{run.remitted_lines:>10,}"
              f"{run.stored_lines:>9,}{run.missing:>9,}{run.extra:>7,}{run.amount:>8,}"
              f"{cpu1['python'] - cpu0['python']:>15.1f}{cpu1['db'] - cpu0['db']:>7.1f}", flush=True)
        rows.append((label, seconds))
    print(f"peak memory of this process {_peak_mb():,.0f} MB; target < 120 s for 1,000,000 transactions")
    return rows


def bench_ops_scan():
    """O&M ticket SLA escalation (issue 8): both clock rules over every ticket. The warnings of the two rules
    and their notices (keyed ops_ticket:...), to-dos (sla:...) are removed first, so the first scan raises
    everything. SMS go to the outbox (delivered by the Celery worker in production: set CELERY_BROKER_URL to
    keep delivery out of the timing, as production does)."""
    from domains.ops.tickets.alerts import RESOLUTION_RULE, RESPONSE_RULE
    from domains.ops.tickets.models import Ticket

    codes = (RESPONSE_RULE, RESOLUTION_RULE)
    tickets = Ticket.all_objects.count()
    if not tickets:
        print("\nO&M SLA scan: no tickets seeded, skipped")
        return None
    for code in codes:
        definition(code).ensure_rule()
    delete_warnings(AlertRule.objects.filter(code__in=codes).values_list("pk", flat=True))
    with transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM notify_smsmessage WHERE idempotency_key LIKE 'ops_ticket:%%'")
        c.execute("DELETE FROM notify_inappmessage WHERE key LIKE 'ops_ticket:%%'")
        c.execute("DELETE FROM todos_todo WHERE key LIKE 'sla:%%'")
    running = Ticket.all_objects.filter(status__in=("new", "accepted", "assigned", "in_progress", "reopened")).count()
    broker = "queued (Celery broker)" if os.environ.get("CELERY_BROKER_URL") else "delivered in-process (eager)"
    print(f"\nO&M ticket SLA escalation: {len(codes)} rules over {tickets:,} tickets ({running:,} with a running "
          f"clock), PostgreSQL; SMS {broker}")
    print(f"{'scan':<34}{'seconds':>9}{'matched':>10}{'raised':>9}{'changed':>9}{'released':>9}{'tickets/s':>12}")
    started = time.perf_counter()
    matched = sum(definition(code).matches(definition(code).ensure_rule()).count() for code in codes)
    seconds = time.perf_counter() - started
    print(f"{'detection queries only':<34}{seconds:>9.2f}{matched:>10,}{'':>27}{tickets / seconds:>12,.0f}")
    rows = [("detection", seconds)]

    def run(label):
        began, totals = time.perf_counter(), {"matched": 0, "raised": 0, "changed": 0, "released": 0}
        for code in codes:
            st = scanner.scan(code)
            for k in totals:
                totals[k] += st.get(k, 0)
        secs = time.perf_counter() - began
        rows.append((label, secs))
        print(f"{label:<34}{secs:>9.2f}{totals['matched']:>10,}{totals['raised']:>9,}{totals['changed']:>9,}"
              f"{totals['released']:>9,}{tickets / secs:>12,.0f}", flush=True)

    run("first scan (all warnings new)")
    run("re-scan, nothing new")
    sms = connection.cursor()
    sms.execute("SELECT count(*) FROM notify_smsmessage WHERE idempotency_key LIKE 'ops_ticket:%%'")
    print(f"SMS queued by the scans: {sms.fetchone()[0]:,} (each notice once: the re-scan adds none)")
    return rows


def export_child(n):
    """Runs in a child process: export n rows, print seconds and peak RSS."""
    import tempfile

    from kernel.exports.excel import write_xlsx
    from kernel.org.views import ORG_COLUMNS

    qs = Organisation.objects.select_related("region").order_by("id")[:n]
    columns = [c for c in ORG_COLUMNS if c.default]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as fh:
        count = write_xlsx(fh, "机构", columns, qs.iterator(chunk_size=2000))
        size = fh.tell()
    seconds = time.perf_counter() - started
    # VmHWM: this process image's own peak. ru_maxrss would include the parent's size at fork,
    # which after the scans above is several hundred MB.
    with open("/proc/self/status") as status:
        peak_kb = next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), None)
    peak_mb = (peak_kb if peak_kb is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / 1024
    print(f"{count} {seconds:.2f} {peak_mb:.0f} {size}")


def bench_export(n=100_000):
    out = subprocess.run([sys.executable, __file__, "--export-child", str(n)], capture_output=True, text=True,
                         env=os.environ.copy(), check=True).stdout.split()
    count, seconds, peak, size = int(out[0]), float(out[1]), float(out[2]), int(out[3])
    print(f"\nExcel export: {count:,} rows, {seconds:.1f} s ({count / seconds:,.0f} rows/s), peak memory "
          f"{peak:.0f} MB (whole process, Django included), file {size / 1e6:.1f} MB; targets < 30 s, < 300 MB")
    return count, seconds, peak


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--export-child":
        export_child(int(sys.argv[2]))
    else:
        if connection.vendor != "postgresql":
            raise SystemExit("bench/engines.py runs against PostgreSQL: set DATABASE_URL")
        only = set(sys.argv[1:])  # e.g. `bench/engines.py hazard_scan`; nothing given: all
        for name, run in (("scan", bench_scan), ("hazard_scan", bench_hazard_scan), ("labor_scan", bench_labor_scan),
                          ("export", bench_export), ("gs_dispatch", bench_gs_dispatch),
                          ("gs_recovery", bench_gs_recovery), ("si_reconcile", bench_si_reconcile),
                          ("ops_scan", bench_ops_scan)):
            if not only or name in only:
                run()
