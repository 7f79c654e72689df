"""Business operations of the O&M monitoring node: the only place that writes its records.

Node          save_record (also application monitors, thresholds), generate_keys, connect_simulator
Resources     save_resource, delete_resource
Samples       record_samples, read_host, collect_local, collect_due
Applications  check_app, check_apps (real HTTP requests)
Summaries     summarise (incremental, weekly / monthly / quarterly), purge (keeps ≥ retention_days, ≥ 7)
Alarms        scan_alarms (the two rules of alerts.py)
Work orders   create_work_order, dispatch, accept, return_order, complete, evaluate, cancel
Reporting     build_payload, report, deliver, retry_due, replay, report_due (to the city node, SM2-sealed)"""
import datetime
import logging
import os
import shutil
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncWeek
from django.utils import timezone

from domains.ops.inspections.probes import http_check
from integrations.city_node import sm
from integrations.city_node.client import CityNodeClient, CityNodeError
from integrations.city_node.envelope import KINDS, seal, validate_payload
from kernel.audit.services import log_operation
from kernel.workflow.engine import TransitionError

from .models import METRICS, AppMonitor, MetricState, Node, Resource, Sample, Summary, SummaryCursor, UpwardReport, WorkOrder
from .workflows import WORK_ORDER

logger = logging.getLogger(__name__)

RETRY_SECONDS = [60, 300, 900, 3600, 3 * 3600]
MAX_ATTEMPTS = 6
HTTP_TIMEOUT = 5
MIN_RETENTION_DAYS = 7


# -- node -------------------------------------------------------------------------------------------------------

def node_for(user):
    """The node a person works on: their own organisation's, else the first they may see."""
    nodes = Node.objects.visible_to(user).select_related("organisation__region")
    return nodes.filter(organisation_id=user.organisation_id).first() or nodes.order_by("pk").first()


@transaction.atomic
def save_record(obj, user=None):
    """Validate one of the node's records whole (its model rules, fields outside the form included) and save
    it: the node itself, an application monitor, one of the node's alarm thresholds."""
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def generate_keys(node, user=None):
    """A new SM2 key pair for the node; the private key is stored SM4-encrypted and never shown. The city must
    be given the new public key (connect_simulator does it for the local simulator)."""
    private, public = sm.generate_keypair()
    node.public_key = public
    node.set_private_key(private)
    node.save()
    log_operation("ops_node_keys", user=user, entrance="gov", node=node.code, public_key=public[:16])
    return node


@transaction.atomic
def connect_simulator(node, user=None):
    """Join the local simulator of the city node (the access application of seed 002 §2.5, done by hand with a
    real city): register the node's public key there and take the city's public key."""
    from integrations.city_node import simulator

    if not node.has_keys:
        generate_keys(node, user)
    simulator.register_node(node.code, node.unit_name, node.public_key)
    node.city_public_key = simulator.city_key().public_key
    node.save()
    return node


# -- resources --------------------------------------------------------------------------------------------------

@transaction.atomic
def save_resource(resource, user=None):
    if resource.parent_id and not resource.category:
        resource.category = resource.parent.category
    resource.full_clean()
    resource.save()
    return resource


@transaction.atomic
def delete_resource(resource, user=None):
    if resource.children.exists():
        raise ValidationError({"parent": "该资源下还有子资源，请先删除子资源"})
    resource.delete()


# -- samples ----------------------------------------------------------------------------------------------------

def check_value(metric, value):
    """A Chinese message when `value` is not a valid reading of `metric`, else None."""
    if metric not in METRICS:
        return f"指标“{metric}”无效，应为：{'、'.join(METRICS)}"
    label, _unit, low, high = METRICS[metric]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return f"{label}应为数字"
    if low is not None and value < low or high is not None and value > high:
        return f"{label}应在{low}至{high if high is not None else '∞'}之间"
    return None


@transaction.atomic
def record_samples(resource, values: dict, at=None):
    """Store one reading per metric and make it the metric's current value."""
    at = at or timezone.now()
    for metric, value in values.items():
        message = check_value(metric, value)
        if message:
            raise ValidationError({metric: message})
    Sample.objects.bulk_create([Sample(resource=resource, metric=m, value=float(v), sampled_at=at)
                                for m, v in values.items()])
    for metric, value in values.items():
        updated = MetricState.objects.filter(resource=resource, metric=metric, sampled_at__lte=at).update(
            value=float(value), sampled_at=at)
        if not updated and not MetricState.objects.filter(resource=resource, metric=metric).exists():
            MetricState.objects.create(resource=resource, metric=metric, value=float(value), sampled_at=at)
    Resource.all_objects.filter(pk=resource.pk).update(collected_at=at)
    return len(values)


