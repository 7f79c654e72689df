from rest_framework import serializers

from kernel.core.api import ScopedReadOnlyViewSet

from .models import ChangeLog, OperationLog


class ChangeLogSerializer(serializers.ModelSerializer):
    content_type = serializers.CharField(source="content_type.model")

    class Meta:
        model = ChangeLog
        fields = ["id", "time", "actor", "actor_name", "ip", "request_id", "content_type", "object_id",
                  "object_repr", "action", "changed_fields", "before", "after"]


class OperationLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = OperationLog
        fields = ["id", "time", "actor", "username", "action", "success", "ip", "request_id", "entrance", "detail"]


class ChangeLogViewSet(ScopedReadOnlyViewSet):
    queryset_base = ChangeLog.objects
    serializer_class = ChangeLogSerializer
    select_related = ("content_type",)
    filterset_fields = ["action", "object_id", "request_id"]


class OperationLogViewSet(ScopedReadOnlyViewSet):
    queryset_base = OperationLog.objects
    serializer_class = OperationLogSerializer
    filterset_fields = ["action", "success", "username"]
