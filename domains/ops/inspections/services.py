"""Inspection operations: the only place that changes checklists, targets and runs.

run_inspection(checklist) probes every enabled target of the checklist's system that its items need, all at
once in a thread pool (probes.probe_all), then stores in one transaction: the run, a result per item, target
and key (value, threshold, outcome), the targets' last probe state and the check points; manual items wait as
`pending` for the engineer. A run without manual items is completed by the system. The inspection rules are
scanned right after, so a breach is a warning as soon as the run is stored."""
import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kernel.todos.hooks import open_state_task

from . import probes
from .metrics import METRICS
from .models import Checklist, ChecklistItem, CheckPoint, Frequency, InspectionResult, InspectionRun, Target
from .workflows import PERFORM, RUN

Outcome = InspectionResult.Outcome
MANAGE_CHECKLIST = "ops_inspections.change_checklist"


def _require(user, perm, obj=None):
    if user is None:
        return
    if not user.has_perm(perm):
        raise PermissionDenied("您没有该操作的权限")
    if obj is not None and not type(obj).objects.visible_to(user).filter(pk=obj.pk).exists():
        raise PermissionDenied("该记录不在您的管辖范围内")


def _visible_system(user, system):
    from domains.ops.contracts.models import MaintainedSystem

    if user is not None and not MaintainedSystem.objects.visible_to(user).filter(pk=system.pk).exists():
        raise ValidationError({"system": "所选运维对象不在您的管辖范围内"})


# == checklists and targets ==================================================================================
@transaction.atomic
def save_checklist(checklist: Checklist, user=None) -> Checklist:
    _require(user, "ops_inspections.add_checklist" if checklist.pk is None else MANAGE_CHECKLIST)
    if checklist.system_id:
        _visible_system(user, checklist.system)
    checklist.full_clean()
    same = Checklist.objects.filter(system_id=checklist.system_id, name=checklist.name).exclude(pk=checklist.pk)
    if same.exists():
        raise ValidationError({"name": "该运维对象已有同名巡检清单"})
    checklist.save()
    return checklist


@transaction.atomic
def save_item(item: ChecklistItem, user=None) -> ChecklistItem:
    _require(user, MANAGE_CHECKLIST, item.checklist)
    if item.method == ChecklistItem.Method.MANUAL:
        item.metric = item.metric or ""
    item.full_clean()
    if item.order == 0:
        last = item.checklist.items.exclude(pk=item.pk).order_by("-order").values_list("order", flat=True).first()
        item.order = (last or 0) + 10
    item.save()
    return item


@transaction.atomic
def save_target(target: Target, user=None, password: str | None = None) -> Target:
    """Create or change a target; `password` None keeps the stored one, "" clears it."""
    _require(user, "ops_inspections.add_target" if target.pk is None else "ops_inspections.change_target")
    if target.system_id:
        _visible_system(user, target.system)
    if target.kind == "postgresql" and not target.port:
        target.port = 5432
    target.full_clean()
    if password is not None:
        target.set_password(password)
    target.save()
    return target


def spec_for(target: Target) -> probes.TargetSpec:
    return probes.TargetSpec(
        id=target.pk, kind=target.kind, timeout=float(target.timeout_seconds), host=target.host,
        port=target.port or 5432, dbname=target.dbname, user=target.db_user, password=target.password(),
        lock_wait_seconds=target.lock_wait_seconds, tablespace_capacity=dict(target.tablespace_capacity or {}),
        url=target.url, backends=tuple(target.backends or ()), paths=tuple(target.paths or ()))


# == a run ===================================================================================================
def _decimal(value):
    return None if value is None else Decimal(str(round(float(value), 4)))


def _result(item, target, key, reading, now):
    value = _decimal(reading.value) if reading is not None else None
    r = InspectionResult(item=item, target=target, key=key[:300], value=value, unit=item.unit,
                         operator=item.operator if item.threshold is not None else "", threshold=item.threshold,
                         standard=item.standard[:300], measured_at=now)
    if reading is not None:
        r.value_text = reading.text[:200]
        r.data = reading.data
    if reading is None or reading.error or value is None:
        r.outcome = Outcome.ERROR
        r.detail = (reading.error if reading is not None else "") or "未取得数据"
    else:
        breached = item.breached(value)
        r.outcome = {True: Outcome.BREACH, False: Outcome.PASS, None: Outcome.RECORDED}[breached]
        if breached:
            r.level = item.level
            r.detail = f"须{item.action}" if item.action else ""
    return r


def _build_results(items, targets, outcomes, now):
    results = []
    for item in items:
        if item.method == ChecklistItem.Method.MANUAL:
            results.append(InspectionResult(item=item, key="", unit="", standard=item.standard[:300],
                                            outcome=Outcome.PENDING))
            continue
        kind = METRICS[item.metric].kind
        of_kind = [t for t in targets if t.kind == kind]
        if not of_kind:
            results.append(InspectionResult(item=item, outcome=Outcome.ERROR, unit=item.unit,
                                            standard=item.standard[:300], measured_at=now,
                                            detail="该运维对象没有启用的此类巡检目标"))
            continue
        for target in of_kind:
            outcome = outcomes[target.pk]
            readings = [r for r in outcome.readings if r.metric == item.metric]
            if not outcome.ok and not readings:
                r = _result(item, target, "", None, now)
                r.detail = outcome.error or "目标不可达"
                results.append(r)
                continue
            if not readings:
                results.append(_result(item, target, "", None, now))
            for reading in readings:
                results.append(_result(item, target, reading.key, reading, now))
    return results


