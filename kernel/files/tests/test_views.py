"""Download, thumbnail, the HTMX panel (list, upload, delete) and the size-limit upload handler."""
import hashlib
import io
import re
from urllib.parse import unquote

import pytest
from django.template import Context, RequestContext, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from PIL import Image

from kernel.audit.models import ChangeLog, OperationLog
from kernel.core.testing import make_staff
from kernel.files.models import Attachment
from kernel.files.services import DOWNLOAD_ACTION, content_disposition, store
from kernel.files.uploads import limit_uploads, too_large

from . import samples as s
from .conftest import make_enterprise_user, stored_files

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
NAME = "检查笔录（2026）第1号 final.docx"


@pytest.fixture
def doc(org, nn_editor):
    return store(org, s.upload(NAME, s.docx_bytes()), "evidence", nn_editor)


@pytest.fixture
def photo(org, nn_editor):
    return store(org, s.upload("现场照片.jpg", s.image_bytes("JPEG", (1200, 900))), "evidence", nn_editor)


def login(client, user):
    client.force_login(user)
    return client


def body(response):
    return b"".join(response.streaming_content)


def disposition_name(header):
    match = re.search(r"filename\*=UTF-8''([^;]+)", header)
    return unquote(match.group(1))


# -- download ----------------------------------------------------------------------------------------
def test_anonymous_is_sent_to_login(client, doc, photo, org):
    for url in (reverse("files:download", args=[doc.pk]), reverse("files:thumbnail", args=[photo.pk]),
                reverse("files:panel", args=["org.organisation", org.pk, "evidence"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/gov/login/?next={url}"
    assert client.post(reverse("files:delete", args=[doc.pk])).status_code == 302
    assert Attachment.objects.filter(pk=doc.pk).exists()


def test_download_in_the_owner_city_streams_the_file_with_its_name(client, doc, nn_viewer):
    response = login(client, nn_viewer).get(reverse("files:download", args=[doc.pk]))
    assert response.status_code == 200 and response.streaming
    data = body(response)
    assert data == doc.file.open("rb").read() and len(data) == doc.size
    assert hashlib.sha256(data).hexdigest() == doc.sha256
    assert response["Content-Type"] == doc.mime_type
    assert response["Content-Length"] == str(doc.size)
    assert response["X-Content-Type-Options"] == "nosniff"
    header = response["Content-Disposition"]
    assert header.startswith('attachment; filename="2026_1_final.docx"; filename*=UTF-8\'\'')
    assert disposition_name(header) == NAME


def test_download_is_logged_as_an_operation(client, doc, nn_viewer):
    login(client, nn_viewer).get(reverse("files:download", args=[doc.pk]))
    row = OperationLog.objects.get(action=DOWNLOAD_ACTION)
    assert row.actor == nn_viewer and row.success
    assert row.detail == {"attachment_id": doc.pk, "file_name": NAME, "owner": f"org.organisation:{doc.object_id}",
                          "purpose": "evidence", "sha256": doc.sha256, "size": doc.size}


def test_other_city_gets_404_and_nothing_is_logged(client, doc, photo, org, lz_editor):
    c = login(client, lz_editor)
    assert c.get(reverse("files:download", args=[doc.pk])).status_code == 404
    assert c.get(reverse("files:thumbnail", args=[photo.pk])).status_code == 404
    assert c.get(reverse("files:panel", args=["org.organisation", org.pk, "evidence"])).status_code == 404
    assert c.post(reverse("files:delete", args=[doc.pk])).status_code == 404
    assert not OperationLog.objects.filter(action=DOWNLOAD_ACTION).exists()
    assert Attachment.objects.filter(pk=doc.pk).exists()


def test_same_city_without_the_view_permission_gets_403(client, doc):
    c = login(client, make_staff("450100", []))
    assert c.get(reverse("files:download", args=[doc.pk])).status_code == 403


def test_deleted_attachment_is_gone(client, doc, nn_editor):
    doc.delete()
    assert login(client, nn_editor).get(reverse("files:download", args=[doc.pk])).status_code == 404


def test_images_and_pdf_open_inline_unless_asked_to_download(client, photo, org, nn_editor, nn_viewer):
    pdf = store(org, s.upload("通知书.pdf", s.pdf_bytes()), "notice", nn_editor)
    c = login(client, nn_viewer)
    image = c.get(reverse("files:download", args=[photo.pk]))
    assert image["Content-Disposition"].startswith("inline; ") and image["Content-Type"] == "image/jpeg"
    assert "sandbox" in image["Content-Security-Policy"]
    inline_pdf = c.get(reverse("files:download", args=[pdf.pk]))
    assert inline_pdf["Content-Disposition"].startswith("inline; ") and body(inline_pdf).startswith(b"%PDF-")
    forced = c.get(reverse("files:download", args=[photo.pk]) + "?download=1")
    assert forced["Content-Disposition"].startswith("attachment; ")
    assert disposition_name(forced["Content-Disposition"]) == "现场照片.jpg"


def test_thumbnail_is_served_and_not_logged(client, photo, doc, nn_viewer):
    c = login(client, nn_viewer)
    response = c.get(reverse("files:thumbnail", args=[photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    thumb = Image.open(io.BytesIO(body(response)))
    assert max(thumb.size) <= 320 and thumb.size == (320, 240)
    assert c.get(reverse("files:thumbnail", args=[doc.pk])).status_code == 404  # a document has none
    assert not OperationLog.objects.filter(action=DOWNLOAD_ACTION).exists()


def test_enterprise_user_downloads_its_own_records_attachments_only(client, doc, lz_org, nn_editor):
    other = store(lz_org, s.upload("柳州.pdf", s.pdf_bytes()), "document", make_staff("450200", [], is_superuser=True))
    c = login(client, make_enterprise_user(doc.owner))
    assert c.get(reverse("files:download", args=[doc.pk])).status_code == 200
    assert c.get(reverse("files:download", args=[other.pk])).status_code == 404


def test_content_disposition_fallbacks():
    assert content_disposition("attachment", "现场照片.jpg") == (
        "attachment; filename=\"file.jpg\"; filename*=UTF-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.jpg")
    assert content_disposition("inline", 'a"b;c.pdf') == "inline; filename=\"a_b_c.pdf\"; filename*=UTF-8''a%22b%3Bc.pdf"
    assert content_disposition("attachment", "说明") == "attachment; filename=\"file\"; filename*=UTF-8''%E8%AF%B4%E6%98%8E"


# -- the panel -------------------------------------------------------------------------------------------
def panel_url(org, purpose="evidence"):
    return reverse("files:panel", args=["org.organisation", org.pk, purpose])


def test_panel_lists_attachments_with_links(client, org, doc, photo, nn_viewer):
    html = login(client, nn_viewer).get(panel_url(org)).content.decode()
    assert NAME in html and "现场照片.jpg" in html
    assert reverse("files:download", args=[doc.pk]) in html
    assert reverse("files:thumbnail", args=[photo.pk]) in html
    assert "<form" not in html  # a viewer may neither upload nor delete
    all_html = client.get(reverse("files:panel_all", args=["org.organisation", org.pk])).content.decode()
    assert NAME in all_html and "证据材料" in all_html


def test_panel_of_an_unknown_model_or_purpose_is_404(client, org, nn_editor):
    c = login(client, nn_editor)
    assert c.get(reverse("files:panel", args=["org.nothing", org.pk, "evidence"])).status_code == 404
    assert c.get(panel_url(org, "no_such_use")).status_code == 404


def test_htmx_upload_returns_the_refreshed_panel_and_is_audited(client, org, nn_editor, media_root):
    c = login(client, nn_editor)
    html = c.get(panel_url(org)).content.decode()
    assert 'accept=".pdf,.doc,.wps,.docx,.xls,.xlsx,.jpg,.jpeg' in html and "hx-post" in html
    response = c.post(panel_url(org), {"file": s.upload("整改照片.png", s.image_bytes("PNG")),
                                       "next": f"/gov/org/organisations/{org.pk}/"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "已上传“整改照片.png”" in html and 'id="attachments-' in html
    attachment = Attachment.objects.get()
    assert (attachment.original_name, attachment.purpose, attachment.created_by) == ("整改照片.png", "evidence", nn_editor)
    log = ChangeLog.objects.get(content_type__app_label="files", object_id=str(attachment.pk))
    assert (log.action, log.actor, log.ip) == ("create", nn_editor, "127.0.0.1")
    assert len(stored_files(media_root)) == 2  # the file and its thumbnail


@pytest.mark.parametrize("name, make, message", [
    ("通知书.pdf", s.pe_bytes, "不允许上传可执行文件"),
    ("整改报告.docx", lambda: s.image_bytes("PNG"), "文件类型与扩展名不符：文件内容为“PNG 图片”，扩展名却是“.docx”"),
    ("空白.pdf", lambda: b"", "文件为空，请重新选择"),
])
def test_htmx_upload_errors_are_shown_on_the_field(client, org, nn_editor, media_root, name, make, message):
    response = login(client, nn_editor).post(panel_url(org), {"file": s.upload(name, make())}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<div class="invalid-feedback d-block" data-field="file">{message}</div>' in html
    assert "is-invalid" in html
    assert not Attachment.all_objects.exists() and stored_files(media_root) == []


def test_plain_form_upload_redirects_back_with_a_message(client, org, nn_editor):
    c = login(client, nn_editor)
    response = c.post(panel_url(org), {"file": s.upload("通知书.pdf", s.pdf_bytes()),
                                       "next": f"/gov/org/organisations/{org.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/gov/org/organisations/{org.pk}/"
    refused = c.post(panel_url(org), {"file": s.upload("病毒.pdf", s.pe_bytes()), "next": "https://evil.example/"})
    assert refused["Location"] == f"/gov/org/organisations/{org.pk}/"  # never off-site
    messages = [str(m) for m in refused.wsgi_request._messages]
    assert messages == ["已上传“通知书.pdf”", "上传失败：不允许上传可执行文件"]
    assert Attachment.objects.count() == 1


def test_upload_needs_permission_and_scope(client, org, nn_viewer, lz_editor):
    data = {"file": s.upload("通知书.pdf", s.pdf_bytes())}
    assert login(client, nn_viewer).post(panel_url(org), data, **HTMX).status_code == 403
    data = {"file": s.upload("通知书.pdf", s.pdf_bytes())}
    assert login(client, lz_editor).post(panel_url(org), data, **HTMX).status_code == 404
    assert not Attachment.all_objects.exists()


def test_upload_is_csrf_protected(org, nn_editor):
    c = Client(enforce_csrf_checks=True)
    c.force_login(nn_editor)
    response = c.post(panel_url(org), {"file": s.upload("通知书.pdf", s.pdf_bytes())}, **HTMX)
    assert response.status_code == 403 and not Attachment.all_objects.exists()
    c.get(panel_url(org))  # the panel sets the CSRF cookie
    token = c.cookies["csrftoken"].value
    response = c.post(panel_url(org), {"file": s.upload("通知书.pdf", s.pdf_bytes())}, HTTP_X_CSRFTOKEN=token, **HTMX)
    assert response.status_code == 200 and Attachment.objects.count() == 1


def test_htmx_delete_soft_deletes_and_keeps_the_file(client, org, doc, nn_editor, media_root):
    c = login(client, nn_editor)
    html = c.get(panel_url(org)).content.decode()
    assert reverse("files:delete", args=[doc.pk]) in html and "hx-confirm" in html
    response = c.post(reverse("files:delete", args=[doc.pk]), {"panel": "evidence"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and f"已删除“{NAME}”" in html and "暂无附件" in html
    assert Attachment.all_objects.get(pk=doc.pk).is_deleted
    assert (media_root / doc.file.name).exists()
    assert ChangeLog.objects.filter(content_type__app_label="files", object_id=str(doc.pk), action="delete",
                                    actor=nn_editor).count() == 1


def test_delete_without_change_permission_is_403(client, doc, nn_viewer):
    assert login(client, nn_viewer).post(reverse("files:delete", args=[doc.pk]), **HTMX).status_code == 403
    assert Attachment.objects.filter(pk=doc.pk).exists()


def test_template_tag_renders_the_panel_on_a_record_page(org, doc, nn_editor, lz_editor):
    request = RequestFactory().get(f"/gov/org/organisations/{org.pk}/")
    template = Template('{% load attachments %}{% attachment_panel owner "evidence" %}')
    request.user = nn_editor
    html = template.render(RequestContext(request, {"owner": org}))
    assert NAME in html and 'name="next" value="/gov/org/organisations/' in html and "上传证据材料" in html
    request.user = lz_editor  # not in scope: nothing at all
    assert template.render(RequestContext(request, {"owner": org})).strip() == ""
    assert Template("{% load attachments %}").render(Context()) == ""
    request.user = nn_editor
    with pytest.raises(ValueError, match="unknown attachment purpose 'evidnce'"):  # a typo in a template
        Template('{% load attachments %}{% attachment_panel owner "evidnce" %}').render(
            RequestContext(request, {"owner": org}))


def test_delete_from_the_all_purposes_panel_returns_that_panel(client, org, doc, photo, nn_editor):
    response = login(client, nn_editor).post(reverse("files:delete", args=[doc.pk]), {"panel": ""}, **HTMX)
    html = response.content.decode()
    assert 'id="attachments-' in html and html.count('data-attachment="') == 1 and "现场照片.jpg" in html
    assert "-all\"" in html and "<input type=\"file\"" not in html  # no upload without a purpose


# -- the size-limit upload handler --------------------------------------------------------------------------
def test_upload_over_the_limit_is_not_kept_while_the_body_is_read():
    from django.core.handlers.wsgi import WSGIRequest

    environ = RequestFactory().post("/files/", {"file": s.upload("大.pdf", b"%PDF-1.4\n" + b"0" * 5000),
                                                "next": "/x/"}).environ
    request = WSGIRequest(environ)
    limit_uploads(request, 2048)
    assert "file" not in request.FILES and request.POST["next"] == "/x/"
    assert too_large(request) == 2048
    request = WSGIRequest(RequestFactory().post("/files/", {"file": s.upload("小.pdf", b"%PDF-1.4\n")}).environ)
    limit_uploads(request, 2048)
    assert request.FILES["file"].read() == b"%PDF-1.4\n" and too_large(request) is None


def test_panel_upload_over_the_purpose_limit_is_refused(client, org, nn_editor, media_root):
    from kernel.files import purposes as registry

    registry.register_purpose("test_tiny", "小文件", ["pdf"], max_bytes=1024)
    try:
        response = login(client, nn_editor).post(
            panel_url(org, "test_tiny"), {"file": s.upload("大.pdf", b"%PDF-1.4\n" + b"0" * 3000)}, **HTMX)
    finally:
        registry._registry.pop("test_tiny")
    assert "文件大小超过上限 1 KB" in response.content.decode()
    assert not Attachment.all_objects.exists() and stored_files(media_root) == []
