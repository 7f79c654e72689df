"""Roles and SMS templates of the one-window system."""
from kernel.accounts.reference import load_roles
from kernel.notify.models import SmsTemplate

VIEW = ["gs_window.view_matter", "gs_window.view_mattermaterial", "gs_window.view_window", "gs_window.view_slot",
        "gs_window.view_appointment", "gs_window.view_case", "gs_window.view_casematerial"]
ROLES = {
    "gs_centre_admin": ("政务服务中心管理员", "region_tree", VIEW + [
        "gs_window.add_matter", "gs_window.change_matter", "gs_window.publish_matter", "gs_window.add_mattermaterial",
        "gs_window.change_mattermaterial", "gs_window.delete_mattermaterial", "gs_window.add_window",
        "gs_window.change_window", "gs_window.add_slot", "gs_window.change_slot", "gs_window.export_case",
        "alerts.view_warning"], "维护事项目录（版本发布）、窗口和预约时段，查看全部办件"),
    "gs_window_clerk": ("综合受理窗口人员", "region_tree", VIEW + [
        "gs_window.add_case", "gs_window.change_case", "gs_window.accept_case", "gs_window.export_case",
        "gs_window.change_appointment", "gs_window.add_casematerial", "gs_window.change_casematerial",
        "alerts.view_warning"], "受理登记、收件核验与材料电子化、出具受理回执"),
}
SMS_TEMPLATES = [
    ("gs_appointment_booked", "预约成功", "您已预约{date} {time}在{centre}{window}办理“{matter}”，预约编号{no}，请携带材料准时到达。"),
    ("gs_appointment_cancelled", "预约取消", "您预约的“{matter}”（预约编号{no}）已取消。"),
    ("gs_case_accepted", "办件受理", "您申请的“{matter}”已受理，申报号{no}，承诺办结日期{due}。"),
]


def load():
    from .joint import load as load_joint

    load_roles(ROLES)
    for code, name, text in SMS_TEMPLATES:
        SmsTemplate.objects.get_or_create(code=code, defaults={"name": name, "content": text})
    load_joint()  # the department pusher role and the joint-approval SMS template
    return f"角色{len(ROLES)}个，短信模板{len(SMS_TEMPLATES)}个"
