"""The HTTP adapter of the city node (PROTOCOL.md): POST an envelope to {CITY_NODE_URL}/report.

    answer = CityNodeClient().report(envelope)   # -> Answer(status, code, message, errors, receipt_no, duplicate)

A connection failure raises CityNodeError (temporary: retry later); any HTTP answer is returned, the caller
decides (code OK: delivered; 5xx: retry; 4xx: refused, needs a person)."""
import json
from dataclasses import dataclass, field

from integrations.sms.gateway import UrllibTransport as _HttpTransport

from .conf import SIMULATOR_BASE, city_node_url


class CityNodeError(Exception):
    pass


class UrllibTransport(_HttpTransport):
    error_class, platform = CityNodeError, "市运维交换监管系统"


@dataclass
class Answer:
    status: int
    code: str
    message: str
    errors: dict = field(default_factory=dict)
    receipt_no: str = ""
    duplicate: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.code == "OK"

    @property
    def temporary(self) -> bool:
        """Worth retrying without a person: the city's side failed, not the message."""
        return self.status >= 500 or self.status in (408, 429)


class CityNodeClient:
    def __init__(self, base_url=None, transport=None, timeout=15):
        configured = base_url if base_url is not None else city_node_url()
        self.simulated = not configured
        self.base_url = (configured or SIMULATOR_BASE).rstrip("/")
        if transport is None:
            if self.simulated:
                from integrations.sms.gateway import WsgiTransport

                transport = WsgiTransport()
            else:
                transport = UrllibTransport(timeout=timeout)
        self.transport = transport

    def report(self, envelope: dict) -> Answer:
        body = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
        status, data = self.transport.request("POST", self.base_url + "/report",
                                              {"Content-Type": "application/json; charset=utf-8"}, body)
        try:
            answer = json.loads(data or b"{}")
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        return Answer(status=status, code=str(answer.get("code") or f"HTTP_{status}"),
                      message=str(answer.get("message") or (data or b"")[:200].decode("utf-8", "replace")),
                      errors=answer.get("errors") if isinstance(answer.get("errors"), dict) else {},
                      receipt_no=str(answer.get("receipt_no") or ""), duplicate=bool(answer.get("duplicate")))
