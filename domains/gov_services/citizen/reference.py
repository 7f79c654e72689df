"""Permissions of the applicant's side added to the one-window roles."""
from kernel.accounts.reference import load_roles
from kernel.notify.models import SmsTemplate

EXTRA = {
    "gs_centre_admin": ["gs_citizen.view_consultation", "gs_citizen.reply_consultation",
                        "gs_citizen.view_evaluation", "gs_citizen.export_evaluation",
                        "gs_citizen.view_rectification", "gs_citizen.handle_rectification",
                        "gs_citizen.view_delivery", "gs_citizen.change_delivery", "gs_citizen.export_delivery"],
    "gs_window_clerk": ["gs_citizen.view_consultation", "gs_citizen.reply_consultation",
                        "gs_citizen.view_delivery", "gs_citizen.change_delivery", "gs_citizen.export_delivery",
                        "gs_citizen.view_evaluation"],
}

SMS_TEMPLATES = [
    ("gs_delivery_shipped", "证照寄出", "您申请的“{matter}”（申报号{no}）办理结果已通过{carrier}寄出，快递单号{tracking_no}，请注意查收。"),
    ("gs_delivery_picked", "证照已领取", "您申请的“{matter}”（申报号{no}）办理结果已在窗口领取。如非本人领取，请致电政务服务中心。"),
]


# The department's own people answer bad reviews of their matters (organisation scope: their department).
DEPARTMENT_ROLES = {
    "gs_dept_rectifier": ("部门整改人员", "organisation", [
        "gs_citizen.view_rectification", "gs_citizen.handle_rectification", "gs_citizen.view_evaluation"],
        "办理本部门事项的差评整改，查看本部门好差评"),
}


def load():
    from domains.gov_services.one_window.reference import ROLES

    load_roles({code: (name, scope, perms + EXTRA.get(code, []), remark)
                for code, (name, scope, perms, remark) in ROLES.items()} | DEPARTMENT_ROLES)
    for code, name, text in SMS_TEMPLATES:
        SmsTemplate.objects.get_or_create(code=code, defaults={"name": name, "content": text})
    return f"短信模板{len(SMS_TEMPLATES)}个，个人中心权限{sum(len(v) for v in EXTRA.values())}项"
