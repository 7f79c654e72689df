"""Ticket operations: raising a ticket, its workflow steps, the upgrade's requirement sign-off and tests, the
data request's authorisation. The only place that changes a ticket; pages and the API call these.

Every function validates its input first and raises ValidationError with Chinese messages by field (nothing
is saved then); refused steps raise kernel.workflow.engine.TransitionError (role, scope, state or guard)."""
import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone

from domains.ops.contracts.models import ServiceContract
from kernel.accounts.models import User
from kernel.notify import services as notify
from kernel.todos.hooks import open_state_task

from . import sla
from .models import Channel, HandlingMode, Kind, TestResult, Ticket, UpgradeType
from .workflows import (
    ATTACHMENT_PURPOSE,
    AUTHORISATION_PURPOSE,
    ENGINEER,
    MANAGER,
    REQUESTER,
    TICKET,
    WHO_GUARDS,
    confirmer,
    is_engineer,
    is_manager,
)

WF = TICKET
ADD, VIEW, EXPORT = "ops_tickets.add_ticket", "ops_tickets.view_ticket", "ops_tickets.export_ticket"
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
PREFIX = "YW"
FUTURE_SKEW_SECONDS = 300


# -- people -------------------------------------------------------------------------------------------------
def _region_codes(region):
    return region.path.rstrip(".").split(".")


def people_for(region, role_code):
    """Active users holding `role_code` whose jurisdiction covers `region` (their organisation is in the
    region or above it): the people who may see and act on a ticket of that region."""
    return (User.objects.filter(is_active=True, roles__code=role_code, roles__enabled=True,
                                organisation__region__code__in=_region_codes(region))
            .distinct().order_by("username"))


def engineers_for(ticket):
    return people_for(ticket.region, ENGINEER)


def managers_for(ticket):
    return people_for(ticket.region, MANAGER)


def requesters_for(region):
    return people_for(region, REQUESTER)


# -- numbering ----------------------------------------------------------------------------------------------
def next_number(moment=None):
    """YW202611280001: the day the ticket is raised and its sequence that day."""
    day = timezone.localtime(moment or timezone.now()).date()
    prefix = f"{PREFIX}{day:%Y%m%d}"
    last = (Ticket.all_objects.filter(number__startswith=prefix).order_by(Length("number").desc(), "-number")
            .values_list("number", flat=True).first())
    seq = int(last[len(prefix):]) + 1 if last and last[len(prefix):].isdigit() else 1
    return f"{prefix}{seq:04d}"


# -- raising a ticket -----------------------------------------------------------------------------------------
def visible_contracts(user):
    return ServiceContract.objects.visible_to(user).select_related("system", "system__agency")


