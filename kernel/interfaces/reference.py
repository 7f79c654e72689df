"""Reference data of the open interfaces (manage.py load_reference; idempotent).

- The standard operator roles get the interface pages: platform and agency administrators manage the
  clients of their jurisdiction and the inbound-message log.
- Two roles made for service users of API clients, for operators to pick when creating a client.
"""
from django.contrib.auth.models import Permission
from django.db import transaction

from kernel.accounts.models import Role

from .apps import CLIENT_PERMS, MESSAGE_PERMS

GRANTS = {
    "platform_admin": CLIENT_PERMS + MESSAGE_PERMS,
    "agency_admin": CLIENT_PERMS + MESSAGE_PERMS,
}
CLIENT_ROLES = {
    "api_enterprise_push": ("接口：企业登记推送", Role.DataScope.REGION_TREE,
                            ["org.view_region", "org.view_organisation", "org.add_organisation",
                             "org.change_organisation"],
                            "政府部门系统推送本辖区企业登记信息（org.enterprise_upsert）"),
    "api_org_read": ("接口：机构信息查询", Role.DataScope.REGION_TREE, ["org.view_region", "org.view_organisation"],
                     "查询本辖区机构（企业客户端仅本企业）"),
}


def _perms(names):
    out = []
    for name in names:
        app, codename = name.split(".", 1)
        out.append(Permission.objects.get(content_type__app_label=app, codename=codename))
    return out


@transaction.atomic
def load():
    for code, names in GRANTS.items():
        role = Role.objects.filter(code=code).first()
        if role is not None:
            role.permissions.add(*_perms(names))
    for code, (name, scope, perms, remark) in CLIENT_ROLES.items():
        role, _ = Role.objects.update_or_create(code=code, defaults={"name": name, "data_scope": scope, "remark": remark})
        role.permissions.add(*_perms(perms))
    return f"接口角色{len(CLIENT_ROLES)}个"
