"""The national algorithms the city-node protocol uses (PROTOCOL.md): SM2 (GM/T 0003) for the key envelope and
the signature, SM3 for digests, SM4-GCM for the payload.

SM2 comes from gmssl (pure Python: a few milliseconds an operation, which is why only a 16-byte key goes
through it); SM3 and SM4 come from `cryptography` (OpenSSL). gmssl 3.2.2 is used with care:
- its encrypt and sign draw their random k from `random` (not a CSPRNG): here k always comes from `secrets`;
- its decrypt never compares C3 (the SM3 check value) with the plaintext: here it does, so a flipped byte of
  an SM2 ciphertext is refused instead of decrypting to a wrong key;
- its constructor strips every leading "0"/"4" of a public key that starts with "04": keys are set after it;
- ciphertexts are C1‖C3‖C2 (the order of GM/T 0009-2012), C1 uncompressed without the 04 prefix.
Keys are hex strings: a private key 64 hex digits, a public key 128 (x‖y, no 04 prefix)."""
import hmac
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmssl import sm2, sm3

_TABLE = sm2.default_ecc_table
_N = int(_TABLE["n"], 16)
_P = int(_TABLE["p"], 16)
_A = int(_TABLE["a"], 16)
_B = int(_TABLE["b"], 16)
HEX = set("0123456789abcdefABCDEF")


class CryptoError(Exception):
    """A ciphertext, key or signature that does not check out."""


def _k() -> str:
    return "%064x" % (secrets.randbelow(_N - 1) + 1)


def _crypt(private_key="", public_key="") -> sm2.CryptSM2:
    c = sm2.CryptSM2(private_key=private_key, public_key="", mode=1)
    c.public_key = public_key  # set after the constructor: see the module note on its "04" stripping
    return c


def is_hex(text: str, length: int) -> bool:
    return isinstance(text, str) and len(text) == length and set(text) <= HEX


def on_curve(public_key: str) -> bool:
    """A 128-hex-digit point on the SM2 curve (y² = x³ + ax + b mod p)."""
    if not is_hex(public_key, 128):
        return False
    x, y = int(public_key[:64], 16), int(public_key[64:], 16)
    return x < _P and y < _P and (y * y - (x * x * x + _A * x + _B)) % _P == 0


def generate_keypair() -> tuple[str, str]:
    """(private, public) hex: d uniformly in [1, n-2], P = dG."""
    d = secrets.randbelow(_N - 2) + 1
    private = "%064x" % d
    return private, _crypt(private)._kg(d, _TABLE["g"])


def public_of(private_key: str) -> str:
    return _crypt(private_key)._kg(int(private_key, 16), _TABLE["g"])


def sm2_encrypt(public_key: str, data: bytes) -> bytes:
    """C1‖C3‖C2 under `public_key`, with a fresh random k."""
    if not on_curve(public_key):
        raise CryptoError("SM2公钥格式错误或不在曲线上")
    c = _crypt(public_key=public_key)
    while True:
        k = int(_k(), 16)
        c1 = c._kg(k, _TABLE["g"])
        xy = c._kg(k, public_key)
        t = sm3.sm3_kdf(xy.encode("utf8"), len(data))
        if int(t, 16):
            break
    c2 = bytes(a ^ b for a, b in zip(data, bytes.fromhex(t), strict=True))
    c3 = sm3.sm3_hash(list(bytes.fromhex(xy[:64]) + data + bytes.fromhex(xy[64:])))
    return bytes.fromhex(c1 + c3) + c2


def sm2_decrypt(private_key: str, blob: bytes) -> bytes:
    """The plaintext of C1‖C3‖C2, or CryptoError when C1 is not a curve point or C3 does not match."""
    if len(blob) <= 96:
        raise CryptoError("SM2密文长度不足")
    c1, c3, c2 = blob[:64].hex(), blob[64:96].hex(), blob[96:]
    if not on_curve(c1):
        raise CryptoError("SM2密文C1不是曲线上的点")
    c = _crypt(private_key=private_key)
    try:
        xy = c._kg(int(private_key, 16), c1)
    except (TypeError, ValueError) as exc:
        raise CryptoError("SM2解密失败") from exc
    if not xy:
        raise CryptoError("SM2解密失败")
    t = sm3.sm3_kdf(xy.encode("utf8"), len(c2))
    data = bytes(a ^ b for a, b in zip(c2, bytes.fromhex(t), strict=True))
    check = sm3.sm3_hash(list(bytes.fromhex(xy[:64]) + data + bytes.fromhex(xy[64:])))
    if not hmac.compare_digest(check, c3):
        raise CryptoError("SM2密文校验值C3不符（密文被篡改或公钥不对应）")
    return data


def sm2_sign(private_key: str, public_key: str, data: bytes) -> str:
    """SM3withSM2 signature (Z computed with the default user id 1234567812345678), r‖s as 128 hex digits."""
    c = _crypt(private_key, public_key)
    while True:
        signature = c.sign_with_sm3(data, _k())
        if signature:
            return signature


def sm2_verify(public_key: str, signature: str, data: bytes) -> bool:
    if not on_curve(public_key) or not is_hex(signature, 128):
        return False
    r, s = int(signature[:64], 16), int(signature[64:], 16)
    if not (0 < r < _N and 0 < s < _N):
        return False
    try:
        return bool(_crypt(public_key=public_key).verify_with_sm3(signature, data))
    except (TypeError, ValueError):
        return False


def sm3_hex(data: bytes) -> str:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize().hex()


def sm4_key() -> bytes:
    return os.urandom(16)


def sm4_gcm_encrypt(key: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    """Ciphertext‖16-byte tag."""
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    return enc.update(data) + enc.finalize() + enc.tag


def sm4_gcm_decrypt(key: bytes, nonce: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < 16 or len(nonce) != 12 or len(key) != 16:
        raise CryptoError("SM4密文格式错误")
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, blob[-16:])).decryptor()
    dec.authenticate_additional_data(aad)
    try:
        return dec.update(blob[:-16]) + dec.finalize()
    except InvalidTag as exc:
        raise CryptoError("SM4-GCM认证失败（密文被篡改或密钥不对）") from exc