def create_ticket(user, *, contract, kind, title="", description="", contact_phone="", level=None, channel="",
                  requester=None, requester_name="", raised_at=None, upgrade_type="", requirement="",
                  auth_department="", auth_document_no="", auth_file=None, files=()):
    """Raise a ticket (新建). A requester raises their own; an engineer or manager may record one on a user's
    behalf (a phone, WeChat or QQ consultation), naming the caller and, if they have an account, the user,
    and may give the time the call came in."""
    if not user.has_perm(ADD):
        raise PermissionDenied("您没有提出运维工单的权限")
    errors = {}
    now = timezone.now().replace(microsecond=0)
    on_behalf = is_engineer(user)
    if contract is None or not visible_contracts(user).filter(pk=contract.pk).exists():
        errors["contract"] = ["请选择您管辖范围内的服务合同"]
        contract = None
    if kind not in Kind.values:
        errors["kind"] = ["请选择工单类型"]
    if not on_behalf or raised_at is None:
        raised_at = now
    elif raised_at > now + datetime.timedelta(seconds=FUTURE_SKEW_SECONDS):
        errors["raised_at"] = ["提出时间不能晚于当前时间"]
    raised_at = raised_at.replace(microsecond=0)
    if contract is not None:
        day = timezone.localtime(raised_at).date()
        if not (contract.starts_on <= day <= contract.ends_on):
            errors["contract"] = [f"该合同的服务期为{contract.starts_on:%Y-%m-%d}至{contract.ends_on:%Y-%m-%d}，"
                                  "提出时间不在服务期内"]
    term = None
    if kind == Kind.FAULT:
        try:
            level = int(level) if level not in (None, "") else None
        except (TypeError, ValueError):
            level = None
        if level not in (1, 2, 3):
            errors["level"] = ["请选择故障级别（1、2、3级）"]
        elif contract is not None:
            term = sla.find_term(contract, kind, level)
            if term is None:
                errors["level"] = [f"合同{contract.contract_no}没有故障{level}级的SLA条款"]
    else:
        level = None
        if contract is not None and kind in Kind.values:
            term = sla.find_term(contract, kind)
    channel = channel or ""
    if channel and channel not in Channel.values:
        errors["channel"] = ["请选择有效的受理渠道"]
    elif kind == Kind.CONSULTATION and not channel:
        errors["channel"] = ["咨询工单请选择受理渠道（电话、微信、QQ、电子邮件、传真、CASE需求平台、平台自助）"]
    if kind == Kind.UPGRADE:
        if upgrade_type not in UpgradeType.values:
            errors["upgrade_type"] = ["请选择升级类型（政策调整、功能优化、缺陷修复、新增需求）"]
    else:
        upgrade_type, requirement = "", ""
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        errors["title"] = ["请填写标题"]
    elif len(title) > 200:
        errors["title"] = ["标题不能超过200字"]
    if not description:
        errors["description"] = ["请填写问题描述"]
    contact_phone = (contact_phone or "").strip()
    if not contact_phone:
        errors["contact_phone"] = ["请填写联系电话"]
    elif not PHONE.match(contact_phone):
        errors["contact_phone"] = ["联系电话应为11位手机号或带区号的固定电话（如0771-5551234）"]
    if on_behalf:
        if requester is not None and contract is not None and not requesters_for(
                contract.system.agency.region).filter(pk=requester.pk).exists():
            errors["requester"] = ["所选用户不是该合同使用单位辖区的运维服务申请人"]
    else:
        requester = user
    requester_name = (requester_name or "").strip() or (requester.display_name if requester else "")
    if not requester_name:
        errors["requester_name"] = ["请填写提出人"]
    if kind == Kind.DATA:
        auth_department, auth_document_no = (auth_department or "").strip(), (auth_document_no or "").strip()
    else:
        auth_department = auth_document_no = ""
        auth_file = None
    if errors:
        raise ValidationError(errors)

    agency = contract.system.agency
    ticket = Ticket(contract=contract, sla_term=term, region=agency.region, organisation=agency, kind=kind,
                    level=level, channel=channel, title=title, description=description, requester=requester,
                    requester_name=requester_name[:50], contact_phone=contact_phone, raised_at=raised_at,
                    upgrade_type=upgrade_type, requirement=(requirement or "").strip(),
                    auth_department=auth_department[:100], auth_document_no=auth_document_no[:100], created_by=user)
    sla.refresh(ticket, pauses=[])
    ticket.full_clean(exclude=["status", "number"])
    for _ in range(5):
        ticket.number = next_number(raised_at)
        try:
            with transaction.atomic():
                ticket.save()
                _store(ticket, user, auth_file, AUTHORISATION_PURPOSE)
                for f in files or ():
                    _store(ticket, user, f, ATTACHMENT_PURPOSE)
                open_state_task(ticket, WF, "new")
        except IntegrityError:  # two tickets took the same number: take the next one
            ticket.pk = None
            ticket._state.adding = True
            continue
        return ticket
    raise ValidationError({"__all__": ["工单编号分配冲突，请重试"]})


def _store(ticket, user, uploaded, purpose):
    if not uploaded:
        return None
    from kernel.files.services import store

    try:
        return store(ticket, uploaded, purpose, user, caller_checked=True)
    except ValidationError as exc:
        field = "auth_file" if purpose == AUTHORISATION_PURPOSE else "files"
        raise ValidationError({field: exc.messages}) from None


