"""store(), scope of attachments, soft delete and the audit trail."""
import hashlib
import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from kernel.audit.models import ChangeLog
from kernel.core import context
from kernel.core.testing import make_staff
from kernel.files import purposes as purpose_registry
from kernel.files.models import Attachment
from kernel.files.purposes import register_purpose
from kernel.files.services import attachments_of, delete_attachment, may_delete, may_upload, may_view, store
from kernel.org.models import Region
from kernel.org.scope import restrict
from tests.testapp.models import Application

from . import samples as s
from .conftest import EDIT, VIEW, make_enterprise_user, stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def temp_purpose():
    keys = []

    def make(key, *args, **kwargs):
        keys.append(key)
        return register_purpose(key, *args, **kwargs)

    yield make
    for key in keys:
        purpose_registry._registry.pop(key, None)


def test_store_keeps_the_file_under_a_random_name_with_its_facts(org, nn_editor, media_root):
    data = s.docx_bytes()
    attachment = store(org, s.upload("../整改报告（第1号）.docx", data), "document", nn_editor)
    attachment.refresh_from_db()
    assert attachment.owner == org and attachment.purpose == "document"
    assert (attachment.original_name, attachment.extension, attachment.kind, attachment.size) == (
        "整改报告（第1号）.docx", "docx", "word", len(data))
    assert attachment.mime_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.uploaded_by == nn_editor and not attachment.thumbnail
    assert re.fullmatch(r"attachments/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}\.docx", attachment.file.name)
    assert stored_files(media_root) == [media_root / attachment.file.name]
    assert (media_root / attachment.file.name).read_bytes() == data


def test_image_gets_a_stored_thumbnail_of_at_most_320_px(org, nn_editor, media_root):
    attachment = store(org, s.upload("现场照片.jpg", s.image_bytes("JPEG", (1600, 1200))), "photo", nn_editor)
    assert re.fullmatch(r"attachments/thumbs/\d{4}/\d{2}/\d{2}/[0-9a-f]{32}\.jpg", attachment.thumbnail.name)
    thumb = Image.open(media_root / attachment.thumbnail.name)
    assert thumb.format == "JPEG" and thumb.size == (320, 240)
    assert (attachment.width, attachment.height, attachment.mime_type) == (1600, 1200, "image/jpeg")
    # the thumbnail and the original share the random id, nothing of the user's file name
    assert attachment.file.name.rsplit("/", 1)[1][:32] == attachment.thumbnail.name.rsplit("/", 1)[1][:32]


def test_refused_file_stores_nothing(org, nn_editor, media_root):
    with pytest.raises(ValidationError, match="不允许上传可执行文件"):
        store(org, s.upload("通知书.pdf", s.pe_bytes()), "document", nn_editor)
    with pytest.raises(ValidationError, match="文件类型与扩展名不符"):
        store(org, s.upload("整改报告.docx", s.image_bytes("PNG")), "document", nn_editor)
    assert Attachment.all_objects.count() == 0 and stored_files(media_root) == []
    assert not ChangeLog.objects.filter(content_type__app_label="files").exists()


def test_owner_must_be_visible_and_upload_permitted(org, nn_viewer, lz_editor, media_root):
    data = s.pdf_bytes()
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        store(org, s.upload("通知书.pdf", data), "notice", lz_editor)
    with pytest.raises(PermissionDenied, match="没有为该记录上传附件的权限"):
        store(org, s.upload("通知书.pdf", data), "notice", nn_viewer)
    assert Attachment.all_objects.count() == 0 and stored_files(media_root) == []


def test_a_purpose_can_name_its_own_permission(org, temp_purpose):
    temp_purpose("test_licence", "许可证", ["pdf"], perm="org.export_organisation")
    editor = make_staff("450100", EDIT)  # may change the record, but lacks the purpose's permission
    assert not may_upload(editor, org, "test_licence")
    with pytest.raises(PermissionDenied):
        store(org, s.upload("许可证.pdf", s.pdf_bytes()), "test_licence", editor)
    exporter = make_staff("450100", VIEW + ["org.export_organisation"])
    assert store(org, s.upload("许可证.pdf", s.pdf_bytes()), "test_licence", exporter).kind == "pdf"


def test_enterprise_user_uploads_to_its_own_record_only(org, lz_org):
    user = make_enterprise_user(org)
    assert store(org, s.upload("营业执照.jpg", s.image_bytes("JPEG")), "photo", user).created_by == user
    with pytest.raises(PermissionDenied):
        store(lz_org, s.upload("营业执照.jpg", s.image_bytes("JPEG")), "photo", user)


