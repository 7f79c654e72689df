"""Machine-client endpoints: /api/inbound/<endpoint_name>/ (push) and /api/interfaces/whoami/."""
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from kernel.core import context

from . import client as signing
from . import services
from .auth import SignatureRequired
from .models import ApiClient
from .registry import endpoints, get_endpoint

STORED_HEADERS = (signing.HEADER_KEY, signing.HEADER_TIMESTAMP, signing.HEADER_NONCE, signing.HEADER_SIGNATURE,
                  signing.HEADER_MESSAGE_ID, "Content-Type", "User-Agent", "X-Request-ID")


class IsApiClient(BasePermission):
    message = "仅限已签名的接入客户端调用"

    def has_permission(self, request, view):
        return isinstance(request.auth, ApiClient) and request.user.is_authenticated


OUTCOME_SCHEMA = inline_serializer("InboundOutcome", {
    "id": serializers.IntegerField(help_text="平台报文编号"),
    "message_id": serializers.CharField(help_text="X-ZW-Message-Id"),
    "status": serializers.ChoiceField(choices=["received", "processed", "failed", "rejected"]),
    "status_label": serializers.CharField(),
    "detail": serializers.CharField(),
    "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False),
    "result": serializers.DictField(required=False),
})


class InboundView(APIView):
    """Push one message. Stored before processing (its own transaction), idempotent on X-ZW-Message-Id."""

    authentication_classes = [SignatureRequired]
    permission_classes = [IsApiClient]

    @extend_schema(
        operation_id="inbound_push",
        summary="推送报文（接入客户端）",
        description="Signed push from a machine client; see docs/open-interfaces.md. Responses: 200 processed, "
                    "400 rejected (field errors), 403/422 failed (can be reprocessed), 202 received but processing "
                    "broke (the platform reprocesses it; do not resend), 409 message id reused for other content. "
                    "A repeated X-ZW-Message-Id with the same body returns the first outcome (header X-ZW-Duplicate: 1).",
        parameters=[OpenApiParameter("endpoint_name", OpenApiTypes.STR, OpenApiParameter.PATH,
                                     description="registered endpoint, e.g. org.enterprise_upsert"),
                    OpenApiParameter(signing.HEADER_MESSAGE_ID, OpenApiTypes.STR, OpenApiParameter.HEADER,
                                     required=True, description="the sender's unique id of this message")],
        request=OpenApiTypes.OBJECT,
        responses={code: OpenApiResponse(OUTCOME_SCHEMA) for code in (200, 202, 400, 403, 409, 422)},
        tags=["inbound"],
    )
    def post(self, request, endpoint_name):
        client = request.auth
        if get_endpoint(endpoint_name) is None:
            return Response({"detail": f"接口“{endpoint_name}”不存在", "code": "unknown_endpoint"}, status=404)
        ctx = context.current()
        outcome = services.receive(
            client, endpoint_name, request.body,
            message_id=request.META.get("HTTP_X_ZW_MESSAGE_ID", "").strip(),
            headers={h: request.headers[h] for h in STORED_HEADERS if h in request.headers},
            remote_ip=context.client_ip(request),
            request_id=getattr(ctx, "request_id", "") or getattr(request, "request_id", ""),
        )
        response = Response(outcome.body, status=outcome.status_code)
        if outcome.duplicate:
            response["X-ZW-Duplicate"] = "1"
        return response


# The stored message must survive whatever happens to the processing: never wrap this view in a
# request-wide transaction (should ATOMIC_REQUESTS ever be turned on).
inbound_view = transaction.non_atomic_requests(InboundView.as_view())


class WhoAmIView(APIView):
    """Check a client's signing set-up: who the platform takes the caller for."""

    authentication_classes = [SignatureRequired]
    permission_classes = [IsApiClient]

    @extend_schema(
        operation_id="interfaces_whoami",
        summary="接入客户端自检",
        responses={200: inline_serializer("ApiClientIdentity", {
            "client": serializers.CharField(), "key_id": serializers.CharField(),
            "organisation": serializers.CharField(), "region": serializers.CharField(),
            "username": serializers.CharField(), "algorithm": serializers.CharField(),
            "permissions": serializers.ListField(child=serializers.CharField()),
            "inbound_endpoints": serializers.ListField(child=serializers.CharField()),
        })},
        tags=["inbound"],
    )
    def get(self, request):
        client = request.auth
        user = request.user
        perms = user.get_all_permissions()
        return Response({
            "client": client.name,
            "key_id": client.key_id,
            "organisation": client.organisation.name,
            "region": client.organisation.region.code,
            "username": user.username,
            "algorithm": client.algorithm,
            "permissions": sorted(perms),
            "inbound_endpoints": [e.name for e in endpoints() if set(e.permissions) <= perms],
        })
