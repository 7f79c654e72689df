"""Real files for the attachment tests, made by the libraries that make them in life
(python-docx, openpyxl, WeasyPrint, Pillow, wave) or byte by byte from their specifications
(OLE2 compound files, ISO media boxes, PE headers)."""
import functools
import io
import math
import struct
import wave
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def upload(name, data, content_type="application/octet-stream"):
    """What Django hands a view for a multipart file (the browser's content type is ignored)."""
    return SimpleUploadedFile(name, data, content_type=content_type)


def docx_bytes(text="现场检查笔录"):
    import docx

    document = docx.Document()
    document.add_heading("检查笔录", level=1)
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes():
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["企业名称", "隐患数"])
    wb.active.append(["南宁测试有限公司", 3])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@functools.lru_cache(maxsize=1)
def pdf_bytes():
    from weasyprint import HTML

    return HTML(string="<h1>责令改正通知书</h1><p>南宁市市场监督管理局</p>").write_pdf()


def image_bytes(fmt="PNG", size=(1200, 800), mode="RGB", color=(30, 120, 200)):
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt)
    return out.getvalue()


def wav_bytes(seconds=0.2, rate=8000):
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x01" * int(seconds * rate))
    return out.getvalue()


def mp3_bytes():
    # An ID3v2.3 tag followed by MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz: 417 bytes each).
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + (b"\xff\xfb\x90\x64" + b"\x00" * 413) * 4


def amr_bytes():
    return b"#!AMR\n" + (b"\x3c" + b"\x00" * 31) * 10  # 12.2 kbit/s frames


def isobmff_bytes(major=b"isom", compatible=(b"isom", b"iso2", b"avc1", b"mp41")):
    ftyp = major + b"\x00\x00\x02\x00" + b"".join(compatible)
    box = struct.pack(">I", 8 + len(ftyp)) + b"ftyp" + ftyp
    return box + struct.pack(">I", 16) + b"free" + b"\x00" * 8 + struct.pack(">I", 16) + b"mdat" + b"\x00" * 8


def avi_bytes():
    body = b"AVI LIST" + struct.pack("<I", 4) + b"hdrl"
    return b"RIFF" + struct.pack("<I", len(body)) + body


def pe_bytes():
    """A Windows executable: the launcher pip ships if present, else a minimal PE header."""
    launcher = Path(__import__("pip").__file__).parent / "_vendor" / "distlib" / "t64.exe"
    if launcher.exists():
        return launcher.read_bytes()
    dos = bytearray(64)
    dos[:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 64)
    coff = struct.pack("<HHIIIHH", 0x8664, 0, 0, 0, 0, 0xF0, 0x22)
    return bytes(dos) + b"PE\x00\x00" + coff + b"\x00" * 240


def elf_bytes():
    return Path("/bin/true").read_bytes() if Path("/bin/true").exists() else (
        b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + struct.pack("<HHI", 2, 0x3E, 1) + b"\x00" * 40)


def macho_bytes():
    return struct.pack("<IiiIIII", 0xFEEDFACF, 0x01000007, 3, 2, 0, 0, 0) + b"\x00" * 64


