"""The HTTP adapter for the SMS platform (PROTOCOL.md)."""
import contextlib
import functools
import io
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.conf import settings

from .signing import signature


class GatewayError(Exception):
    def __init__(self, message, temporary=True):
        super().__init__(message)
        self.temporary = temporary


@dataclass
class Receipt:
    id: int
    message_id: str
    delivered: bool
    error: str


class UrllibTransport:
    """Real HTTP, with a timeout. An HTTP error status is an answer; no connection raises `error_class`
    (adapters of other platforms subclass it with their own error and name)."""

    error_class, platform = GatewayError, "短信平台"

    def __init__(self, timeout=10):
        self.timeout = timeout

    def request(self, method, url, headers, body):
        req = urllib.request.Request(url, data=body if method == "POST" else None, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise self.error_class(f"无法连接{self.platform}：{exc}") from exc


@functools.lru_cache(maxsize=1)
def _local_app():
    """The platform's own WSGI application, built once per process: building it scans the static files
    (whitenoise), about 0.1 s, which every simulated SMS used to pay."""
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


_depth = threading.local()


@contextlib.contextmanager
def _keep_connections():
    """Like Django's test client: a request made in-process must not close the caller's database connection
    (request_started/finished would, mid-transaction). Re-entrant: a simulator called in-process that
    calls us back in-process (payment callbacks) nests, and only the outermost call reconnects the
    handlers, after the outermost request has finished."""
    from django.core import signals
    from django.db import close_old_connections

    depth = getattr(_depth, "value", 0)
    if depth == 0:
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
    _depth.value = depth + 1
    try:
        yield
    finally:
        _depth.value = depth
        if depth == 0:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)


class WsgiTransport:
    """Calls a WSGI application in-process (the local simulator in demo and tests): the same
    request bytes and response parsing as over HTTP, without a socket."""

    def __init__(self, app=None):
        self._app = app

    @property
    def app(self):
        if self._app is None:
            self._app = _local_app()
        return self._app

    def request(self, method, url, headers, body):
        parts = urlsplit(url)
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": parts.path, "QUERY_STRING": parts.query,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(body or b""), "wsgi.url_scheme": "http",
            "wsgi.errors": io.StringIO(), "wsgi.version": (1, 0), "wsgi.multithread": True,
            "wsgi.multiprocess": False, "wsgi.run_once": False, "CONTENT_LENGTH": str(len(body or b"")),
            "CONTENT_TYPE": headers.get("Content-Type", ""),
        }
        for name, value in headers.items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        status_holder = {}

        def start_response(status, response_headers, exc_info=None):
            status_holder["status"] = int(status.split()[0])

        with _keep_connections():
            chunks = self.app(environ, start_response)
            try:
                data = b"".join(chunks)
            finally:
                if hasattr(chunks, "close"):
                    chunks.close()
        return status_holder["status"], data


class HttpSmsGateway:
    name = "http"

    def __init__(self, base_url=None, secret=None, transport=None):
        configured = base_url if base_url is not None else settings.SMS_GATEWAY_URL
        self.simulated = not configured
        self.base_url = (configured or "http://127.0.0.1/integrations/sms-sim").rstrip("/")
        self.secret = secret or settings.SMS_GATEWAY_SECRET
        self.transport = transport or (WsgiTransport() if self.simulated else UrllibTransport())
        if self.simulated:
            self.name = "simulator"

    def _call(self, method, path, body=b"", query=None):
        ts = str(int(time.time()))
        headers = {"X-Timestamp": ts, "X-Signature": signature(self.secret, ts, method, path, body),
                   "Content-Type": "application/json"}
        return headers, self.base_url + path + (("?" + urlencode(query)) if query else "")

    def send(self, *, phone, content, template_code, params, idempotency_key) -> str:
        body = json.dumps({"phone": phone, "sign_name": settings.SMS_SIGN_NAME, "template_code": template_code,
                           "params": params, "content": content}, ensure_ascii=False).encode()
        headers, url = self._call("POST", "/send", body)
        headers["X-Idempotency-Key"] = idempotency_key
        status, data = self.transport.request("POST", url, headers, body)
        payload = _json(data)
        if status == 200 and payload.get("code") == "OK" and payload.get("message_id"):
            return payload["message_id"]
        message = payload.get("message") or payload.get("code") or f"HTTP {status}"
        raise GatewayError(f"短信平台返回：{message}", temporary=status == 429 or status >= 500)

    def receipts(self, since: int) -> list[Receipt]:
        headers, url = self._call("GET", "/receipts", query={"since": since})
        status, data = self.transport.request("GET", url, headers, b"")
        if status != 200:
            raise GatewayError(f"获取回执失败：HTTP {status}")
        return [Receipt(r["id"], r["message_id"], r["status"] == "DELIVERED", r.get("error", ""))
                for r in _json(data).get("receipts", [])]


def _json(data):
    try:
        return json.loads(data or b"{}")
    except ValueError:
        return {}
