"""Checking an upload against its purpose, before anything is stored.

`check_upload(uploaded_file, purpose)` refuses (django ValidationError, Chinese message, a
code) in this order: a file name without extension or with a program/script/web-page
extension; an empty file; a file larger than the purpose allows for any kind; content that
is executable, a script, a web page, macro-enabled, encrypted or unrecognised
(kernel.files.sniff); an extension that does not match the content; a kind the purpose does
not allow; a file larger than the purpose allows for its kind; an image that Pillow can not
decode or whose pixel count makes it a decompression bomb. On success it returns a
CheckedUpload with the SHA-256 (computed over 1 MiB chunks, never the whole file in
memory), the byte count and, for images, a JPEG thumbnail of at most 320 px.

The result is remembered on the file object, so a form field that checked the file and the
service that stores it do not read it twice.
"""
from __future__ import annotations

import hashlib
import io
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageOps

from .purposes import KINDS, Purpose, get_purpose, human_size
from .sniff import EXECUTABLE_EXTENSIONS, MARKUP_EXTENSIONS, MSG_EXECUTABLE, MSG_MARKUP, FileType, refuse, sniff

CHUNK_BYTES = 1024 * 1024
THUMBNAIL_PX = 320
MAX_NAME = 200
DEFAULT_MAX_IMAGE_PIXELS = 50_000_000  # about 8160 x 6120, a 50-megapixel phone photo
_PIL_FORMATS = {"jpeg": {"JPEG", "MPO"}, "png": {"PNG"}, "gif": {"GIF"}, "webp": {"WEBP"}, "bmp": {"BMP", "DIB"}}
_CHECKED_ATTR = "_zw_checked_upload"


@dataclass(frozen=True)
class CheckedUpload:
    purpose: Purpose
    type: FileType
    name: str  # the cleaned original file name
    extension: str
    size: int
    sha256: str
    thumbnail: bytes | None = None
    width: int | None = None
    height: int | None = None

    @property
    def kind(self) -> str:
        return self.type.kind


