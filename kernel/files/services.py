"""Attachment operations: store, delete, permission checks, download responses.

Views and the API call these; domains call `store()` from their own services (and
`store_anonymous()` for files a member of the public sends with a record they create), e.g.

    from kernel.files.services import store
    attachment = store(hazard, request.FILES["photo"], "hazard_photo", request.user)

Who may do what with the attachments of a record ("owner"):
  * see / download: the owner is visible to the user (jurisdiction scope; otherwise 404) and,
    for agency staff, the user holds the owner model's view permission (otherwise 403).
    Enterprise, institution and citizen users are limited by scope to their own records and
    need no model permission.
  * upload: the owner is visible and the user holds the purpose's `perm`, or, when the purpose
    names none, agency staff hold the owner model's change permission.
  * delete (soft; the stored file is kept): the owner is visible and agency staff hold the
    owner model's change permission; other users may delete only what they uploaded; where the
    purpose names a `perm`, that permission is needed too.
"""
from __future__ import annotations

import re
from urllib.parse import quote

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse, Http404

from .models import Attachment, owner_queryset
from .purposes import Purpose, get_purpose
from .validation import check_upload, resolve_purpose

# OperationLog action written for every download. kernel.audit's OperationLog.Action has no
# such choice yet: add DOWNLOAD = "download", "下载" there (the column takes the value already).
DOWNLOAD_ACTION = "download"
STREAM_BLOCK = 64 * 1024


# -- permissions ---------------------------------------------------------------------------------
def _perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def _is_agency(user) -> bool:
    return getattr(user, "kind", "staff") == "staff"


def owner_visible(user, owner) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return owner_queryset(type(owner), user).filter(pk=owner.pk).exists()


def may_view(user, owner) -> bool:
    if not owner_visible(user, owner):
        return False
    return not _is_agency(user) or user.has_perm(_perm(type(owner), "view"))


def may_upload(user, owner, purpose) -> bool:
    purpose = resolve_purpose(purpose)
    if not owner_visible(user, owner):
        return False
    if purpose.perm:
        return user.has_perm(purpose.perm)
    return not _is_agency(user) or user.has_perm(_perm(type(owner), "change"))


def _delete_rule(user, owner):
    """A function attachment -> bool, for a user and an owner already known to be visible.

    A purpose with a `perm` also needs that permission to delete: what nobody may add after the
    fact (a complainant's photos, say) nobody may take away either."""
    if _is_agency(user):
        allowed = user.has_perm(_perm(type(owner), "change"))
        base = lambda attachment: allowed  # noqa: E731
    else:
        base = lambda attachment: attachment.created_by_id == user.pk  # noqa: E731

    def rule(attachment):
        purpose = get_purpose(attachment.purpose)
        if purpose is not None and purpose.perm and not user.has_perm(purpose.perm):
            return False
        return base(attachment)

    return rule


def may_delete(user, attachment, owner=None) -> bool:
    owner = owner if owner is not None else attachment.owner
    if owner is None or not owner_visible(user, owner):
        return False
    return _delete_rule(user, owner)(attachment)


# -- finding records ----------------------------------------------------------------------------
def owner_model(label: str):
    """The model of an "app_label.model_name" label, or Http404."""
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404("对象类型不存在") from None


def get_visible_owner(user, label: str, pk) -> object:
    """An owner record by model label and pk, if the user may see it; otherwise Http404."""
    owner = owner_queryset(owner_model(label), user).filter(pk=pk).first()
    if owner is None:
        raise Http404("记录不存在或不在您的管辖范围内")
    return owner


def get_visible_attachment(user, pk) -> Attachment:
    attachment = Attachment.objects.visible_to(user).select_related("content_type").filter(pk=pk).first()
    if attachment is None:
        raise Http404("附件不存在或不在您的管辖范围内")
    return attachment


def attachments_of(owner, user, purpose: str | None = None):
    """The live attachments of a record that the user may see, newest first."""
    qs = Attachment.objects.for_owner(owner).visible_to(user).select_related("created_by")
    if purpose:
        qs = qs.filter(purpose=purpose)
    return qs.order_by("-id")


def owner_label(owner) -> str:
    return owner._meta.label_lower


# -- writing -------------------------------------------------------------------------------------
def store(owner, uploaded_file, purpose: str | Purpose, user, *, caller_checked=False) -> Attachment:
    """Validate an uploaded file for a purpose and attach it to `owner` as `user`.

    Raises PermissionDenied when the user may not see the owner or may not upload to it, and
    ValidationError (Chinese message) when the file is refused (see kernel.files.validation),
    is the same content as a live attachment of the same record and purpose, or would exceed
    the purpose's number of files.

    caller_checked=True: a service that has itself decided this user may add this file now (e.g. the
    handler of a warning inside its disposition step) skips the purpose's upload permission; the owner
    must still be visible to the user."""
    purpose = resolve_purpose(purpose)
    if owner is None or owner.pk is None:
        raise ValueError("attachments need a saved owner record")
    if not owner_visible(user, owner):
        raise PermissionDenied("该记录不存在或不在您的管辖范围内")
    if not caller_checked and not may_upload(user, owner, purpose):
        raise PermissionDenied("您没有为该记录上传附件的权限")
    return _save(owner, uploaded_file, purpose, user)


