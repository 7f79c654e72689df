"""Inbound endpoints shipped with the kernel (registered in InterfacesConfig.ready()).

org.enterprise_upsert: an agency's system pushes an enterprise registration (name, USCC, region code,
industry, legal representative, address). The enterprise is created, or updated when the USCC is
already registered, through the organisation API's own serializer (kernel.org.api.OrganisationSerializer):
the same field rules, dictionary checks and jurisdiction check as a person using the form or the API.
"""
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from kernel.dicts.serializers import DictValueField
from kernel.org.models import Organisation, Region
from kernel.org.validators import validate_uscc

ENTERPRISE_UPSERT = "org.enterprise_upsert"
ENTERPRISE_UPSERT_PERMISSIONS = ("org.add_organisation", "org.change_organisation")
OPTIONAL_FIELDS = ("legal_representative", "address", "contact_person")
# OrganisationSerializer field -> the field name of the pushed payload
_FIELD_NAMES = {"region": "region_code"}


class EnterpriseUpsertSerializer(serializers.Serializer):
    name = serializers.CharField(label="企业名称", max_length=200)
    uscc = serializers.CharField(label="统一社会信用代码", max_length=30)
    region_code = serializers.RegexField(r"^\d{6,12}$", label="区划代码", max_length=12,
                                         error_messages={"invalid": "区划代码应为6至12位数字（GB/T 2260）"})
    industry = DictValueField("industry", label="所属行业")
    legal_representative = serializers.CharField(label="法定代表人", max_length=50, required=False, allow_blank=True)
    address = serializers.CharField(label="地址", max_length=300, required=False, allow_blank=True)
    contact_person = serializers.CharField(label="联系人", max_length=50, required=False, allow_blank=True)

    def validate_uscc(self, value):
        value = value.strip().upper()
        try:
            validate_uscc(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return value


def enterprise_upsert(message, data, user) -> dict:
    """Create or update one enterprise inside the client's jurisdiction."""
    from kernel.org.api import OrganisationSerializer

    if user.organisation is None or user.organisation.kind != Organisation.Kind.AGENCY:
        raise PermissionDenied("仅政府机关的接入客户端可以推送企业登记信息")
    region = Region.objects.filter(code=data["region_code"]).first()
    if region is None:
        raise DjangoValidationError({"region_code": f"区划代码“{data['region_code']}”不存在"})
    existing = Organisation.all_objects.filter(uscc=data["uscc"]).first()
    if existing is not None:
        if existing.is_deleted:
            raise DjangoValidationError({"uscc": "该统一社会信用代码对应的机构已删除，请联系平台管理员恢复后再推送"})
        if existing.kind != Organisation.Kind.ENTERPRISE:
            raise DjangoValidationError({"uscc": "该统一社会信用代码已登记为其他类别的机构"})
        if not Organisation.objects.visible_to(user).filter(pk=existing.pk).exists():
            raise DjangoValidationError({"uscc": "该企业不在本接入单位的管辖范围内"})

    payload = {"kind": Organisation.Kind.ENTERPRISE, "name": data["name"], "uscc": data["uscc"],
               "region": region.code, "industry": data["industry"]}
    payload.update({f: data[f] for f in OPTIONAL_FIELDS if f in data})
    serializer = OrganisationSerializer(instance=existing, data=payload, partial=existing is not None,
                                        context={"request": SimpleNamespace(user=user)})
    if not serializer.is_valid():
        raise serializers.ValidationError({_FIELD_NAMES.get(k, k): v for k, v in serializer.errors.items()})
    if existing is not None and all(getattr(existing, k) == v for k, v in serializer.validated_data.items()):
        return {"organisation_id": existing.pk, "uscc": existing.uscc, "name": existing.name, "action": "unchanged"}
    org = serializer.save()
    return {"organisation_id": org.pk, "uscc": org.uscc, "name": org.name,
            "action": "created" if existing is None else "updated"}

def register():
    from .registry import register_inbound

    register_inbound(ENTERPRISE_UPSERT, enterprise_upsert, EnterpriseUpsertSerializer,
                     ENTERPRISE_UPSERT_PERMISSIONS, label="企业登记信息推送")
