"""Fixtures of the inspection tests: a maintained system in Nanning, an engineer, and a real HTTP server on
loopback whose services answer 200, 503, or sleep, as a test sets them."""
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from domains.ops.contracts.models import MaintainedSystem
from kernel.core.testing import make_agency, make_staff

from ..reference import CHECKLISTS, RUN, TARGETS, VIEW

ENGINEER_PERMS = VIEW + RUN + TARGETS + CHECKLISTS + ["ops_inspections.view_target", "alerts.view_warning"]


@pytest.fixture
def system(db):
    return MaintainedSystem.objects.create(code="pension", name="养老系统", agency=make_agency("450100", "hrss"),
                                           components=[["应用服务器", 11]])


@pytest.fixture
def engineer(db):
    return make_staff("450100", ENGINEER_PERMS, username="nn_engineer", real_name="南宁工程师")


@pytest.fixture
def outsider(db):
    return make_staff("450200", ENGINEER_PERMS, username="lz_engineer")


class _Services:
    """The state of the fake services: path -> HTTP status (or a number of seconds to sleep before 200)."""

    def __init__(self):
        self.status = {}
        self.sleep = {}


@pytest.fixture
def http_services():
    """A threaded HTTP server on 127.0.0.1; `url(name)` is a service whose answer the test sets with
    `status[name] = 503` or `sleep[name] = 3`; unknown names answer 200."""
    state = _Services()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            name = self.path.strip("/")
            delay = state.sleep.get(name)
            if delay:
                time.sleep(delay)
            code = state.status.get(name, 200)
            body = f"service {name}: {code}".encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    state.url = lambda name: f"{base}/{name}"
    yield state
    server.shutdown()
    server.server_close()


def closed_port():
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
