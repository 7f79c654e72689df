"""The collaborative work order (协同工单) through the workflow engine (seed 002 §2.5: acceptance, dispatch,
feedback, recording):

new (待派单) --dispatch (派单: a handler named)--> dispatched (已派单) --accept (受理)--> processing (处理中)
--complete (办结: the receiving unit's feedback required)--> completed (已办结) --evaluate (评价: star rating)-->
evaluated (已评价); new/dispatched --cancel (撤销, reason required)--> cancelled; dispatched --return (退回)--> new.
The dispatched state is a to-do of the handler; completed a to-do of the node's O&M managers to evaluate."""
from django.utils import timezone

from kernel.workflow.engine import State, StateTask, Transition, Workflow


def _url(o):
    return f"/gov/ops/monitoring/orders/{o.pk}/"


def _region(o):
    return o.node.organisation.region


def _has_assignee(obj, user, params):
    return None if obj.assignee_id else "请先指定处理人"


def _is_assignee(obj, user, params):
    return None if obj.assignee_id == user.pk else "只有处理人可以办理该工单"


def _has_feedback(obj, user, params):
    return None if (obj.receiver_feedback or "").strip() else "请填写接收单位情况反馈"


def _has_rating(obj, user, params):
    return None if obj.star_rating else "请选择星级评价"


def _stamp_completed(obj, user, params):
    obj.completed_at = timezone.now()


WORK_ORDER = Workflow("ops_mon_work_order", states=[
    State("new", "待派单", "danger", task=StateTask("派发协同工单：{obj}", role="ops_manager", region=_region,
                                                    url=_url, due_working_days=1)),
    State("dispatched", "已派单", "warning", task=StateTask("受理协同工单：{obj}", assignee=lambda o: o.assignee,
                                                           url=_url, due_working_days=1)),
    State("processing", "处理中", "primary"),
    State("completed", "已办结", "info", task=StateTask("评价协同工单：{obj}", role="ops_manager", region=_region,
                                                       url=_url, due_working_days=3)),
    State("evaluated", "已评价", "success", final=True),
    State("cancelled", "已撤销", "secondary", final=True),
], transitions=[
    Transition("dispatch", "派单", ["new"], "dispatched", perm="ops_monitoring.dispatch_workorder",
               guards=[_has_assignee]),
    Transition("return", "退回", ["dispatched"], "new", perm="ops_monitoring.handle_workorder", requires=["comment"],
               guards=[_is_assignee], style="warning"),
    Transition("accept", "受理", ["dispatched"], "processing", perm="ops_monitoring.handle_workorder",
               guards=[_is_assignee]),
    Transition("complete", "办结", ["processing"], "completed", perm="ops_monitoring.handle_workorder",
               guards=[_is_assignee, _has_feedback], prepare=[_stamp_completed], style="success"),
    Transition("evaluate", "评价", ["completed"], "evaluated", perm="ops_monitoring.evaluate_workorder",
               guards=[_has_rating], style="success"),
    Transition("cancel", "撤销", ["new", "dispatched"], "cancelled", perm="ops_monitoring.dispatch_workorder",
               requires=["comment"], style="secondary"),
])
OPEN_STATES = ("new", "dispatched", "processing", "completed")
