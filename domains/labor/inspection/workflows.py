"""The complaint/report case (投诉举报登记) through the workflow engine, with its statutory limits.

registered (待受理) --accept--> accepted (已受理，待立案) --file--> filed (已立案，调查中) --close--> closed
registered --reject--> rejected (不予受理，退回来源)
filed --request_extension--> extension (延期待审批) --approve_extension--> filed (+30 working days, once)
                                                    --refuse_extension--> filed

Dates are on the business calendar (kernel.calendar): accept_due = received_on + 5 working days (set
at registration), finish_due = filed_on + 60 working days, +30 on an approved extension."""
from django.utils import timezone

from kernel.calendar.services import add_working_days
from kernel.workflow.engine import State, StateTask, Transition, Workflow

ACCEPT_WORKING_DAYS = 5
FINISH_WORKING_DAYS = 60
EXTENSION_WORKING_DAYS = 30


def _url(c):
    return f"/gov/labor/complaints/{c.pk}/"


def _region(c):
    return c.region


def _supervisor_or_role(c):
    return c.supervisor


def _set_accepted(obj, user, params):
    obj.accepted_on = timezone.localdate()
    if user is not None and obj.handler_id is None:
        obj.handler = user


def _set_filed(obj, user, params):
    today = timezone.localdate()
    obj.filed_on = today
    obj.finish_due = add_working_days(today, FINISH_WORKING_DAYS)


def _not_extended(obj, user, params):
    return "该案件已延期一次，不能再次延期" if obj.extended else None


def _has_result(obj, user, params):
    return None if (obj.result or "").strip() else "请填写处理结果"


def _extend(obj, user, params):
    obj.extended = True
    obj.finish_due = add_working_days(obj.finish_due or timezone.localdate(), EXTENSION_WORKING_DAYS)


def _set_closed(obj, user, params):
    obj.closed_on = timezone.localdate()


COMPLAINT = Workflow("labor_complaint", states=[
    State("registered", "待受理", "danger", task=StateTask(
        "受理投诉举报：{obj}", role="labor_inspector", region=_region, url=_url, due=lambda c: c.accept_due)),
    State("accepted", "待立案", "warning", task=StateTask(
        "立案：{obj}", assignee=lambda c: c.handler, role="labor_inspector", region=_region, url=_url,
        due_working_days=5)),
    State("filed", "调查处理中", "primary", task=StateTask(
        "办理案件：{obj}", assignee=lambda c: c.handler, role="labor_inspector", region=_region, url=_url,
        due=lambda c: c.finish_due)),
    State("extension", "延期待审批", "info", task=StateTask(
        "审批延期：{obj}", role="labor_leader", region=_region, url=_url, due_working_days=3)),
    State("closed", "已办结", "success", final=True),
    State("rejected", "不予受理", "secondary", final=True),
], transitions=[
    Transition("accept", "受理", ["registered"], "accepted", perm="labor_inspection.accept_complaint",
               prepare=[_set_accepted]),
    Transition("reject", "不予受理", ["registered"], "rejected", perm="labor_inspection.accept_complaint",
               requires=["comment"], style="secondary"),
    Transition("file", "立案", ["accepted"], "filed", perm="labor_inspection.accept_complaint",
               prepare=[_set_filed]),
    Transition("request_extension", "申请延期", ["filed"], "extension", perm="labor_inspection.change_complaint",
               requires=["comment"], guards=[_not_extended], style="warning"),
    Transition("approve_extension", "批准延期", ["extension"], "filed", perm="labor_inspection.approve_extension",
               not_by=("previous",), prepare=[_extend], style="success"),
    Transition("refuse_extension", "不批准延期", ["extension"], "filed",
               perm="labor_inspection.approve_extension", requires=["comment"], not_by=("previous",),
               style="secondary"),
    Transition("close", "办结", ["filed"], "closed", perm="labor_inspection.close_complaint",
               guards=[_has_result], prepare=[_set_closed], style="success"),
])
OPEN_STATES = ("registered", "accepted", "filed", "extension")
