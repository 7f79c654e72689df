"""Handwritten signatures drawn on a signature pad (签名板) and sent as a PNG data URL: the bytes checked once,
here, for every form that takes one (online applications, agreements)."""
import base64
import binascii
import io

from django.core.exceptions import ValidationError

SIGNATURE_MAX_BYTES = 512 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PREFIX = "data:image/png;base64,"


def decode_signature(data_url):
    """"data:image/png;base64,..." -> the PNG bytes, or a ValidationError in Chinese (format, size, a real PNG
    of at most 2000 x 1000 pixels)."""
    if not data_url or not data_url.startswith(PREFIX):
        raise ValidationError("签名格式错误，请在签名板上重新签名")
    encoded = data_url[len(PREFIX):]
    if len(encoded) > SIGNATURE_MAX_BYTES * 4 // 3 + 4:
        raise ValidationError("签名图片过大")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("签名格式错误，请在签名板上重新签名") from None
    if not raw.startswith(PNG_MAGIC) or len(raw) < 67:
        raise ValidationError("签名不是有效的PNG图片")
    if len(raw) > SIGNATURE_MAX_BYTES:
        raise ValidationError("签名图片过大")
    try:
        from PIL import Image

        with Image.open(io.BytesIO(raw)) as img:
            img.verify()
            if img.format != "PNG" or img.width > 2000 or img.height > 1000:
                raise ValidationError("签名图片尺寸不符合要求")
    except ValidationError:
        raise
    except Exception:
        raise ValidationError("签名不是有效的PNG图片") from None
    return raw