def _count(results):
    counts = {o: 0 for o in Outcome.values}
    for r in results:
        counts[r.outcome] += 1
    return {"passed": counts["pass"], "breached": counts["breach"], "failed": counts["error"],
            "recorded": counts["recorded"], "pending": counts["pending"]}


def run_inspection(checklist: Checklist, user=None, trigger=InspectionRun.Trigger.MANUAL, workers=None) -> InspectionRun:
    """Probe and store one inspection of `checklist` (user None: the scheduler)."""
    _require(user, PERFORM, checklist)
    if checklist.is_deleted or not checklist.active:
        raise ValidationError({"checklist": "该巡检清单已停用"})
    items = list(checklist.items.filter(active=True).order_by("order", "id"))
    if not items:
        raise ValidationError({"checklist": "该巡检清单没有启用的检查项"})
    kinds = {METRICS[i.metric].kind for i in items if i.method == ChecklistItem.Method.PROBE}
    targets = list(Target.objects.filter(system_id=checklist.system_id, enabled=True, kind__in=kinds)
                   .order_by("kind", "name", "pk"))
    started = timezone.now()
    specs, unreadable = [], {}
    from kernel.interfaces.crypto import SecretUnavailable

    for t in targets:
        try:
            specs.append(spec_for(t))
        except SecretUnavailable:
            unreadable[t.pk] = probes.Outcome(t.pk, False, "数据库密码无法解密（加密主密钥已更换？请重新填写密码）")
    outcomes = probes.probe_all(specs, workers or probes.MAX_WORKERS)
    outcomes.update(unreadable)
    seconds = (timezone.now() - started).total_seconds()
    now = timezone.now()
    results = _build_results(items, targets, outcomes, now)
    with transaction.atomic():
        run = InspectionRun.objects.create(
            checklist=checklist, system_id=checklist.system_id, trigger=trigger, started_at=started,
            probe_seconds=round(seconds, 3), inspector=user, targets_probed=len(targets), **_count(results))
        for r in results:
            r.run = run
        InspectionResult.objects.bulk_create(results, batch_size=1000)
        _store_target_state(targets, outcomes, now)
        _refresh_checkpoints(run, [r for r in results if r.outcome != Outcome.PENDING], targets, outcomes)
        if run.pending == 0:
            RUN.apply(run, "complete", None, system=True, comment="无人工检查项，系统自动完成")
        else:
            open_state_task(run, RUN, "filling")
    scan_rules()
    return run


def _store_target_state(targets, outcomes, now):
    ok = [t.pk for t in targets if outcomes[t.pk].ok]
    if ok:
        Target.all_objects.filter(pk__in=ok).update(last_probed_at=now, last_ok=True, last_error="")
    for t in targets:
        if not outcomes[t.pk].ok:
            Target.all_objects.filter(pk=t.pk).update(last_probed_at=now, last_ok=False,
                                                      last_error=outcomes[t.pk].error[:300])


def _label(result):
    parts = [result.run.system.name if result.run_id else "", result.target.name if result.target_id else "",
             result.key, result.item.name]
    return "·".join(p for p in parts if p)[:200]


def _summary(result):
    text = f"{result.value_display}（标准{result.standard}）" if result.item.method == "probe" else (
        result.value_text or result.detail or result.get_outcome_display())
    if result.outcome == Outcome.BREACH and result.item.action:
        text += f" {result.item.action}"
    return text[:100]


def _refresh_checkpoints(run, results, targets=(), outcomes=None):
    """Bring the check points of the measured (item, target, key)s up to this run's results. Only breaches make
    and change check points: one is created when a breach begins, changed while its value or colour changes, and
    cleared when a run finds it back within the threshold (or recorded only). A key the target no longer reports
    (a dropped tablespace, a removed backend) is cleared; an unmeasured one (target unreachable) keeps its state.
    A healthy cycle therefore writes no check point at all."""
    judged = [r for r in results if r.outcome in (Outcome.PASS, Outcome.BREACH, Outcome.RECORDED)]
    item_ids = {r.item_id for r in results}
    existing = {(c.item_id, c.target_id, c.key): c for c in CheckPoint.objects.filter(item_id__in=item_ids)}
    now = timezone.now()
    create, update, seen = [], [], set()
    for r in judged:
        key = (r.item_id, r.target_id, r.key)
        seen.add(key)
        breach = r.outcome == Outcome.BREACH
        point = existing.get(key)
        if point is None:
            if breach:
                create.append(CheckPoint(system_id=run.system_id, item_id=r.item_id, target_id=r.target_id,
                                         key=r.key, breach=True, level=r.level, label=_label(r), summary=_summary(r),
                                         result=r, updated_at=now))
            continue
        state = {"breach": breach, "level": r.level if breach else "", "label": _label(r),
                 "summary": _summary(r) if breach else point.summary}
        if any(getattr(point, name) != value for name, value in state.items()):
            for name, value in state.items():
                setattr(point, name, value)
            point.result, point.updated_at = r, now
            update.append(point)
    # keys gone from a target that answered for that item this time
    answered = {(r.item_id, r.target_id) for r in judged if r.target_id}
    for (item_id, target_id, key), point in existing.items():
        if (item_id, target_id) in answered and (item_id, target_id, key) not in seen and point.breach:
            point.breach, point.level, point.updated_at = False, "", now
            point.summary = "本次巡检未再检出"
            update.append(point)
    CheckPoint.objects.bulk_create(create, batch_size=1000)
    if update:
        CheckPoint.objects.bulk_update(update, ["breach", "level", "label", "summary", "result", "updated_at"],
                                       batch_size=500)


