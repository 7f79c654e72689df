"""Permissions of the public service added to the tax roles of domains.si_fee.rules: the administrator
manages notices and the manual, the clerk views them."""
from kernel.accounts.reference import load_roles

EXTRA = {
    "si_tax_admin": ["si_notice.view_notice", "si_notice.add_notice", "si_notice.change_notice",
                     "si_notice.publish_notice", "si_notice.view_manualversion", "si_notice.add_manualversion"],
    "si_tax_clerk": ["si_notice.view_notice", "si_notice.view_manualversion"],
}


def load():
    from domains.si_fee.rules.reference import ROLES

    load_roles({code: (name, scope, perms + EXTRA.get(code, []), remark)
                for code, (name, scope, perms, remark) in ROLES.items()})
    return f"公众服务权限{sum(len(v) for v in EXTRA.values())}项"
