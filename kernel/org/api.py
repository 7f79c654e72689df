import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from kernel.core.api import ScopedModelViewSet, ScopedReadOnlyViewSet
from kernel.dicts.serializers import DictFieldsMixin
from kernel.org.filters import OrganisationFilter

from .forms import restrict_regions
from .models import Organisation, Region


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent", "path"]


class OrganisationSerializer(DictFieldsMixin, serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all(), label="所属区划")

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "region", "uscc", "agency_type", "institution_type", "industry",
                  "legal_representative", "contact_person", "contact_phone", "address", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_region(self, region):
        user = self.context["request"].user
        if not restrict_regions(Region.objects.filter(pk=region.pk), user).exists():
            raise serializers.ValidationError("该区划不在您的管辖范围内")
        return region

    def validate(self, attrs):
        """Run the model's own rules (kind-specific required fields, dictionary values)."""
        instance = copy.copy(self.instance) if self.instance is not None else Organisation()
        for key, value in attrs.items():
            setattr(instance, key, value)
        try:
            instance.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}) from None
        if attrs.get("uscc"):
            attrs["uscc"] = attrs["uscc"].upper()
        return attrs


class OrganisationViewSet(ScopedModelViewSet):
    queryset_base = Organisation.objects
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    select_related = ("region",)
    ordering = ["-id"]


class RegionViewSet(ScopedReadOnlyViewSet):
    serializer_class = RegionSerializer
    filterset_fields = ["level", "code"]

    def get_queryset(self):
        return restrict_regions(Region.objects.select_related("parent"), self.request.user)
