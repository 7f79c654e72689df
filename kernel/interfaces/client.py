"""Signing requests to the platform's open interfaces (HMAC-SM3 / HMAC-SHA256).

This module depends only on the standard library and `cryptography`, so an integration (or another
government system written in Python) can copy it as is. The server (kernel/interfaces/auth.py)
computes the same string to sign with the same functions.

String to sign: six lines joined by "\\n" (no trailing newline):

    METHOD            upper case, e.g. POST
    PATH              the URL path, percent-encoded as in the request line, e.g. /api/inbound/org.enterprise_upsert/
    QUERY             the query parameters, each name and value percent-encoded as UTF-8 (RFC 3986: only
                      A-Z a-z 0-9 - _ . ~ kept; a space is %20), sorted by encoded name then encoded value
                      (byte order), joined as name=value&name=value; empty if none
    TIMESTAMP         unix seconds, the X-ZW-Timestamp header
    NONCE             16 to 64 characters [A-Za-z0-9_-], the X-ZW-Nonce header, never reused
    BODY_DIGEST       lower-case hex digest of the raw body bytes: SM3 for HMAC-SM3, SHA-256 for HMAC-SHA256
                      (the digest of the empty string when there is no body)

Signature: lower-case hex HMAC of the string to sign (UTF-8), keyed with the client secret (UTF-8).

    headers = sign_request("POST", "/api/inbound/org.enterprise_upsert/", "", body, key_id, secret)
"""
import secrets
import time
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, quote, unquote

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

HMAC_SM3 = "HMAC-SM3"
HMAC_SHA256 = "HMAC-SHA256"
ALGORITHMS = (HMAC_SM3, HMAC_SHA256)

HEADER_KEY = "X-ZW-Key"
HEADER_TIMESTAMP = "X-ZW-Timestamp"
HEADER_NONCE = "X-ZW-Nonce"
HEADER_SIGNATURE = "X-ZW-Signature"
HEADER_MESSAGE_ID = "X-ZW-Message-Id"

# Django's escape_uri_path() keeps the same characters, so the server re-encodes a path identically.
_PATH_SAFE = "/:@&+$,-_.!~*'()"


def _hash(algorithm: str):
    if algorithm == HMAC_SM3:
        return hashes.SM3()
    if algorithm == HMAC_SHA256:
        return hashes.SHA256()
    raise ValueError(f"unsupported algorithm {algorithm!r}; use one of {ALGORITHMS}")


def _bytes(value) -> bytes:
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(value)


def body_digest(body, algorithm: str = HMAC_SM3) -> str:
    """Hex digest of the raw body (SM3 for HMAC-SM3, SHA-256 for HMAC-SHA256)."""
    digest = hashes.Hash(_hash(algorithm))
    digest.update(_bytes(body))
    return digest.finalize().hex()


def hmac_hex(key, message, algorithm: str = HMAC_SM3) -> str:
    mac = crypto_hmac.HMAC(_bytes(key), _hash(algorithm))
    mac.update(_bytes(message))
    return mac.finalize().hex()


def canonical_path(path: str) -> str:
    """The path percent-encoded the way it travels; an already encoded path stays the same."""
    return quote(unquote(path or "/"), safe=_PATH_SAFE)


def canonical_query(query) -> str:
    """Sorted, percent-encoded query string. `query` may be a raw query string (with or without
    the leading "?"), a mapping (a value may be a list), or an iterable of (name, value) pairs."""
    if not query:
        return ""
    if isinstance(query, (bytes, str)):
        text = query.decode("utf-8") if isinstance(query, bytes) else query
        pairs = parse_qsl(text.lstrip("?"), keep_blank_values=True)
    elif isinstance(query, Mapping) or hasattr(query, "lists"):
        items = query.lists() if hasattr(query, "lists") else query.items()
        pairs = []
        for name, value in items:
            values = value if isinstance(value, (list, tuple)) else [value]
            pairs.extend((name, v) for v in values)
    elif isinstance(query, Iterable):
        pairs = list(query)
    else:
        raise TypeError("query must be a string, a mapping or (name, value) pairs")
    encoded = sorted((quote(str(k), safe="-_.~"), quote("" if v is None else str(v), safe="-_.~")) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def string_to_sign(method: str, path: str, query, timestamp, nonce: str, body, algorithm: str = HMAC_SM3) -> str:
    return "\n".join([
        method.upper(),
        canonical_path(path),
        canonical_query(query),
        str(int(timestamp)),
        nonce,
        body_digest(body, algorithm),
    ])


def signature(secret: str, text: str, algorithm: str = HMAC_SM3) -> str:
    return hmac_hex(secret, text, algorithm)


def new_nonce() -> str:
    return secrets.token_hex(16)


def sign_request(method, path, query, body, key_id, secret, algorithm=HMAC_SM3, now=None, nonce=None) -> dict:
    """The four signature headers for one request.

    method/path/query/body are exactly what will be sent (body as bytes or str; a str is sent as
    UTF-8). `now` (unix seconds) and `nonce` default to the current time and a fresh random nonce.
    """
    timestamp = int(time.time() if now is None else now)
    nonce = nonce or new_nonce()
    text = string_to_sign(method, path, query, timestamp, nonce, body, algorithm)
    return {
        HEADER_KEY: key_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature(secret, text, algorithm),
    }
