"""Benchmark harness: `make bench` (see bench/README.md).

Every step is restartable and idempotent:
1. create the PostgreSQL database if missing, migrate, seed the demo data at --scale
   (500 x scale enterprises) unless already there, VACUUM ANALYZE after seeding, collectstatic;
2. start gunicorn (sync workers) on a free loopback port with ZW_BENCH=1, DEBUG=0;
3. drive each scenario with the asyncio load client (bench/load.py);
4. print a table and write the figures to bench/results/<timestamp>.json.
gunicorn is stopped at the end, also on error, Ctrl-C or SIGTERM.
"""
import argparse
import asyncio
import dataclasses
import datetime
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: make `bench`, `config` and `kernel` importable

from bench import load  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/zhengwu_bench"
RESULTS_DIR = ROOT / "bench" / "results"
TARGET_RATIO, TARGET_P95_MS = 50.0, 200.0  # acceptance targets, reported, never asserted


def parse_args(argv=None):
    cores = os.cpu_count() or 1
    p = argparse.ArgumentParser(description="Seed, serve with gunicorn and load-test the platform.")
    p.add_argument("--scale", type=int, default=int(os.environ.get("BENCH_SCALE", "2000")),
                   help="seed_demo scale: 500 x scale enterprises (default 2000 = 1,000,000)")
    p.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    p.add_argument("--duration", type=float, default=20.0, help="measured seconds per scenario (default 20)")
    p.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds per scenario (default 3)")
    p.add_argument("--workers", type=int, default=2 * cores + 1,
                   help=f"gunicorn sync workers (default 2*cores+1 = {2 * cores + 1})")
    p.add_argument("--scenarios", default="bare,bare_auth,org_list,org_list_name,hazard_list,labor_stats,gs_cases",
                   help=f"comma-separated, from: {', '.join(load.SCENARIOS)}")
    p.add_argument("--skip-seed", action="store_true", help="do not check or seed the data (migrate still runs)")
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    args = p.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in args.scenarios if s not in load.SCENARIOS]
    if unknown:
        p.error(f"unknown scenario(s): {', '.join(unknown)}")
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        p.error("the benchmark needs a PostgreSQL DATABASE_URL")
    return args


def step(msg):
    print(f"==> {msg}", flush=True)


# --- 1. database ------------------------------------------------------------------------

def ensure_database(url):
    """CREATE DATABASE <name> unless it exists (connecting to the `postgres` maintenance db)."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    cfg = dj_database_url.parse(url)
    admin = {"dbname": "postgres", "user": cfg.get("USER") or None, "password": cfg.get("PASSWORD") or None,
             "host": cfg.get("HOST") or None, "port": cfg.get("PORT") or None}
    with psycopg.connect(**{k: v for k, v in admin.items() if v}, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (cfg["NAME"],)).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
        return True


def manage(*args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def setup_django(database_url):
    """Configure Django in this process (same settings as the server) for counts and seeding."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def data_size():
    from django.db import connection

    from kernel.org.models import Organisation

    with connection.cursor() as cursor:  # estimates (after ANALYZE): exact counts of 20,000,000 rows are scans
        cursor.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relname IN "
                       "('si_payers_payer', 'si_pay_paymentorder', 'si_pay_paymentline')")
        est = dict(cursor.fetchall())
    return {
        "organisations": Organisation.objects.count(),
        "enterprises": Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE).count(),
        "si_payers_est": est.get("si_payers_payer"), "si_orders_est": est.get("si_pay_paymentorder"),
        "si_lines_est": est.get("si_pay_paymentline"),
    }


def _equipment_seeded():
    from domains.special_equipment.equipment.models import Equipment

    return Equipment.all_objects.exists()


def _hazards_seeded():
    from domains.special_equipment.hazards.models import MajorHazard

    return MajorHazard.all_objects.filter(no__startswith="YHD").exists()


def path_params():
    """Values that scenario paths refer to by name (ids differ from one database to the next)."""
    from kernel.org.models import Region

    return {"county_450103": Region.objects.get(code="450103").pk}


def scenario_setup(names):
    """Per-scenario values read from the database (and resets) before gunicorn starts: {name: Scenario fields}."""
    out = {}
    if "si_pay" in names:
        out["si_pay"] = {"users": tuple(_si_prepare())}
    return out


def _si_prepare():
    """si_pay: the bench payers with an account (one a client); the orders an earlier run left open are closed
    through the payment service (their lines cancelled), so that every run finds all their payables free."""
    from domains.si_fee.payments import services
    from domains.si_fee.payments.demo_volume import bench_usernames
    from domains.si_fee.payments.models import PaymentOrder
    from kernel.accounts.models import User

    names = bench_usernames()
    users = sorted(User.objects.filter(username__in=names).values_list("username", flat=True), key=names.index)
    started = time.monotonic()
    closed = sum(services.finish_unpaid(order, "close", reason="基准测试复位") for order in PaymentOrder.objects.filter(
        payer__user__username__in=users, status="created").order_by("pk").iterator())
    print(f"    si_pay: {len(users)} bench payers; {closed:,} orders left open by an earlier run closed "
          f"({time.monotonic() - started:.1f}s)", flush=True)
    return users