def max_image_pixels() -> int:
    return int(getattr(settings, "FILES_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS))


def clean_name(raw) -> str:
    """The base name a user gave, without directories, control or bidi-override characters."""
    name = str(raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    name = name.strip().rstrip(". ").strip()
    stem, dot, ext = name.rpartition(".")
    if dot and len(name) > MAX_NAME:
        name = f"{stem[:MAX_NAME - len(ext) - 1]}.{ext}"
    return name[:MAX_NAME]


def split_extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem and ext else ""


def resolve_purpose(purpose) -> Purpose:
    if isinstance(purpose, Purpose):
        return purpose
    found = get_purpose(str(purpose or ""))
    if found is None:
        raise ValidationError({"purpose": ValidationError("未知的附件用途", code="purpose")})
    return found


def _file_size(f) -> int:
    size = getattr(f, "size", None)
    if size is None:
        f.seek(0, io.SEEK_END)
        size = f.tell()
        f.seek(0)
    return int(size)


def check_upload(f, purpose) -> CheckedUpload:
    """Validate an uploaded file for a purpose (key or Purpose); see the module doc."""
    purpose = resolve_purpose(purpose)
    done = getattr(f, _CHECKED_ATTR, None)
    if done is not None and done.purpose == purpose:
        return done

    name = clean_name(getattr(f, "name", ""))
    ext = split_extension(name)
    if not ext:
        refuse("文件名缺少扩展名，无法确定文件类型", "name")
    if ext in EXECUTABLE_EXTENSIONS:
        refuse(MSG_EXECUTABLE, "executable")
    if ext in MARKUP_EXTENSIONS:
        refuse(MSG_MARKUP, "markup")
    size = _file_size(f)
    if size == 0:
        refuse("文件为空，请重新选择", "empty")
    if size > purpose.max_bytes:
        refuse(f"文件大小超过上限 {human_size(purpose.max_bytes)}", "too_large")

    try:
        candidates = sniff(f)
    except ValidationError as exc:
        if exc.code in ("unknown", "unsupported"):
            refuse(f"{exc.messages[0]}。{purpose.hint}", exc.code)
        raise
    ftype = next((t for t in candidates if ext in t.extensions), None)
    if ftype is None:
        refuse(f"文件类型与扩展名不符：文件内容为“{candidates[0].label}”，扩展名却是“.{ext}”", "mismatch")
    if not purpose.allows(ftype.kind):
        refuse(f"“{purpose.label}”不允许上传{KINDS[ftype.kind]}文件，允许的类型：{purpose.kinds_label}", "kind")
    limit = purpose.limit_for(ftype.kind)
    if size > limit:
        refuse(f"文件大小超过上限 {human_size(limit)}", "too_large")

    digest, counted = hashlib.sha256(), 0
    for chunk in f.chunks(CHUNK_BYTES):
        counted += len(chunk)
        if counted > limit:  # the declared size was wrong
            refuse(f"文件大小超过上限 {human_size(limit)}", "too_large")
        digest.update(chunk)
    if counted == 0:
        refuse("文件为空，请重新选择", "empty")

    thumbnail = width = height = None
    if ftype.kind == "image":
        thumbnail, width, height = check_image(f, ftype)
    f.seek(0)
    checked = CheckedUpload(purpose=purpose, type=ftype, name=name, extension=ext, size=counted,
                            sha256=digest.hexdigest(), thumbnail=thumbnail, width=width, height=height)
    try:
        setattr(f, _CHECKED_ATTR, checked)
    except AttributeError:  # an object that takes no attributes: it is checked again when stored
        pass
    return checked


def check_image(f, ftype: FileType) -> tuple[bytes, int, int]:
    """Open the image with Pillow (header, then full decode) and return (thumbnail JPEG, w, h)."""
    limit = max_image_pixels()
    formats = sorted(_PIL_FORMATS[ftype.code])
    f.seek(0)
    try:
        with Image.open(f, formats=formats) as img:
            width, height = img.size
            fmt = img.format
            if width * height > limit:
                refuse(f"图片像素过大（{width}×{height}），超过 {limit // 10000} 万像素的上限，"
                       f"可能是恶意构造的文件", "bomb")
            img.verify()
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        refuse(f"图片像素过大，超过 {limit // 10000} 万像素的上限，可能是恶意构造的文件", "bomb")
    except Exception:  # Pillow raises many kinds (OSError, SyntaxError, ValueError, struct.error...)
        refuse("图片已损坏或无法打开", "image")
    if fmt not in _PIL_FORMATS.get(ftype.code, set()):
        refuse("图片已损坏或无法打开", "image")
    f.seek(0)
    reader = _EndWatch(f)
    try:
        with Image.open(reader, formats=formats) as img:
            img.draft("RGB", (THUMBNAIL_PX * 2, THUMBNAIL_PX * 2))  # JPEG: decode at a reduced scale
            reader.hit_end = False
            img.load()
            if reader.hit_end:
                raise OSError("truncated")
            return make_thumbnail(img), width, height
    except Exception:
        refuse("图片已损坏或无法打开", "image")
    finally:
        f.seek(0)


class _EndWatch:
    """A read-only view of a file that notes when a read finds nothing left.

    A complete image is decoded without reading past its end; a truncated one is not. Pillow
    only raises for truncated data while ImageFile.LOAD_TRUNCATED_IMAGES is False, and
    WeasyPrint sets that process-wide flag to True when it is imported."""

    def __init__(self, f):
        self._f = f
        self.hit_end = False

    def read(self, size=-1):
        data = self._f.read(size)
        if size != 0 and not data:
            self.hit_end = True
        return data

    def readline(self, size=-1):
        return self._f.readline(size)

    def seek(self, offset, whence=0):
        return self._f.seek(offset, whence)

    def tell(self):
        return self._f.tell()


def make_thumbnail(img: Image.Image) -> bytes:
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        img = Image.new("RGB", rgba.size, "white")
        img.paste(rgba, mask=rgba.getchannel("A"))
    elif img.mode.startswith(("I", "F")):  # 16-bit and float greyscale
        img = img.convert("F").point(lambda v: v / 256).convert("L").convert("RGB")
    elif img.mode != "RGB":
        img = img.convert("RGB")
    img.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()
