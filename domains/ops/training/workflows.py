"""State machines of training.

Plan:       draft (草稿) --approve--> approved (已审批) --complete--> done (已完成); approved --return--> draft.
Exam:       draft (编辑中) --open--> open (开放作答) --close--> closed (已结束).
Attendance: invited (未签到) --sign_in--> signed_in (已签到); --mark_absent--> absent (缺勤); both ways after
            (补签 / 更正为缺勤) while the plan is not done."""
import datetime

from django.utils import timezone

from kernel.workflow.engine import State, Transition, Workflow

APPROVE_PLAN = "ops_training.approve_trainingplan"
CHANGE_PLAN = "ops_training.change_trainingplan"
CHANGE_EXAM = "ops_training.change_exam"
CHANGE_ATTENDANCE = "ops_training.change_attendance"


def _when(params, key):
    """A moment passed in the transition's data (ISO text: the log keeps the data as JSON), else now."""
    value = (params or {}).get("data", {}).get(key)
    return datetime.datetime.fromisoformat(value) if value else timezone.now()


def _plan_has_sessions(plan, user, params):
    if not plan.sessions.exists():
        return "培训计划至少要安排一个培训场次"
    return None


def _sessions_over(plan, user, params):
    now = _when(params, "now")
    if not plan.sessions.exists():
        return "培训计划没有培训场次，不能完成"
    if plan.sessions.filter(ends_at__gt=now).exists():
        return "还有未结束的培训场次，不能完成计划"
    return None


def _exam_ready(exam, user, params):
    if not exam.questions.exists():
        return "试卷至少要有一道试题"
    if exam.session.plan.status != "approved":
        return "培训计划审批通过后才能开放考试"
    return None


def _plan_open(attendance, user, params):
    if attendance.session.plan.status == "done":
        return "培训计划已完成，签到情况不能再修改"
    return None


def _stamp_signed_in(attendance, user, params):
    attendance.signed_in_at = _when(params, "at")


def _clear_signed_in(attendance, user, params):
    attendance.signed_in_at = None


PLAN = Workflow("ops_training_plan", states=[
    State("draft", "草稿", "secondary"),
    State("approved", "已审批", "primary"),
    State("done", "已完成", "success", final=True),
], transitions=[
    Transition("approve", "审批通过", ["draft"], "approved", perm=APPROVE_PLAN, guards=[_plan_has_sessions]),
    Transition("return", "退回修改", ["approved"], "draft", perm=APPROVE_PLAN, requires=["comment"], style="secondary"),
    Transition("complete", "完成培训", ["approved"], "done", perm=CHANGE_PLAN, guards=[_sessions_over],
               style="success"),
])

EXAM = Workflow("ops_training_exam", states=[
    State("draft", "编辑中", "secondary"),
    State("open", "开放作答", "primary"),
    State("closed", "已结束", "dark", final=True),
], transitions=[
    Transition("open", "开放作答", ["draft"], "open", perm=CHANGE_EXAM, guards=[_exam_ready]),
    Transition("close", "结束考试", ["open"], "closed", perm=CHANGE_EXAM, style="secondary"),
])

ATTENDANCE = Workflow("ops_training_attendance", states=[
    State("invited", "未签到", "secondary"),
    State("signed_in", "已签到", "success"),
    State("absent", "缺勤", "danger"),
], transitions=[
    Transition("sign_in", "签到", ["invited", "absent"], "signed_in", perm=CHANGE_ATTENDANCE, guards=[_plan_open],
               prepare=[_stamp_signed_in], style="success"),
    Transition("mark_absent", "记为缺勤", ["invited", "signed_in"], "absent", perm=CHANGE_ATTENDANCE,
               guards=[_plan_open], prepare=[_clear_signed_in], style="outline-danger"),
])