def _cpu_times():
    with open("/proc/stat", encoding="ascii") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields), idle


def read_host(path="/", interval=0.2) -> dict:
    """This host's CPU, memory and disk use and load, from /proc and shutil (no agent, no dependency)."""
    total1, idle1 = _cpu_times()
    time.sleep(interval)
    total2, idle2 = _cpu_times()
    busy = (total2 - total1) - (idle2 - idle1)
    cpu = 100.0 * busy / (total2 - total1) if total2 > total1 else 0.0
    meminfo = {}
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            name, rest = line.split(":", 1)
            meminfo[name] = int(rest.split()[0])
    mem = 100.0 * (meminfo["MemTotal"] - meminfo.get("MemAvailable", meminfo.get("MemFree", 0))) / meminfo["MemTotal"]
    disk = shutil.disk_usage(path)
    return {"cpu_percent": round(min(max(cpu, 0.0), 100.0), 2), "mem_percent": round(mem, 2),
            "disk_percent": round(100.0 * disk.used / disk.total, 2), "load1": round(os.getloadavg()[0], 2)}


def local_resource(node):
    """The resource standing for the host this platform runs on (created on the first collection)."""
    if node.local_resource_id and Resource.objects.filter(pk=node.local_resource_id).exists():
        return node.local_resource
    host = socket.gethostname()[:30] or "localhost"
    number = f"HOST-{''.join(c if c.isalnum() or c in '-_' else '-' for c in host)}"[:40]
    resource = Resource.all_objects.filter(node=node, number=number).first()
    if resource is None or resource.is_deleted:
        resource = resource or Resource(node=node, number=number)
        resource.is_deleted = False
        resource.category = "business_system"
        resource.name = f"运维节点主机（{host}）"
        resource.ip = "127.0.0.1"
        resource.source = Resource.Source.COLLECTED
        resource.description = "本平台所在主机，CPU、内存、磁盘由内置采集器读取"
        resource.save()
    Node.all_objects.filter(pk=node.pk).update(local_resource=resource)
    node.local_resource = resource
    return resource


def collect_local(node, now=None):
    now = now or timezone.now()
    resource = local_resource(node)
    count = record_samples(resource, read_host(), now)
    Node.all_objects.filter(pk=node.pk).update(last_collected_at=now)
    return count


def collect_due(now=None) -> int:
    """The built-in collector of every node whose sampling interval has passed."""
    now = now or timezone.now()
    done = 0
    for node in Node.objects.all():
        if node.last_collected_at is None or (now - node.last_collected_at).total_seconds() >= node.sample_interval:
            collect_local(node, now)
            done += 1
    return done


# -- application monitoring -------------------------------------------------------------------------------------

def probe(url, timeout=HTTP_TIMEOUT):
    """(http status or None, latency ms, error text) of one GET, by the inspections' HTTP prober (no proxy, no
    redirect followed, the body not read, a failure as text such as 连接被拒绝 / 连接超时)."""
    started = time.monotonic()
    check = http_check(url, timeout)
    latency = int(check["ms"]) if check["ms"] is not None else int((time.monotonic() - started) * 1000)
    return check["status"], latency, check["error"]


def classify(status, latency_ms, slow_ms):
    if status is None or status >= 400:
        return AppMonitor.State.DOWN
    return AppMonitor.State.SLOW if latency_ms > slow_ms else AppMonitor.State.NORMAL


def check_app(monitor, now=None, timeout=HTTP_TIMEOUT):
    """Request the application once and store its state (and the latency as its resource's sample)."""
    return store_check(monitor, probe(monitor.url, timeout), now)


