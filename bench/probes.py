"""Inspection probe cycle over 200 monitored targets on loopback (issue 8 benchmark).

Starts N HTTP servers on 127.0.0.1, each on its own port (one threaded server per port), registers one HTTP
inspection target per server (the load-balanced address; --backends B adds B backend URLs on the same server),
and runs the inspection of a checklist over all of them through the service (domains.ops.inspections.services
.run_inspection): the probes in the thread pool, then the run, its results, the check points and the warning
scan in the database. Prints the cycle time and targets per second with the target count, per round.

    .venv/bin/python bench/probes.py                       # DATABASE_URL, or the SQLite default
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhengwu_bench .venv/bin/python bench/probes.py --rounds 5

Only loopback addresses are used; every server is stopped at the end."""
import argparse
import os
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ZW_DEV", "1")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

SYSTEM_CODE = "bench_probes"


class Ok(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):  # noqa: N802 (http.server's name)
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def start_servers(count):
    servers = []
    for _ in range(count):
        server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True, name="bench-http").start()
        servers.append(server)
    return servers


def prepare(servers, backends):
    """The bench system, its checklist and one target per server (reused across runs, URLs refreshed)."""
    from domains.ops.contracts.models import MaintainedSystem
    from domains.ops.inspections.models import Checklist, ChecklistItem, Target
    from kernel.org.models import Organisation, Region

    if not Region.objects.exists():
        call_command("load_reference", verbosity=0, stdout=open(os.devnull, "w"))
    region = Region.objects.get(code="450000")
    agency = (Organisation.objects.filter(region=region, kind="agency", agency_type="hrss").first()
              or Organisation.objects.create(name="基准测试人社厅", kind="agency", region=region, agency_type="hrss"))
    system, _ = MaintainedSystem.objects.get_or_create(code=SYSTEM_CODE, defaults={"name": "巡检基准系统",
                                                                                    "agency": agency})
    checklist, created = Checklist.objects.get_or_create(system=system, name="基准巡检", defaults={"frequency": "daily"})
    if created:
        ChecklistItem.objects.create(checklist=checklist, order=10, category="application", name="宕机服务数",
                                     method="probe", metric="http_down", operator="gt", threshold=5, level="yellow",
                                     action="启动预警响应措施")
        ChecklistItem.objects.create(checklist=checklist, order=20, category="application", name="服务响应时间",
                                     method="probe", metric="http_latency", operator="gt", threshold=None)
    existing = list(Target.objects.filter(system=system, kind="http").order_by("pk"))
    Target.objects.filter(pk__in=[t.pk for t in existing[len(servers):]]).update(enabled=False)
    for n, server in enumerate(servers):
        base = f"http://127.0.0.1:{server.server_address[1]}"
        fields = {"url": f"{base}/lb", "backends": [f"{base}/svc{i}" for i in range(backends)], "enabled": True,
                  "timeout_seconds": 5}
        if n < len(existing):
            Target.objects.filter(pk=existing[n].pk).update(**fields)
        else:
            Target.objects.create(system=system, kind="http", name=f"bench-{n + 1:03d}", **fields)
    return checklist


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=200)
    parser.add_argument("--backends", type=int, default=0, help="backend URLs per target besides its address")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="probe threads (default: the service's)")
    args = parser.parse_args()

    from domains.ops.inspections import probes, services
    from kernel.core import context

    call_command("migrate", verbosity=0, interactive=False)
    servers = start_servers(args.targets)
    try:
        checklist = prepare(servers, args.backends)
        urls = args.targets * (1 + args.backends)
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; targets: {args.targets}, "
              f"URLs probed per cycle: {urls}, probe threads: {args.workers or probes.MAX_WORKERS}, "
              f"machine cores: {os.cpu_count()}")
        print(f"{'round':>5} {'targets':>8} {'results':>8} {'down':>5} {'probe s':>8} {'cycle s':>8} {'targets/s':>10}")
        cycles = []
        with context.bind(context.RequestContext()):
            for n in range(1, args.rounds + 1):
                started = time.perf_counter()
                run = services.run_inspection(checklist, None, workers=args.workers)
                cycle = time.perf_counter() - started
                cycles.append(cycle)
                down = run.results.filter(item__metric="http_down", value__gt=0).count()
                print(f"{n:>5} {run.targets_probed:>8} {run.results.count():>8} {down:>5} {run.probe_seconds:>8.3f} "
                      f"{cycle:>8.3f} {run.targets_probed / cycle:>10.1f}")
                if run.targets_probed != args.targets or run.failed:
                    raise SystemExit(f"expected {args.targets} reachable targets, got {run.targets_probed} "
                                     f"with {run.failed} failed results")
        best, median = min(cycles), statistics.median(cycles)
        print(f"probe cycle over {args.targets} targets: median {median:.3f} s ({args.targets / median:.1f} targets/s), "
              f"best {best:.3f} s ({args.targets / best:.1f} targets/s)")
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    main()
