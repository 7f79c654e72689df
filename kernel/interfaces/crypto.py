"""Client secrets at rest: SM4-GCM, key derived with HKDF-SM3.

The server must recompute HMACs, so secrets cannot be hashed like passwords; they are encrypted.
The master key is settings.API_SECRET_KEY (or the environment variable of that name) and falls back
to SECRET_KEY. Give API_SECRET_KEY its own value in production: rotating SECRET_KEY alone then
leaves every client secret readable.

Stored form: "sm4gcm$" + base64url(12-byte nonce + ciphertext + 16-byte tag). The client's key id is
bound as associated data, so a ciphertext copied onto another client does not decrypt.
"""
import base64
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "sm4gcm$"
_SALT = b"zhengwu.interfaces.v1"
_INFO = b"api-client-secret"


class SecretUnavailable(Exception):
    """The stored secret cannot be decrypted (wrong master key or altered ciphertext)."""


def _master() -> str:
    return getattr(settings, "API_SECRET_KEY", "") or os.environ.get("API_SECRET_KEY", "") or settings.SECRET_KEY


@functools.lru_cache(maxsize=8)
def _derive(master: str) -> bytes:
    return HKDF(algorithm=hashes.SM3(), length=16, salt=_SALT, info=_INFO).derive(master.encode("utf-8"))


def encrypt(plain: str, aad: str) -> str:
    nonce = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(_derive(_master())), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad.encode("utf-8"))
    body = encryptor.update(plain.encode("utf-8")) + encryptor.finalize()
    return PREFIX + base64.urlsafe_b64encode(nonce + body + encryptor.tag).decode("ascii")


def decrypt(token: str, aad: str) -> str:
    if not token or not token.startswith(PREFIX):
        raise SecretUnavailable("unknown secret format")
    try:
        raw = base64.urlsafe_b64decode(token[len(PREFIX):].encode("ascii"))
    except ValueError as exc:
        raise SecretUnavailable("secret is not valid base64") from exc
    if len(raw) < 12 + 16:
        raise SecretUnavailable("secret too short")
    nonce, body, tag = raw[:12], raw[12:-16], raw[-16:]
    decryptor = Cipher(algorithms.SM4(_derive(_master())), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad.encode("utf-8"))
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
    except InvalidTag as exc:
        raise SecretUnavailable("secret does not decrypt with the current master key") from exc