def store_check(monitor, result, now=None):
    """Store one request's (status, latency, error) as the application's state."""
    now = now or timezone.now()
    status, latency, error = result
    state = classify(status, latency, monitor.effective_slow_ms())
    AppMonitor.all_objects.filter(pk=monitor.pk).update(
        last_status=state, last_http_status=status, last_latency_ms=latency, last_checked_at=now,
        last_error=error if state == AppMonitor.State.DOWN else "")
    monitor.last_status, monitor.last_http_status, monitor.last_latency_ms = state, status, latency
    monitor.last_checked_at, monitor.last_error = now, (error if state == AppMonitor.State.DOWN else "")
    if monitor.resource_id and status is not None:
        record_samples(monitor.resource, {"latency_ms": latency}, now)
    return monitor


def check_apps(queryset=None, now=None, timeout=HTTP_TIMEOUT) -> dict:
    monitors = list((queryset if queryset is not None else AppMonitor.objects.all())
                    .filter(enabled=True).select_related("node", "resource"))
    counts = {s: 0 for s in AppMonitor.State.values}
    if not monitors:
        return counts
    # the requests run side by side (an unreachable application waits out its timeout without holding up the
    # others); the results are stored here, in this thread
    with ThreadPoolExecutor(max_workers=min(16, len(monitors)), thread_name_prefix="ops-app-check") as pool:
        results = list(pool.map(lambda m: probe(m.url, timeout), monitors))
    for m, result in zip(monitors, results, strict=True):
        counts[store_check(m, result, now).last_status] += 1
    return counts


def scan_alarms(now=None):
    from kernel.alerts.scanner import scan

    from .alerts import APP_STATE, THRESHOLD

    return {code: scan(code, now) for code in (THRESHOLD, APP_STATE)}


# -- summaries and retention ------------------------------------------------------------------------------------

TRUNCS = {Summary.Period.WEEK: TruncWeek, Summary.Period.MONTH: TruncMonth, Summary.Period.QUARTER: TruncQuarter}


@transaction.atomic
def summarise() -> int:
    """Fold the samples that arrived since the last run into their week, month and quarter (sum, count, max,
    min). Returns the number of samples folded in."""
    cursor, _ = SummaryCursor.objects.select_for_update().get_or_create(pk=1)
    new = Sample.objects.filter(pk__gt=cursor.last_sample_id)
    top = new.aggregate(m=Max("pk"))["m"]
    if top is None:
        return 0
    batch = new.filter(pk__lte=top)
    folded = batch.count()
    tz = timezone.get_current_timezone()
    for period, trunc in TRUNCS.items():
        rows = (batch.annotate(start=trunc("sampled_at", tzinfo=tz)).values("resource_id", "metric", "start")
                .annotate(s=Sum("value"), c=Count("pk"), mx=Max("value"), mn=Min("value")).order_by())
        for r in rows:
            start = r["start"].date() if hasattr(r["start"], "date") else r["start"]
            row, _ = Summary.objects.select_for_update().get_or_create(
                resource_id=r["resource_id"], metric=r["metric"], period=period, period_start=start)
            row.total += r["s"]
            row.count += r["c"]
            row.maximum = r["mx"] if row.maximum is None else max(row.maximum, r["mx"])
            row.minimum = r["mn"] if row.minimum is None else min(row.minimum, r["mn"])
            row.save()
    cursor.last_sample_id = top
    cursor.save()
    return folded


def purge(now=None) -> int:
    """Summarise, then delete each node's samples older than its retention (never under 7 days) that the
    summaries already hold."""
    now = now or timezone.now()
    summarise()
    last = SummaryCursor.objects.filter(pk=1).values_list("last_sample_id", flat=True).first() or 0
    deleted = 0
    for node in Node.all_objects.all():
        days = max(node.retention_days, MIN_RETENTION_DAYS)
        cutoff = now - datetime.timedelta(days=days)
        n, _ = Sample.objects.filter(resource__node=node, sampled_at__lt=cutoff, pk__lte=last).delete()
        deleted += n
    return deleted


# -- work orders ------------------------------------------------------------------------------------------------

def _next_number(node):
    day = timezone.localdate().strftime("%Y%m%d")
    prefix = f"XT{node.code}-{day}-"
    last = (WorkOrder.all_objects.filter(number__startswith=prefix).order_by("-number")
            .values_list("number", flat=True).first())
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:03d}"


