"""Word (docxtpl) and PDF (WeasyPrint) documents: the example 通知书 rendered and read back."""
import http.server
import io
import re
import shutil
import subprocess
import threading

import pytest
from django.conf import settings
from docx import Document

from kernel.exports.documents import (
    DocumentError,
    docx_response,
    local_url_fetcher,
    pdf_response,
    render_docx,
    render_pdf,
)

CONTEXT = {
    "title": "责令改正通知书",
    "number": "桂南市监特责改〔2026〕18号",
    "recipient": "南宁A&B<建设>有限公司",
    "paragraphs": ["经查，你单位使用的3台电梯未按期申报定期检验。", "请于2026年2月10日前改正，并将改正情况书面报告本局。"],
    "issuer": "南宁市市场监督管理局",
    "date": "2026年1月20日",
}
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")


def pdf_text(content: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return done.stdout.decode()


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


class TestDocx:
    def test_notice_renders_with_escaped_values(self):
        doc = Document(io.BytesIO(render_docx("exports/notice.docx", CONTEXT)))
        texts = [p.text for p in doc.paragraphs if p.text]
        assert texts == ["责令改正通知书", "桂南市监特责改〔2026〕18号", "南宁A&B<建设>有限公司：",
                         CONTEXT["paragraphs"][0], CONTEXT["paragraphs"][1], "南宁市市场监督管理局（盖章）",
                         "2026年1月20日"]

    def test_optional_number_paragraph_disappears(self):
        doc = Document(io.BytesIO(render_docx("exports/notice.docx", {**CONTEXT, "number": ""})))
        assert [p.text for p in doc.paragraphs if p.text][:2] == ["责令改正通知书", "南宁A&B<建设>有限公司："]

    def test_file_object_and_absolute_path_are_accepted(self):
        path = settings.BASE_DIR / "kernel/exports/templates/exports/notice.docx"
        with open(path, "rb") as fh:
            from_file = Document(io.BytesIO(render_docx(fh, CONTEXT))).paragraphs[0].text
        from_path = Document(io.BytesIO(render_docx(str(path), CONTEXT))).paragraphs[0].text
        assert from_file == from_path == "责令改正通知书"

    def test_missing_template_and_sandbox(self):
        with pytest.raises(DocumentError, match="模板文件不存在"):
            render_docx("exports/no-such.docx", CONTEXT)
        with pytest.raises(DocumentError):
            render_docx("../../../etc/passwd", CONTEXT)

    def test_response(self):
        response = docx_response("exports/notice.docx", CONTEXT, "责令改正通知书")
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
        assert response["Content-Disposition"].endswith(".docx")
        assert Document(io.BytesIO(response.content)).paragraphs[0].text == "责令改正通知书"


@needs_poppler
class TestPdf:
    def test_notice_text_reads_back(self):
        content = render_pdf("exports/notice.html", CONTEXT)
        assert content.startswith(b"%PDF-")
        text = squeeze(pdf_text(content))
        for expected in ("责令改正通知书", "桂南市监特责改〔2026〕18号", "南宁A&B<建设>有限公司：",
                         squeeze(CONTEXT["paragraphs"][0]), squeeze(CONTEXT["paragraphs"][1]),
                         "南宁市市场监督管理局（盖章）", "2026年1月20日", "第1页共1页"):
            assert expected in text

    def test_a4_pages_and_footer_counts(self):
        long = {**CONTEXT, "paragraphs": [f"第{i}段：依据《特种设备安全法》第四十条的规定，请按期申报检验。" for i in range(1, 80)]}
        content = render_pdf("exports/notice.html", long)
        info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True).stdout.decode()
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        assert pages >= 2
        assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
        text = squeeze(pdf_text(content))
        assert f"第1页共{pages}页" in text and f"第{pages}页共{pages}页" in text

    def test_cjk_fonts_are_embedded(self):
        content = render_pdf("exports/notice.html", CONTEXT)
        fonts = subprocess.run(["pdffonts", "-"], input=content, capture_output=True, check=True).stdout.decode()
        assert "Noto-Serif-CJK-SC" in fonts and "Noto-Sans-CJK-SC" in fonts

    def test_response(self):
        response = pdf_response("exports/notice.html", CONTEXT, "责令改正通知书", inline=True)
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("inline;") and response["Content-Disposition"].endswith(".pdf")
        assert "责令改正通知书" in squeeze(pdf_text(response.content))


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):  # noqa: N802 - the standard library's name
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    _CountingHandler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class TestNoNetwork:
    def test_fetcher_refuses_http_and_files_outside_the_project(self, local_server):
        fetcher = local_url_fetcher()
        with pytest.raises(ValueError, match="不允许读取外部资源"):
            fetcher(f"{local_server}/style.css")
        with pytest.raises(ValueError):
            fetcher("file:///etc/passwd")
        with pytest.raises(ValueError):
            fetcher("ftp://127.0.0.1/x")
        assert _CountingHandler.hits == []
        assert fetcher("data:text/plain;base64,5L2g5aW9").read() == "你好".encode()
        inside = (settings.BASE_DIR / "kernel/exports/templates/exports/pdf_base.html").resolve()
        assert b"@page" in fetcher(inside.as_uri()).read()
        assert len(fetcher.refused) == 3

    def test_weasyprint_never_opens_a_connection(self, local_server):
        from weasyprint import HTML

        html = (f'<link rel="stylesheet" href="{local_server}/a.css"><style>@import url("{local_server}/b.css");</style>'
                f'<p>正文</p><img src="{local_server}/seal.png">')
        fetcher = local_url_fetcher()
        pdf = HTML(string=html, url_fetcher=fetcher).write_pdf()
        assert pdf.startswith(b"%PDF-")
        assert _CountingHandler.hits == []
        assert len(fetcher.refused) == 3
        # the default fetcher would have fetched them: the server is reachable
        import urllib.request

        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        assert opener.open(f"{local_server}/probe.css").read() == b"body { color: red }"
        assert _CountingHandler.hits == ["/probe.css"]
