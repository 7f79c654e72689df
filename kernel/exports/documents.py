"""Word documents from templates (docxtpl) and PDF from HTML templates (WeasyPrint).

    render_docx("exports/notice.docx", {"title": ..., "recipient": ..., "paragraphs": [...]}) -> bytes
    render_pdf("exports/notice.html", {...}) -> bytes          # A4, Noto CJK, "第 N 页 共 M 页"
    docx_response(...), pdf_response(...)                      # downloads

Neither ever touches the network: Word templates are rendered in a Jinja sandbox with XML escaping,
and WeasyPrint gets a URL fetcher that only reads data: URLs and files under the project's own
directories (templates, static files, media), refusing http(s), ftp and every other scheme.
"""
from io import BytesIO
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.template import engines
from django.template.loader import render_to_string

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_CONTENT_TYPE = "application/pdf"


class DocumentError(Exception):
    pass


def find_template_file(name: str) -> Path:
    """A file (e.g. a .docx template) looked up like a Django template: project then app template dirs."""
    path = Path(name)
    if path.is_absolute():
        if path.is_file():
            return path
        raise DocumentError(f"模板文件不存在：{name}")
    for directory in engines["django"].template_dirs:
        candidate = (Path(directory) / name).resolve()
        if candidate.is_file() and candidate.is_relative_to(Path(directory).resolve()):
            return candidate
    raise DocumentError(f"模板文件不存在：{name}")


# -- Word ---------------------------------------------------------------------------------------

def render_docx(template, context: dict) -> bytes:
    """Render a docxtpl template (a template name, a path, or an open binary file) with `context`.

    Values are XML-escaped ("&", "<" in a company name stay text) and the Jinja environment is
    sandboxed, so a template cannot reach Python internals."""
    from docxtpl import DocxTemplate
    from jinja2.sandbox import SandboxedEnvironment

    source = template
    if isinstance(template, (str, Path)):
        source = str(find_template_file(str(template)))
    doc = DocxTemplate(source)
    doc.render(context, jinja_env=SandboxedEnvironment(autoescape=True), autoescape=True)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()


def a4_document(*, font="仿宋", size=11, side_cm=2.2, top_cm=2.2):
    """A new python-docx Document laid out as Chinese government papers are: A4, the body in `font` (East
    Asian and Latin alike) at `size` points. For documents built in code (reports whose tables grow) and for
    writing the layout of a docxtpl template."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(side_cm)
    section.top_margin = section.bottom_margin = Cm(top_cm)
    normal = doc.styles["Normal"]
    normal.font.name = font
    normal.font.size = Pt(size)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), font)
    return doc


def styled_run(paragraph, text, *, bold=False, size=None, font=None):
    """Add a run of `text` to a python-docx paragraph, optionally bold, sized (points) and in a font that
    also applies to Chinese characters (黑体 titles)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    r = paragraph.add_run(text)
    r.bold = bold
    if size:
        r.font.size = Pt(size)
    if font:
        r.font.name = font
        r._element.rPr.rFonts.set(qn("w:eastAsia"), font)
    return r


def docx_response(template, context: dict, filename: str, *, inline=False) -> HttpResponse:
    return _file_response(render_docx(template, context), DOCX_CONTENT_TYPE, _with_suffix(filename, ".docx"), inline)


# -- PDF ----------------------------------------------------------------------------------------

def _allowed_roots() -> list[Path]:
    roots = [Path(settings.BASE_DIR), Path(settings.STATIC_ROOT), Path(settings.MEDIA_ROOT)]
    for entry in getattr(settings, "STATICFILES_DIRS", []):
        roots.append(Path(entry[1] if isinstance(entry, (tuple, list)) else entry))
    roots.extend(Path(d) for d in engines["django"].template_dirs)
    return [r.resolve() for r in roots]


def _local_fetcher_class():
    from weasyprint.urls import URLFetcher

    class LocalOnlyURLFetcher(URLFetcher):
        """Fetches data: URLs and files under the project's directories; refuses everything else."""

        def __init__(self, roots=None, **kwargs):
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, **kwargs)
            self.roots = [Path(r).resolve() for r in (roots if roots is not None else _allowed_roots())]
            self.refused = []

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if any(path.is_relative_to(root) for root in self.roots):
                    return super().fetch(url, headers)
            self.refused.append(url)
            raise ValueError(f"不允许读取外部资源：{url}")

    return LocalOnlyURLFetcher


def local_url_fetcher(roots=None):
    """A WeasyPrint URL fetcher that never opens a network connection."""
    return _local_fetcher_class()(roots=roots)


def render_pdf(html_template_name: str, context: dict, *, url_fetcher=None) -> bytes:
    """Render a Django HTML template to PDF (A4 and fonts come from the template's CSS; see
    exports/pdf_base.html, which sets Noto CJK and the "第 N 页 共 M 页" footer)."""
    from weasyprint import HTML

    html = render_to_string(html_template_name, context)
    fetcher = url_fetcher or local_url_fetcher()
    base_url = Path(settings.BASE_DIR).resolve().as_uri() + "/"
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()


def pdf_response(html_template_name: str, context: dict, filename: str, *, inline=False) -> HttpResponse:
    return _file_response(render_pdf(html_template_name, context), PDF_CONTENT_TYPE,
                          _with_suffix(filename, ".pdf"), inline)


# -- helpers ------------------------------------------------------------------------------------

def _with_suffix(filename, suffix):
    return filename if filename.lower().endswith(suffix) else filename + suffix


def _file_response(content: bytes, content_type: str, filename: str, inline: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
