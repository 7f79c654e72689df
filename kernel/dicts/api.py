from rest_framework import permissions, serializers, viewsets

from .models import DictItem


class DictItemSerializer(serializers.ModelSerializer):
    dict_type = serializers.CharField(source="dict_type.code")

    class Meta:
        model = DictItem
        fields = ["dict_type", "value", "label", "order", "colour", "enabled"]


class DictItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Dictionaries are public configuration for any signed-in client."""

    serializer_class = DictItemSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["enabled"]

    def get_queryset(self):
        qs = DictItem.objects.select_related("dict_type").order_by("dict_type__code", "order")
        code = self.request.query_params.get("dict_type")
        return qs.filter(dict_type__code=code) if code else qs
