"""State machines of problems, changes and notices (seed 002 §2.5 运维管理模块; seed 004 §2.2).

Problem: open (待分析) --analyse--> analysing (分析中) --resolve--> resolved (已解决) --close--> closed (已关闭);
         resolved --reopen--> analysing. Resolving needs the root cause and the prevention measures.
Change:  draft --submit--> submitted --approve--> approved --start--> implementing --complete--> completed
         or --rollback--> rolled_back; submitted --reject--> rejected; rejected/approved --revise--> draft.
         Only the manager approves (never their own change); implementation starts only inside the window.
Notice:  draft --submit--> submitted --publish--> published (审核发布: readers notified) or --reject--> rejected
         --revise--> draft; published --withdraw--> withdrawn."""
import datetime

from django.utils import timezone

from kernel.workflow.engine import State, Transition, Workflow

CHANGE_PROBLEM = "ops_changes.change_problem"
CLOSE_PROBLEM = "ops_changes.close_problem"
CHANGE_CHANGE = "ops_changes.change_change"
APPROVE_CHANGE = "ops_changes.approve_change"
CHANGE_NOTICE = "ops_changes.change_notice"
APPROVE_NOTICE = "ops_changes.approve_notice"


def _now(params):
    """The moment of the step: given in the transition's data as ISO text (the log keeps it as JSON), else now."""
    value = (params or {}).get("data", {}).get("now")
    return datetime.datetime.fromisoformat(value) if value else timezone.now()


# -- problems ---------------------------------------------------------------------------------------
def _analysed(problem, user, params):
    missing = [label for field, label in (("root_cause", "根本原因"), ("prevention", "预防措施"))
               if not (getattr(problem, field) or "").strip()]
    if missing:
        return f"请先填写{'和'.join(missing)}，再标记为已解决"
    return None


def _stamp_resolved(problem, user, params):
    problem.resolved_at = _now(params)


def _stamp_closed(problem, user, params):
    problem.closed_at = _now(params)


PROBLEM = Workflow("ops_problem", states=[
    State("open", "待分析", "danger"),
    State("analysing", "分析中", "warning"),
    State("resolved", "已解决", "primary"),
    State("closed", "已关闭", "success", final=True),
], transitions=[
    Transition("analyse", "开始分析", ["open"], "analysing", perm=CHANGE_PROBLEM),
    Transition("resolve", "标记已解决", ["analysing"], "resolved", perm=CHANGE_PROBLEM, guards=[_analysed],
               prepare=[_stamp_resolved], style="success"),
    Transition("reopen", "重新分析", ["resolved"], "analysing", perm=CLOSE_PROBLEM, requires=["comment"],
               style="warning"),
    Transition("close", "关闭问题", ["resolved"], "closed", perm=CLOSE_PROBLEM, prepare=[_stamp_closed],
               style="success"),
])


# -- changes ----------------------------------------------------------------------------------------
def _window_ahead(change, user, params):
    if change.window_end and change.window_end <= _now(params):
        return "实施窗口已过，请调整实施窗口后再提交"
    return None


def _in_window(change, user, params):
    now = _now(params)
    local = timezone.localtime
    if now < change.window_start:
        return f"未到实施窗口（{local(change.window_start):%Y-%m-%d %H:%M}开始），不能开始实施"
    if now > change.window_end:
        return f"实施窗口已于{local(change.window_end):%Y-%m-%d %H:%M}结束，不能开始实施，请修改后重新审批"
    return None


def _stamp_started(change, user, params):
    change.started_at = _now(params)


def _stamp_result(change, user, params):
    change.finished_at = _now(params)
    change.result = params.get("comment", "")


CHANGE = Workflow("ops_change", states=[
    State("draft", "草稿", "secondary"),
    State("submitted", "待审批", "warning"),
    State("approved", "已批准", "primary"),
    State("rejected", "已驳回", "danger"),
    State("implementing", "实施中", "info"),
    State("completed", "已完成", "success", final=True),
    State("rolled_back", "已回退", "dark", final=True),
], transitions=[
    Transition("submit", "提交审批", ["draft"], "submitted", perm=CHANGE_CHANGE, guards=[_window_ahead]),
    Transition("approve", "批准", ["submitted"], "approved", perm=APPROVE_CHANGE, not_by=("creator",),
               style="success"),
    Transition("reject", "驳回", ["submitted"], "rejected", perm=APPROVE_CHANGE, not_by=("creator",),
               requires=["comment"], style="danger"),
    Transition("revise", "修改后重新提交", ["rejected", "approved"], "draft", perm=CHANGE_CHANGE, style="secondary"),
    Transition("start", "开始实施", ["approved"], "implementing", perm=CHANGE_CHANGE, guards=[_in_window],
               prepare=[_stamp_started]),
    Transition("complete", "实施完成", ["implementing"], "completed", perm=CHANGE_CHANGE, requires=["comment"],
               prepare=[_stamp_result], style="success"),
    Transition("rollback", "回退", ["implementing"], "rolled_back", perm=CHANGE_CHANGE, requires=["comment"],
               prepare=[_stamp_result], style="danger"),
])


# -- notices ----------------------------------------------------------------------------------------
def _has_readership(notice, user, params):
    if not (notice.roles.exists() or notice.organisations.exists() or notice.regions.exists()):
        return "请选择公告的阅读范围（角色、单位或区划）"
    return None


def _stamp_published(notice, user, params):
    notice.published_at = _now(params)
    notice.published_by = user


NOTICE = Workflow("ops_notice", states=[
    State("draft", "草稿", "secondary"),
    State("submitted", "待审核", "warning"),
    State("published", "已发布", "success"),
    State("rejected", "已退回", "danger"),
    State("withdrawn", "已撤回", "dark", final=True),
], transitions=[
    Transition("submit", "提交审核", ["draft"], "submitted", perm=CHANGE_NOTICE, guards=[_has_readership]),
    Transition("publish", "审核通过并发布", ["submitted"], "published", perm=APPROVE_NOTICE, not_by=("creator",),
               guards=[_has_readership], prepare=[_stamp_published], style="success"),
    Transition("reject", "退回", ["submitted"], "rejected", perm=APPROVE_NOTICE, not_by=("creator",),
               requires=["comment"], style="danger"),
    Transition("revise", "修改", ["rejected"], "draft", perm=CHANGE_NOTICE, style="secondary"),
    Transition("withdraw", "撤回", ["published"], "withdrawn", perm=APPROVE_NOTICE, requires=["comment"],
               style="secondary"),
])
