"""The signing primitives: HMAC-SM3 against published vectors and an independent construction,
and the canonical string to sign."""
import pytest
from gmssl import func, sm3

from kernel.interfaces.client import (
    HMAC_SHA256,
    HMAC_SM3,
    body_digest,
    canonical_path,
    canonical_query,
    hmac_hex,
    sign_request,
    string_to_sign,
)

# GM/T 0042-2015 Appendix D.3 (as in OpenSSL's test/recipes/30-test_evp_data/evpmac_sm3.txt) and the
# RFC 4231-shaped cases published with them.
SM3_HMAC_VECTORS = [
    (bytes(range(1, 33)), b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" * 2,
     "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a"),
    (bytes(range(1, 38)), b"\xcd" * 50, "220bf579ded555393f0159f66c99877822a3ecf610d1552154b41d44b94db3ae"),
    (b"\x0b" * 32, b"Hi There", "c0ba18c68b90c88bc07de794bfc7d2c8d19ec31ed8773bc2b390c9604e0be11e"),
    (b"Jefe", b"what do ya want for nothing?", "2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882"),
]


def gmssl_hmac_sm3(key: bytes, message: bytes) -> str:
    """HMAC (RFC 2104) built by hand over gmssl's pure-Python SM3: block 64 bytes, ipad 0x36, opad 0x5c."""
    def sm3_bytes(data: bytes) -> bytes:
        return bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(data)))

    if len(key) > 64:
        key = sm3_bytes(key)
    key = key.ljust(64, b"\x00")
    inner = sm3_bytes(bytes(k ^ 0x36 for k in key) + message)
    return sm3_bytes(bytes(k ^ 0x5C for k in key) + inner).hex()


@pytest.mark.parametrize("key,message,expected", SM3_HMAC_VECTORS)
def test_hmac_sm3_matches_the_published_vectors(key, message, expected):
    assert hmac_hex(key, message, HMAC_SM3) == expected
    assert gmssl_hmac_sm3(key, message) == expected


@pytest.mark.parametrize("key", [b"k", b"secret-key-0123456789", b"\xaa" * 64, b"\xaa" * 131])
def test_hmac_sm3_agrees_with_a_manual_construction_over_gmssl(key):
    message = "POST\n/api/inbound/org.enterprise_upsert/\n\n1767225600\nnonce\n广西".encode()
    assert hmac_hex(key, message, HMAC_SM3) == gmssl_hmac_sm3(key, message)


def test_sm3_digest_of_abc_is_the_standard_one():
    # GB/T 32905-2016 example 1
    assert body_digest(b"abc", HMAC_SM3) == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert body_digest(b"", HMAC_SHA256) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_hmac_sha256_matches_rfc_4231_case_2():
    assert hmac_hex(b"Jefe", b"what do ya want for nothing?", HMAC_SHA256) == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")


def test_canonical_query_sorts_and_encodes():
    # pairs are sorted after encoding, in byte order ("%" sorts before digits)
    assert canonical_query("b=2&a=1&a=%E5%8D%97%E5%AE%81&empty=") == "a=%E5%8D%97%E5%AE%81&a=1&b=2&empty="
    assert canonical_query({"b": "2", "a": ["1", "南宁"], "empty": ""}) == "a=%E5%8D%97%E5%AE%81&a=1&b=2&empty="
    assert canonical_query([("q", "a b+c")]) == "q=a%20b%2Bc"
    assert canonical_query("q=a+b") == "q=a%20b"  # '+' in a query string is a space
    assert canonical_query("") == canonical_query(None) == ""


def test_canonical_path_is_idempotent_on_encoded_paths():
    assert canonical_path("/api/org/organisations/") == "/api/org/organisations/"
    assert canonical_path("/api/文件/") == canonical_path("/api/%E6%96%87%E4%BB%B6/") == "/api/%E6%96%87%E4%BB%B6/"


def test_string_to_sign_layout():
    text = string_to_sign("post", "/api/x/", "b=1&a=2", 1767225600, "n" * 16, b"{}", HMAC_SHA256)
    assert text.split("\n") == ["POST", "/api/x/", "a=2&b=1", "1767225600", "n" * 16,
                                "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"]


def test_sign_request_defaults_to_now_and_a_fresh_nonce():
    a = sign_request("GET", "/api/x/", "", b"", "zwkey", "secret")
    b = sign_request("GET", "/api/x/", "", b"", "zwkey", "secret")
    assert a["X-ZW-Nonce"] != b["X-ZW-Nonce"] and len(a["X-ZW-Nonce"]) == 32
    assert set(a) == {"X-ZW-Key", "X-ZW-Timestamp", "X-ZW-Nonce", "X-ZW-Signature"}
    with pytest.raises(ValueError):
        sign_request("GET", "/api/x/", "", b"", "zwkey", "secret", algorithm="HMAC-MD5")