def store_anonymous(owner, uploaded_file, purpose: str | Purpose) -> Attachment:
    """Attach a file that a member of the public sends with a record they just created (a
    complaint, an application), without an account: no uploader is given (created_by stays empty
    unless someone happens to be signed in, as for any BusinessModel save).

    The caller answers for the right to attach: this function checks no user, only the file
    (kernel.files.validation), the duplicate rule and the purpose's number of files, exactly as
    store() does, and raises the same ValidationError. Use it only in the request that created
    the owner, inside its transaction; everything later goes through store()."""
    purpose = resolve_purpose(purpose)
    if owner is None or owner.pk is None:
        raise ValueError("attachments need a saved owner record")
    return _save(owner, uploaded_file, purpose, None)


def _save(owner, uploaded_file, purpose: Purpose, user) -> Attachment:
    checked = check_upload(uploaded_file, purpose)
    ct = ContentType.objects.get_for_model(owner)
    with transaction.atomic():
        # Serialise uploads to one record so that the duplicate and count rules hold.
        list(type(owner)._base_manager.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True))
        live = Attachment.objects.filter(content_type=ct, object_id=owner.pk, purpose=purpose.key)
        duplicate = live.filter(sha256=checked.sha256).first()
        if duplicate is not None:
            raise ValidationError(f"该记录已有相同内容的附件“{duplicate.original_name}”", code="duplicate")
        if purpose.max_files is not None and live.count() >= purpose.max_files:
            raise ValidationError(f"“{purpose.label}”最多上传 {purpose.max_files} 个文件", code="max_files")
        attachment = Attachment(
            content_type=ct, object_id=owner.pk, purpose=purpose.key, original_name=checked.name,
            extension=checked.extension, size=checked.size, mime_type=checked.type.mime, kind=checked.kind,
            sha256=checked.sha256, width=checked.width, height=checked.height, created_by=user,
        )
        stored = []
        try:
            uploaded_file.seek(0)
            attachment.file.save(f"upload.{checked.extension}", uploaded_file, save=False)
            stored.append(attachment.file)
            if checked.thumbnail:
                attachment.thumbnail.save("thumbnail.jpg", ContentFile(checked.thumbnail), save=False)
                stored.append(attachment.thumbnail)
            attachment.save()
        except BaseException:
            for field_file in stored:  # nothing half-stored stays behind
                field_file.storage.delete(field_file.name)
            raise
    return attachment


def delete_attachment(attachment: Attachment, user) -> None:
    """Soft-delete an attachment (audited; the stored file is kept)."""
    owner = attachment.owner
    if owner is None or not owner_visible(user, owner):
        raise PermissionDenied("该记录不存在或不在您的管辖范围内")
    if not _delete_rule(user, owner)(attachment):
        raise PermissionDenied("您没有删除该附件的权限")
    with transaction.atomic():
        attachment.delete()


# -- reading -------------------------------------------------------------------------------------
def content_disposition(disposition: str, name: str) -> str:
    """`attachment; filename="ascii"; filename*=UTF-8''<percent-encoded>` (RFC 6266 / 5987)."""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ascii_stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_-")
    if not re.search(r"[A-Za-z0-9]", ascii_stem):
        ascii_stem = "file"
    ascii_ext = re.sub(r"[^A-Za-z0-9]+", "", ext)
    fallback = f"{ascii_stem}.{ascii_ext}" if ascii_ext else ascii_stem
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _open(field_file):
    try:
        return field_file.storage.open(field_file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("文件不存在") from None


def download_response(attachment: Attachment, *, inline: bool = False) -> FileResponse:
    """A streamed response with the original name; inline only for images and PDF."""
    inline = inline and attachment.inline_allowed
    response = FileResponse(_open(attachment.file), content_type=attachment.mime_type)
    response.block_size = STREAM_BLOCK
    response["Content-Disposition"] = content_disposition("inline" if inline else "attachment",
                                                          attachment.original_name)
    response["Content-Length"] = str(attachment.size)
    # Browsers' PDF viewers do not run in sandboxed documents: an inline PDF gets nosniff only.
    _harden(response, sandbox=not (inline and attachment.kind == "pdf"))
    return response


def thumbnail_response(attachment: Attachment) -> FileResponse:
    if not attachment.thumbnail:
        raise Http404("该附件没有缩略图")
    response = FileResponse(_open(attachment.thumbnail), content_type="image/jpeg")
    stem = attachment.original_name.rsplit(".", 1)[0]
    response["Content-Disposition"] = content_disposition("inline", f"{stem}_缩略图.jpg")
    _harden(response)
    return response


def _harden(response, sandbox=True):
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    if sandbox:  # should anything ever be rendered as a document, it runs no script and loads nothing
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def record_download(attachment: Attachment, user):
    from kernel.audit.services import log_operation

    return log_operation(
        DOWNLOAD_ACTION, user=user, attachment_id=attachment.pk, file_name=attachment.original_name,
        owner=f"{attachment.content_type.app_label}.{attachment.content_type.model}:{attachment.object_id}",
        purpose=attachment.purpose, sha256=attachment.sha256, size=attachment.size,
    )
