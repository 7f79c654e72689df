"""The upload checks, file by file: what is accepted, what is refused and with which message."""
import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from kernel.files import purposes as purpose_registry
from kernel.files.forms import AttachmentForm
from kernel.files.purposes import MB, register_purpose
from kernel.files.validation import check_upload, clean_name

from . import samples as s


def refused(name, data, purpose):
    with pytest.raises(ValidationError) as info:
        check_upload(s.upload(name, data), purpose)
    return info.value.code, info.value.messages[0]


@pytest.fixture
def archive_purpose():
    purpose = register_purpose("test_archive", "测试压缩包", ["archive", "pdf"])
    yield purpose
    purpose_registry._registry.pop("test_archive")


@pytest.mark.parametrize("name, make, purpose, code, kind", [
    ("整改报告.docx", s.docx_bytes, "document", "docx", "word"),
    ("隐患台账.xlsx", s.xlsx_bytes, "document", "xlsx", "excel"),
    ("责令改正通知书.pdf", s.pdf_bytes, "notice", "pdf", "pdf"),
    ("旧版笔录.doc", s.doc_bytes, "transcript", "doc", "word"),
    ("金山文档.wps", s.doc_bytes, "document", "doc", "word"),
    ("旧版台账.xls", s.xls_bytes, "document", "xls", "excel"),
    ("现场.png", lambda: s.image_bytes("PNG"), "photo", "png", "image"),
    ("现场.jpg", lambda: s.image_bytes("JPEG"), "photo", "jpeg", "image"),
    ("现场.JPEG", lambda: s.image_bytes("JPEG"), "photo", "jpeg", "image"),
    ("现场.gif", lambda: s.image_bytes("GIF"), "photo", "gif", "image"),
    ("现场.webp", lambda: s.image_bytes("WEBP"), "photo", "webp", "image"),
    ("现场.bmp", lambda: s.image_bytes("BMP", (300, 200)), "photo", "bmp", "image"),
    ("询问录音.wav", s.wav_bytes, "audio", "wav", "audio"),
    ("询问录音.mp3", s.mp3_bytes, "audio", "mp3", "audio"),
    ("询问录音.amr", s.amr_bytes, "audio", "amr", "audio"),  # starts with "#!" but is no script
    ("询问录音.m4a", lambda: s.isobmff_bytes(b"M4A ", (b"M4A ", b"isom")), "audio", "m4a", "audio"),
    ("执法记录.mp4", s.isobmff_bytes, "video", "mp4", "video"),
    ("执法记录.mov", lambda: s.isobmff_bytes(b"qt  ", (b"qt  ",)), "video", "mov", "video"),
    ("执法记录.avi", s.avi_bytes, "video", "avi", "video"),
])
def test_real_files_are_accepted_with_their_detected_type(name, make, purpose, code, kind):
    data = make()
    checked = check_upload(s.upload(name, data, "text/plain"), purpose)  # the browser's word is ignored
    assert (checked.type.code, checked.kind, checked.size) == (code, kind, len(data))
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.name == name and checked.extension == name.rsplit(".", 1)[1].lower()


def test_sha256_is_computed_over_chunks_and_matches_hashlib():
    data = s.wav_bytes(seconds=200)  # 3.2 MB: four 1 MiB chunks
    checked = check_upload(s.upload("长录音.wav", data), "audio")
    assert checked.size == len(data) == 3_200_044
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("name, make", [
    ("通知书.pdf", s.pe_bytes),  # a Windows program renamed to .pdf
    ("台账.docx", s.elf_bytes),  # a Linux program
    ("照片.jpg", s.macho_bytes),  # a macOS program
    ("通知书.pdf", lambda: b"#!/bin/sh\nrm -rf /\n"),  # a shell script
    ("通知书.doc", s.msi_bytes),  # a Windows installer (OLE2 like old Office files)
    ("台账.docx", s.jar_bytes),  # a Java archive
])
def test_executables_are_refused_whatever_their_name(name, make):
    assert refused(name, make(), "evidence") == ("executable", "不允许上传可执行文件")


@pytest.mark.parametrize("ext", ["exe", "bat", "cmd", "js", "vbs", "ps1", "sh", "jar", "msi", "scr", "com"])
def test_executable_names_are_refused_whatever_their_content(ext):
    assert refused(f"通知书.{ext}", s.pdf_bytes(), "evidence") == ("executable", "不允许上传可执行文件")