# -- the workflow steps ---------------------------------------------------------------------------------------
def _notify_on_commit(user, title, url, key):
    if user is None:
        return
    transaction.on_commit(lambda: notify.notify(user, title, url=url, key=key))


def _fresh(ticket):
    """Lock the ticket's row and bring the caller's instance up to date (a step saves the whole record)."""
    list(Ticket.all_objects.select_for_update().filter(pk=ticket.pk).values_list("pk", flat=True))
    ticket.refresh_from_db()
    return ticket


@transaction.atomic
def accept(ticket, user, *, assignee=None, comment=""):
    """受理 (the first response); with an assignee, 派单 at once."""
    _fresh(ticket)
    log = WF.apply(ticket, "accept", user, comment=comment)
    if assignee is not None:
        log = assign(ticket, user, assignee)
    return log


@transaction.atomic
def assign(ticket, user, assignee, comment=""):
    _fresh(ticket)
    if assignee is None:
        raise ValidationError({"assignee": ["请选择处理工程师"]})
    ticket.assignee = assignee
    log = WF.apply(ticket, "assign", user, comment=comment or f"派单给{assignee.display_name}",
                   data={"assignee": assignee.pk, "assignee_name": assignee.display_name})
    if assignee.pk != user.pk:
        _notify_on_commit(assignee, f"新的运维工单待处理：{ticket}", ticket.get_absolute_url(),
                          f"ops_ticket:{ticket.pk}:assigned:{log.pk}")
    return log


@transaction.atomic
def start(ticket, user, *, handling_mode="", comment=""):
    _fresh(ticket)
    if handling_mode and handling_mode not in HandlingMode.values:
        raise ValidationError({"handling_mode": ["请选择有效的处理方式"]})
    if handling_mode:
        ticket.handling_mode = handling_mode
    return WF.apply(ticket, "start", user, comment=comment, data={"handling_mode": ticket.handling_mode})


@transaction.atomic
def wait(ticket, user, comment):
    """待用户反馈: the clock stops until the requester answers."""
    _fresh(ticket)
    if not (comment or "").strip():
        raise ValidationError({"comment": ["请说明需要用户反馈的内容"]})
    log = WF.apply(ticket, "wait", user, comment=comment)
    _notify_on_commit(confirmer(ticket), f"运维工单需要您反馈：{ticket}", ticket.get_absolute_url(),
                      f"ops_ticket:{ticket.pk}:waiting:{log.pk}")
    return log


@transaction.atomic
def resume(ticket, user, comment=""):
    _fresh(ticket)
    return WF.apply(ticket, "resume", user, comment=comment)


@transaction.atomic
def resolve(ticket, user, *, solution, root_cause="", handling_mode="", comment=""):
    """解决: a fault needs its root cause, solution and handling mode; an upgrade is released with it."""
    _fresh(ticket)
    if handling_mode and handling_mode not in HandlingMode.values:
        raise ValidationError({"handling_mode": ["请选择有效的处理方式"]})
    ticket.solution = (solution or "").strip()
    ticket.root_cause = (root_cause or "").strip()
    if handling_mode:
        ticket.handling_mode = handling_mode
    log = WF.apply(ticket, "resolve", user, comment=comment or ticket.solution[:200],
                   data={"handling_mode": ticket.handling_mode})
    _notify_on_commit(confirmer(ticket), f"运维工单已解决，请确认：{ticket}", ticket.get_absolute_url(),
                      f"ops_ticket:{ticket.pk}:resolved:{log.pk}")
    return log


@transaction.atomic
def close(ticket, user, comment=""):
    _fresh(ticket)
    return WF.apply(ticket, "close", user, comment=comment or "确认已解决")


@transaction.atomic
def reopen(ticket, user, comment):
    _fresh(ticket)
    if not (comment or "").strip():
        raise ValidationError({"comment": ["请说明重新打开的原因"]})
    return WF.apply(ticket, "reopen", user, comment=comment)


