"""Business operations of grids, complaint/report registrations (投诉举报登记) and case supervision (案件督办).

The only place that changes these records: views and the demo call these functions. State changes go
through the workflows (Complaint.workflow = workflows.COMPLAINT; warnings through the kernel alert
workflow); every write is one transaction and leaves its audit row through BusinessModel / the
audited kernel models (Region, Territory).

* Grids: a grid is a Region of level 网格 under a county or town the user governs, plus its Grid row.
  The grid owner (网格员) is mirrored into a kernel.alerts Territory(region=grid, rule=None), so the
  low-level warnings of projects in the grid are auto-assigned to that owner (territory_assignee).
* Registration by hand (来访, 来电, 网上, 12345, 网格上报, 上级交办) and by conversion of a labour warning that
  on-site verification found unresolved (转立案登记: the warning escalates, 升级转办). The number is
  LJ + date + the record id (unique however many are registered at once, no counter table).
* Case supervision on the business calendar: accept_due = received_on + 5 working days; filing sets
  finish_due = filed_on + 60; one approved extension adds 30 (workflows.py)."""
import datetime
import re
import uuid
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from kernel.alerts.models import LEVEL_LABELS, Territory, Warning
from kernel.calendar.services import add_working_days, is_working_day, working_days_between
from kernel.org.forms import restrict_regions
from kernel.org.models import Organisation, Region
from kernel.org.scope import can_see
from kernel.org.validators import validate_id_number
from kernel.todos import services as todos
from kernel.workflow.engine import TransitionError

from .models import Complaint, Grid
from .reference import LABOUR_VIEW, WARNING_CATEGORY
from .workflows import ACCEPT_WORKING_DAYS, COMPLAINT, OPEN_STATES

LABOUR_CATEGORY = WARNING_CATEGORY  # the alert rules of the wage-arrears warning models (alerts.py)
CONVERTIBLE_STATES = ("assigned", "handled")  # verified on site and found unresolved
SUPERVISE_KEY = "labor_supervise"  # the supervisor's to-do opened by the overdue rule (case_alerts.py)
PHONE_RE = re.compile(r"(1[3-9]\d{9})|(0\d{2,3}-?\d{7,8})|(12345)")
MANUAL_CHANNELS = [c for c in Complaint.Channel.choices if c[0] != Complaint.Channel.WARNING]


def _placeholder():
    return "tmp" + uuid.uuid4().hex[:24]


# == grids ========================================================================================
def grid_parents(user):
    """Counties and towns (乡镇) the user governs: where they may create a grid."""
    return restrict_regions(Region.objects.filter(level__in=(Region.Level.COUNTY, Region.Level.TOWN)), user)


