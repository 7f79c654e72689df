"""Warning operations: manual registration, review with a level change, assignment (by hand or by
territory), disposition, release, batch review and release, statistics. State changes go through
the workflow (kernel.workflow); scans are set-based (scanner.py)."""
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kernel.notify import services as notify
from kernel.todos.hooks import open_state_task

from .models import LEVEL_LABELS, OPEN_STATES, AlertRule, Territory, Warning, WarningEvent
from .registry import definition

WF = Warning.workflow


def territory_assignee(warning):
    """The responsible person for the warning's region: the narrowest territory that covers it."""
    if warning.region_id is None:
        return None
    path = warning.region.path
    candidates = (Territory.objects.filter(Q(rule=warning.rule) | Q(rule__isnull=True))
                  .select_related("region", "user").filter(user__is_active=True))
    best = None
    for t in candidates:
        if path.startswith(t.region.path) and (best is None or len(t.region.path) > len(best.region.path)
                                               or (t.rule_id and len(t.region.path) == len(best.region.path))):
            best = t
    return best.user if best else None


def after_scan(rule_id, scan_id):
    """After a scan commits: auto-assign low levels by territory, notify assignees of new and worse warnings."""
    rule = AlertRule.objects.get(pk=rule_id)
    new = Warning.objects.filter(rule=rule, scan_id=scan_id, status="generated").select_related("region", "rule")
    if rule.auto_assign_max_level:
        limit = rule.rank(rule.auto_assign_max_level)
        for w in new:
            if rule.rank(w.level) <= limit and not rule.needs_approval(w.level):
                auto_assign(w)
    changed_ids = WarningEvent.objects.filter(scan_id=scan_id, kind="level").values_list("warning_id", flat=True)
    if rule.approval_min_level:
        for w in Warning.objects.filter(pk__in=list(changed_ids), status__in=("reviewed", "assigned", "handled")):
            back_to_approval(w)
    definition(rule.code).on_scan(rule, Warning.objects.filter(rule=rule, scan_id=scan_id),
                                  Warning.objects.filter(pk__in=changed_ids))
    for w in Warning.objects.filter(pk__in=list(changed_ids), assignee__isnull=False).select_related("assignee", "rule"):
        notify.notify(w.assignee, f"预警升级：{w}", body=f"等级调整为{w.level_label}", url=w.get_absolute_url(),
                      sms_template="alert_level_changed" if rule.notify_sms else None,
                      sms_params={"subject": w.subject_repr, "rule": rule.name, "level": w.level_label},
                      key=f"alert:{w.pk}:{w.level}", region=w.region, related=f"alerts.warning:{w.pk}")


@transaction.atomic
def back_to_approval(warning):
    """A reviewed warning whose level rose to one that needs leadership approval (a red warning in labour
    inspection), and that no leader has approved yet, goes to approval before anyone handles it further."""
    from kernel.workflow.models import TransitionLog

    if not warning.rule.needs_approval(warning.level):
        return False
    approved = TransitionLog.objects.filter(workflow=WF.name, object_id=str(warning.pk), transition="approve")
    if approved.exists():
        return False
    WF.apply(warning, "require_approval", None, system=True,
             comment=f"等级升为{warning.level_label}，须经领导审批后继续处置")
    return True


@transaction.atomic
def auto_assign(warning):
    user = territory_assignee(warning)
    if user is None:
        return None
    warning.assignee = user
    WF.apply(warning, "review", None, comment="低等级预警按属地自动审核", system=True)
    WF.apply(warning, "assign", None, comment=f"按属地自动派发给{user.display_name}", system=True)
    _notify_assignee(warning)
    return user


def _notify_assignee(warning):
    rule = warning.rule
    transaction.on_commit(lambda: notify.notify(
        warning.assignee, f"新的预警待处置：{warning}", url=warning.get_absolute_url(),
        sms_template="alert_raised" if rule.notify_sms else None,
        sms_params={"subject": warning.subject_repr, "rule": rule.name, "level": warning.level_label},
        key=f"alert:{warning.pk}:assigned:{warning.assignee_id}", region=warning.region,
        related=f"alerts.warning:{warning.pk}"))


