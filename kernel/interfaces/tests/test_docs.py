"""The worked examples of docs/open-interfaces.md are computed, not typed: recompute them here."""
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from kernel.interfaces.client import HMAC_SHA256, HMAC_SM3, body_digest, sign_request, string_to_sign

DOC = Path(settings.BASE_DIR) / "docs" / "open-interfaces.md"
KEY_ID = "zw5d2c8e41f0a9b7c3d6e2f18a"
SECRET = "V3q9xJm2Rk7LpT4wZc8NbH1sYd6FgA0eUo5iKr3nQvM"
PATH = "/api/inbound/org.enterprise_upsert/"
NOW, NONCE = 1767225600, "4f1c9a7e2b6d8053a1e9c7b4d2f06a18"


def block(marker):
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"<!-- example:{marker} -->\n```[a-z]*\n(.*?)\n```", text, re.S)
    assert match, marker
    return match.group(1)


def documented_body():
    return block("sm3:request").split("\n\n", 1)[1].encode("utf-8")


def test_sm3_example():
    body = documented_body()
    assert len(body) == 194 and body_digest(body, HMAC_SM3) == "c2e48a18cb148b66784b1658811989c6d33852e4aa3023827ed540ffd151cd27"
    assert string_to_sign("POST", PATH, "", NOW, NONCE, body, HMAC_SM3) == block("sm3:string")
    headers = sign_request("POST", PATH, "", body, KEY_ID, SECRET, HMAC_SM3, now=NOW, nonce=NONCE)
    request = block("sm3:request")
    for name, value in headers.items():
        assert f"{name}: {value}\n" in request


def test_sha256_variant():
    text = DOC.read_text(encoding="utf-8")
    body = documented_body()
    headers = sign_request("POST", PATH, "", body, KEY_ID, SECRET, HMAC_SHA256, now=NOW, nonce=NONCE)
    assert f"`{body_digest(body, HMAC_SHA256)}`" in text and f"`{headers['X-ZW-Signature']}`" in text


def test_get_example():
    text = DOC.read_text(encoding="utf-8")
    nonce = "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"
    assert string_to_sign("GET", "/api/org/organisations/", "region=450103&page=2&name=建设", NOW, nonce, b"",
                          HMAC_SM3) == block("get:string")
    headers = sign_request("GET", "/api/org/organisations/", "region=450103&page=2&name=建设", b"", KEY_ID, SECRET,
                           now=NOW, nonce=nonce)
    assert f"signature is `{headers['X-ZW-Signature']}`" in text


def test_openssl_agrees_with_the_example():
    """The OpenSSL recipe of the doc gives the same signature (skipped where openssl lacks SM3)."""
    try:
        probe = subprocess.run(["openssl", "dgst", "-sm3"], input=b"", capture_output=True, timeout=10)
    except FileNotFoundError:
        pytest.skip("openssl not installed")
    if probe.returncode != 0:
        pytest.skip("this openssl has no SM3")
    out = subprocess.run(["openssl", "dgst", "-sm3", "-hmac", SECRET, "-r"], input=block("sm3:string").encode(),
                         capture_output=True, timeout=10, check=True).stdout.decode()
    assert out.split()[0] == "2d80ed605816b0e81754bbc127b1a15475386a1d4357c92a8bf59e064e975762"