def test_archive_with_a_program_inside_is_refused(archive_purpose):
    ok = s.zip_bytes({"材料/说明.txt": "说明", "材料/照片.jpg": s.image_bytes("JPEG")})
    assert check_upload(s.upload("材料.zip", ok), "test_archive").type.code == "zip"
    bad = s.zip_bytes({"材料/说明.txt": "说明", "材料/setup.exe": s.pe_bytes()})
    assert refused("材料.zip", bad, "test_archive") == ("executable", "压缩包内含可执行文件，不允许上传")
    assert refused("材料.zip", s.jar_bytes(), "test_archive")[0] == "executable"


@pytest.mark.parametrize("name, make, label, ext", [
    ("整改报告.docx", lambda: s.image_bytes("PNG"), "PNG 图片", "docx"),
    ("台账.xlsx", s.docx_bytes, "Word 文档", "xlsx"),
    ("照片.jpg", s.pdf_bytes, "PDF 文档", "jpg"),
    ("台账.doc", s.xls_bytes, "Excel 97-2003 表格", "doc"),
    ("录音.mp3", s.wav_bytes, "WAV 音频", "mp3"),
])
def test_extension_must_match_the_content(name, make, label, ext):
    assert refused(name, make(), "evidence") == (
        "mismatch", f"文件类型与扩展名不符：文件内容为“{label}”，扩展名却是“.{ext}”")