@transaction.atomic
def restart(ticket, user, comment=""):
    _fresh(ticket)
    return WF.apply(ticket, "restart", user, comment=comment)


@transaction.atomic
def cancel(ticket, user, comment):
    _fresh(ticket)
    if not (comment or "").strip():
        raise ValidationError({"comment": ["请说明撤销原因"]})
    return WF.apply(ticket, "cancel", user, comment=comment)


STEPS = {"accept": accept, "assign": assign, "start": start, "wait": wait, "resume": resume, "resolve": resolve,
         "close": close, "reopen": reopen, "restart": restart, "cancel": cancel}


def available_steps(ticket, user):
    """The transitions the user may take now: state, scope, role and who may act (the guards in WHO_GUARDS).
    What a step needs filled in (root cause, assignee, authorisation) is asked for on its form and checked
    when it is taken."""
    from kernel.workflow.engine import Transition, TransitionError

    out = []
    for t in WF.transitions:
        who = [g for g in t.guards if g in WHO_GUARDS]
        probe = Transition(t.name, t.label, t.sources, t.target, roles=t.roles, guards=who)
        try:
            WF._check(ticket, probe, user, params=None)
        except TransitionError:
            continue
        out.append(t)
    return out


# -- upgrades: requirement sign-off and tests -----------------------------------------------------------------
UPGRADE_STATES = ("accepted", "assigned", "in_progress", "reopened")


def _visible(ticket, user):
    if not Ticket.objects.visible_to(user).filter(pk=ticket.pk).exists():
        raise PermissionDenied("该工单不在您的管辖范围内")


@transaction.atomic
def sign_off(ticket, user, *, requirement, planned_release_on):
    """需求确认签字: the requester (or the manager) signs the final requirement and the agreed release date;
    the release date becomes the upgrade's resolution deadline."""
    _visible(ticket, user)
    _fresh(ticket)
    if ticket.kind != Kind.UPGRADE:
        raise ValidationError({"__all__": ["只有软件升级工单需要需求确认"]})
    if ticket.status not in UPGRADE_STATES:
        raise ValidationError({"__all__": [f"当前状态为“{ticket.workflow_state().label}”，不能确认需求"]})
    if not (is_manager(user) or user.pk == getattr(confirmer(ticket), "pk", None)):
        raise PermissionDenied("需求须由提出人（用户方）或运维服务管理员确认签字")
    errors = {}
    requirement = (requirement or "").strip()
    if not requirement:
        errors["requirement"] = ["请填写最终确认的需求说明"]
    if planned_release_on is None:
        errors["planned_release_on"] = ["请填写计划发布日期"]
    elif planned_release_on < timezone.localdate():
        errors["planned_release_on"] = ["计划发布日期不能早于今天"]
    if errors:
        raise ValidationError(errors)
    ticket.requirement, ticket.planned_release_on = requirement, planned_release_on
    ticket.signed_off_by, ticket.signed_off_at = user, timezone.now()
    ticket.internal_test = ticket.user_test = ""  # a newly signed requirement is tested again
    sla.refresh(ticket)
    ticket.save()
    return ticket


