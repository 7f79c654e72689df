"""Permissions of the applicant's side added to the one-window roles."""
from kernel.accounts.reference import load_roles

EXTRA = {
    "gs_centre_admin": ["gs_citizen.view_consultation", "gs_citizen.reply_consultation",
                        "gs_citizen.view_evaluation", "gs_citizen.export_evaluation",
                        "gs_citizen.view_rectification", "gs_citizen.handle_rectification",
                        "gs_citizen.view_delivery", "gs_citizen.change_delivery"],
    "gs_window_clerk": ["gs_citizen.view_consultation", "gs_citizen.reply_consultation",
                        "gs_citizen.view_delivery", "gs_citizen.change_delivery", "gs_citizen.view_evaluation"],
}


def load():
    from domains.gov_services.one_window.reference import ROLES

    load_roles({code: (name, scope, perms + EXTRA.get(code, []), remark)
                for code, (name, scope, perms, remark) in ROLES.items()})
    return f"个人中心权限{sum(len(v) for v in EXTRA.values())}项"