@pytest.mark.parametrize("name, data", [
    ("通知书.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
    ("照片.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'),
    ("照片.svg", s.image_bytes("PNG")),
    ("页面.html", s.pdf_bytes()),
])
def test_web_pages_and_svg_are_refused(name, data):
    assert refused(name, data, "evidence") == ("markup", "不允许上传网页、SVG 或脚本文件")


def test_macro_and_encrypted_office_documents_are_refused():
    docm = s.with_zip_member(s.docx_bytes(), "word/vbaProject.bin", b"\x00" * 64)
    assert refused("报告.docx", docm, "document")[0] == "macro"
    assert refused("报告.doc", s.doc_bytes(["Macros", "VBA"]), "document")[0] == "macro"
    assert refused("台账.xls", s.xls_bytes(["_VBA_PROJECT_CUR"]), "document")[0] == "macro"
    assert refused("报告.docx", s.cfb_bytes(["EncryptedInfo", "EncryptedPackage"]), "document") == (
        "encrypted", "文档已加密，无法检查其内容，请去除密码后上传")


def test_large_compound_file_is_read_through_its_difat_sector():
    data = s.cfb_bytes(["Workbook"], fat_sectors=110)  # 110 FAT sectors: one listed outside the header
    assert check_upload(s.upload("大台账.xls", data), "document").type.code == "xls"


def test_empty_file_is_refused():
    assert refused("空白.pdf", b"", "document") == ("empty", "文件为空，请重新选择")


def test_file_over_the_purpose_limit_is_refused_before_reading():
    data = b"%PDF-1.4\n" + b"0" * (20 * MB)
    assert refused("扫描件.pdf", data, "document") == ("too_large", "文件大小超过上限 20 MB")
    assert len(data) == 20 * MB + 9


def test_file_over_its_kind_limit_is_refused():
    """Evidence takes video up to 200 MB, but an image of 10 MB and one byte is too large."""
    jpeg = s.image_bytes("JPEG", (100, 100))
    data = jpeg + b"\x00" * (10 * MB + 1 - len(jpeg))
    assert refused("照片.jpg", data, "evidence") == ("too_large", "文件大小超过上限 10 MB")
    assert check_upload(s.upload("照片.jpg", jpeg), "evidence").kind == "image"


def test_a_declared_size_that_lies_is_caught_while_hashing():
    purpose = register_purpose("test_small", "小文件", ["pdf"], max_bytes=2048)
    try:
        f = s.upload("小.pdf", b"%PDF-1.4\n" + b"0" * 4000)
        f.size = 100  # what a forged multipart header could claim
        with pytest.raises(ValidationError, match="文件大小超过上限 2 KB"):
            check_upload(f, purpose)
    finally:
        purpose_registry._registry.pop("test_small")


def test_kind_not_allowed_by_the_purpose_is_refused():
    assert refused("录音.mp3", s.mp3_bytes(), "photo") == ("kind", "“照片”不允许上传音频文件，允许的类型：图片")
    assert refused("照片.png", s.image_bytes("PNG"), "notice") == (
        "kind", "“文书”不允许上传图片文件，允许的类型：PDF、Word")


def test_unknown_content_and_missing_extension_are_refused():
    code, message = refused("说明.txt", "这是一段文字".encode(), "document")
    assert code == "unknown"
    assert message == "无法识别的文件类型。支持 PDF、Word、Excel；大小上限：PDF/Word/Excel 20 MB"
    assert refused("通知书", s.pdf_bytes(), "document") == ("name", "文件名缺少扩展名，无法确定文件类型")
    assert refused("照片.heic", s.isobmff_bytes(b"heic", (b"mif1", b"heic")), "photo")[0] == "unsupported"


def test_unknown_purpose_is_a_field_error():
    with pytest.raises(ValidationError) as info:
        check_upload(s.upload("a.pdf", s.pdf_bytes()), "no_such_use")
    assert info.value.message_dict == {"purpose": ["未知的附件用途"]}


# -- images -----------------------------------------------------------------------------------------
def test_real_decompression_bomb_is_refused():
    data = s.bomb_png(10_000)  # 100 megapixels in a few kilobytes
    assert len(data) < 100_000
    code, message = refused("炸弹.png", data, "photo")
    assert code == "bomb" and message.startswith("图片像素过大（10000×10000），超过 5000 万像素的上限")


def test_image_header_claiming_huge_size_is_refused():
    code, message = refused("炸弹.png", s.png_with_size(30_000, 30_000), "photo")
    assert code == "bomb" and "图片像素过大" in message


def test_pixel_limit_is_a_setting(settings):
    settings.FILES_MAX_IMAGE_PIXELS = 1_000_000
    assert refused("大图.png", s.image_bytes("PNG", (1200, 900)), "photo")[0] == "bomb"
    assert check_upload(s.upload("图.png", s.image_bytes("PNG", (1000, 1000))), "photo").width == 1000


@pytest.mark.parametrize("name, fmt", [("坏图.jpg", "JPEG"), ("坏图.png", "PNG"), ("坏图.gif", "GIF"),
                                       ("坏图.bmp", "BMP"), ("坏图.webp", "WEBP")])
def test_truncated_images_are_refused(name, fmt):
    # WeasyPrint (imported by the PDF sample) makes Pillow load truncated files silently: still refused.
    s.pdf_bytes()
    data = s.image_bytes(fmt, (640, 480))
    assert check_upload(s.upload(name, data), "photo").width == 640
    assert refused(name, data[: len(data) // 2], "photo") == ("image", "图片已损坏或无法打开")


def test_image_that_is_no_image_is_refused():
    data = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200  # a PNG signature and nothing valid after it
    assert refused("假图.png", data, "photo") == ("image", "图片已损坏或无法打开")


def test_thumbnail_is_a_jpeg_of_at_most_320_px():
    checked = check_upload(s.upload("现场.jpg", s.image_bytes("JPEG", (1200, 800))), "photo")
    thumb = Image.open(io.BytesIO(checked.thumbnail))
    assert (thumb.format, thumb.size) == ("JPEG", (320, 213))
    assert (checked.width, checked.height) == (1200, 800)
    tall = check_upload(s.upload("竖图.png", s.image_bytes("PNG", (300, 1500))), "photo")
    assert Image.open(io.BytesIO(tall.thumbnail)).size == (64, 320)
    small = check_upload(s.upload("小图.png", s.image_bytes("PNG", (200, 100))), "photo")
    assert Image.open(io.BytesIO(small.thumbnail)).size == (200, 100)


def test_transparent_image_thumbnail_has_a_white_background():
    data = s.image_bytes("PNG", (400, 400), mode="RGBA", color=(255, 0, 0, 0))
    thumb = Image.open(io.BytesIO(check_upload(s.upload("透明.png", data), "photo").thumbnail))
    assert thumb.mode == "RGB" and thumb.getpixel((10, 10)) == (255, 255, 255)


def test_file_names_lose_paths_and_invisible_characters():
    assert clean_name("C:\\fakepath\\现场\u202e照片.jpg") == "现场照片.jpg"
    assert clean_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert clean_name("通知书.pdf. ") == "通知书.pdf"
    long = clean_name("长" * 300 + ".docx")
    assert len(long) == 200 and long.endswith(".docx")
    # A right-to-left override makes "报告\u202efdp.exe" look like "报告exe.pdf"; it is a program.
    assert refused("报告\u202efdp.exe", s.pe_bytes(), "evidence")[0] == "executable"


# -- purposes and the form ----------------------------------------------------------------------
def test_purpose_registry_rules():
    assert purpose_registry.get_purpose("attachment").hint == "支持 PDF、Word、Excel、图片；大小上限：PDF/Word/Excel 20 MB，图片 10 MB"
    evidence = purpose_registry.get_purpose("evidence")
    assert (evidence.limit_for("image"), evidence.limit_for("pdf"), evidence.limit_for("audio"),
            evidence.limit_for("video"), evidence.max_bytes) == (10 * MB, 20 * MB, 50 * MB, 200 * MB, 200 * MB)
    assert ".wps" in evidence.accept and ".exe" not in evidence.accept
    assert register_purpose("photo", "照片", ["image"]) is not None  # the same definition again is fine
    with pytest.raises(ValueError):
        register_purpose("photo", "照片", ["image", "video"])
    with pytest.raises(ValueError):
        register_purpose("test_bad", "错误", ["program"])
    custom = register_purpose("test_custom", "自定义", ["image", "pdf"], max_bytes={"image": 2 * MB})
    try:
        assert (custom.limit_for("image"), custom.limit_for("pdf")) == (2 * MB, 20 * MB)
    finally:
        purpose_registry._registry.pop("test_custom")


def test_form_gives_field_level_errors():
    form = AttachmentForm(data={}, files={"file": s.upload("整改报告.docx", s.image_bytes("PNG"))}, purpose="document")
    assert not form.is_valid()
    assert form.errors == {"file": ["文件类型与扩展名不符：文件内容为“PNG 图片”，扩展名却是“.docx”"]}
    empty = AttachmentForm(data={}, files={}, purpose="document")
    assert not empty.is_valid() and empty.errors == {"file": ["请选择要上传的文件"]}
    good = AttachmentForm(data={}, files={"file": s.upload("整改报告.docx", s.docx_bytes())}, purpose="document")
    assert good.is_valid(), good.errors
    assert 'accept=".pdf,.doc,.wps,.docx,.xls,.xlsx"' in str(good["file"])


def _noise(width, height, mode="RGB"):
    import random

    return Image.frombytes("RGB", (width, height), random.Random(width * height).randbytes(width * height * 3)).convert(mode)


def _save(img, fmt, **options):
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


@pytest.mark.parametrize("name, make, thumb_size", [
    ("渐进式.jpg", lambda: _save(_noise(1000, 700), "JPEG", progressive=True), (320, 224)),
    ("无损.webp", lambda: _save(_noise(500, 500), "WEBP", lossless=True), (320, 320)),
    ("调色板.png", lambda: _save(_noise(500, 300).convert("P"), "PNG", transparency=0), (320, 192)),
    ("十六位.png", lambda: _save(Image.new("I;16", (300, 200), 1000), "PNG"), (300, 200)),
    ("动图.gif", lambda: _save(_noise(200, 200).convert("P"), "GIF", save_all=True,
                             append_images=[_noise(200, 199).convert("P")]), (200, 200)),
])
def test_varied_real_images_are_accepted(name, make, thumb_size):
    s.pdf_bytes()  # with WeasyPrint's process-wide Pillow setting in force
    checked = check_upload(s.upload(name, make()), "photo")
    assert Image.open(io.BytesIO(checked.thumbnail)).size == thumb_size


def test_thumbnail_follows_the_exif_orientation():
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone turned: rotate 90 degrees to show
    data = _save(_noise(800, 600), "JPEG", exif=exif)
    checked = check_upload(s.upload("竖拍.jpg", data), "photo")
    assert Image.open(io.BytesIO(checked.thumbnail)).size == (240, 320)


def test_zip_declaring_too_many_entries_is_refused_before_it_is_listed(archive_purpose):
    data = s.zip_bytes({f"{i}.txt": "" for i in range(10_001)})
    assert refused("很多文件.zip", data, "test_archive") == (
        "too_many_entries", "压缩文件内的文件过多（超过 10000 个），不允许上传")
    assert check_upload(s.upload("正常.zip", s.zip_bytes({f"{i}.txt": "x" for i in range(100)})),
                        "test_archive").type.code == "zip"
