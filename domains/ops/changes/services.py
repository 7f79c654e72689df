"""Problem, change and notice operations: the only place that writes them.

Each function validates first and raises ValidationError (Chinese, by field) with nothing written. Record saves
are audited by the kernel (BusinessModel); links (tickets, readership) leave their own change rows here; states
change only through the workflows (act())."""
import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from kernel.audit.models import ChangeLog
from kernel.audit.services import record_change
from kernel.notify.services import notify_many
from kernel.org.scope import region_path, subtree_ids

from .models import Notice, NoticeReceipt, Problem, RepeatFaultRule

FAULT = "fault"


def _require(user, perm):
    if not user.has_perm(perm):
        raise PermissionDenied("您没有此操作的权限")


def _number(obj, prefix):
    obj.number = f"{prefix}{timezone.localdate():%Y%m%d}{obj.pk:05d}"
    type(obj).all_objects.filter(pk=obj.pk).update(number=obj.number)


def _link(obj, field, new_items):
    """Set an M2M link and leave a change row with the ids before and after."""
    manager = getattr(obj, field)
    before = sorted(manager.values_list("pk", flat=True))
    manager.set(new_items)
    after = sorted(manager.values_list("pk", flat=True))
    record_change(obj, ChangeLog.Action.UPDATE, {field: before}, {field: after})


def _visible_system(user, system_id):
    from domains.ops.contracts.models import MaintainedSystem

    return MaintainedSystem.objects.visible_to(user).filter(pk=system_id).exists()


def _tickets(user, system_id, tickets, *, faults_only, field="tickets"):
    """The tickets (Ticket rows or ticket numbers) when the user may see them all and they are of the system
    (and faults, for a problem)."""
    from domains.ops.tickets.models import Ticket

    numbers = [t.number if hasattr(t, "number") else str(t).strip() for t in tickets]
    numbers = [n for n in dict.fromkeys(numbers) if n]
    found = {t.number: t for t in Ticket.objects.visible_to(user).filter(number__in=numbers).select_related("contract")}
    errors = []
    for number in numbers:
        t = found.get(number)
        if t is None:
            errors.append(f"工单{number}不存在或不在您的管辖范围内")
        elif t.contract.system_id != system_id:
            errors.append(f"工单{number}不属于所选运维对象")
        elif faults_only and t.kind != FAULT:
            errors.append(f"工单{number}不是故障工单")
    if errors:
        raise ValidationError({field: errors})
    return [found[n] for n in numbers]


# == problems ==
def save_problem(problem, user, tickets=None):
    """Create or edit a problem (not once closed) and, when given, set its fault tickets."""
    _require(user, "ops_changes.change_problem" if problem.pk else "ops_changes.add_problem")
    if problem.pk and problem.status == "closed":
        raise ValidationError("问题已关闭，不能修改")
    if problem.system_id and not _visible_system(user, problem.system_id):
        raise ValidationError({"system": "请选择您管辖范围内的运维对象"})
    if problem.pk is None:
        problem.created_by = user
    problem.full_clean()
    linked = _tickets(user, problem.system_id, tickets, faults_only=True) if tickets is not None else None
    with transaction.atomic():
        creating = problem.pk is None
        problem.save()
        if creating:
            _number(problem, "WT")
        if linked is not None:
            _link(problem, "tickets", linked)
    return problem


def active_rule():
    return RepeatFaultRule.objects.filter(active=True).order_by("id").first()


def save_rule(rule, user):
    _require(user, "ops_changes.change_repeatfaultrule")
    rule.full_clean()
    rule.save()
    return rule


def candidates(user, now=None, rule=None):
    """Candidate problems (疑似问题): per system the user may see, its fault tickets raised within the rule's
    days and not yet linked to a problem, when there are at least the rule's count of them.
    [{"system", "count", "tickets", "rule"}], most tickets first."""
    from domains.ops.contracts.models import MaintainedSystem
    from domains.ops.tickets.models import Ticket

    rule = rule or active_rule()
    if rule is None:
        return []
    since = (now or timezone.now()) - datetime.timedelta(days=rule.window_days)
    recent = (Ticket.objects.visible_to(user).filter(kind=FAULT, raised_at__gte=since, raised_at__lte=now or timezone.now())
              .filter(problems__isnull=True))
    counts = (recent.values("contract__system").annotate(n=Count("pk", distinct=True))
              .filter(n__gte=rule.min_count).order_by("-n", "contract__system"))
    systems = MaintainedSystem.objects.in_bulk([row["contract__system"] for row in counts])
    out = []
    for row in counts:
        system = systems[row["contract__system"]]
        tickets = list(recent.filter(contract__system=system).order_by("raised_at", "pk").distinct())
        out.append({"system": system, "count": row["n"], "tickets": tickets, "rule": rule})
    return out


def open_from_candidate(user, system_id, now=None):
    """Raise a problem for a candidate: the system's unlinked recent fault tickets, linked to it."""
    found = [c for c in candidates(user, now) if c["system"].pk == int(system_id)]
    if not found:
        raise ValidationError("该运维对象当前没有达到重复故障条件的工单")
    c = found[0]
    problem = Problem(system=c["system"], title=f"{c['system'].name}重复故障（{c['rule'].window_days}天内{c['count']}件）",
                      description="由重复故障识别生成，关联工单：" + "、".join(f"{t.number} {t.title}" for t in c["tickets"]))
    return save_problem(problem, user, c["tickets"])


