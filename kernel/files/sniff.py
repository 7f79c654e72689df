"""What a file really is, read from its content (never from its name or the browser's word).

`sniff(fileobj)` returns the candidate FileTypes of the content, best first, or raises a
Django ValidationError (Chinese message, a `code`) for content that must never be stored:
executables and scripts (PE, ELF, Mach-O, Java, shebang scripts, shortcuts, MSI, APK/JAR),
web pages and SVG (they can carry script), macro-enabled or encrypted Office documents, and
anything unrecognised. The caller then checks that the file name's extension is one of the
candidate's extensions (kernel.files.validation).

Signatures come from the `filetype` library for images, audio and video; PDF, the OLE2
compound files of old Office formats (doc/xls, told apart by their stream names) and the
ZIP containers of OOXML (docx/xlsx, told apart by their content types and member names)
and of Java/Android packages are read here, because `filetype` can not tell them apart.
"""
from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError

HEAD_BYTES = 8192


@dataclass(frozen=True)
class FileType:
    code: str
    label: str
    kind: str
    mime: str
    extensions: tuple[str, ...]


_T = FileType
TYPES = {t.code: t for t in (
    _T("pdf", "PDF 文档", "pdf", "application/pdf", ("pdf",)),
    _T("doc", "Word 97-2003 文档", "word", "application/msword", ("doc", "wps")),
    _T("docx", "Word 文档", "word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
       ("docx",)),
    _T("xls", "Excel 97-2003 表格", "excel", "application/vnd.ms-excel", ("xls",)),
    _T("xlsx", "Excel 表格", "excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
       ("xlsx",)),
    _T("jpeg", "JPEG 图片", "image", "image/jpeg", ("jpg", "jpeg")),
    _T("png", "PNG 图片", "image", "image/png", ("png",)),
    _T("gif", "GIF 图片", "image", "image/gif", ("gif",)),
    _T("webp", "WebP 图片", "image", "image/webp", ("webp",)),
    _T("bmp", "BMP 图片", "image", "image/bmp", ("bmp",)),
    _T("mp3", "MP3 音频", "audio", "audio/mpeg", ("mp3",)),
    _T("wav", "WAV 音频", "audio", "audio/wav", ("wav",)),
    _T("amr", "AMR 音频", "audio", "audio/amr", ("amr",)),
    _T("m4a", "M4A 音频", "audio", "audio/mp4", ("m4a",)),
    _T("mp4", "MP4 视频", "video", "video/mp4", ("mp4", "m4v")),
    _T("mov", "MOV 视频", "video", "video/quicktime", ("mov",)),
    _T("avi", "AVI 视频", "video", "video/x-msvideo", ("avi",)),
    _T("zip", "ZIP 压缩包", "archive", "application/zip", ("zip",)),
    _T("rar", "RAR 压缩包", "archive", "application/vnd.rar", ("rar",)),
    _T("7z", "7z 压缩包", "archive", "application/x-7z-compressed", ("7z",)),
)}

