"""A department business system in miniature (demo, tests): it receives the one-window platform's
dispatch notifications, reads the case from its front-end database and progresses it through
补正补齐 → 受理 → 办结 by writing front_callback rows and calling the platform back, exactly as a real
department adapter would (docs/gov-services-exchange.md). No Django models: its only storage is the
front-end database it shares with the platform, plus an in-memory inbox."""
import base64
import hmac
import json
import time
from urllib.parse import urlsplit

from kernel.interfaces import client as signing

# Failure injection: code -> number of next notifications answered 503 (the notification "is lost").
FAIL_NEXT: dict[str, int] = {}
# What each simulated department received: code -> [notification dicts].
INBOX: dict[str, list] = {}

RESULT_PDF = (b"%PDF-1.4\n%result\n1 0 obj<< /Type /Catalog >>endobj\n"
              b"trailer<< /Root 1 0 R >>\n%%EOF\n")


def _platform_key():
    from domains.gov_services.exchange.services import key_id

    return key_id()


def _system(code):
    from domains.gov_services.exchange.models import DepartmentSystem

    return DepartmentSystem.objects.get(code=code)


def handle_notify(code, path, headers, body):
    """The department's notification endpoint: verify the platform's signature, read the case from the
    front-end database, acknowledge. Returns (HTTP status, JSON bytes)."""
    from domains.gov_services.exchange.frontdb import FrontDB

    def answer(status, **data):
        return status, json.dumps(data, ensure_ascii=False).encode()

    if FAIL_NEXT.get(code):
        FAIL_NEXT[code] -= 1
        return answer(503, code="UNAVAILABLE", message="模拟故障")
    ts, nonce = headers.get(signing.HEADER_TIMESTAMP, ""), headers.get(signing.HEADER_NONCE, "")
    if headers.get(signing.HEADER_KEY) != _platform_key() or not ts.isdigit() or abs(time.time() - int(ts)) > 300:
        return answer(401, code="BAD_SIGNATURE")
    expected = signing.signature(_system(code).secret, signing.string_to_sign("POST", path, "", ts, nonce, body))
    if not hmac.compare_digest(expected, headers.get(signing.HEADER_SIGNATURE, "")):
        return answer(401, code="BAD_SIGNATURE")
    try:
        message = json.loads(body)
        row = FrontDB(code).read_case(message["sbh"], int(message["version"]))
    except (ValueError, KeyError, TypeError):
        return answer(400, code="INVALID_REQUEST")
    if row is None:
        return answer(404, code="NOT_IN_FRONTDB", message="前置库中没有该办件")
    FrontDB(code).mark_case(row["sbh"], row["version"], "received")
    INBOX.setdefault(code, []).append(message)
    return answer(200, code="OK")


class LocalTransport:
    """Delivers "sim://<code>/<path>" notifications to handle_notify in-process."""

    def request(self, method, url, headers, body):
        parts = urlsplit(url)
        return handle_notify(parts.netloc, parts.path, headers, body)


class Department:
    """The simulated department `code`: progress(sbh, stage) writes the callback row and notifies the
    platform (signed with the shared secret) at callback_url through `transport`."""

    def __init__(self, code, *, secret=None, callback_url=None, transport=None):
        from domains.gov_services.exchange.services import CALLBACK_PATH

        self.code = code
        self.secret = secret or _system(code).secret
        self.callback_url = callback_url or "http://127.0.0.1" + CALLBACK_PATH
        if transport is None:
            from integrations.sms.gateway import WsgiTransport

            transport = WsgiTransport()
        self.transport = transport

    @property
    def db(self):
        from domains.gov_services.exchange.frontdb import FrontDB

        return FrontDB(self.code)

    def current_version(self, sbh):
        version = self.db.latest_version(sbh)
        if version is None:
            raise LookupError(f"前置库中没有申报号{sbh}")
        return version

    def progress(self, sbh, stage, *, opinion="", result_file=None, version=None, notify=True):
        """Write stage `stage` of the case into the front-end DB (with a small result file at 办结) and,
        unless notify=False (a lost notification), call the platform back."""
        version = version or self.current_version(sbh)
        files = []
        if result_file is not None or stage == "complete":
            name, content = result_file or (f"{sbh}-结果.pdf", RESULT_PDF)
            files.append({"name": name, "content_base64": base64.b64encode(content).decode()})
        self.db.write_callback(sbh, version, stage, {"opinion": opinion, "operator": f"{self.code}审批员"}, files)
        if notify:
            return self.call_back(sbh, version, stage)
        return None

    def call_back(self, sbh, version, stage, *, secret=None, nonce=None):
        body = json.dumps({"sbh": sbh, "version": version, "stage": stage}, ensure_ascii=False).encode()
        headers = signing.sign_request("POST", urlsplit(self.callback_url).path, "", body, self.code,
                                       secret or self.secret, nonce=nonce)
        headers["Content-Type"] = "application/json"
        status, data = self.transport.request("POST", self.callback_url, headers, body)
        try:
            return status, json.loads(data or b"{}")
        except ValueError:
            return status, {}
