"""Roles of O&M service management (more come with tickets, inspections and monitoring)."""
from kernel.accounts.reference import load_roles

VIEW = ["ops_contracts.view_maintainedsystem", "ops_contracts.view_servicecontract", "ops_contracts.view_slaterm"]
ROLES = {
    "ops_manager": ("运维服务管理员", "region_tree", VIEW + [
        "ops_contracts.add_maintainedsystem", "ops_contracts.change_maintainedsystem",
        "ops_contracts.add_servicecontract", "ops_contracts.change_servicecontract",
        "ops_contracts.add_slaterm", "ops_contracts.change_slaterm"], "维护运维对象、服务合同与SLA条款"),
}


def load():
    load_roles(ROLES)
    return f"运维角色{len(ROLES)}个"
