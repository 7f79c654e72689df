"""Permissions of the inspections app, granted to the shared ops roles (domains/ops/contracts/reference.py)."""
from domains.ops.contracts.reference import grant

VIEW = ["ops_inspections.view_checklist", "ops_inspections.view_checklistitem", "ops_inspections.view_inspectionrun",
        "ops_inspections.view_inspectionresult"]
RUN = ["ops_inspections.perform_inspectionrun", "ops_inspections.export_inspectionrun"]
TARGETS = ["ops_inspections.view_target", "ops_inspections.add_target", "ops_inspections.change_target"]
CHECKLISTS = ["ops_inspections.add_checklist", "ops_inspections.change_checklist",
              "ops_inspections.add_checklistitem", "ops_inspections.change_checklistitem"]
# the O&M manager and the engineer see the warnings their inspections raise (reviewing them stays with the
# alert roles)
WARNINGS = ["alerts.view_warning"]


def load():
    grant("ops_manager", VIEW + RUN + TARGETS + CHECKLISTS + WARNINGS)
    grant("ops_engineer", VIEW + RUN + TARGETS + WARNINGS)
    grant("ops_requester", ["ops_inspections.view_inspectionrun", "ops_inspections.export_inspectionrun"])
    return "运维巡检权限3个角色"
