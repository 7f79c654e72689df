"""Permissions of entrusted deduction added to the tax roles of domains.si_fee.rules: the administrator monitors
agreements and launches and runs batch-deduction tasks, the clerk views and exports."""
from kernel.accounts.reference import load_roles

VIEW = ["si_agree.view_agreement", "si_agree.export_agreement", "si_agree.view_batchtask", "si_agree.view_batchitem",
        "si_agree.view_residentamount"]
EXTRA = {
    "si_tax_admin": VIEW + ["si_agree.add_batchtask", "si_agree.run_batchtask"],
    "si_tax_clerk": VIEW,
}


def load():
    from domains.si_fee.rules.reference import ROLES

    load_roles({code: (name, scope, perms + EXTRA.get(code, []), remark)
                for code, (name, scope, perms, remark) in ROLES.items()})
    return f"委托扣款权限{sum(len(v) for v in EXTRA.values())}项"
