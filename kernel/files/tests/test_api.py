"""The attachment API: list and upload per owner record, metadata, delete, content; scope and errors."""
import hashlib

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from kernel.audit.models import ChangeLog, OperationLog
from kernel.files.models import Attachment
from kernel.files.services import DOWNLOAD_ACTION, store

from . import samples as s
from .conftest import stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kernel.files.tests.urls")]


def owner_url(owner):
    return f"/api/files/owners/org.organisation/{owner.pk}/attachments/"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def doc(org, nn_editor):
    return store(org, s.upload("整改报告.docx", s.docx_bytes()), "document", nn_editor)


def test_anonymous_gets_nothing(org, doc):
    client = APIClient()
    assert client.get(owner_url(org)).status_code in (401, 403)
    assert client.get(f"/api/files/attachments/{doc.pk}/content/").status_code in (401, 403)


def test_upload_returns_the_attachment_and_is_audited(org, nn_editor):
    data = s.pdf_bytes()
    token = Token.objects.create(user=nn_editor)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(owner_url(org), {"file": s.upload("责令改正通知书.pdf", data), "purpose": "notice"},
                           format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    attachment = Attachment.objects.get()
    assert body["id"] == attachment.pk and body["sha256"] == hashlib.sha256(data).hexdigest()
    assert (body["original_name"], body["kind"], body["kind_label"], body["purpose_label"], body["size"]) == (
        "责令改正通知书.pdf", "pdf", "PDF", "文书", len(data))
    assert body["owner_type"] == "org.organisation" and body["object_id"] == org.pk
    assert body["download_url"] == f"http://testserver/files/{attachment.pk}/"
    assert body["content_url"] == f"http://testserver/api/files/attachments/{attachment.pk}/content/"
    assert ChangeLog.objects.get(content_type__app_label="files").actor == nn_editor


@pytest.mark.parametrize("payload, errors", [
    ({"file": ("整改报告.docx", "png"), "purpose": "document"},
     {"file": ["文件类型与扩展名不符：文件内容为“PNG 图片”，扩展名却是“.docx”"]}),
    ({"file": ("通知书.pdf", "exe"), "purpose": "document"}, {"file": ["不允许上传可执行文件"]}),
    ({"file": ("通知书.pdf", "pdf"), "purpose": "no_such_use"}, {"purpose": ["未知的附件用途"]}),
    ({"file": ("空白.pdf", "empty"), "purpose": "document"}, {"file": ["文件为空，请重新选择"]}),
])
def test_refused_uploads_get_field_errors(org, nn_editor, media_root, payload, errors):
    make = {"png": lambda: s.image_bytes("PNG"), "exe": s.pe_bytes, "pdf": s.pdf_bytes, "empty": lambda: b""}
    name, content = payload["file"]
    response = api(nn_editor).post(owner_url(org), {"file": s.upload(name, make[content]()),
                                                    "purpose": payload["purpose"]}, format="multipart")
    assert response.status_code == 400 and response.json() == errors
    assert not Attachment.all_objects.exists() and stored_files(media_root) == []


def test_duplicate_upload_is_a_file_error(org, doc, nn_editor):
    data = doc.file.open("rb").read()
    response = api(nn_editor).post(owner_url(org), {"file": s.upload("副本.docx", data), "purpose": "document"},
                                   format="multipart")
    assert response.status_code == 400 and response.json() == {"file": ["该记录已有相同内容的附件“整改报告.docx”"]}


def test_list_detail_and_content_in_the_owner_city(org, doc, nn_viewer, nn_editor):
    store(org, s.upload("现场.jpg", s.image_bytes("JPEG")), "photo", nn_editor)
    client = api(nn_viewer)
    listing = client.get(owner_url(org)).json()
    assert listing["count"] == 2 and {r["original_name"] for r in listing["results"]} == {"整改报告.docx", "现场.jpg"}
    photos = client.get(owner_url(org), {"purpose": "photo"}).json()["results"]
    assert [r["original_name"] for r in photos] == ["现场.jpg"] and photos[0]["thumbnail_url"].endswith("/thumb/")
    assert client.get(f"/api/files/attachments/{doc.pk}/").json()["sha256"] == doc.sha256
    content = client.get(f"/api/files/attachments/{doc.pk}/content/")
    data = b"".join(content.streaming_content)
    assert hashlib.sha256(data).hexdigest() == doc.sha256
    assert content["Content-Disposition"].startswith("attachment; ")
    assert OperationLog.objects.get(action=DOWNLOAD_ACTION).detail["attachment_id"] == doc.pk


def test_other_city_gets_404_everywhere(org, doc, lz_editor):
    client = api(lz_editor)
    assert client.get(owner_url(org)).status_code == 404
    assert client.post(owner_url(org), {"file": s.upload("a.pdf", s.pdf_bytes()), "purpose": "document"},
                       format="multipart").status_code == 404
    for url in (f"/api/files/attachments/{doc.pk}/", f"/api/files/attachments/{doc.pk}/content/"):
        assert client.get(url).status_code == 404
    assert client.delete(f"/api/files/attachments/{doc.pk}/").status_code == 404
    assert Attachment.objects.filter(pk=doc.pk).exists()


def test_delete_needs_the_change_permission(org, doc, nn_viewer, nn_editor, media_root):
    assert api(nn_viewer).delete(f"/api/files/attachments/{doc.pk}/").status_code == 403
    assert api(nn_viewer).post(owner_url(org), {"file": s.upload("a.pdf", s.pdf_bytes()), "purpose": "document"},
                               format="multipart").status_code == 403
    assert api(nn_editor).delete(f"/api/files/attachments/{doc.pk}/").status_code == 204
    assert Attachment.all_objects.get(pk=doc.pk).is_deleted and (media_root / doc.file.name).exists()


def test_openapi_schema_describes_the_endpoints(nn_viewer):
    client = APIClient()
    client.force_authenticate(nn_viewer)
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    upload = paths["/api/files/owners/{model}/{id}/attachments/"]["post"]  # drf-spectacular names pk "id"
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert set(upload["responses"]) == {"201", "400"}
    assert "get" in paths["/api/files/attachments/{id}/content/"]
    assert {"get", "delete"} <= set(paths["/api/files/attachments/{id}/"])