def act(obj, name, user, comment="", now=None):
    """Take a workflow step of a problem, change or notice as `user` (role, scope and guards checked by the
    engine). Publishing a notice also delivers it to its readers."""
    data = {"now": now.isoformat()} if now else {}
    with transaction.atomic():
        log = obj.workflow.apply(obj, name, user, comment=comment, data=data)
        if isinstance(obj, Notice) and name == "publish":
            _deliver(obj, now)
    return log


# == changes ==
def save_change(change, user, tickets=None):
    """Create or edit a change (only as a draft). Its problem and tickets must be visible and of its system."""
    _require(user, "ops_changes.change_change" if change.pk else "ops_changes.add_change")
    if change.pk and change.status != "draft":
        raise ValidationError("只有草稿状态的变更可以修改")
    errors = {}
    if change.system_id and not _visible_system(user, change.system_id):
        errors["system"] = ["请选择您管辖范围内的运维对象"]
    if change.problem_id and not Problem.objects.visible_to(user).filter(pk=change.problem_id).exists():
        errors["problem"] = ["关联问题不存在或不在您的管辖范围内"]
    if errors:
        raise ValidationError(errors)
    if change.pk is None:
        change.created_by = user
    change.full_clean()
    linked = _tickets(user, change.system_id, tickets, faults_only=False) if tickets is not None else None
    with transaction.atomic():
        creating = change.pk is None
        change.save()
        if creating:
            _number(change, "BG")
        if linked is not None:
            _link(change, "tickets", linked)
    change.refresh_from_db()  # the stored (UTC) window, so that later saves do not record it as changed
    return change


# == notices ==
def save_notice(notice, user, *, roles, organisations, regions):
    """Create or edit a notice (draft or returned) with its readership. The author's organisation publishes it;
    chosen organisations and regions must be within the author's jurisdiction."""
    _require(user, "ops_changes.change_notice" if notice.pk else "ops_changes.add_notice")
    if notice.pk and notice.status != "draft":
        raise ValidationError("只有草稿状态的公告可以修改")
    if not notice.pk:
        if user.organisation_id is None:
            raise ValidationError("您的账号没有所属机构，不能发布公告")
        notice.organisation_id = user.organisation_id
        notice.created_by = user
    root = region_path(notice.organisation.region_id)
    errors = {}
    outside = [o.name for o in organisations if not (region_path(o.region_id) or "").startswith(root)]
    if outside:
        errors["organisations"] = [f"不在本单位辖区内的单位：{'、'.join(outside)}"]
    outside = [r.name for r in regions if not r.path.startswith(root)]
    if outside:
        errors["regions"] = [f"不在本单位辖区内的区划：{'、'.join(outside)}"]
    if not (roles or organisations or regions):
        errors["roles"] = ["请至少选择一种阅读范围：角色、单位或区划"]
    if errors:
        raise ValidationError(errors)
    notice.full_clean()
    with transaction.atomic():
        notice.save()
        _link(notice, "roles", roles)
        _link(notice, "organisations", organisations)
        _link(notice, "regions", regions)
    return notice


def readers(notice):
    """The active agency users a notice is addressed to: within the publishing organisation's region; holding
    one of its roles (when roles are chosen); of one of its organisations or in one of its regions (when any is
    chosen)."""
    users = get_user_model().objects.filter(
        is_active=True, kind="staff",
        organisation__region_id__in=subtree_ids(region_path(notice.organisation.region_id)))
    roles = list(notice.roles.filter(enabled=True).values_list("pk", flat=True))
    if roles:
        users = users.filter(roles__in=roles)
    orgs = list(notice.organisations.values_list("pk", flat=True))
    region_ids = set()
    for path in notice.regions.values_list("path", flat=True):
        region_ids.update(subtree_ids(path))
    if orgs or region_ids:
        users = users.filter(Q(organisation_id__in=orgs) | Q(organisation__region_id__in=sorted(region_ids)))
    return users.distinct()


def _deliver(notice, now=None):
    """Receipts for the readers and an in-app message each (once per notice and reader)."""
    now = now or timezone.now()
    people = list(readers(notice))
    NoticeReceipt.objects.bulk_create([NoticeReceipt(notice=notice, user=u, delivered_at=now) for u in people],
                                      ignore_conflicts=True)
    url = f"/gov/ops/notices/{notice.pk}/"
    notify_many([{"user": u, "title": f"运维{notice.get_kind_display()}：{notice.title}", "body": notice.body[:200],
                  "url": url, "key": f"ops_notice:{notice.pk}:{u.pk}"} for u in people])
    return len(people)


def inbox(user):
    """The published notices addressed to the user (their receipts), newest first."""
    return (NoticeReceipt.objects.filter(user=user, notice__status="published", notice__is_deleted=False)
            .select_related("notice", "notice__organisation").order_by("-notice__published_at", "-id"))


def read(user, notice_id, now=None):
    """The user's receipt of a published notice, marked read on first opening; None when not addressed to them."""
    receipt = inbox(user).filter(notice_id=notice_id).first()
    if receipt is not None and receipt.read_at is None:
        receipt.read_at = now or timezone.now()
        receipt.save(update_fields=["read_at"])
    return receipt