def _labor_seeded():
    from domains.labor.monitoring.demo import VOLUME_PREFIX
    from domains.labor.monitoring.models import Project

    return Project.all_objects.filter(code__startswith=VOLUME_PREFIX).exists()


def _gov_services_seeded():
    from domains.gov_services.exchange.demo_volume import VOLUME_PREFIX
    from domains.gov_services.one_window.models import Case

    return Case.all_objects.filter(no__startswith=VOLUME_PREFIX).exists()


def _si_seeded(scale):
    """The SI-fee volume is complete for this scale (500 payers a unit, its reconciliation hooks written last)."""
    from domains.si_fee.payments.demo_volume import seeded

    return seeded(scale)


# Domain data that seed_demo adds beside the enterprises (each seeder skips what is already there).
DOMAIN_SEEDED = [_equipment_seeded, _hazards_seeded, _labor_seeded, _gov_services_seeded]


def ensure_seeded(scale):
    """Seed `seed_demo --scale N` unless the data is there. Returns the seeding seconds (None if skipped).

    seed_demo appends 500 x scale enterprises on every run, and an interrupted run leaves part of
    them (each COPY batch commits). So a partly seeded database is topped up to the target
    instead of being seeded again; all other demo seeders are idempotent.
    """
    from django.core.management import call_command
    from django.db import connection

    from kernel.accounts.models import User
    from kernel.org import demo
    from kernel.org.models import Organisation

    target = 500 * scale
    existing = Organisation.all_objects.filter(kind=Organisation.Kind.ENTERPRISE).count()
    has_user = User.objects.filter(username=load.DEMO_USER).exists()
    if existing >= target and has_user and all(done() for done in DOMAIN_SEEDED) and _si_seeded(scale):
        print(f"    {existing:,} enterprises already present (target {target:,}): no seeding")
        return None

    remaining = max(0, target - existing)
    original = demo.seed_enterprises
    if existing:
        print(f"    {existing:,} enterprises present: topping up {remaining:,} to reach {target:,}", flush=True)
        demo.seed_enterprises = lambda count, **kw: original(remaining, **kw)
    else:
        print(f"    seeding: seed_demo --scale {scale} ({target:,} enterprises)", flush=True)
    started = time.monotonic()
    try:
        call_command("seed_demo", scale=scale)
    finally:
        demo.seed_enterprises = original
    seconds = time.monotonic() - started
    print(f"    seeding time: {seconds:.1f}s", flush=True)

    # Bulk COPY leaves no planner statistics and no visibility map: analyse before measuring.
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"    VACUUM (ANALYZE): {time.monotonic() - started:.1f}s")
    return seconds


# --- 2. gunicorn --------------------------------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(database_url, workers, port):
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    if not gunicorn.exists():
        gunicorn = Path(sys.executable).parent / "gunicorn"
    env = os.environ.copy()
    env.update(DATABASE_URL=database_url, ZW_BENCH="1", DEBUG="0", SECRET_KEY="bench",
               ALLOWED_HOSTS="127.0.0.1", DB_CONN_MAX_AGE="600", DJANGO_SETTINGS_MODULE="config.settings")
    cmd = [str(gunicorn), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
           "--worker-class", "sync", "--timeout", "120", "--log-level", "warning"]
    print("    " + " ".join(cmd), flush=True)
    # Own session / process group, so the whole tree can be stopped with one killpg.
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)


