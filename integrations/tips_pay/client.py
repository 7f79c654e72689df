"""The HTTP adapter of the payment gateway (bank collection channel reporting to TIPS), PROTOCOL.md.

    gw = PayGateway()                      # PAY_GATEWAY_URL empty -> the local simulator, in-process
    r = gw.create_order(order_no=..., amount=Decimal("1261.56"), subject=..., notify_url=..., return_url=...,
                        expire_at=..., lines=[{"item": ..., "period": "2021-01", "amount": "630.78"}])
    r.cashier_url                          # where the payer's browser goes
    gw.query_order(order_no)               # -> OrderStatus (status PAID/CREATED/FAILED/CLOSED, bank serial...)
    gw.close_order(order_no)               # an unpaid order may no longer be paid
    gw.refund(order_no=..., refund_no=..., amount=Decimal(...), reason=...)
    gw.reconciliation(date)                # -> [ReconLine] of the day's file (上解 / 入库)
    gw.verify_agreement(agreement_no=..., kind="TRIPARTITE"|"BILATERAL", bank_code=..., account_no=...,
                        account_name=..., id_type=..., id_number=..., name=...)   # -> AgreementResult
    gw.query_agreement(agreement_no) / gw.terminate_agreement(agreement_no, reason=)  # -> AgreementResult
    gw.batch_deduct(batch_no=..., notify_url=..., items=[{"item_no", "order_no", "agreement_no", "id_type",
                    "id_number", "name", "insurance", "period", "amount": Decimal}])  # -> [DeductionResult]
    verify_callback(method, path, headers, body) -> reason or ""   # the gateway's signed callback

Every amount crosses the wire as a decimal string ("630.78") and comes back as a Decimal; a float is refused."""
import csv
import datetime
import io
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, urlencode, urlsplit

from django.conf import settings

from integrations.sms.gateway import UrllibTransport as _HttpTransport

from . import signing

SIMULATOR_BASE = "http://127.0.0.1/integrations/pay-sim"
SIM_PREFIX = "/integrations/pay-sim"


class PayGatewayError(Exception):
    def __init__(self, message, *, code="", temporary=True, status=None):
        super().__init__(message)
        self.code, self.temporary, self.status = code, temporary, status


def amount_text(value) -> str:
    """A Decimal as the protocol writes it: two decimals, no exponent."""
    if isinstance(value, float) or not isinstance(value, (Decimal, int, str)):
        raise TypeError("amounts are Decimals (or decimal strings), never floats")
    return f"{Decimal(value).quantize(Decimal('0.01')):f}"


def parse_amount(value) -> Decimal:
    if not isinstance(value, str):
        raise PayGatewayError(f"金额应为十进制字符串：{value!r}", code="BAD_AMOUNT", temporary=False)
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise PayGatewayError(f"金额格式错误：{value!r}", code="BAD_AMOUNT", temporary=False) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):  # NaN/Infinity would raise in quantize
        raise PayGatewayError(f"金额最多两位小数：{value!r}", code="BAD_AMOUNT", temporary=False)
    return amount


@dataclass
class CreatedOrder:
    order_no: str
    gateway_order_id: str
    cashier_url: str


@dataclass
class OrderStatus:
    order_no: str
    status: str  # CREATED / PAID / FAILED / CLOSED
    amount: Decimal
    bank_serial: str
    paid_at: datetime.datetime | None
    channel: str
    refunded: Decimal


@dataclass
class RefundResult:
    refund_no: str
    status: str  # REFUNDED
    amount: Decimal
    refunded_at: datetime.datetime | None


@dataclass
class ReconLine:
    order_no: str
    bank_serial: str
    amount: Decimal
    paid_at: datetime.datetime
    status: str  # 上解 / 入库


@dataclass
class AgreementResult:
    agreement_no: str
    status: str  # VERIFIED / FAILED / TERMINATED
    reason: str
    receipt_no: str
    answered_at: datetime.datetime | None
    channel: str


@dataclass
class DeductionResult:
    item_no: str
    order_no: str
    status: str  # DEDUCTED / FAILED
    amount: Decimal
    bank_serial: str
    deducted_at: datetime.datetime | None
    reason: str


def _dt(text):
    if not text:
        return None
    value = datetime.datetime.fromisoformat(text)
    if value.tzinfo is None:
        from django.utils import timezone

        value = timezone.make_aware(value)
    return value


class UrllibTransport(_HttpTransport):
    error_class, platform = PayGatewayError, "支付平台"


def default_transport(simulated):
    if simulated:
        from integrations.sms.gateway import WsgiTransport  # the same in-process WSGI call

        return WsgiTransport()
    return UrllibTransport()