# Names refused whatever the content: programs, scripts, installers, shortcuts.
EXECUTABLE_EXTENSIONS = frozenset({
    "exe", "com", "bat", "cmd", "scr", "pif", "msi", "msp", "mst", "dll", "cpl", "ocx", "sys", "drv",
    "js", "jse", "vbs", "vbe", "wsf", "wsh", "wsc", "hta", "ps1", "psm1", "psd1", "sh", "bash", "csh",
    "ksh", "zsh", "jar", "class", "apk", "xapk", "ipa", "app", "dmg", "pkg", "deb", "rpm", "run", "lnk",
    "reg", "scf", "inf", "msc", "gadget", "py", "pyc", "pyw", "pl", "rb", "php", "phtml", "asp", "aspx",
    "jsp", "cgi", "elf", "so", "dylib", "docm", "dotm", "xlsm", "xltm", "xlam", "pptm",
})
# Markup a browser would run script in.
MARKUP_EXTENSIONS = frozenset({"html", "htm", "xhtml", "xht", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl"})

MSG_EXECUTABLE = "不允许上传可执行文件"
MSG_MARKUP = "不允许上传网页、SVG 或脚本文件"
MSG_MACRO = "不允许上传含宏的 Office 文档，请另存为不含宏的格式（docx、xlsx）后上传"
MSG_ENCRYPTED = "文档已加密，无法检查其内容，请去除密码后上传"
MSG_UNKNOWN = "无法识别的文件类型"

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MACHO = {b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",
          b"\xca\xfe\xba\xbe"}  # the last is also a Java class file
_LNK = b"\x4c\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
_MARKUP_MARKERS = (b"<script", b"<html", b"<!doctype html", b"<svg", b"<?xml", b"<body", b"<iframe", b"<object",
                   b"<embed", b"<?php", b"<%@", b"javascript:", b"vbscript:")
# The ISO base media (MP4) brands of still images, which the platform does not take.
_IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
# filetype's extension -> our type code, for the signatures it knows that we accept.
_FILETYPE_CODES = {"jpg": "jpeg", "png": "png", "apng": "png", "gif": "gif", "webp": "webp", "bmp": "bmp",
                   "mp3": "mp3", "wav": "wav", "amr": "amr", "avi": "avi", "rar": "rar", "7z": "7z"}


def refuse(message, code):
    raise ValidationError(message, code=code)


def _read_head(f) -> bytes:
    f.seek(0)
    head = f.read(HEAD_BYTES)
    f.seek(0)
    return bytes(head)


def is_executable_head(head: bytes) -> bool:
    return (head[:2] == b"MZ" or head[:4] == b"\x7fELF" or head[:4] in _MACHO
            or (head[:2] == b"#!" and not head.startswith(b"#!AMR"))
            or head[:20] == _LNK or head[:4] == b"dex\n" or head[:4] == b"\x00asm")


def looks_like_markup(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n").lower().replace(b"\x00", b"")
    return any(marker in text for marker in _MARKUP_MARKERS)


def sniff(f) -> list[FileType]:
    """Candidate types of the content of a seekable file, best first (see the module doc)."""
    head = _read_head(f)
    if is_executable_head(head):
        refuse(MSG_EXECUTABLE, "executable")
    if b"%PDF-" in head[:1024]:
        return [TYPES["pdf"]]
    if head.startswith(_OLE):
        return [_sniff_ole(f)]
    if head.startswith(b"PK\x03\x04"):
        return [_sniff_zip(f)]
    if head[4:8] == b"ftyp":
        return _sniff_isobmff(head)
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return [TYPES["mov"], TYPES["mp4"]]  # QuickTime without a file-type box
    guess = filetype.guess(head)
    if guess is not None:
        code = _FILETYPE_CODES.get(guess.extension)
        if code is not None:
            return [TYPES[code]]
        if guess.extension in ("exe", "elf"):
            refuse(MSG_EXECUTABLE, "executable")
        refuse(f"不支持的文件类型（{guess.extension.upper()}）", "unsupported")
    if looks_like_markup(head):
        refuse(MSG_MARKUP, "markup")
    refuse(MSG_UNKNOWN, "unknown")


def _sniff_isobmff(head: bytes) -> list[FileType]:
    size = int.from_bytes(head[:4], "big")
    box = head[8:max(16, min(size, len(head)))]
    major = box[:4]
    brands = {major} | {box[i:i + 4] for i in range(8, len(box) - 3, 4)}
    if major in _IMAGE_BRANDS or (brands & _IMAGE_BRANDS and not brands & {b"mp41", b"mp42", b"isom", b"qt  "}):
        refuse("不支持 HEIC/AVIF 格式的图片，请转换为 JPG 后上传", "unsupported")
    if major in (b"M4A ", b"M4B "):
        return [TYPES["m4a"], TYPES["mp4"]]
    if major == b"qt  ":
        return [TYPES["mov"], TYPES["mp4"]]
    # One container family: an .m4a with an mp4 brand is still audio in an MP4 box.
    return [TYPES["mp4"], TYPES["mov"], TYPES["m4a"]]


# -- OLE2 compound files (doc, xls, msi) ---------------------------------------------------------
_MSI_CLSIDS = {bytes.fromhex(h) for h in (
    "84100c0000000000c000000000000046",  # {000C1084-...} installer package
    "86100c0000000000c000000000000046",  # {000C1086-...} patch
    "82100c0000000000c000000000000046",  # {000C1082-...} transform
)}
_MAX_SECTORS = 100_000


class _Corrupt(Exception):
    pass


def ole_entries(f) -> tuple[bytes | None, list[str]]:
    """(root CLSID, names of all storages and streams) of an OLE2 compound file.

    Reads only the header, the FAT sectors that the directory chain needs and the
    directory sectors; raises _Corrupt for anything inconsistent."""
    f.seek(0)
    header = f.read(512)
    if len(header) < 512 or not header.startswith(_OLE):
        raise _Corrupt
    u32 = lambda data, off: struct.unpack_from("<I", data, off)[0]  # noqa: E731
    shift = struct.unpack_from("<H", header, 0x1E)[0]
    if shift not in (9, 12):
        raise _Corrupt
    ss = 1 << shift
    per_sector = ss // 4
    num_fat, dir_start = u32(header, 0x2C), u32(header, 0x30)
    difat_sid = u32(header, 0x44)
    if num_fat > _MAX_SECTORS:
        raise _Corrupt

    def sector(sid):
        if sid >= 0xFFFFFFFA:
            raise _Corrupt
        f.seek((sid + 1) * ss)
        data = f.read(ss)
        if not data:
            raise _Corrupt
        return data.ljust(ss, b"\x00")

    fat_sectors = [u32(header, 0x4C + 4 * i) for i in range(109)][:num_fat]
    hops = 0
    while len(fat_sectors) < num_fat:
        hops += 1
        if hops > _MAX_SECTORS:
            raise _Corrupt
        data = sector(difat_sid)
        entries = struct.unpack(f"<{per_sector}I", data)
        fat_sectors.extend(entries[:-1])
        difat_sid = entries[-1]
    fat_sectors = fat_sectors[:num_fat]

    fat_cache = {}

    def next_sid(sid):
        index, offset = divmod(sid, per_sector)
        if index >= len(fat_sectors):
            raise _Corrupt
        if index not in fat_cache:
            fat_cache[index] = sector(fat_sectors[index])
        return u32(fat_cache[index], offset * 4)

    root_clsid, names, seen, sid = None, [], set(), dir_start
    while sid < 0xFFFFFFFA:
        if sid in seen or len(seen) > _MAX_SECTORS:
            raise _Corrupt
        seen.add(sid)
        data = sector(sid)
        for off in range(0, ss, 128):
            entry = data[off:off + 128]
            name_len, kind = struct.unpack_from("<H", entry, 0x40)[0], entry[0x42]
            if kind == 0 or name_len < 2 or name_len > 64:
                continue
            name = entry[:name_len - 2].decode("utf-16-le", "replace")
            if kind == 5:
                root_clsid = bytes(entry[0x50:0x60])
            names.append(name)
        sid = next_sid(sid)
    if root_clsid is None:
        raise _Corrupt
    return root_clsid, names


def _sniff_ole(f) -> FileType:
    try:
        clsid, names = ole_entries(f)
    except (_Corrupt, struct.error):
        refuse("Office 文档已损坏，无法读取", "corrupt")
    finally:
        f.seek(0)
    name_set = set(names)
    # Installer databases: a known CLSID, or stream names in MSI's compressed alphabet.
    if clsid in _MSI_CLSIDS or any("\u3800" <= ch <= "\u4840" for n in names for ch in n):
        refuse(MSG_EXECUTABLE, "executable")
    if "EncryptedPackage" in name_set:
        refuse(MSG_ENCRYPTED, "encrypted")
    if "WordDocument" in name_set:
        if "Macros" in name_set:
            refuse(MSG_MACRO, "macro")
        return TYPES["doc"]
    if "Workbook" in name_set or "Book" in name_set:
        if "_VBA_PROJECT_CUR" in name_set:
            refuse(MSG_MACRO, "macro")
        return TYPES["xls"]
    if "PowerPoint Document" in name_set:
        refuse("不支持的文件类型（PowerPoint 演示文稿）", "unsupported")
    refuse(MSG_UNKNOWN, "unknown")


# -- ZIP containers (docx, xlsx, jar, apk, plain zip) -------------------------------------------
_WORD_MAIN = b"wordprocessingml.document.main+xml"
_EXCEL_MAIN = b"spreadsheetml.sheet.main+xml"


MAX_ZIP_ENTRIES = 10_000


def zip_entry_count(f) -> int | None:
    """The entry count of a ZIP's end-of-central-directory record (None if not found).

    Read before zipfile builds an object per entry: a few megabytes of directory can
    declare hundreds of thousands of entries."""
    f.seek(0, 2)
    size = f.tell()
    f.seek(max(0, size - (65535 + 22)))
    tail = f.read()
    f.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    return struct.unpack_from("<H", tail, at + 10)[0]


def _sniff_zip(f) -> FileType:
    count = zip_entry_count(f)
    if count is not None and count > MAX_ZIP_ENTRIES:  # 0xFFFF also means a ZIP64 count
        refuse(f"压缩文件内的文件过多（超过 {MAX_ZIP_ENTRIES} 个），不允许上传", "too_many_entries")
    try:
        with zipfile.ZipFile(f) as zf:
            infos = zf.infolist()
            names = {i.filename.lower() for i in infos}
            content_types = b""
            ct_info = next((i for i in infos if i.filename == "[Content_Types].xml"), None)
            if ct_info is not None and ct_info.file_size <= 1024 * 1024:
                content_types = zf.read(ct_info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        refuse("压缩文件已损坏，无法读取", "corrupt")
    finally:
        f.seek(0)
    if "meta-inf/manifest.mf" in names or any(n.endswith(".class") for n in names) or (
            "androidmanifest.xml" in names and "classes.dex" in names):
        refuse(MSG_EXECUTABLE, "executable")  # Java archive or Android package
    if ct_info is not None:
        if b"macroenabled" in content_types.lower() or any(n.endswith("vbaproject.bin") for n in names):
            refuse(MSG_MACRO, "macro")
        if _WORD_MAIN in content_types or "word/document.xml" in names:
            return TYPES["docx"]
        if _EXCEL_MAIN in content_types or "xl/workbook.xml" in names:
            return TYPES["xlsx"]
        if b"presentationml" in content_types:
            refuse("不支持的文件类型（PowerPoint 演示文稿）", "unsupported")
    for name in names:
        ext = name.rstrip("/").rsplit(".", 1)[-1] if "." in name.rsplit("/", 1)[-1] else ""
        if ext in EXECUTABLE_EXTENSIONS:
            refuse("压缩包内含可执行文件，不允许上传", "executable")
    return TYPES["zip"]