@transaction.atomic
def register_manual(*, rule, subject, level, message, user, region, organisation=None, value=""):
    """A warning registered by an inspector or grid worker (人工登记)."""
    errors = {}
    if level not in rule.level_codes():
        errors["level"] = ["请选择有效的预警等级"]
    if not (message or "").strip():
        errors["message"] = ["请填写预警内容"]
    from kernel.org.forms import restrict_regions
    from kernel.org.models import Region

    if region is None or not restrict_regions(Region.objects.filter(pk=region.pk), user).exists():
        errors["region"] = ["所属区划不在您的管辖范围内"]
    if errors:
        raise ValidationError(errors)
    if ContentType.objects.get_for_model(type(subject), for_concrete_model=False).pk != rule.subject_type_id:
        errors["rule"] = ["该预警规则监测的不是这类对象"]
        raise ValidationError(errors)
    if Warning.objects.filter(rule=rule, subject_id=subject.pk, status__in=OPEN_STATES).exists():
        raise ValidationError({"__all__": ["该对象已有同一规则的未解除预警，请勿重复登记"]})
    warning = Warning.objects.create(
        rule=rule, subject_type=ContentType.objects.get_for_model(type(subject), for_concrete_model=False),
        subject_id=subject.pk, subject_repr=str(subject)[:200], level=level, origin=Warning.Origin.MANUAL,
        region=region, organisation=organisation, message=message.strip()[:500], value=str(value)[:100],
        created_by=user)
    WarningEvent.objects.create(warning=warning, kind="raised", to_level=level)
    open_state_task(warning, WF, "generated")
    return warning


@transaction.atomic
def edit_manual(warning, user, *, message=None, level=None):
    """Content of a manual warning may be corrected (by its registrant or a reviewer of its region); an
    automatic warning's content may not."""
    if not Warning.objects.visible_to(user).filter(pk=warning.pk).exists():
        raise ValidationError("该预警不在您的管辖范围内")
    if warning.created_by_id != user.pk and not user.has_perm("alerts.review_warning"):
        raise ValidationError("只有登记人或审核人可以修改预警内容")
    if warning.origin != Warning.Origin.MANUAL:
        raise ValidationError("系统自动产生的预警内容不能修改")
    if not warning.is_open:
        raise ValidationError("预警已办结，不能修改")
    if level is not None and level != warning.level and warning.status != "generated":
        raise ValidationError({"level": ["预警已审核，等级只能在审核时调整"]})
    if message is not None:
        warning.message = message.strip()[:500]
    if level is not None:
        if level not in warning.rule.level_codes():
            raise ValidationError({"level": ["请选择有效的预警等级"]})
        warning.level = level
    warning.save()
    return warning


@transaction.atomic
def review(warning, user, *, level=None, comment=""):
    """Review; the reviewer may change the level (the scan then leaves the level alone)."""
    if level and level != warning.level:
        if level not in warning.rule.level_codes():
            raise ValidationError({"level": ["请选择有效的预警等级"]})
        WarningEvent.objects.create(warning=warning, kind="level", from_level=warning.level, to_level=level)
        comment = f"{comment}（等级由{LEVEL_LABELS.get(warning.level)}调整为{LEVEL_LABELS.get(level)}）".strip()
        warning.level, warning.level_set_by_reviewer, warning.level_changed_at = level, True, timezone.now()
    # A level that needs leadership approval (a red warning in labour inspection) goes to the leader first.
    log = WF.apply(warning, "submit" if warning.rule.needs_approval(warning.level) else "review", user,
                   comment=comment)
    if warning.status == "reviewed":
        route_by_territory(warning)
    return log


