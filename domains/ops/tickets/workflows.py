"""The ticket's state machine (kernel.workflow.engine).

new (新建) --accept--> accepted (已受理: the first response) --assign--> assigned (已派单) --start--> in_progress
(处理中) <--wait/resume--> waiting (待用户反馈: the clock is paused) ; in_progress --resolve--> resolved (已解决)
--close--> closed (已确认关闭, by the requester or the manager) ; resolved --reopen--> reopened (重新打开)
--restart--> in_progress ; new --cancel--> cancelled (已撤销).

Who: the requester raises, confirms, reopens (and cancels a ticket not yet accepted); engineers accept, assign,
handle and resolve; the O&M manager may do everything. Guards: a data-maintenance ticket is not accepted
without the competent department's authorisation; a fault is not resolved without root cause and solution;
an upgrade is not resolved (released) without the signed requirement and passed internal and user tests.
The steps run through services.py only (Ticket.generic_transitions = False): they move the SLA clocks."""
from django.utils import timezone

from kernel.workflow.engine import State, StateTask, Transition, Workflow

ENGINEER, MANAGER, REQUESTER = "ops_engineer", "ops_manager", "ops_requester"
ENGINEERS = (ENGINEER, MANAGER)
OPEN_STATES = ("new", "accepted", "assigned", "in_progress", "waiting", "resolved", "reopened")
CLOCK_STATES = ("new", "accepted", "assigned", "in_progress", "reopened")  # the clock runs (not paused, not done)
AUTHORISATION_PURPOSE = "ops_ticket_authorisation"
ATTACHMENT_PURPOSE = "ops_ticket_attachment"


def _url(t):
    return f"/gov/ops/tickets/{t.pk}/"


def now():
    """The moment of a step, to the second (the calendar counts clock time in whole seconds)."""
    return timezone.now().replace(microsecond=0)


def _local_date(moment):
    return timezone.localtime(moment).date() if moment else None


def role_codes(user):
    cached = getattr(user, "_ops_role_codes", None)
    if cached is None:
        cached = set(user.roles.filter(enabled=True).values_list("code", flat=True)) if user.is_authenticated else set()
        user._ops_role_codes = cached
    return cached


def is_manager(user):
    return user.is_superuser or MANAGER in role_codes(user)


def is_engineer(user):
    return user.is_superuser or bool(role_codes(user) & set(ENGINEERS))


def confirmer(ticket):
    """Who confirms the result: the requester; for a ticket an engineer recorded on someone's behalf without
    an account (a phone call), the person who recorded it, after confirming with the caller."""
    return ticket.requester if ticket.requester_id else ticket.created_by


# -- guards: guard(ticket, user, params) -> None, or a message / {field: [messages]} -------------------------
def _authorised(t, user, params):
    if t.kind != "data":
        return None
    from kernel.files.models import Attachment

    errors = {}
    if not t.auth_department.strip():
        errors["auth_department"] = ["数据维护须经主管部门授权：请填写授权主管部门"]
    if not t.auth_document_no.strip():
        errors["auth_document_no"] = ["数据维护须经主管部门授权：请填写授权文件文号"]
    if not Attachment.objects.filter(content_type__app_label="ops_tickets", content_type__model="ticket",
                                     object_id=t.pk, purpose=AUTHORISATION_PURPOSE).exists():
        errors["auth_file"] = ["数据维护须经主管部门授权：请上传授权文件"]
    return errors or None


def _has_assignee(t, user, params):
    if not t.assignee_id:
        return {"assignee": ["请选择处理工程师"]}
    from .services import engineers_for

    if not engineers_for(t).filter(pk=t.assignee_id).exists():
        return {"assignee": ["所选人员不是该工单所属单位的运维工程师"]}
    return None


def _handler(t, user, params):
    return None if (t.assignee_id == user.pk or is_manager(user)) else "只有处理工程师或运维服务管理员可以办理"


def _resolvable(t, user, params):
    errors = {}
    if not t.solution.strip():
        errors["solution"] = ["请填写解决方案"]
    if t.kind == "fault":
        if not t.root_cause.strip():
            errors["root_cause"] = ["故障工单须填写原因分析"]
        if not t.handling_mode:
            errors["handling_mode"] = ["请选择处理方式（现场、远程或通讯支持）"]
    if t.kind == "upgrade":
        if not (t.signed_off_at and t.signed_off_by_id):
            errors["signed_off"] = ["升级须先完成需求确认签字"]
        if t.internal_test != "passed":
            errors["internal_test"] = ["升级发布前须通过内部测试"]
        if t.user_test != "passed":
            errors["user_test"] = ["升级发布前须通过用户测试"]
    return errors or None