def scan_rules():
    """Scan the inspection rules now (the periodic scan round scans them too)."""
    from kernel.alerts import scanner

    from .alerts import RULE_CODES

    return {code: scanner.scan(code) for code in RULE_CODES}


# == manual items and completion =============================================================================
def fill_manual(run: InspectionRun, user, entries: dict) -> InspectionRun:
    """Fill in manual results: entries {result id: {"outcome": "pass"|"breach", "value_text", "detail"}}.
    An abnormal finding needs its description; errors come back per field (r<id>_outcome, r<id>_detail)."""
    _require(user, PERFORM, run)
    if run.status != "filling":
        raise ValidationError({"__all__": "巡检已完成，不能再修改检查结果"})
    manual = {r.pk: r for r in run.results.filter(item__method=ChecklistItem.Method.MANUAL).select_related(
        "item", "run__system")}
    errors = {}
    for rid, entry in entries.items():
        result = manual.get(int(rid))
        if result is None:
            errors["__all__"] = "检查结果不属于本次巡检"
            continue
        outcome = (entry.get("outcome") or "").strip()
        value_text = (entry.get("value_text") or "").strip()
        detail = (entry.get("detail") or "").strip()
        if outcome not in (Outcome.PASS, Outcome.BREACH):
            if outcome or value_text or detail:
                errors[f"r{rid}_outcome"] = "请选择检查结论（正常或异常）"
            continue
        if outcome == Outcome.BREACH and not detail:
            errors[f"r{rid}_detail"] = "检查结论为异常时，请填写情况说明"
        if len(value_text) > 200:
            errors[f"r{rid}_value_text"] = "检查情况不能超过200字"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    changed = []
    with transaction.atomic():
        for rid, entry in entries.items():
            outcome = (entry.get("outcome") or "").strip()
            if outcome not in (Outcome.PASS, Outcome.BREACH):
                continue
            result = manual[int(rid)]
            result.outcome = outcome
            result.value_text = (entry.get("value_text") or "").strip()
            result.detail = (entry.get("detail") or "").strip()
            result.level = result.item.level if outcome == Outcome.BREACH else ""
            result.filled_by = user
            result.measured_at = now
            result.save()  # audited: a person's finding
            changed.append(result)
        counts = _count(run.results.all())
        for name, value in counts.items():
            setattr(run, name, value)
        run.save(update_fields=[*counts, "updated_at"])
        _refresh_checkpoints(run, changed)
    scan_rules()
    return run


def complete_run(run: InspectionRun, user, conclusion: str = "") -> InspectionRun:
    """Complete a run (all manual items filled) with the overall conclusion; empty: the system's summary."""
    if len(conclusion or "") > 2000:
        raise ValidationError({"conclusion": "巡检结论不能超过2000字"})
    RUN.apply(run, "complete", user, data={"conclusion": conclusion or ""})
    return run


# == the schedule ============================================================================================
def period_start(frequency: str, now=None) -> datetime.datetime:
    """The start of the current day, ISO week (Monday) or month, local time."""
    day = timezone.localdate(now)
    if frequency == Frequency.WEEKLY:
        day -= datetime.timedelta(days=day.weekday())
    elif frequency == Frequency.MONTHLY:
        day = day.replace(day=1)
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=timezone.get_current_timezone())


def due_checklists(now=None):
    """Active checklists (with an active item) not yet run in their current period."""
    due = []
    for checklist in (Checklist.objects.filter(active=True, items__active=True).distinct()
                      .select_related("system").order_by("pk")):
        if not checklist.runs.filter(started_at__gte=period_start(checklist.frequency, now)).exists():
            due.append(checklist)
    return due


def run_due(now=None) -> list[tuple[Checklist, InspectionRun | None, str]]:
    """Run every due checklist as the scheduler; one failing checklist does not stop the others."""
    done = []
    for checklist in due_checklists(now):
        try:
            run = run_inspection(checklist, None, InspectionRun.Trigger.SCHEDULED)
        except Exception as exc:  # noqa: BLE001 - reported per checklist, the round goes on
            done.append((checklist, None, str(exc)[:200]))
        else:
            done.append((checklist, run, ""))
    return done
