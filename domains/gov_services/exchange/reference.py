"""SMS templates of the department exchange, and its permissions for the centre administrator."""
from kernel.notify.models import SmsTemplate

SMS_TEMPLATES = [
    ("gs_exchange_correction", "办件补正补齐", "您申请的“{matter}”（申报号{no}）需补正补齐材料：{opinion}。请按要求补充。"),
    ("gs_exchange_dept_accepted", "部门受理", "您申请的“{matter}”（申报号{no}）已由{department}受理。"),
    ("gs_exchange_completed", "办件办结", "您申请的“{matter}”（申报号{no}）已办结，请按约定方式领取结果。"),
]
# Added to the one-window role gs_centre_admin (defined by gs_window, loaded before this app).
ADMIN_PERMS = ["gs_exchange.view_departmentsystem", "gs_exchange.add_departmentsystem",
               "gs_exchange.change_departmentsystem", "gs_exchange.view_shadowrecord", "gs_exchange.view_callbacklog"]


def load():
    from domains.gov_services.one_window.reference import ROLES
    from kernel.accounts.reference import load_roles

    name, scope, _perms, remark = ROLES["gs_centre_admin"]
    load_roles({"gs_centre_admin": (name, scope, ADMIN_PERMS, remark)})  # adds; never removes
    for code, name, text in SMS_TEMPLATES:
        SmsTemplate.objects.get_or_create(code=code, defaults={"name": name, "content": text})
    return f"短信模板{len(SMS_TEMPLATES)}个，中心管理员权限{len(ADMIN_PERMS)}项"
