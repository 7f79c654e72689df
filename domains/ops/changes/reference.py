"""Permissions of problems, changes and notices for the ops roles, and the default repeated-fault rule
(≥ 3 fault tickets of one system within 30 days), kept as data that the manager may change."""
from domains.ops.contracts.reference import grant

WORK = ["ops_changes.view_problem", "ops_changes.add_problem", "ops_changes.change_problem",
        "ops_changes.view_change", "ops_changes.add_change", "ops_changes.change_change",
        "ops_changes.view_notice", "ops_changes.add_notice", "ops_changes.change_notice", "ops_changes.read_notice"]
GRANTS = {
    # approves changes and notices, closes problems, sets the repeated-fault rule
    "ops_manager": WORK + ["ops_changes.close_problem", "ops_changes.approve_change", "ops_changes.approve_notice",
                           "ops_changes.view_repeatfaultrule", "ops_changes.change_repeatfaultrule"],
    # analyses problems, drafts and implements changes, drafts notices
    "ops_engineer": WORK,
    # reads the notices addressed to them
    "ops_requester": ["ops_changes.read_notice"],
}
DEFAULT_RULE = ("同一运维对象30天内3件及以上故障工单", 3, 30)


def load():
    from .models import RepeatFaultRule

    for role, perms in GRANTS.items():
        grant(role, perms)
    if not RepeatFaultRule.objects.exists():
        name, count, days = DEFAULT_RULE
        RepeatFaultRule.objects.create(name=name, min_count=count, window_days=days)
    return f"问题与变更权限授予{len(GRANTS)}个角色，重复故障规则{RepeatFaultRule.objects.count()}条"