def route_by_territory(warning):
    """A reviewed low-level warning (at most the rule's auto_assign_max_level) goes to the responsible person
    of its territory (a grid owner) at once, as new ones do at the scan; others wait for dispatch."""
    rule = warning.rule
    if not rule.auto_assign_max_level or rule.rank(warning.level) > rule.rank(rule.auto_assign_max_level):
        return None
    user = territory_assignee(warning)
    if user is None:
        return None
    warning.assignee = user
    WF.apply(warning, "assign", None, comment=f"按属地自动派发给{user.display_name}", system=True)
    _notify_assignee(warning)
    return user


@transaction.atomic
def approve(warning, user, comment=""):
    """Leadership approval of a high-level warning; it then waits for command dispatch (待派发)."""
    return WF.apply(warning, "approve", user, comment=comment)


@transaction.atomic
def assign(warning, user, assignee, comment=""):
    if assignee is None or not assignee.is_active:
        raise ValidationError({"assignee": ["请选择处置人"]})
    warning.assignee = assignee
    log = WF.apply(warning, "assign", user, comment=comment or f"派发给{assignee.display_name}")
    _notify_assignee(warning)
    return log


DISPOSITION_PURPOSE = "alert_disposition"


@transaction.atomic
def handle(warning, user, *, disposition_type, result, comment="", attachments=(), files=()):
    """登记处置: the disposition type and result, with materials (transcripts, photos) uploaded now
    (`files`, checked by their form field) or earlier (`attachments`, ids); all in one transaction, so a
    refused transition stores no file."""
    from kernel.dicts.services import labels
    from kernel.files.services import store

    if disposition_type not in labels("disposition_type"):
        raise ValidationError({"disposition_type": ["请选择处置方式"]})
    warning.disposition_type, warning.result = disposition_type, (result or "").strip()
    # the transition's guards decide who may dispose (the assignee, or a releaser): checked first
    WF.check(warning, "handle", user, comment=comment)
    ids = list(attachments) + [store(warning, f, DISPOSITION_PURPOSE, user, caller_checked=True).pk
                               for f in files if f]
    return WF.apply(warning, "handle", user, comment=comment or warning.result, attachments=ids)


@transaction.atomic
def release(warning, user, comment="", batch=False):
    warning.release_type = Warning.ReleaseType.BATCH if batch else Warning.ReleaseType.MANUAL
    return WF.apply(warning, "release", user, comment=comment)


def batch(warnings, action, user, **kwargs):
    """Batch review or release: the same checks per record, a result per record."""
    results = []
    for w in warnings:
        try:
            with transaction.atomic():
                if action == "review":
                    review(w, user, **kwargs)
                elif action == "release":
                    release(w, user, batch=True, **kwargs)
                else:
                    raise ValidationError("未知的批量操作")
        except Exception as exc:  # TransitionError or ValidationError: reported per record
            results.append((w, False, "；".join(getattr(exc, "messages", [str(exc)]))))
        else:
            results.append((w, True, "成功"))
    return results


def statistics(user, *, date_from=None, date_to=None):
    """Counts of the user's visible warnings by level, status, rule, region and month."""
    qs = Warning.objects.visible_to(user)
    if date_from:
        qs = qs.filter(first_seen__date__gte=date_from)
    if date_to:
        qs = qs.filter(first_seen__date__lte=date_to)
    by = lambda *f: list(qs.values(*f).annotate(n=Count("id")).order_by(*f))  # noqa: E731
    return {
        "total": qs.count(),
        "by_level": by("level"),
        "by_status": by("status"),
        "by_rule": by("rule__name"),
        "by_region": list(qs.values("region__name").annotate(n=Count("id")).order_by("-n")[:20]),
        "by_month": [{"month": r["month"].strftime("%Y-%m"), "n": r["n"]} for r in
                     qs.annotate(month=TruncMonth("first_seen")).values("month").annotate(n=Count("id")).order_by("month")
                     if r["month"]],
    }