def _may_confirm(t, user, params):
    if is_manager(user) or user.pk == getattr(confirmer(t), "pk", None):
        return None
    return "只有提出人或运维服务管理员可以确认或重新打开工单"


def _may_resume(t, user, params):
    if is_manager(user) or user.pk in (t.assignee_id, t.requester_id, t.created_by_id):
        return None
    return "只有提出人、处理工程师或运维服务管理员可以恢复处理"


def _may_cancel(t, user, params):
    if is_manager(user) or user.pk in (t.requester_id, t.created_by_id):
        return None
    return "只有提出人或运维服务管理员可以撤销工单"


# -- prepare: set fields in the transition's transaction, before the save ------------------------------------
def _stamp_responded(t, user, params):
    from . import sla

    sla.mark_responded(t, now())


def _pause(t, user, params):
    from . import sla

    sla.pause(t, now(), note=params.get("comment", ""))


def _resume(t, user, params):
    from . import sla

    sla.resume(t, now())


def _stamp_resolved(t, user, params):
    from . import sla

    sla.mark_resolved(t, now())


def _stamp_closed(t, user, params):
    t.closed_at = now()


def _reopen(t, user, params):
    from . import sla

    sla.reopen(t, now())


def _stop_clocks(t, user, params):
    t.response_warn_at = t.resolution_warn_at = None


WHO_GUARDS = (_handler, _may_confirm, _may_resume, _may_cancel)  # who may act; the others check content

TICKET = Workflow("ops_ticket", states=[
    State("new", "新建", "danger", task=StateTask(
        "受理运维工单：{obj}", role=ENGINEER, region=lambda t: t.region, url=_url,
        due=lambda t: _local_date(t.response_due or t.resolution_due))),
    State("accepted", "已受理", "primary", task=StateTask(
        "派单：{obj}", role=ENGINEER, region=lambda t: t.region, url=_url, due=lambda t: _local_date(t.resolution_due))),
    State("assigned", "已派单", "info", task=StateTask(
        "处理运维工单：{obj}", assignee=lambda t: t.assignee, url=_url, due=lambda t: _local_date(t.resolution_due))),
    State("in_progress", "处理中", "warning", task=StateTask(
        "处理运维工单：{obj}", assignee=lambda t: t.assignee, url=_url, due=lambda t: _local_date(t.resolution_due))),
    State("waiting", "待用户反馈", "secondary", task=StateTask(
        "反馈运维工单所需信息：{obj}", assignee=confirmer, url=_url)),
    State("resolved", "已解决", "success", task=StateTask(
        "确认运维工单解决情况：{obj}", assignee=confirmer, url=_url, due_working_days=3)),
    State("reopened", "重新打开", "danger", task=StateTask(
        "重新处理运维工单：{obj}", assignee=lambda t: t.assignee, url=_url, due=lambda t: _local_date(t.resolution_due))),
    State("closed", "已确认关闭", "dark", final=True),
    State("cancelled", "已撤销", "secondary", final=True),
], transitions=[
    Transition("accept", "受理", ["new"], "accepted", roles=ENGINEERS, guards=[_authorised],
               prepare=[_stamp_responded]),
    Transition("assign", "派单", ["accepted"], "assigned", roles=ENGINEERS, guards=[_has_assignee]),
    Transition("start", "开始处理", ["assigned"], "in_progress", roles=ENGINEERS, guards=[_handler]),
    Transition("wait", "待用户反馈", ["in_progress"], "waiting", roles=ENGINEERS, guards=[_handler],
               requires=["comment"], prepare=[_pause], style="secondary"),
    Transition("resume", "恢复处理", ["waiting"], "in_progress", guards=[_may_resume], prepare=[_resume]),
    Transition("resolve", "解决", ["in_progress"], "resolved", roles=ENGINEERS, guards=[_handler, _resolvable],
               prepare=[_stamp_resolved], style="success"),
    Transition("close", "确认关闭", ["resolved"], "closed", guards=[_may_confirm], prepare=[_stamp_closed],
               style="success"),
    Transition("reopen", "重新打开", ["resolved"], "reopened", guards=[_may_confirm], requires=["comment"],
               prepare=[_reopen], style="danger"),
    Transition("restart", "继续处理", ["reopened"], "in_progress", roles=ENGINEERS, guards=[_handler]),
    Transition("cancel", "撤销", ["new"], "cancelled", guards=[_may_cancel], requires=["comment"],
               prepare=[_stop_clocks], style="outline-secondary"),
])
STATUS_CHOICES = TICKET.choices()  # the status column's choices (and the API schema's OpsTicketStatusEnum)