@transaction.atomic
def record_test(ticket, user, *, stage, result, note=""):
    """内部测试 (engineers) and then 用户测试 (the requester or the manager) of a signed upgrade."""
    _visible(ticket, user)
    _fresh(ticket)
    if ticket.kind != Kind.UPGRADE:
        raise ValidationError({"__all__": ["只有软件升级工单需要测试"]})
    if ticket.status not in UPGRADE_STATES:
        raise ValidationError({"__all__": [f"当前状态为“{ticket.workflow_state().label}”，不能登记测试结果"]})
    errors = {}
    if stage not in ("internal", "user"):
        errors["stage"] = ["请选择测试阶段（内部测试或用户测试）"]
    if result not in TestResult.values:
        errors["result"] = ["请选择测试结果"]
    note = (note or "").strip()
    if result == TestResult.FAILED and not note:
        errors["note"] = ["测试不通过请说明问题"]
    if errors:
        raise ValidationError(errors)
    if not ticket.signed_off_at:
        raise ValidationError({"stage": ["请先完成需求确认签字"]})
    if stage == "internal" and not is_engineer(user):
        raise PermissionDenied("内部测试结果由运维工程师登记")
    if stage == "user":
        if not (is_manager(user) or user.pk == getattr(confirmer(ticket), "pk", None)):
            raise PermissionDenied("用户测试结果由提出人（用户方）或运维服务管理员登记")
        if ticket.internal_test != TestResult.PASSED:
            raise ValidationError({"stage": ["内部测试通过后才能进行用户测试"]})
    now = timezone.now()
    if stage == "internal":
        ticket.internal_test, ticket.internal_test_note, ticket.internal_tested_at = result, note[:500], now
        if result == TestResult.FAILED:
            ticket.user_test = ""
    else:
        ticket.user_test, ticket.user_test_note, ticket.user_tested_at = result, note[:500], now
    ticket.save()
    return ticket


# -- data maintenance: the competent department's authorisation ------------------------------------------------
@transaction.atomic
def authorise(ticket, user, *, department, document_no, file=None):
    """Record the authorisation of a data-maintenance request before it is accepted."""
    _visible(ticket, user)
    _fresh(ticket)
    if ticket.kind != Kind.DATA:
        raise ValidationError({"__all__": ["只有数据维护工单需要主管部门授权"]})
    if ticket.status != "new":
        raise ValidationError({"__all__": ["工单已受理，授权信息不能再修改"]})
    if not (is_engineer(user) or user.pk in (ticket.requester_id, ticket.created_by_id)):
        raise PermissionDenied("只有提出人或运维人员可以登记授权")
    errors = {}
    department, document_no = (department or "").strip(), (document_no or "").strip()
    if not department:
        errors["auth_department"] = ["请填写授权主管部门"]
    if not document_no:
        errors["auth_document_no"] = ["请填写授权文件文号"]
    if errors:
        raise ValidationError(errors)
    ticket.auth_department, ticket.auth_document_no = department[:100], document_no[:100]
    ticket.save()
    _store(ticket, user, file, AUTHORISATION_PURPOSE)
    return ticket


def authorisation_files(ticket):
    from kernel.files.models import Attachment

    return Attachment.objects.filter(content_type__app_label="ops_tickets", content_type__model="ticket",
                                     object_id=ticket.pk, purpose=AUTHORISATION_PURPOSE).order_by("pk")


def attachments(ticket):
    from kernel.files.models import Attachment

    return Attachment.objects.filter(content_type__app_label="ops_tickets", content_type__model="ticket",
                                     object_id=ticket.pk, purpose=ATTACHMENT_PURPOSE).order_by("pk")


# -- thresholds changed: recompute the warning moments of the tickets whose clock runs -------------------------
def recompute_warn_times(batch=500):
    """The escalation rules' yellow share changed: every ticket whose clock runs gets new warning moments."""
    from .workflows import CLOCK_STATES

    count = 0
    percents = (sla.warn_percent(sla.RESPONSE_RULE), sla.warn_percent(sla.RESOLUTION_RULE))
    qs = Ticket.objects.filter(status__in=CLOCK_STATES).select_related("sla_term", "sla_term__schedule")
    ids = list(qs.values_list("pk", flat=True))
    for start_at in range(0, len(ids), batch):
        for ticket in qs.filter(pk__in=ids[start_at:start_at + batch]):
            before = (ticket.response_warn_at, ticket.resolution_warn_at)
            sla.refresh(ticket, percents=percents)
            if (ticket.response_warn_at, ticket.resolution_warn_at) != before:
                Ticket.all_objects.filter(pk=ticket.pk).update(response_warn_at=ticket.response_warn_at,
                                                               resolution_warn_at=ticket.resolution_warn_at)
                count += 1
    return count