def _grid_code(parent):
    """The next free code under the parent: its code, "G" and a three-digit serial (e.g. 450103G001)."""
    prefix = f"{parent.code}G"
    taken = set(Region.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    n = len(taken) + 1
    while f"{prefix}{n:03d}" in taken:
        n += 1
    return f"{prefix}{n:03d}"


def _check_owner(owner, region):
    """A grid owner is an active staff user of the grid's county or town (or above), able to see warnings
    (`region` is the grid's region, or its parent before the grid exists)."""
    if owner is None:
        return
    if not owner.is_active or owner.kind != "staff":
        raise ValidationError({"owner": ["网格员须为在职的工作人员账号"]})
    home = owner.region
    if home is None or not region.path.startswith(home.path):
        raise ValidationError({"owner": ["网格员须为本网格所在区县（乡镇）的人员"]})
    if not owner.has_perms(LABOUR_VIEW):
        raise ValidationError({"owner": ["该用户没有查看和处置预警的权限，请先授予“网格员”角色"]})


def _check_grid_fields(fields):
    errors = {}
    if not (fields.get("head") or "").strip():
        errors["head"] = ["请填写网格长"]
    phone = (fields.get("phone") or "").strip()
    if phone and not PHONE_RE.fullmatch(phone):
        errors["phone"] = ["请输入有效的手机号或座机号（如 13800138000 或 0771-5881234）"]
    if errors:
        raise ValidationError(errors)


def sync_territory(grid):
    """Keep Territory(region=grid.region, rule=None) in step with Grid.owner (and absent for a deleted grid)."""
    current = Territory.objects.filter(region=grid.region, rule__isnull=True).first()
    owner = None if grid.is_deleted else grid.owner
    if owner is None:
        if current is not None:
            current.delete()
        return None
    if current is None:
        return Territory.objects.create(region=grid.region, rule=None, user=owner)
    if current.user_id != owner.pk:
        current.user = owner
        current.save()
    return current


GRID_FIELDS = ("head", "contact_person", "phone", "address", "organisation", "owner")


@transaction.atomic
def create_grid(user, *, parent, name, head, contact_person="", phone="", address="", organisation=None, owner=None):
    """A new grid: the Region (level 网格) under a county or town the user governs, and its Grid row."""
    if not user.has_perm("labor_inspection.add_grid"):
        raise PermissionDenied("您没有新增网格的权限")
    name = (name or "").strip()
    errors = {}
    if parent is None or not grid_parents(user).filter(pk=parent.pk).exists():
        errors["parent"] = ["请选择您管辖范围内的县（市、区）或乡镇（街道）"]
    if not name:
        errors["name"] = ["请填写网格名称"]
    elif parent is not None and Region.objects.filter(parent=parent, name=name).exists():
        errors["name"] = ["同一上级区划下已有同名网格"]
    if errors:
        raise ValidationError(errors)
    fields = {"head": head, "contact_person": contact_person, "phone": phone, "address": address,
              "organisation": organisation, "owner": owner}
    _check_grid_fields(fields)
    _check_owner(owner, parent)  # the grid lies under the parent: an owner of the parent's area qualifies
    Region.objects.select_for_update().filter(pk=parent.pk).first()  # one grid code at a time per parent
    for attempt in range(3):
        try:
            with transaction.atomic():
                region = Region.objects.create(code=_grid_code(parent), name=name, level=Region.Level.GRID,
                                               parent=parent)
        except IntegrityError:
            if attempt == 2:
                raise
            continue
        break
    grid = Grid(region=region, created_by=user, **{k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()})
    grid.full_clean()
    grid.save()
    sync_territory(grid)
    return grid


@transaction.atomic
def update_grid(grid, user, *, name=None, **fields):
    if not user.has_perm("labor_inspection.change_grid"):
        raise PermissionDenied("您没有修改网格的权限")
    if not can_see(user, grid):
        raise PermissionDenied("该网格不在您的管辖范围内")
    unknown = set(fields) - set(GRID_FIELDS)
    if unknown:
        raise ValueError(f"unknown grid fields {unknown}")
    merged = {f: getattr(grid, f) for f in GRID_FIELDS} | fields
    _check_grid_fields(merged)
    _check_owner(merged["owner"], grid.region)
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError({"name": ["请填写网格名称"]})
        if name != grid.region.name:
            if Region.objects.filter(parent_id=grid.region.parent_id, name=name).exclude(pk=grid.region_id).exists():
                raise ValidationError({"name": ["同一上级区划下已有同名网格"]})
            grid.region.name = name
            grid.region.save()
    for key, value in fields.items():
        setattr(grid, key, value.strip() if isinstance(value, str) else value)
    grid.full_clean()
    grid.save()
    sync_territory(grid)
    return grid


@transaction.atomic
def delete_grid(grid, user):
    """Soft delete: the grid row is kept (marked), its Region stays for the warnings that name it, and the
    owner's territory is removed (its warnings fall back to the county's territory or to dispatch)."""
    if not user.has_perm("labor_inspection.delete_grid"):
        raise PermissionDenied("您没有删除网格的权限")
    if not can_see(user, grid):
        raise PermissionDenied("该网格不在您的管辖范围内")
    grid.delete()
    sync_territory(grid)


def grid_of(region):
    """The grid a region is (warnings carry the grid's region when their project lies in a grid), or None."""
    if region is None or region.level != Region.Level.GRID:
        return None
    return Grid.objects.filter(region=region).first()


GRID_STATUS_GROUPS = [  # (key, label, warning states)
    ("pending", "待审核/审批", ("generated", "approving")),
    ("dispatch", "待派发", ("reviewed",)),
    ("handling", "处置中", ("assigned", "handled")),
    ("released", "已解除", ("released",)),
    ("escalated", "已转立案", ("escalated",)),
    ("withdrawn", "已撤回", ("withdrawn",)),
]
GRID_LEVELS = ("yellow", "orange", "red")


def counts_by_grid(qs, region_ids):
    """{region id: [(level, status, n)]} of the warnings in `qs` whose region is one of the grids' regions.

    A grid is the lowest region level, so a warning is "under" a grid exactly when its region is the grid's
    region: one grouped query for all grids."""
    counts = {}
    if region_ids:
        for region_id, level, status, n in (qs.filter(region_id__int_in=region_ids).order_by()
                                            .values_list("region_id", "level", "status").annotate(n=Count("id"))):
            counts.setdefault(region_id, []).append((level, status, n))
    return counts


def grid_figures(found):
    """A grid's total, count per level (GRID_LEVELS) and per handling-status group from its counts_by_grid entry."""
    row = {"total": sum(n for _, _, n in found)}
    for lv in GRID_LEVELS:
        row[lv] = sum(n for level, _, n in found if level == lv)
    for key, _, states in GRID_STATUS_GROUPS:
        row[key] = sum(n for _, status, n in found if status in states)
    return row


def grid_warning_stats(user, grids, *, date_from=None, date_to=None, category=None):
    """Per grid: warnings of its region by level and by handling status, from the user's visible warnings."""
    grids = list(grids)
    qs = Warning.objects.visible_to(user)
    if date_from:
        qs = qs.filter(first_seen__date__gte=date_from)
    if date_to:
        qs = qs.filter(first_seen__date__lte=date_to)
    if category:
        qs = qs.filter(rule__category=category)
    counts = counts_by_grid(qs, [g.region_id for g in grids])
    out = []
    for g in grids:
        entry = {"grid": g, **grid_figures(counts.get(g.region_id, []))}
        entry["other_level"] = entry["total"] - sum(entry[lv] for lv in GRID_LEVELS)
        out.append(entry)
    return out


# == registration ======================================================================================
def case_region(region):
    """Cases are handled by the inspection department of the county (属地): a warning in a grid or town
    registers at its county, where the inspectors' to-dos are."""
    if region is None:
        return None
    if region.level <= Region.Level.COUNTY:
        return region
    return region.ancestors().filter(level=Region.Level.COUNTY).first() or region.parent


def _assign_number(complaint, day):
    complaint.no = f"LJ{day:%Y%m%d}{complaint.pk:06d}"
    Complaint.all_objects.filter(pk=complaint.pk).update(no=complaint.no)


def _clean_registration(user, fields, *, from_warning=False):
    errors = {}
    channel = fields.get("channel")
    allowed = {Complaint.Channel.WARNING} if from_warning else {c for c, _ in MANUAL_CHANNELS}
    if channel not in allowed:
        errors["channel"] = ["请选择案件来源"]
    region = fields.get("region")
    if region is None or not restrict_regions(Region.objects.filter(pk=region.pk), user).exists():
        errors["region"] = ["请选择您管辖范围内的区划"]
    if not (fields.get("respondent_name") or "").strip():
        errors["respondent_name"] = ["请填写被投诉单位名称"]
    if not (fields.get("facts") or "").strip():
        errors["facts"] = ["请填写投诉举报事项"]
    id_number = (fields.get("complainant_id_number") or "").strip().upper()
    if id_number:
        try:
            validate_id_number(id_number)
        except ValidationError as exc:
            errors["complainant_id_number"] = exc.messages
    fields["complainant_id_number"] = id_number
    phone = (fields.get("complainant_phone") or "").strip()
    if phone and not PHONE_RE.fullmatch(phone):
        errors["complainant_phone"] = ["请输入有效的手机号或座机号（如 13800138000 或 0771-5881234）"]
    amount = fields.get("amount_owed")
    if amount is not None:
        try:
            amount = Decimal(str(amount))
        except (InvalidOperation, ValueError):
            errors["amount_owed"] = ["请输入有效的金额"]
        else:
            if amount < 0:
                errors["amount_owed"] = ["涉及金额不能为负数"]
            fields["amount_owed"] = amount
    workers = fields.get("workers_involved")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        errors["workers_involved"] = ["涉及人数至少为1人"]
    received = fields.get("received_on")
    if received is None:
        errors["received_on"] = ["请填写收到日期"]
    elif received > timezone.localdate():
        errors["received_on"] = ["收到日期不能晚于今天"]
    respondent = fields.get("respondent")
    # a converted warning names its unit, which may be registered elsewhere (a contractor of another city)
    if respondent is not None and not from_warning and not can_see(user, respondent):
        errors["respondent"] = ["被投诉单位不在您的管辖范围内"]
    supervisor = fields.get("supervisor")
    if supervisor is not None and region is not None and "region" not in errors:
        message = _supervisor_problem(supervisor, region)
        if message:
            errors["supervisor"] = [message]
    if errors:
        raise ValidationError(errors)


def _supervisor_problem(supervisor, region):
    if not supervisor.is_active or supervisor.kind != "staff":
        return "督办责任人须为在职的工作人员"
    if not supervisor.has_perm("labor_inspection.view_complaint"):
        return "督办责任人须有查看投诉举报案件的权限"
    home = supervisor.region
    if not supervisor.is_superuser and (home is None or not region.path.startswith(home.path)):
        return "督办责任人须为案件所属区划（或上级）的人员"
    return None


REGISTRATION_FIELDS = ("channel", "received_on", "region", "complainant_name", "complainant_id_number",
                       "complainant_phone", "respondent", "respondent_name", "respondent_address", "respondent_contact",
                       "project", "workers_involved", "amount_owed", "facts", "demands", "supervisor")


@transaction.atomic
def register_complaint(user, **fields):
    """投诉举报登记 by hand. Returns the saved complaint (state 待受理, its to-do open)."""
    if not user.has_perm("labor_inspection.add_complaint"):
        raise PermissionDenied("您没有登记投诉举报的权限")
    unknown = set(fields) - set(REGISTRATION_FIELDS)
    if unknown:
        raise ValueError(f"unknown registration fields {unknown}")
    fields.setdefault("received_on", timezone.localdate())
    _clean_registration(user, fields)
    return _create(user, fields)


def _create(user, fields):
    for key in ("complainant_name", "respondent_name", "respondent_address", "respondent_contact", "facts", "demands",
                "complainant_phone"):
        if isinstance(fields.get(key), str):
            fields[key] = fields[key].strip()
    complaint = Complaint(no=_placeholder(), accept_due=add_working_days(fields["received_on"], ACCEPT_WORKING_DAYS),
                          created_by=user, **fields)
    complaint.full_clean(exclude=["no"])
    complaint.save()
    _assign_number(complaint, timezone.localdate())
    from kernel.todos.hooks import open_state_task

    open_state_task(complaint, COMPLAINT, "registered")
    if complaint.supervisor_id:
        _notify_supervisor(complaint)
    return complaint


def labour_warnings(user):
    """The wage-arrears warnings (rule category 欠薪预警) a user may see."""
    return Warning.objects.visible_to(user).filter(rule__category=LABOUR_CATEGORY)


def conversion_refusal(warning):
    """Why this warning cannot be converted into a registration now, or None."""
    if warning.rule.category != LABOUR_CATEGORY:
        return "只有欠薪预警可以转立案登记"
    if Complaint.all_objects.filter(warning_id=warning.pk).exists():
        return "该预警已转立案登记，不能重复转入"
    if warning.status not in CONVERTIBLE_STATES:
        return "只有已派发核查（处置中或待解除）且核查未解决的预警可以转立案登记"
    return None


@transaction.atomic
def convert_warning(warning, user, *, comment="", supervisor=None, amount_owed=None, workers_involved=None):
    """转立案登记 (预立案): a labour warning whose on-site verification found the arrears unresolved becomes a
    complaint/report registration (channel 预警转入) linked one-to-one to it; the warning ends through the
    kernel transition "escalate" (升级转办) with a comment naming the registration."""
    if not (user.has_perm("labor_inspection.add_complaint") and user.has_perm("alerts.release_warning")):
        raise PermissionDenied("您没有转立案登记的权限")
    locked = Warning.objects.select_for_update().filter(pk=warning.pk).first()  # one conversion at a time
    if locked is None or not Warning.objects.visible_to(user).filter(pk=warning.pk).exists():
        raise PermissionDenied("该预警不在您的管辖范围内")
    warning.status = locked.status
    refusal = conversion_refusal(warning)
    if refusal:
        raise ValidationError(refusal)
    org = warning.organisation
    project = None
    subject_model = warning.subject_type.model_class()
    if subject_model is not None and subject_model._meta.label == "labor_monitoring.Project":
        project = subject_model._base_manager.filter(pk=warning.subject_id).first()
    facts = warning.message
    if warning.value:
        facts += f"（监测值：{warning.value}）"
    if warning.result:
        facts += f"\n现场核查情况：{warning.result}"
    fields = {
        "channel": Complaint.Channel.WARNING, "received_on": timezone.localdate(),
        "region": case_region(warning.region or (org.region if org else None)),
        "respondent": org, "respondent_name": org.name if org else warning.subject_repr,
        "respondent_address": (org.address if org else "") or "",
        "respondent_contact": (org.legal_representative or org.contact_person) if org else "",
        "project": project, "facts": facts, "demands": "核查欠薪情况，督促支付拖欠的农民工工资",
        "supervisor": supervisor,
    }
    if amount_owed not in (None, ""):
        fields["amount_owed"] = amount_owed
    if workers_involved not in (None, ""):
        fields["workers_involved"] = workers_involved
    if fields["region"] is None:
        raise ValidationError("该预警没有所属区划，无法确定办案的监察机构")
    _clean_registration(user, fields, from_warning=True)
    fields["warning"] = warning
    complaint = _create(user, fields)
    note = (comment or "").strip()
    Warning.workflow.apply(warning, "escalate", user, data={"complaint": complaint.no},
                           comment=f"核查未解决，转立案登记（{complaint.no}）" + (f"：{note}" if note else ""))
    return complaint


def escalation_guard(warning, user, params):
    """A labour warning escalates only with its registration (convert_warning): the generic 升级转办 would end
    it with no case, and it could never be converted afterwards."""
    if warning.rule.category == LABOUR_CATEGORY and not (params.get("data") or {}).get("complaint"):
        return "欠薪预警请通过“转立案登记”升级转办"
    return None


@transaction.atomic
def withdraw_warning(warning, user, comment):
    """A mistaken manual warning withdrawn by its originator (the kernel guards check both)."""
    return Warning.workflow.apply(warning, "withdraw", user, comment=comment)


# == case supervision ================================================================================
def current_due(complaint):
    """(what, due date) of the limit that governs the case now, or (None, None)."""
    if complaint.status == "registered":
        return "受理", complaint.accept_due
    if complaint.status in ("filed", "extension"):
        return "办结", complaint.finish_due
    return None, None


def working_days_left(due, today=None):
    """Working days from today to the due date (0: due today); negative: working days past it."""
    if due is None:
        return None
    today = today or timezone.localdate()
    if due >= today:
        return working_days_between(today, due)
    return -working_days_between(due, today)


def working_days_before(day, n):
    """The Nth working day before `day` (n = 0: `day`)."""
    current = day
    for _ in range(n):
        current -= datetime.timedelta(days=1)
        while not is_working_day(current):
            current -= datetime.timedelta(days=1)
    return current


def overdue_q(today=None):
    """Open cases past the limit that governs them."""
    today = today or timezone.localdate()
    return (Q(status="registered", accept_due__lt=today)
            | Q(status__in=("filed", "extension"), finish_due__lt=today))


def due_soon_q(working_days, today=None):
    """Open cases whose governing limit falls within the next N working days (not yet past)."""
    today = today or timezone.localdate()
    limit = add_working_days(today, working_days)
    return (Q(status="registered", accept_due__gte=today, accept_due__lte=limit)
            | Q(status__in=("filed", "extension"), finish_due__gte=today, finish_due__lte=limit))


def _apply(complaint, name, user, comment=""):
    return COMPLAINT.apply(complaint, name, user, comment=comment)


def _close_supervision(complaint, user):
    todos.close(complaint, key=SUPERVISE_KEY, by=user)


@transaction.atomic
def accept(complaint, user, comment=""):
    """受理 (within 5 working days of receipt)."""
    log = _apply(complaint, "accept", user, comment)
    _close_supervision(complaint, user)
    return log


@transaction.atomic
def reject(complaint, user, comment):
    """不予受理 (out of scope): returned to the source with the reason."""
    log = _apply(complaint, "reject", user, comment)
    _close_supervision(complaint, user)
    return log


@transaction.atomic
def file(complaint, user, comment=""):
    """立案: the 60 working days to finish start."""
    return _apply(complaint, "file", user, comment)


@transaction.atomic
def request_extension(complaint, user, reason):
    """申请延期 (complex case, once): the reason is kept on the case and goes to a leader for approval."""
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError({"comment": ["请填写延期理由"]})
    complaint.extension_reason = reason
    return _apply(complaint, "request_extension", user, reason)


@transaction.atomic
def approve_extension(complaint, user, comment=""):
    """批准延期: +30 working days on the finish limit (by someone other than the requester)."""
    log = _apply(complaint, "approve_extension", user, comment)
    _close_supervision(complaint, user)
    return log


@transaction.atomic
def refuse_extension(complaint, user, comment):
    return _apply(complaint, "refuse_extension", user, comment)


@transaction.atomic
def close(complaint, user, result, comment=""):
    """办结 with the handling result."""
    result = (result or "").strip()
    if not result:
        raise TransitionError({"result": ["请填写处理结果"]})
    complaint.result = result
    log = _apply(complaint, "close", user, comment or result)
    _close_supervision(complaint, user)
    return log


ACTIONS = {  # transition: service
    "accept": accept, "reject": reject, "file": file, "request_extension": request_extension,
    "approve_extension": approve_extension, "refuse_extension": refuse_extension,
}


@transaction.atomic
def assign_supervisor(complaint, user, supervisor):
    """督办责任人: the named person of the section or brigade who answers for the case's time limits."""
    if not user.has_perm("labor_inspection.change_complaint"):
        raise PermissionDenied("您没有指定督办责任人的权限")
    if not can_see(user, complaint):
        raise PermissionDenied("该案件不在您的管辖范围内")
    if complaint.status not in OPEN_STATES:
        raise ValidationError("案件已办结，不能再指定督办责任人")
    if supervisor is None:
        raise ValidationError({"supervisor": ["请选择督办责任人"]})
    message = _supervisor_problem(supervisor, complaint.region)
    if message:
        raise ValidationError({"supervisor": [message]})
    if supervisor.pk == complaint.supervisor_id:
        return complaint
    complaint.supervisor = supervisor
    complaint.save()
    _close_supervision(complaint, user)  # a new supervisor gets the next reminder
    _notify_supervisor(complaint)
    return complaint


def _notify_supervisor(complaint):
    from kernel.notify import services as notify

    supervisor = complaint.supervisor
    transaction.on_commit(lambda: notify.notify(
        supervisor, f"您被指定为案件督办责任人：{complaint}", url=complaint.get_absolute_url(),
        key=f"labor:case:{complaint.pk}:supervisor:{supervisor.pk}", region=complaint.region,
        related=f"labor_inspection.complaint:{complaint.pk}"))


def overdue_notices(warnings):
    """The overdue rule's reminders (case_alerts.py on_scan): for each raised or changed warning, the case's
    supervisor (else its handler) gets an in-app message, the SMS labor_case_overdue and a to-do."""
    from kernel.notify import services as notify
    from kernel.todos.hooks import due_at_end_of
    from kernel.todos.models import Todo

    by_case = {w.subject_id: w for w in warnings}
    cases = list(Complaint.objects.filter(pk__in=by_case, status__in=OPEN_STATES)
                 .select_related("supervisor", "handler", "region"))
    ct = ContentType.objects.get_for_model(Complaint)
    has_todo = set(Todo.objects.filter(content_type=ct, object_id__in=[str(c.pk) for c in cases], key=SUPERVISE_KEY,
                                       status=Todo.Status.OPEN).values_list("object_id", flat=True))
    notices = []
    today = timezone.localdate()
    for case in cases:
        person = case.supervisor or case.handler
        what, due = current_due(case)
        if person is None or due is None:
            continue
        warning = by_case[case.pk]
        left = working_days_left(due, today)
        state = f"超期{-left}个工作日" if left < 0 else ("到期" if left == 0 else f"临近期限（剩余{left}个工作日）")
        notices.append(dict(
            user=person, title=f"案件督办提醒（{LEVEL_LABELS.get(warning.level, warning.level)}）：{case.no}",
            body=f"{what}期限为{due:%Y年%m月%d日}，现已{state}", url=case.get_absolute_url(),
            sms_template="labor_case_overdue",
            sms_params={"no": case.no, "respondent": case.respondent_name, "what": what,
                        "due": f"{due:%Y年%m月%d日}", "state": state},
            key=f"labor:case:{case.pk}:overdue:{warning.pk}:{warning.level}", region=case.region,
            related=f"labor_inspection.complaint:{case.pk}"))
        if str(case.pk) not in has_todo:
            todos.create(case, f"督办{what}期限：{case}（{state}）", key=SUPERVISE_KEY, url=case.get_absolute_url(),
                         assignee=person, region=case.region, due_at=due_at_end_of(due))
    return notify.notify_many(notices)


def complaint_counts(user):
    """Open / overdue counts of the user's visible cases (home cards, list header)."""
    qs = Complaint.objects.visible_to(user)
    return {"open": qs.filter(status__in=OPEN_STATES).count(), "overdue": qs.filter(overdue_q()).count()}


def visible_enterprise(user, uscc):
    """The enterprise with this unified social credit code that the user may see, or None."""
    uscc = (uscc or "").strip().upper()
    if not uscc:
        return None
    return Organisation.objects.visible_to(user).filter(uscc=uscc).first()