def test_same_content_twice_on_one_record_is_refused_until_deleted(org, lz_org, nn_editor):
    data = s.docx_bytes()
    first = store(org, s.upload("报告.docx", data), "document", nn_editor)
    with pytest.raises(ValidationError) as info:
        store(org, s.upload("报告副本.docx", data), "document", nn_editor)
    assert info.value.messages == ["该记录已有相同内容的附件“报告.docx”"]
    assert store(org, s.upload("报告.docx", data), "evidence", nn_editor).purpose == "evidence"  # another use
    delete_attachment(first, nn_editor)
    assert store(org, s.upload("报告.docx", data), "document", nn_editor).sha256 == first.sha256


def test_number_of_files_per_record_is_limited(org, nn_editor, temp_purpose, media_root):
    temp_purpose("test_two", "两张照片", ["image"], max_files=2)
    store(org, s.upload("一.png", s.image_bytes("PNG", color=(1, 2, 3))), "test_two", nn_editor)
    store(org, s.upload("二.png", s.image_bytes("PNG", color=(4, 5, 6))), "test_two", nn_editor)
    before = stored_files(media_root)
    with pytest.raises(ValidationError, match="“两张照片”最多上传 2 个文件"):
        store(org, s.upload("三.png", s.image_bytes("PNG", color=(7, 8, 9))), "test_two", nn_editor)
    assert Attachment.objects.filter(purpose="test_two").count() == 2 and stored_files(media_root) == before


# -- scope ---------------------------------------------------------------------------------------------
@pytest.fixture
def spread(org, lz_org):
    """Attachments of two owner types in two cities: Organisation and the test Application."""
    admin = make_staff("450000", [], is_superuser=True)
    nn_app = Application.objects.create(title="南宁申请", region=Region.objects.get(code="450102"))
    lz_app = Application.objects.create(title="柳州申请", region=Region.objects.get(code="450202"))
    rows = {}
    for key, owner in {"nn_org": org, "lz_org": lz_org, "nn_app": nn_app, "lz_app": lz_app}.items():
        rows[key] = store(owner, s.upload(f"{key}.pdf", s.pdf_bytes()), "document", admin)
    return rows


def _visible(user):
    return set(Attachment.objects.visible_to(user).values_list("original_name", flat=True))


def test_attachments_are_visible_exactly_where_their_owner_is(spread):
    nn = make_staff("450100", VIEW)
    lz = make_staff("450200", VIEW)
    region = make_staff("450000", VIEW)
    assert _visible(nn) == {"nn_org.pdf", "nn_app.pdf"}
    assert _visible(lz) == {"lz_org.pdf", "lz_app.pdf"}
    assert _visible(region) == {"nn_org.pdf", "lz_org.pdf", "nn_app.pdf", "lz_app.pdf"}
    assert Attachment.objects.visible_to(nn).count() == 2
    from django.contrib.auth.models import AnonymousUser

    assert _visible(AnonymousUser()) == set() and _visible(None) == set()
    # restrict() on its own knows no way to scope attachments: it fails closed
    assert restrict(Attachment.objects.all(), nn).count() == 0


def test_attachments_of_a_deleted_owner_are_hidden(spread, org):
    nn = make_staff("450100", VIEW)
    org.delete()  # soft
    assert _visible(nn) == {"nn_app.pdf"}


def test_enterprise_user_sees_its_own_records_attachments(spread, org):
    user = make_enterprise_user(org)
    assert _visible(user) == {"nn_org.pdf"}
    assert may_view(user, org) and list(attachments_of(org, user)) == [spread["nn_org"]]


def test_agency_user_needs_the_owner_view_permission(spread, org):
    assert may_view(make_staff("450100", VIEW), org)
    assert not may_view(make_staff("450100", []), org)  # in scope, but no permission
    assert not may_view(make_staff("450200", VIEW), org)  # permission, but another city


# -- delete --------------------------------------------------------------------------------------------
def test_soft_delete_keeps_the_file_and_is_audited(org, nn_editor, media_root):
    with context.acting_as(nn_editor):
        attachment = store(org, s.upload("报告.docx", s.docx_bytes()), "document", nn_editor)
        delete_attachment(attachment, nn_editor)
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    kept = Attachment.all_objects.get(pk=attachment.pk)
    assert kept.is_deleted and kept.deleted_at is not None
    assert (media_root / kept.file.name).exists()
    rows = ChangeLog.objects.filter(content_type__app_label="files", object_id=str(attachment.pk)).order_by("id")
    assert [(r.action, r.actor) for r in rows] == [("create", nn_editor), ("delete", nn_editor)]
    assert rows[0].after["sha256"] == attachment.sha256 and rows[0].after["original_name"] == "报告.docx"
    assert rows[0].after["file"] == attachment.file.name


