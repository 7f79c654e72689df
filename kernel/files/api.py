"""API of kernel.files (routes in api_urls.py, mounted under /api/).

    GET    /api/files/owners/<app_label.model>/<pk>/attachments/[?purpose=]  list a record's attachments
    POST   /api/files/owners/<app_label.model>/<pk>/attachments/            upload (multipart: file, purpose)
    GET    /api/files/attachments/<id>/                                      one attachment's metadata
    DELETE /api/files/attachments/<id>/                                      soft delete
    GET    /api/files/attachments/<id>/content/                              the file (logged as a download)

Access follows the owner record (kernel.files.services), not Attachment's model permissions.
Refused files get field-level errors: {"file": ["文件类型与扩展名不符：…"]}.
"""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import Attachment
from .purposes import purposes
from .uploads import limit_uploads, too_large
from .validation import check_upload, human_size, resolve_purpose


def _messages(exc: DjangoValidationError):
    return exc.messages


class AttachmentFileField(serializers.FileField):
    """A file checked against a purpose (when one is given) while the serializer validates."""

    def __init__(self, *args, purpose=None, **kwargs):
        kwargs.setdefault("allow_empty_file", True)  # the purpose check gives its own message
        super().__init__(*args, **kwargs)
        self.purpose = resolve_purpose(purpose) if purpose else None

    def to_internal_value(self, data):
        file = super().to_internal_value(data)
        if self.purpose is not None:
            try:
                check_upload(file, self.purpose)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(_messages(exc)) from None
        return file


class AttachmentSerializer(serializers.ModelSerializer):
    owner_type = serializers.SerializerMethodField(help_text="所属对象类型（app_label.model）")
    purpose_label = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    uploaded_by = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    content_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "owner_type", "object_id", "purpose", "purpose_label", "original_name", "extension", "size",
                  "mime_type", "kind", "kind_label", "sha256", "width", "height", "created_at", "uploaded_by",
                  "download_url", "content_url", "thumbnail_url"]
        read_only_fields = fields

    def _url(self, path):
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_owner_type(self, obj) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"

    def get_uploaded_by(self, obj) -> str:
        return obj.created_by.display_name if obj.created_by_id else ""

    def get_download_url(self, obj) -> str:
        return self._url(reverse("files:download", args=[obj.pk]))

    def get_content_url(self, obj) -> str:
        try:
            return self._url(reverse("files-attachment-content", args=[obj.pk]))
        except NoReverseMatch:  # the API routes are not mounted
            return ""

    def get_thumbnail_url(self, obj) -> str:
        return self._url(reverse("files:thumbnail", args=[obj.pk])) if obj.thumbnail else ""


class AttachmentUploadSerializer(serializers.Serializer):
    file = AttachmentFileField(label="文件")
    purpose = serializers.CharField(label="用途", max_length=40)

    def validate_purpose(self, value):
        try:
            return resolve_purpose(value).key
        except DjangoValidationError:
            raise serializers.ValidationError("未知的附件用途") from None

    def validate(self, attrs):
        try:
            check_upload(attrs["file"], attrs["purpose"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"file": _messages(exc)}) from None
        return attrs


def _largest_limit():
    return max(p.max_bytes for p in purposes().values())


class OwnerAttachmentsView(generics.GenericAPIView):
    """A record's attachments: list (GET) and upload (POST, multipart)."""

    permission_classes = [IsAuthenticated]
    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]
    queryset = Attachment.objects.none()  # for the schema; get_queryset scopes

    def initial(self, request, *args, **kwargs):
        if request.method == "POST":  # before anything reads the body (the CSRF check does)
            limit_uploads(request._request, _largest_limit())
        super().initial(request, *args, **kwargs)

    def get_owner(self):
        try:
            owner = services.get_visible_owner(self.request.user, self.kwargs["model"], self.kwargs["pk"])
        except Http404 as exc:
            raise NotFound("记录不存在或不在您的管辖范围内") from exc
        if not services.may_view(self.request.user, owner):
            raise PermissionDenied("您没有查看该记录附件的权限")
        return owner

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Attachment.objects.none()
        owner = self.get_owner()
        return services.attachments_of(owner, self.request.user, self.request.query_params.get("purpose") or None
                                       ).select_related("content_type")

    @extend_schema(parameters=[OpenApiParameter("purpose", str, description="只列出该用途的附件")])
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request={"multipart/form-data": AttachmentUploadSerializer},
                   responses={201: AttachmentSerializer, 400: OpenApiResponse(description="字段错误")})
    def post(self, request, *args, **kwargs):
        owner = self.get_owner()
        limit = too_large(request._request)
        if limit is not None:
            return Response({"file": [f"文件大小超过上限 {human_size(limit)}"]}, status=status.HTTP_400_BAD_REQUEST)
        upload = AttachmentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            attachment = services.store(owner, upload.validated_data["file"], upload.validated_data["purpose"],
                                        request.user)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            key = "purpose" if hasattr(exc, "error_dict") else "file"
            return Response({key: _messages(exc)}, status=status.HTTP_400_BAD_REQUEST)
        data = AttachmentSerializer(attachment, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


class AttachmentView(generics.RetrieveDestroyAPIView):
    """One attachment: metadata (GET) and soft delete (DELETE)."""

    permission_classes = [IsAuthenticated]
    serializer_class = AttachmentSerializer
    parser_classes = [JSONParser]

    def get_queryset(self):
        return Attachment.objects.visible_to(self.request.user).select_related("content_type", "created_by")

    def get_object(self):
        attachment = super().get_object()
        if not services.may_view(self.request.user, attachment.owner):
            raise PermissionDenied("您没有查看该附件的权限")
        return attachment

    def perform_destroy(self, instance):
        try:
            services.delete_attachment(instance, self.request.user)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None


class AttachmentContentView(APIView):
    """The stored file, streamed with its original name (logged as a download)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, pk):
        attachment = Attachment.objects.visible_to(request.user).select_related("content_type").filter(pk=pk).first()
        if attachment is None:
            raise NotFound("附件不存在或不在您的管辖范围内")
        if not services.may_view(request.user, attachment.owner):
            raise PermissionDenied("您没有查看该附件的权限")
        response = services.download_response(attachment, inline=False)
        services.record_download(attachment, request.user)
        return response
