"""Permissions of the user centre added to the tax roles of domains.si_fee.rules."""
from kernel.accounts.reference import load_roles

EXTRA = {
    "si_tax_admin": ["si_payers.view_payer", "si_payers.export_payer", "si_payers.view_participation"],
    "si_tax_clerk": ["si_payers.view_payer", "si_payers.view_participation"],
}


def load():
    from domains.si_fee.rules.reference import ROLES

    load_roles({code: (name, scope, perms + EXTRA.get(code, []), remark)
                for code, (name, scope, perms, remark) in ROLES.items()})
    return f"缴费人权限{sum(len(v) for v in EXTRA.values())}项"
