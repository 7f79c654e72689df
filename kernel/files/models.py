"""Attachments: files that belong to a business record (their "owner").

Scope: an attachment is visible exactly when its owner record is visible. Attachment has no
region of its own, so `Attachment.objects.visible_to(user)` does not use scope_fields; it is
grouped by owner type instead: for each content type that has attachments it keeps the rows
whose owner is in `OwnerModel.objects.visible_to(user)` (a correlated EXISTS on the owner's
primary key, so a page of attachments costs one index probe per row). Owners of a model that
no longer exists, soft-deleted owners and owners outside the user's jurisdiction hide their
attachments. `kernel.org.scope.restrict()` called directly on an Attachment queryset fails
closed (Attachment declares no scope fields); use `visible_to`.

Owners must have integer primary keys (every BusinessModel has).
"""
import secrets

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from kernel.core.models import BusinessModel, SoftDeleteQuerySet

from .purposes import KINDS, purpose_label

INLINE_KINDS = ("image", "pdf")
KIND_ICONS = {"pdf": "bi-file-earmark-pdf", "word": "bi-file-earmark-word", "excel": "bi-file-earmark-excel",
              "image": "bi-file-earmark-image", "audio": "bi-file-earmark-music", "video": "bi-file-earmark-play",
              "archive": "bi-file-earmark-zip"}


def owner_queryset(model, user):
    """The owner model's rows the user may see (its own visible_to when it has one)."""
    qs = model._default_manager.all()
    if hasattr(qs, "visible_to"):
        return qs.visible_to(user)
    from kernel.org.scope import restrict

    return restrict(qs, user)


def owner_types() -> tuple[int, ...]:
    """Ids of the content types that own attachments (cached until the table changes)."""
    from kernel.core.cache import versioned

    return versioned("files:owner-types", ["files_attachment"], lambda: tuple(
        Attachment.all_objects.order_by().values_list("content_type_id", flat=True).distinct()))


class AttachmentQuerySet(SoftDeleteQuerySet):
    def for_owner(self, owner):
        ct = ContentType.objects.get_for_model(owner)
        return self.filter(content_type=ct, object_id=owner.pk)

    def visible_to(self, user, action="view"):
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        q = None
        for ct_id in owner_types():
            model = ContentType.objects.get_for_id(ct_id).model_class()
            if model is None:  # the owner's model is gone: fail closed
                continue
            owners = owner_queryset(model, user).filter(pk=OuterRef("object_id"))
            part = Q(content_type_id=ct_id) & Q(Exists(owners))
            q = part if q is None else q | part
        return self.none() if q is None else self.filter(q)


class AttachmentManager(models.Manager.from_queryset(AttachmentQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(is_deleted=False)


class AllAttachmentManager(models.Manager.from_queryset(AttachmentQuerySet)):
    pass


def _storage_id(instance):
    if not getattr(instance, "storage_id", ""):
        instance.storage_id = secrets.token_hex(16)
    return instance.storage_id


def attachment_path(instance, filename):
    """attachments/2026/11/22/<32 hex>.<ext>: a date and a random id, never the user's name."""
    day = timezone.localdate()
    return f"attachments/{day:%Y/%m/%d}/{_storage_id(instance)}.{instance.extension or 'bin'}"


def thumbnail_path(instance, filename):
    day = timezone.localdate()
    return f"attachments/thumbs/{day:%Y/%m/%d}/{_storage_id(instance)}.jpg"


class Attachment(BusinessModel):
    scope_fields = {}  # scoped through the owner record, see visible_to

    content_type = models.ForeignKey(ContentType, verbose_name="所属对象类型", on_delete=models.PROTECT,
                                     related_name="+")
    object_id = models.PositiveBigIntegerField("所属对象编号")
    owner = GenericForeignKey("content_type", "object_id")
    purpose = models.CharField("用途", max_length=40)
    original_name = models.CharField("文件名", max_length=255)
    extension = models.CharField("扩展名", max_length=10)
    file = models.FileField("文件", upload_to=attachment_path, max_length=255)
    size = models.PositiveBigIntegerField("大小（字节）")
    mime_type = models.CharField("文件类型", max_length=100)
    kind = models.CharField("类别", max_length=10, choices=list(KINDS.items()))
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    thumbnail = models.FileField("缩略图", upload_to=thumbnail_path, max_length=255, blank=True)
    width = models.PositiveIntegerField("宽（像素）", null=True, blank=True)
    height = models.PositiveIntegerField("高（像素）", null=True, blank=True)

    objects = AttachmentManager()
    all_objects = AllAttachmentManager()

    class Meta:
        verbose_name = verbose_name_plural = "附件"
        ordering = ["-id"]
        base_manager_name = "all_objects"
        indexes = [
            models.Index(fields=["content_type", "object_id", "purpose"], name="attachment_owner",
                         condition=Q(is_deleted=False)),
        ]

    def __str__(self):
        return self.original_name

    @property
    def uploaded_by(self):
        return self.created_by

    @property
    def purpose_label(self):
        return purpose_label(self.purpose)

    @property
    def icon(self):
        return KIND_ICONS.get(self.kind, "bi-file-earmark")

    @property
    def inline_allowed(self):
        return self.kind in INLINE_KINDS

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("files:download", args=[self.pk])

    def get_thumbnail_url(self):
        from django.urls import reverse

        return reverse("files:thumbnail", args=[self.pk]) if self.thumbnail else ""