@transaction.atomic
def create_work_order(order, user):
    """A new work order of a node the user may see; opens the dispatcher's to-do."""
    from kernel.todos.hooks import open_state_task

    if not Node.objects.visible_to(user).filter(pk=order.node_id).exists():
        raise PermissionDenied("该运维节点不在您的管辖范围内")
    order.status = WORK_ORDER.initial
    order.full_clean(exclude=["number"])
    Node.objects.select_for_update().filter(pk=order.node_id).first()  # numbers of one node one at a time
    order.number = _next_number(order.node)
    order.save()
    open_state_task(order, WORK_ORDER, order.status)
    return order


def _apply(order, name, user, comment=""):
    try:
        return WORK_ORDER.apply(order, name, user, comment=comment)
    except TransitionError as exc:
        field_errors = {k if k != "__all__" else "__all__": v for k, v in exc.errors.items()}
        raise ValidationError(field_errors) from None


@transaction.atomic
def dispatch(order, user, assignee, comment=""):
    from kernel.accounts.models import User

    if assignee is None:
        raise ValidationError({"assignee": "请选择处理人"})
    if not User.objects.visible_to(user).filter(pk=assignee.pk).exists() or not assignee.has_perm(
            "ops_monitoring.handle_workorder"):
        raise ValidationError({"assignee": "处理人须为本辖区有工单处理权限的人员"})
    order.assignee = assignee
    return _apply(order, "dispatch", user, comment)


@transaction.atomic
def accept(order, user, comment=""):
    return _apply(order, "accept", user, comment)


@transaction.atomic
def return_order(order, user, comment):
    return _apply(order, "return", user, comment)


@transaction.atomic
def complete(order, user, feedback, comment=""):
    feedback = (feedback or "").strip()
    if not feedback:
        raise ValidationError({"receiver_feedback": "请填写接收单位情况反馈"})
    order.receiver_feedback = feedback
    return _apply(order, "complete", user, comment)


@transaction.atomic
def evaluate(order, user, star_rating, evaluation=""):
    try:
        stars = int(star_rating)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise ValidationError({"star_rating": "星级评价应为1至5星"})
    order.star_rating, order.evaluation = stars, (evaluation or "").strip()
    return _apply(order, "evaluate", user, order.evaluation)


@transaction.atomic
def cancel(order, user, reason):
    return _apply(order, "cancel", user, reason)


# -- upward reporting -------------------------------------------------------------------------------------------

