"""Organisation operations: the only place that writes organisations."""
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Organisation


@transaction.atomic
def save_organisation(form) -> Organisation:
    return form.save()


@transaction.atomic
def delete_organisation(org: Organisation) -> None:
    """Soft delete; refused while the organisation still has active accounts."""
    if org.users.filter(is_active=True).exists():
        raise ValidationError("该机构下仍有启用的用户账号，请先停用或转移后再删除")
    org.delete()
