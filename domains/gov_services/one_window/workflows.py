"""The case (办件) through the workflow engine.

draft (草稿, online) --submit--> submitted (待受理) --accept--> accepted (已受理)
window registration creates the case in `accepted` directly (受理登记).
submitted --reject--> rejected (不予受理); accepted --dispatch--> dispatched (已分发至部门)
then the department's callbacks: correction (补正补齐) <-> dispatched, dept_accepted (部门受理),
completed (办结); dispatch and callbacks arrive with the department exchange (next slice)."""
from django.utils import timezone

from kernel.workflow.engine import State, StateTask, Transition, Workflow


def _url(c):
    return f"/gov/gs/cases/{c.pk}/"


def _stamp_accepted(obj, user, params):
    from .services import set_due_dates

    obj.accepted_at = timezone.now()
    obj.accepted_by = user
    set_due_dates(obj)


def _stamp_completed(obj, user, params):
    obj.completed_at = timezone.now()


CASE = Workflow("gs_case", states=[
    State("draft", "草稿", "secondary"),
    State("submitted", "待受理", "danger", task=StateTask(
        "受理网上申请：{obj}", role="gs_window_clerk", region=lambda c: c.region, url=_url, due_working_days=2)),
    State("accepted", "已受理", "primary"),
    State("dispatched", "已分发", "info"),
    State("correction", "补正补齐", "warning"),
    State("dept_accepted", "部门已受理", "primary"),
    State("completed", "已办结", "success", final=True),
    State("rejected", "不予受理", "secondary", final=True),
    State("withdrawn", "已撤回", "secondary", final=True),
], transitions=[
    Transition("submit", "提交申请", ["draft"], "submitted"),
    Transition("withdraw", "撤回申请", ["draft", "submitted"], "withdrawn", requires=["comment"], style="secondary"),
    Transition("accept", "受理", ["submitted"], "accepted", perm="gs_window.accept_case", prepare=[_stamp_accepted]),
    Transition("reject", "不予受理", ["submitted"], "rejected", perm="gs_window.accept_case", requires=["comment"],
               style="secondary"),
    Transition("dispatch", "分发至部门", ["accepted"], "dispatched", perm="gs_window.accept_case"),
    Transition("correction", "补正补齐", ["dispatched", "dept_accepted"], "correction",
               perm="gs_window.change_case", requires=["comment"], style="warning"),
    Transition("corrected", "已补正", ["correction"], "dispatched", perm="gs_window.change_case"),
    Transition("dept_accept", "部门受理", ["dispatched"], "dept_accepted", perm="gs_window.change_case"),
    Transition("complete", "办结", ["dept_accepted"], "completed", perm="gs_window.change_case",
               prepare=[_stamp_completed], style="success"),
])
OPEN_STATES = ("submitted", "accepted", "dispatched", "correction", "dept_accepted")