def wait_ready(proc, base_url, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(base_url + "/bench/bare/", timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within {timeout:.0f}s")


def stop_gunicorn(proc):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


# --- CPU accounting -------------------------------------------------------------------------
# Where a request's CPU goes, from /proc: the gunicorn process tree (its session), the PostgreSQL
# server processes, and this load client. On a small machine the three share the cores, so the
# per-request CPU milliseconds say what throughput (and so what latency at N clients) is possible.

def _cpu_seconds(server_session):
    tick = os.sysconf("SC_CLK_TCK")
    out = {"app": 0.0, "db": 0.0}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        session, cpu = int(fields[3]), (int(fields[11]) + int(fields[12])) / tick
        if session == server_session:
            out["app"] += cpu
        elif comm == "postgres":
            out["db"] += cpu
    own = os.times()
    out["client"] = own.user + own.system
    return out


class CpuWindow:
    def __init__(self, server_session):
        self.session, self.start, self.end = server_session, None, None

    def callbacks(self):
        return (lambda: setattr(self, "start", _cpu_seconds(self.session)),
                lambda: setattr(self, "end", _cpu_seconds(self.session)))

    def per_request_ms(self, requests):
        if not (self.start and self.end and requests):
            return None
        return {k: round(1000 * (self.end[k] - self.start[k]) / requests, 2) for k in self.start}


# --- 4. report ----------------------------------------------------------------------------

def _fmt(v, spec=",.1f"):
    return "-" if v is None else format(v, spec)


def report(meta, results):
    by_name = {r.scenario: r for r in results}
    lines = [
        f"Zhengwu benchmark: {meta['data']['organisations']:,} organisations "
        f"({meta['data']['enterprises']:,} enterprises), PostgreSQL {meta['postgres']}"
        + (f"; SI fee ~{meta['data']['si_payers_est']:,} payers, ~{meta['data']['si_orders_est']:,} orders, "
           f"~{meta['data']['si_lines_est']:,} payment lines" if (meta['data'].get('si_lines_est') or 0) > 0 else ""),
        f"gunicorn {meta['workers']} sync workers, {meta['clients']} clients, {meta['duration']:g}s "
        f"(+{meta['warmup']:g}s warm-up), {meta['cpus']} CPUs",
        f"{'scenario':<15}{'requests':>10}{'errors':>8}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'CPU ms/req: app':>17}{'db':>6}{'client':>8}",
    ]
    for r in results:
        cpu = r.cpu_ms or {}
        lines.append(f"{r.scenario:<15}{r.requests:>10,}{r.errors:>8,}{_fmt(r.throughput):>10}"
                     f"{_fmt(r.p50_ms):>9}{_fmt(r.p95_ms):>9}{_fmt(r.p99_ms):>9}"
                     f"{_fmt(cpu.get('app')):>17}{_fmt(cpu.get('db')):>6}{_fmt(cpu.get('client')):>8}")
    ratio = None
    if "bare" in by_name and "org_list" in by_name and by_name["bare"].throughput:
        ratio = round(100 * by_name["org_list"].throughput / by_name["bare"].throughput, 1)
        p95 = by_name["org_list"].p95_ms
        lines.append(f"org_list / bare throughput: {ratio:.1f} % (target >= {TARGET_RATIO:g} %); "
                     f"org_list p95 {_fmt(p95)} ms (target < {TARGET_P95_MS:g} ms)")
    for r in results:
        if r.error_samples:
            lines.append(f"  {r.scenario} errors: {r.error_samples}")
    return "\n".join(lines), ratio


def postgres_version():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


# --- main ---------------------------------------------------------------------------------

def main(argv=None):
    args = parse_args(argv)
    # SIGTERM behaves like Ctrl-C: unwind through the finally below and stop gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # The manage.py subprocesses and this process use the same settings as the server.
    os.environ.update(DATABASE_URL=args.database_url, DEBUG="0")
    os.environ.setdefault("SECRET_KEY", "bench")

    step("database")
    if ensure_database(args.database_url):
        print(f"    created database from {args.database_url}")
    manage("migrate", "--noinput", "-v0")
    setup_django(args.database_url)
    seed_seconds = None
    if not args.skip_seed:
        step(f"data (scale {args.scale})")
        seed_seconds = ensure_seeded(args.scale)
    step("collectstatic")
    manage("collectstatic", "--noinput", "-v0")

    from django.db import connection

    meta = {
        "timestamp": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": git_commit(), "scale": args.scale, "data": data_size(), "postgres": postgres_version(),
        "seed_seconds": None if seed_seconds is None else round(seed_seconds, 1),
        "workers": args.workers, "clients": args.clients, "duration": args.duration, "warmup": args.warmup,
        "cpus": os.cpu_count(), "python": platform.python_version(),
    }
    params = path_params()
    setup = scenario_setup(args.scenarios)
    connection.close()  # nothing else of this process touches the database

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    step(f"gunicorn on {base_url}")
    proc = None
    results = []
    try:
        proc = start_gunicorn(args.database_url, args.workers, port)
        wait_ready(proc, base_url)
        for name in args.scenarios:
            scenario = load.SCENARIOS[name]
            scenario = dataclasses.replace(scenario, path=scenario.path.format(**params), **setup.get(name, {}))
            step(f"scenario {name}: {scenario.method} {scenario.path} ({scenario.note})")
            window = CpuWindow(os.getsid(proc.pid))
            res = asyncio.run(load.run_scenario(base_url, scenario, clients=args.clients,
                                                duration=args.duration, warmup=args.warmup,
                                                on_window=window.callbacks()))
            res.cpu_ms = window.per_request_ms(res.requests)
            print(f"    {res.requests:,} requests, {res.errors:,} errors, {res.throughput:,.1f} req/s, "
                  f"p95 {_fmt(res.p95_ms)} ms; CPU ms per request {res.cpu_ms}", flush=True)
            results.append(res)
    finally:
        stop_gunicorn(proc)

    table, ratio = report(meta, results)
    print()
    print(table)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"{datetime.datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    payload = {**meta, "scenarios": [r.as_dict() for r in results], "org_list_vs_bare_pct": ratio,
               "targets": {"org_list_vs_bare_pct_min": TARGET_RATIO, "org_list_p95_ms_max": TARGET_P95_MS}}
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    print(f"\nresults: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
