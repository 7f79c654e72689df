"""Standard roles (RuoYi-style: permissions plus a data scope). Operators edit them in the admin."""
from django.contrib.auth.models import Permission
from django.db import transaction

from .models import Role

KERNEL_VIEW = ["org.view_region", "org.view_organisation", "accounts.view_user", "accounts.view_role",
               "bizcalendar.view_calendarday"]
ORG_WRITE = ["org.add_organisation", "org.change_organisation", "org.delete_organisation", "org.export_organisation"]
DICTS = ["dicts.view_dicttype", "dicts.view_dictitem", "dicts.add_dictitem", "dicts.change_dictitem"]
CALENDAR = ["bizcalendar.view_calendarday", "bizcalendar.add_calendarday", "bizcalendar.change_calendarday",
            "bizcalendar.delete_calendarday"]
NOTIFY = ["notify.view_smsmessage", "notify.resend_smsmessage"]
AUDIT = ["audit.view_changelog", "audit.export_changelog", "audit.view_operationlog", "audit.export_operationlog"]

ROLES = {
    # code: (name, data scope, permissions, remark)
    "platform_admin": ("平台管理员", Role.DataScope.ALL, KERNEL_VIEW + ORG_WRITE + AUDIT + DICTS + CALENDAR + NOTIFY + ["accounts.view_personal_data"],
                       "全区数据，维护基础数据和系统配置"),
    "agency_admin": ("单位管理员", Role.DataScope.REGION_TREE, KERNEL_VIEW + ORG_WRITE + AUDIT + NOTIFY,
                     "本辖区机构与用户管理、审计查询"),
    "agency_staff": ("业务经办人员", Role.DataScope.REGION_TREE, KERNEL_VIEW + ["org.export_organisation"],
                     "本辖区业务办理"),
    "auditor": ("安全审计员", Role.DataScope.REGION_TREE, ["org.view_region"] + AUDIT, "查看和导出本辖区审计日志"),
    "enterprise_user": ("企业用户", Role.DataScope.ORGANISATION, ["org.view_organisation"], "本单位数据"),
    "institution_user": ("技术机构用户", Role.DataScope.ORGANISATION, ["org.view_organisation"], "本机构数据"),
    "citizen": ("个人用户", Role.DataScope.SELF, [], "本人数据"),
}


def _perms(names):
    out = []
    for name in names:
        app, codename = name.split(".", 1)
        out.append(Permission.objects.get(content_type__app_label=app, codename=codename))
    return out


@transaction.atomic
def load_roles(extra: dict | None = None):
    for code, (name, scope, perms, remark) in {**ROLES, **(extra or {})}.items():
        role, _ = Role.objects.update_or_create(code=code, defaults={"name": name, "data_scope": scope, "remark": remark})
        role.permissions.add(*_perms(perms))
    return Role.objects.count()
