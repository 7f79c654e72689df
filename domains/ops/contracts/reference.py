"""Roles of O&M service management. The three roles are shared by the ops apps: each app grants its own
permissions to them with `grant()` in its reference loader (permissions are only ever added)."""
from kernel.accounts.reference import load_roles

VIEW = ["ops_contracts.view_maintainedsystem", "ops_contracts.view_servicecontract", "ops_contracts.view_slaterm"]
ROLES = {
    # the agency's O&M manager: contracts, approvals (changes, notices), reports
    "ops_manager": ("运维服务管理员", "region_tree", VIEW + [
        "ops_contracts.add_maintainedsystem", "ops_contracts.change_maintainedsystem",
        "ops_contracts.add_servicecontract", "ops_contracts.change_servicecontract",
        "ops_contracts.add_slaterm", "ops_contracts.change_slaterm"], "维护运维对象、服务合同与SLA条款，审批变更与公告"),
    # the maintenance team's engineer: handles tickets, runs inspections, watches the monitoring node
    "ops_engineer": ("运维工程师", "region_tree", VIEW, "受理处理运维工单，执行巡检，监控运行"),
    # an agency clerk who raises tickets and confirms their resolution
    "ops_requester": ("运维服务申请人", "region_tree", VIEW, "提出咨询、故障、升级、数据维护请求并确认解决"),
}


def grant(role_code, perms):
    """Add `perms` ("app_label.codename") to one of the ops roles, creating the role if needed."""
    name, scope, _perms, remark = ROLES[role_code]
    load_roles({role_code: (name, scope, list(perms), remark)})


def load():
    load_roles(ROLES)
    return f"运维角色{len(ROLES)}个"