def test_delete_needs_the_owner_change_permission(org, nn_editor, nn_viewer, lz_editor):
    attachment = store(org, s.upload("报告.docx", s.docx_bytes()), "document", nn_editor)
    for user, message in ((nn_viewer, "没有删除该附件的权限"), (lz_editor, "不在您的管辖范围内")):
        assert not may_delete(user, attachment)
        with pytest.raises(PermissionDenied, match=message):
            delete_attachment(attachment, user)
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_enterprise_user_deletes_only_what_it_uploaded(org, nn_editor):
    user = make_enterprise_user(org)
    staff_file = store(org, s.upload("通知书.pdf", s.pdf_bytes()), "document", nn_editor)
    own_file = store(org, s.upload("回执.png", s.image_bytes("PNG")), "photo", user)
    with pytest.raises(PermissionDenied):
        delete_attachment(staff_file, user)
    delete_attachment(own_file, user)
    assert list(Attachment.objects.for_owner(org)) == [staff_file]


def test_a_purpose_permission_guards_deleting_too(org, nn_editor):
    """Files of a purpose that names a permission (e.g. a complainant's photos) are deleted only by
    holders of that permission, even by staff who may change the owner."""
    from kernel.files.purposes import register_purpose

    register_purpose("sealed_evidence_test", "封存证据", ["image"], perm="org.add_organisation")
    from kernel.files.services import store_anonymous

    sealed = store_anonymous(org, s.upload("现场.png", s.image_bytes("PNG")), "sealed_evidence_test")
    assert nn_editor.has_perm("org.change_organisation") and not nn_editor.has_perm("org.add_organisation")
    assert not may_delete(nn_editor, sealed)
    with pytest.raises(PermissionDenied, match="没有删除该附件的权限"):
        delete_attachment(sealed, nn_editor)
    assert Attachment.objects.filter(pk=sealed.pk, is_deleted=False).exists()


def test_upload_from_a_temporary_file_on_disk(org, nn_editor, media_root, tmp_path):
    """Large uploads reach the service as a TemporaryUploadedFile; it is moved, not re-read."""
    from django.core.files.uploadedfile import TemporaryUploadedFile

    data = s.wav_bytes(seconds=200)
    upload = TemporaryUploadedFile("询问录音.wav", "audio/wav", len(data), None)
    upload.write(data)
    upload.seek(0)
    attachment = store(org, upload, "audio", nn_editor)
    assert (media_root / attachment.file.name).read_bytes() == data
    assert attachment.sha256 == hashlib.sha256(io.BytesIO(data).getvalue()).hexdigest()


# -- anonymous (public) uploads -------------------------------------------------------------------------
def test_store_anonymous_attaches_without_an_uploader_and_is_audited(org, nn_viewer, media_root, temp_purpose):
    from kernel.files.services import store_anonymous

    temp_purpose("test_public", "公众照片", ["image"], 1024 * 1024, max_files=2)
    data = s.image_bytes("JPEG", (800, 600))
    attachment = store_anonymous(org, s.upload("现场.jpg", data), "test_public")
    attachment.refresh_from_db()
    assert attachment.created_by is None and attachment.owner == org and attachment.purpose == "test_public"
    assert attachment.sha256 == hashlib.sha256(data).hexdigest() and attachment.thumbnail
    assert (media_root / attachment.file.name).read_bytes() == data
    log = ChangeLog.objects.get(content_type__app_label="files", object_id=str(attachment.pk))
    assert log.action == "create" and log.actor is None
    # what is stored is an ordinary attachment: whoever sees the owner sees it
    assert list(attachments_of(org, nn_viewer)) == [attachment]


def test_store_anonymous_applies_the_same_file_rules_as_store(org, media_root, temp_purpose):
    from kernel.files.services import store_anonymous

    temp_purpose("test_public2", "公众照片", ["image"], 1024 * 1024, max_files=2)
    with pytest.raises(ValidationError, match="不允许上传可执行文件"):
        store_anonymous(org, s.upload("照片.jpg", s.pe_bytes()), "test_public2")
    with pytest.raises(ValidationError, match="文件大小超过上限 1 MB"):
        store_anonymous(org, s.upload("大.bmp", s.image_bytes("BMP", (1000, 1000))), "test_public2")
    assert Attachment.all_objects.count() == 0 and stored_files(media_root) == []
    first = s.image_bytes("PNG", color=(1, 2, 3))
    store_anonymous(org, s.upload("一.png", first), "test_public2")
    with pytest.raises(ValidationError) as info:
        store_anonymous(org, s.upload("一副本.png", first), "test_public2")
    assert info.value.code == "duplicate"
    store_anonymous(org, s.upload("二.png", s.image_bytes("PNG", color=(4, 5, 6))), "test_public2")
    with pytest.raises(ValidationError, match="最多上传 2 个文件"):
        store_anonymous(org, s.upload("三.png", s.image_bytes("PNG", color=(7, 8, 9))), "test_public2")
    assert Attachment.objects.filter(purpose="test_public2").count() == 2
    with pytest.raises(ValueError):
        store_anonymous(type(org)(name="未保存"), s.upload("一.png", first), "test_public2")
