"""Permissions of training for the ops roles: the manager plans and approves, the engineer organises sessions,
rosters and exams, every ops role may attend (我的培训)."""
from domains.ops.contracts.reference import grant

VIEW = ["ops_training.view_trainingplan", "ops_training.view_trainingsession", "ops_training.view_attendance",
        "ops_training.view_exam"]
ORGANISE = VIEW + [
    "ops_training.add_trainingplan", "ops_training.change_trainingplan",
    "ops_training.add_trainingsession", "ops_training.change_trainingsession",
    "ops_training.add_attendance", "ops_training.change_attendance",
    "ops_training.add_exam", "ops_training.change_exam", "ops_training.export_results"]
ATTEND = ["ops_training.attend_training"]
GRANTS = {
    "ops_manager": ORGANISE + ATTEND + ["ops_training.approve_trainingplan"],
    "ops_engineer": ORGANISE + ATTEND,
    "ops_requester": ATTEND,
}


def load():
    for role, perms in GRANTS.items():
        grant(role, perms)
    return f"运维培训权限授予{len(GRANTS)}个角色"