def zip_bytes(members: dict):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def with_zip_member(data: bytes, name: str, content: bytes) -> bytes:
    """A copy of a ZIP-based file (docx, xlsx) with one more member."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            zf.writestr(info, src.read(info))
        zf.writestr(name, content)
    return out.getvalue()


def jar_bytes():
    return zip_bytes({"META-INF/MANIFEST.MF": "Manifest-Version: 1.0\nMain-Class: App\n", "App.class": b"\xca\xfe\xba\xbe"})


# -- OLE2 compound files ([MS-CFB]) ------------------------------------------------------------
ENDOFCHAIN, FREESECT, FATSECT, DIFSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFC, 0xFFFFFFFF
MSI_CLSID = bytes.fromhex("84100c0000000000c000000000000046")


def cfb_bytes(names, root_clsid=b"\x00" * 16, fat_sectors=1):
    """A version-3 compound file (512-byte sectors) whose directory holds a root and one empty
    stream per name. `fat_sectors` > 109 puts the extra FAT sector numbers in a DIFAT sector."""
    ss = 512
    entries = [("Root Entry", 5, root_clsid)] + [(n, 2, b"\x00" * 16) for n in names]
    dir_count = math.ceil(len(entries) / 4)
    difat_count = 1 if fat_sectors > 109 else 0
    fat_ids = list(range(fat_sectors))
    difat_id = fat_sectors if difat_count else None
    dir_start = fat_sectors + difat_count
    total = dir_start + dir_count

    fat = [FREESECT] * (fat_sectors * (ss // 4))
    for sid in fat_ids:
        fat[sid] = FATSECT
    if difat_id is not None:
        fat[difat_id] = DIFSECT
    for i in range(dir_count):
        fat[dir_start + i] = dir_start + i + 1 if i < dir_count - 1 else ENDOFCHAIN

    header = bytearray(ss)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, fat_sectors, dir_start, 0, 4096, ENDOFCHAIN, 0,
                     ENDOFCHAIN if difat_id is None else difat_id, difat_count)
    head_difat = fat_ids[:109] + [FREESECT] * (109 - min(109, fat_sectors))
    struct.pack_into("<109I", header, 0x4C, *head_difat)

    sectors = [struct.pack(f"<{ss // 4}I", *fat[i * (ss // 4):(i + 1) * (ss // 4)]) for i in range(fat_sectors)]
    if difat_id is not None:
        rest = fat_ids[109:]
        sectors.append(struct.pack(f"<{ss // 4}I", *(rest + [FREESECT] * (ss // 4 - 1 - len(rest)) + [ENDOFCHAIN])))
    directory = bytearray(dir_count * ss)
    for i, (name, kind, clsid) in enumerate(entries):
        e = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        e[:len(encoded)] = encoded
        struct.pack_into("<HBB", e, 0x40, len(encoded), kind, 1)
        child = 1 if i == 0 and len(entries) > 1 else NOSTREAM
        right = i + 1 if 0 < i < len(entries) - 1 else NOSTREAM
        struct.pack_into("<III", e, 0x44, NOSTREAM, right, child)
        e[0x50:0x60] = clsid
        struct.pack_into("<II", e, 0x74, ENDOFCHAIN, 0)
        directory[i * 128:(i + 1) * 128] = e
    assert len(sectors) + dir_count == total
    return bytes(header) + b"".join(sectors) + bytes(directory)


def doc_bytes(extra=()):
    return cfb_bytes(["WordDocument", "1Table", "\x05SummaryInformation", *extra])


def xls_bytes(extra=()):
    return cfb_bytes(["Workbook", "\x05SummaryInformation", *extra])


def msi_bytes():
    return cfb_bytes(["\x05SummaryInformation", "\u4840\u3f3f\u4577"], root_clsid=MSI_CLSID)


# -- images that must be refused ------------------------------------------------------------------
def png_with_size(width, height):
    """A small PNG whose header claims another size (the classic decompression-bomb shape)."""
    import zlib

    data = bytearray(image_bytes("PNG", (8, 8)))
    ihdr = data.index(b"IHDR")
    struct.pack_into(">II", data, ihdr + 4, width, height)
    crc = zlib.crc32(bytes(data[ihdr:ihdr + 17])) & 0xFFFFFFFF
    struct.pack_into(">I", data, ihdr + 17, crc)
    return bytes(data)


def bomb_png(side=10_000):
    """A real decompression bomb: a one-bit PNG of side x side pixels, a few kilobytes on disk."""
    out = io.BytesIO()
    Image.new("1", (side, side), 0).save(out, "PNG", optimize=True)
    return out.getvalue()