def _iso(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _resource_item(r, children):
    return {"number": r.number, "ip": r.ip or "", "category": r.category, "name": r.name, "model": r.model_no,
            "brand": r.brand, "url": r.url, "mgmt_ip": r.mgmt_ip or "", "mgmt_port": r.mgmt_port,
            "asset_no": r.asset_no, "description": r.description,
            "sub_resources": [{"number": c.number, "name": c.name, "ip": c.ip or "", "url": c.url,
                               "description": c.description} for c in children]}


def _alarm_items(node, since):
    from kernel.alerts.models import Warning

    from .alerts import APP_STATE, THRESHOLD

    warnings = (Warning.objects.filter(rule__code__in=(THRESHOLD, APP_STATE), organisation_id=node.organisation_id)
                .select_related("rule").order_by("first_seen", "pk"))
    if since is not None:
        warnings = warnings.filter(Q(updated_at__gte=since) | Q(first_seen__gte=since))
    states = {s.pk: s.resource.number for s in MetricState.objects.filter(
        pk__in=[w.subject_id for w in warnings if w.rule.code == THRESHOLD]).select_related("resource")}
    apps = {a.pk: (a.resource.number if a.resource else "") for a in AppMonitor.all_objects.filter(
        pk__in=[w.subject_id for w in warnings if w.rule.code == APP_STATE]).select_related("resource")}
    return [{"alarm_id": str(w.pk), "resource_number": (states if w.rule.code == THRESHOLD else apps).get(w.subject_id, ""),
             "subject": w.subject_repr, "level": w.level, "rule": w.rule.name, "value": w.value,
             "raised_at": _iso(w.first_seen), "status": Warning.workflow.state(w.status).label,
             "released_at": _iso(w.released_at)} for w in warnings]


def build_payload(node, kind, since=None) -> dict:
    """{"items": [...]} of one kind of information (the six blocks of seed 002 §2.5; resources carry their
    sub-resources), as PROTOCOL.md specifies. generated_at is taken first: a change made while the payload is
    being built falls after it, so the next incremental report (since this generated_at) carries it."""
    generated_at = _iso(timezone.now())
    if kind == "node":
        items = [{"node_code": node.code, "unit_name": node.unit_name, "responsible_person": node.responsible_person,
                  "responsible_contact": node.responsible_contact, "duty_phone": node.duty_phone,
                  "address": node.address, "node_level": node.get_level_display(), "public_key": node.public_key}]
    elif kind == "resources":
        resources = list(Resource.objects.filter(node=node).order_by("number"))
        children = {}
        for r in resources:
            if r.parent_id:
                children.setdefault(r.parent_id, []).append(r)
        items = [_resource_item(r, children.get(r.pk, [])) for r in resources if not r.parent_id]
    elif kind == "performance":
        items = [{"resource_number": s.resource.number, "metric": s.metric, "metric_name": METRICS[s.metric][0],
                  "value": s.value, "unit": METRICS[s.metric][1], "sampled_at": _iso(s.sampled_at)}
                 for s in MetricState.objects.filter(resource__node=node, resource__is_deleted=False)
                 .select_related("resource").order_by("resource__number", "metric")]
    elif kind == "alarms":
        items = _alarm_items(node, since)
    elif kind == "work_orders":
        orders = WorkOrder.objects.filter(node=node).order_by("number")
        if since is not None:
            orders = orders.filter(updated_at__gte=since)
        items = [{"number": o.number, "subject": o.subject, "content": o.content, "initiating_unit": o.initiating_unit,
                  "business_type": o.get_business_type_display(), "receiving_unit": o.receiving_unit,
                  "receiver_feedback": o.receiver_feedback, "initiator_contact": o.initiator_contact,
                  "initiator_phone": o.initiator_phone, "receiver_contact": o.receiver_contact,
                  "receiver_phone": o.receiver_phone, "status": o.get_status_display(),
                  "completed_at": _iso(o.completed_at), "om_level": o.get_om_level_display(),
                  "star_rating": o.star_rating, "evaluation": o.evaluation} for o in orders]
    else:
        raise ValidationError({"kind": f"报文类型“{kind}”无效"})
    return {"node_code": node.code, "kind": kind, "generated_at": generated_at, "items": items}


def _since(node, kind):
    """Alarms and work orders go incrementally: what changed since the last delivered report of the kind."""
    if kind not in ("alarms", "work_orders"):
        return None
    last = (UpwardReport.objects.filter(node=node, kind=kind, status=UpwardReport.Status.SENT)
            .order_by("-created_at").values_list("payload", flat=True).first())
    if not last or not last.get("generated_at"):
        return None
    return datetime.datetime.fromisoformat(last["generated_at"])


def _ready(node):
    errors = {}
    if not node.has_keys:
        errors["public_key"] = ["本节点尚未生成SM2密钥对"]
    if not sm.on_curve(node.city_public_key or ""):
        errors["city_public_key"] = ["尚未配置上级节点SM2公钥"]
    if errors:
        raise ValidationError(errors)


def report(node, kind, user=None, trigger=UpwardReport.Trigger.MANUAL):
    """Build, log and send one report; returns the UpwardReport (sent, failed-to-retry or refused)."""
    if kind not in KINDS:
        raise ValidationError({"kind": f"请选择报文类型（{'、'.join(KINDS.values())}）"})
    _ready(node)
    payload = build_payload(node, kind, _since(node, kind))
    errors = validate_payload(kind, payload)
    if errors:  # our own data breaks the protocol: say so before sending anything
        raise ValidationError({"kind": [f"{k}：{'、'.join(v)}" for k, v in errors.items()]})
    with transaction.atomic():
        entry = UpwardReport.objects.create(node=node, kind=kind, message_id=uuid.uuid4().hex, trigger=trigger,
                                            payload=payload, item_count=len(payload["items"]))
    log_operation("ops_node_report", user=user, entrance="gov", node=node.code, kind=kind, message=entry.message_id)
    return deliver(entry)


def report_all(node, user=None, trigger=UpwardReport.Trigger.MANUAL):
    return [report(node, kind, user, trigger) for kind in KINDS]


def _client(node):
    return CityNodeClient(base_url=node.city_url or None)


def deliver(entry, now=None):
    """One attempt: seal the payload afresh (new session key, time and signature; the same message id) and post it.
    OK: sent. A connection failure or a 5xx: failed, retried after RETRY_SECONDS (at most MAX_ATTEMPTS times).
    A refusal (4xx): refused, for a person to look at and replay."""
    now = now or timezone.now()
    node = entry.node
    _ready(node)
    envelope = seal(entry.payload, kind=entry.kind, node_code=node.code, message_id=entry.message_id,
                    node_private=node.private_key(), node_public=node.public_key, city_public=node.city_public_key)
    attempt = {"at": _iso(now)}
    try:
        answer = _client(node).report(envelope)
    except CityNodeError as exc:
        status, code, message, receipt, temporary, ok = None, "CONNECTION", str(exc), "", True, False
    else:
        status, code, message, receipt = answer.status, answer.code, answer.message, answer.receipt_no
        if answer.errors:
            message += "：" + "；".join(f"{k} {'、'.join(map(str, v))}" for k, v in answer.errors.items())
        temporary, ok = answer.temporary, answer.ok
    attempt.update(status=status, code=code, message=message[:500])
    with transaction.atomic():
        entry = UpwardReport.objects.select_for_update().get(pk=entry.pk)
        entry.envelope = envelope
        entry.attempts += 1
        entry.last_attempt_at = now
        entry.response_status, entry.response_code, entry.response_message = status, code[:40], message
        entry.attempt_log = (entry.attempt_log or []) + [attempt]
        if ok:
            entry.status, entry.sent_at, entry.receipt_no, entry.next_attempt_at = (
                UpwardReport.Status.SENT, now, receipt[:40], None)
        elif temporary and entry.attempts < MAX_ATTEMPTS:
            entry.status = UpwardReport.Status.FAILED
            entry.next_attempt_at = now + datetime.timedelta(
                seconds=RETRY_SECONDS[min(entry.attempts - 1, len(RETRY_SECONDS) - 1)])
        else:
            entry.status = UpwardReport.Status.FAILED if temporary else UpwardReport.Status.REFUSED
            entry.next_attempt_at = None
        entry.save()
    return entry


def retry_due(now=None) -> int:
    now = now or timezone.now()
    due = UpwardReport.objects.filter(status=UpwardReport.Status.FAILED, next_attempt_at__lte=now).select_related("node")
    count = 0
    for entry in due:
        deliver(entry, now)
        count += 1
    return count


def replay(entry, user):
    """Send a logged report again, as it was (same payload and message id: the city stores it once)."""
    if not UpwardReport.objects.visible_to(user).filter(pk=entry.pk).exists():
        raise PermissionDenied("该上报记录不在您的管辖范围内")
    log_operation("ops_node_report_replay", user=user, entrance="gov", node=entry.node.code,
                  message=entry.message_id, previous_status=entry.status)
    return deliver(entry)


def report_due(now=None) -> int:
    """Scheduled reporting: every kind of each ready node whose report interval has passed."""
    now = now or timezone.now()
    made = 0
    for node in Node.objects.exclude(public_key="").exclude(city_public_key=""):
        for kind in KINDS:
            last = (UpwardReport.objects.filter(node=node, kind=kind).order_by("-created_at")
                    .values_list("created_at", flat=True).first())
            if last is None or (now - last).total_seconds() >= node.report_interval * 60:
                try:
                    report(node, kind, None, UpwardReport.Trigger.SCHEDULED)
                except ValidationError as exc:  # this node is not ready (keys) or its data breaks the protocol
                    logger.warning("ops node %s: scheduled %s report not sent: %s", node.code, kind, exc.messages)
                    continue
                made += 1
    return made


def tick(now=None) -> dict:
    """One round of the node's periodic work (run_monitoring, or the Celery task ops_monitoring.tick)."""
    now = now or timezone.now()
    out = {}
    # each part on its own: a failure of one (say, reporting) must not stop the others (the purge above all)
    for name, part in (("collected", collect_due), ("apps", lambda n: check_apps(now=n)), ("alarms", scan_alarms),
                       ("retried", retry_due), ("reported", report_due), ("purged", purge)):
        try:
            out[name] = part(now)
        except Exception:
            logger.exception("ops monitoring tick: %s failed", name)
            out[name] = "failed"
    return out
