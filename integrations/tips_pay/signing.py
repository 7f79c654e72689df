"""Request signing of the payment protocol (PROTOCOL.md): HMAC-SM3 over the platform's six-line string to
sign (kernel.interfaces.client: method, path, sorted query, timestamp, nonce, SM3 digest of the body)."""
import hmac
import time

from kernel.interfaces import client as zw

HEADER_MERCHANT = "X-Pay-Merchant"
HEADER_TIMESTAMP = "X-Pay-Timestamp"
HEADER_NONCE = "X-Pay-Nonce"
HEADER_SIGNATURE = "X-Pay-Signature"
TOLERANCE = 300


def sign(secret, merchant_id, method, path, query, body, *, now=None, nonce=None) -> dict:
    ts = str(int(now if now is not None else time.time()))
    nonce = nonce or zw.new_nonce()
    text = zw.string_to_sign(method, path, query, ts, nonce, body, zw.HMAC_SM3)
    return {HEADER_MERCHANT: merchant_id, HEADER_TIMESTAMP: ts, HEADER_NONCE: nonce,
            HEADER_SIGNATURE: zw.signature(secret, text, zw.HMAC_SM3)}


def verify(secret, merchant_id, method, path, query, body, headers) -> str:
    """"" if `headers` (a mapping, case as sent) sign this request under `secret`, else the reason."""
    get = headers.get
    if get(HEADER_MERCHANT, "") != merchant_id:
        return "unknown_merchant"
    ts, nonce, given = get(HEADER_TIMESTAMP, ""), get(HEADER_NONCE, ""), get(HEADER_SIGNATURE, "")
    if not ts.isdigit() or abs(time.time() - int(ts)) > TOLERANCE:
        return "stale"
    if not (16 <= len(nonce) <= 64):
        return "bad_nonce"
    text = zw.string_to_sign(method, path, query, ts, nonce, body, zw.HMAC_SM3)
    if not hmac.compare_digest(zw.signature(secret, text, zw.HMAC_SM3), given.lower()):
        return "bad_signature"
    return ""