class PayGateway:
    def __init__(self, base_url=None, secret=None, merchant_id=None, transport=None):
        configured = base_url if base_url is not None else settings.PAY_GATEWAY_URL
        self.simulated = not configured
        self.base_url = (configured or SIMULATOR_BASE).rstrip("/")
        self.secret = secret or settings.PAY_GATEWAY_SECRET
        self.merchant_id = merchant_id or settings.PAY_MERCHANT_ID
        self.transport = transport or default_transport(self.simulated)
        self.name = "simulator" if self.simulated else "http"

    # -- wire ------------------------------------------------------------------
    def _path_prefix(self):
        from urllib.parse import urlsplit

        return urlsplit(self.base_url).path.rstrip("/")

    def _call(self, method, path, *, body=None, query=None, raw=False):
        data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        full_path = self._path_prefix() + path
        headers = signing.sign(self.secret, self.merchant_id, method, full_path, query or "", data)
        headers["Content-Type"] = "application/json"
        url = self.base_url + path + (("?" + urlencode(query)) if query else "")
        status, payload = self.transport.request(method, url, headers, data)
        if raw and status == 200:
            return payload
        try:
            answer = json.loads(payload or b"{}")
        except ValueError:
            answer = {}
        if status != 200 or answer.get("code") != "OK":
            message = answer.get("message") or answer.get("code") or f"HTTP {status}"
            raise PayGatewayError(f"支付平台返回：{message}", code=answer.get("code", ""),
                                  temporary=status >= 500 or status == 429, status=status)
        return answer

    # -- operations ----------------------------------------------------------------
    def create_order(self, *, order_no, amount, subject, notify_url, return_url, expire_at, lines, payer_name=""):
        answer = self._call("POST", "/orders", body={
            "merchant_id": self.merchant_id, "order_no": order_no, "amount": amount_text(amount),
            "subject": subject, "payer_name": payer_name, "notify_url": notify_url, "return_url": return_url,
            "expire_at": expire_at.isoformat() if expire_at else "",
            "lines": [{**line, "amount": amount_text(line["amount"])} for line in lines]})
        cashier = answer["cashier_url"]
        if self.simulated:
            # The in-process simulator is mounted on our own site: its cashier is a path on the host the payer
            # is already on (the simulator sees only the loopback address it was called with).
            parts = urlsplit(cashier)
            cashier = parts.path + (f"?{parts.query}" if parts.query else "")
        return CreatedOrder(answer["order_no"], answer.get("gateway_order_id", ""), cashier)

    def query_order(self, order_no) -> OrderStatus:
        a = self._call("GET", f"/orders/{quote(order_no, safe='')}")
        return OrderStatus(a["order_no"], a["status"], parse_amount(a["amount"]), a.get("bank_serial", ""),
                           _dt(a.get("paid_at")), a.get("channel", ""), parse_amount(a.get("refunded", "0.00")))

    def close_order(self, order_no) -> str:
        return self._call("POST", f"/orders/{quote(order_no, safe='')}/close", body={})["status"]

    def refund(self, *, order_no, refund_no, amount, reason="") -> RefundResult:
        a = self._call("POST", "/refunds", body={"merchant_id": self.merchant_id, "order_no": order_no,
                                                 "refund_no": refund_no, "amount": amount_text(amount),
                                                 "reason": reason})
        return RefundResult(a["refund_no"], a["status"], parse_amount(a["amount"]), _dt(a.get("refunded_at")))

    def reconciliation(self, date: datetime.date) -> list[ReconLine]:
        data = self._call("GET", "/reconciliation", query={"date": date.isoformat()}, raw=True)
        return parse_reconciliation(data)

    # -- entrusted deduction (委托扣款): agreements and batch deduction ------------------------------
    def _agreement(self, a) -> AgreementResult:
        return AgreementResult(a["agreement_no"], a["status"], a.get("reason", ""), a.get("receipt_no", ""),
                               _dt(a.get("answered_at")), a.get("channel", ""))

    def verify_agreement(self, *, agreement_no, kind, bank_code, account_no, account_name, id_type, id_number,
                         name) -> AgreementResult:
        """协议验证: the bank checks account number and name (and the payer) and answers at once."""
        return self._agreement(self._call("POST", "/agreements/verify", body={
            "merchant_id": self.merchant_id, "agreement_no": agreement_no, "kind": kind, "bank_code": bank_code,
            "account_no": account_no, "account_name": account_name, "id_type": id_type, "id_number": id_number,
            "name": name}))

    def query_agreement(self, agreement_no) -> AgreementResult:
        return self._agreement(self._call("GET", f"/agreements/{quote(agreement_no, safe='')}"))

    def terminate_agreement(self, agreement_no, *, reason="") -> AgreementResult:
        return self._agreement(self._call("POST", f"/agreements/{quote(agreement_no, safe='')}/terminate",
                                          body={"merchant_id": self.merchant_id, "reason": reason}))

    def batch_deduct(self, *, batch_no, notify_url, items) -> list[DeductionResult]:
        """批量扣款: one result per item, DEDUCTED or FAILED; idempotent by item_no (a repeated item answers
        its first result and is never debited twice)."""
        a = self._call("POST", "/batch-deductions", body={
            "merchant_id": self.merchant_id, "batch_no": batch_no, "notify_url": notify_url,
            "items": [{**item, "amount": amount_text(item["amount"])} for item in items]})
        return [DeductionResult(r["item_no"], r.get("order_no", ""), r["status"], parse_amount(r["amount"]),
                                r.get("bank_serial", ""), _dt(r.get("deducted_at")), r.get("reason", ""))
                for r in a.get("results", [])]

    # -- the gateway calling us --------------------------------------------------------
    def verify_callback(self, method, path, headers, body) -> str:
        return signing.verify(self.secret, self.merchant_id, method, path, "", body, headers)


def parse_reconciliation(data: bytes) -> list[ReconLine]:
    """CSV lines (UTF-8, header row): order_no,bank_serial,amount,paid_at,status."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != 5 or row[4] not in ("上解", "入库"):
            raise PayGatewayError(f"对账文件第{n}行格式错误", code="BAD_FILE", temporary=False)
        out.append(ReconLine(row[0], row[1], parse_amount(row[2]), _dt(row[3]), row[4]))
    return out
