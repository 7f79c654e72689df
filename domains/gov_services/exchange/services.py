"""Dispatch to the department business systems and their callbacks (数据分发及跟踪, seed 002 §2.4.8).

dispatch / redispatch: write the case into the department's front-end database, insert the shadow row,
notify the department (signed POST). apply_callback: take in one stage (补正补齐 / 受理 / 办结) that the
department wrote into its front-end database, exactly once. recover: the scheduled scan that takes in
callbacks whose notification was lost and re-sends notifications never acknowledged."""
import base64
import hmac
import json
import logging
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from kernel.interfaces import client as signing
from kernel.workflow.engine import TransitionError

from .frontdb import FrontDB
from .models import CallbackLog, DepartmentSystem, ShadowRecord

log = logging.getLogger(__name__)
S = ShadowRecord.Stage
STAGES = {  # callback stage -> (case transition, SMS template)
    S.CORRECTION: ("correction", "gs_exchange_correction"),
    S.ACCEPT: ("dept_accept", "gs_exchange_dept_accepted"),
    S.COMPLETE: ("complete", "gs_exchange_completed"),
}
FILE_PURPOSE = "gs_exchange_file"
TOLERANCE = 300
CALLBACK_PATH = "/public/gs/exchange/callback/"


def key_id() -> str:
    return getattr(settings, "GS_EXCHANGE_KEY_ID", "zw-one-window")


class Refused(Exception):
    pass


# -- systems ---------------------------------------------------------------------------------------
def create_system(*, code, name, department, secret, notify_url="") -> DepartmentSystem:
    system = DepartmentSystem(code=code, name=name, department=department, notify_url=notify_url)
    system.set_secret(secret)
    system.full_clean()
    system.save()
    FrontDB(code).ensure()
    return system


def system_for(case) -> DepartmentSystem:
    system = DepartmentSystem.objects.filter(department=case.matter.department, active=True).first()
    if system is None:
        raise ValidationError({"system": f"办理部门“{case.matter.department}”尚未接入部门业务系统，无法分发"})
    return system


# -- dispatch --------------------------------------------------------------------------------------
def case_payload(case, version) -> dict:
    return {
        "sbh": case.no, "version": version, "matter_code": case.matter.code, "matter_name": case.matter.name,
        "matter_version": case.matter_version, "region": case.region.code, "channel": case.channel,
        "applicant": {"name": case.applicant_name, "id_number": case.applicant_id_number,
                      "phone": case.applicant_phone,
                      "org_uscc": getattr(case.applicant_org, "uscc", None) or ""},
        "form_data": case.form_data,
        "accepted_at": case.accepted_at.isoformat() if case.accepted_at else "",
        "promised_due": case.promised_due.isoformat() if case.promised_due else "",
        "statutory_due": case.statutory_due.isoformat() if case.statutory_due else "",
        "materials": [{"name": m.name, "checked": m.checked, "original_seen": m.original_seen,
                       "file": ({"id": m.attachment_id, "name": m.attachment.original_name,
                                 "sha256": m.attachment.sha256, "size": m.attachment.size}
                                if m.attachment_id else None)}
                      for m in case.materials.select_related("attachment").order_by("pk")],
    }


def _operator(user):
    return (str(user) if getattr(user, "pk", None) else "系统")[:100]


def _latest_out(case):
    return ShadowRecord.objects.filter(case=case, direction="out", stage=S.DISPATCH).order_by("-version").first()


def _write_out(case, user, transition, comment=""):
    system = system_for(case)
    previous = _latest_out(case)
    if previous is not None and previous.system_id != system.pk:
        system = previous.system  # a case stays with the department it was first sent to
    version = (previous.version + 1) if previous else 1
    with transaction.atomic():
        if user is not None and getattr(user, "pk", None):
            case.workflow.apply(case, transition, user, comment=comment)
        else:
            case.workflow.apply(case, transition, None, system=True, comment=comment)
        shadow = ShadowRecord.objects.create(sbh=case.no, version=version, operator=_operator(user),
                                             operator_user=user if getattr(user, "pk", None) else None,
                                             direction="out", stage=S.DISPATCH, system=system, case=case)
        # The front-end row last: if it fails, the transaction (state + shadow) rolls back.
        FrontDB(system.code).write_case(case.no, version, case.matter.code, case_payload(case, version))
    notify(shadow)
    shadow.refresh_from_db()
    return shadow


def dispatch(case, user=None) -> ShadowRecord:
    """分发: accepted -> dispatched, version 1."""
    return _write_out(case, user, "dispatch")


def redispatch(case, user=None, comment="") -> ShadowRecord:
    """After 补正补齐 the window sends the supplemented case again as the next version: correction -> dispatched."""
    return _write_out(case, user, "corrected", comment)


def notification_body(shadow) -> bytes:
    return json.dumps({"type": "dispatch", "sbh": shadow.sbh, "version": shadow.version,
                       "matter_code": shadow.case.matter.code, "written_at": shadow.fetched_at.isoformat()},
                      ensure_ascii=False).encode()


def transport_for(system):
    if not system.notify_url:
        from integrations.department_sim.simulator import LocalTransport

        return LocalTransport()
    from integrations.sms.gateway import UrllibTransport

    return UrllibTransport(timeout=10)


def notify(shadow) -> bool:
    """Call the department's notification endpoint; True (and acknowledged_at set) on a 200 answer with
    code OK. A failure leaves the case dispatched and the shadow row unacknowledged for the scan."""
    system = shadow.system
    url = system.notify_url or f"sim://{system.code}/notify"
    body = notification_body(shadow)
    headers = signing.sign_request("POST", urlsplit(url).path or "/", "", body, key_id(), system.secret)
    headers["Content-Type"] = "application/json"
    try:
        status, data = transport_for(system).request("POST", url, headers, body)
        ok = status == 200 and json.loads(data or b"{}").get("code") == "OK"
    except Exception as exc:  # network, gateway, bad answer: the scan re-sends
        log.warning("notification of %s to %s failed: %s", shadow, system.code, exc)
        ok = False
    if ok:
        ShadowRecord.objects.filter(pk=shadow.pk, acknowledged_at__isnull=True).update(acknowledged_at=timezone.now())
    return ok


# -- callbacks -------------------------------------------------------------------------------------
def verify_signature(method, path, query, headers, body):
    """The DepartmentSystem whose secret signed this request, or Refused."""
    code = headers.get(signing.HEADER_KEY, "")
    ts, nonce = headers.get(signing.HEADER_TIMESTAMP, ""), headers.get(signing.HEADER_NONCE, "")
    given = headers.get(signing.HEADER_SIGNATURE, "")
    system = DepartmentSystem.objects.filter(code=code, active=True).first()
    if system is None:
        raise Refused("未知的部门系统")
    if not ts.isdigit() or abs(time.time() - int(ts)) > TOLERANCE:
        raise Refused("时间戳超出允许范围")
    if not (16 <= len(nonce) <= 64):
        raise Refused("随机串格式错误")
    text = signing.string_to_sign(method, path, query, ts, nonce, body)
    if not hmac.compare_digest(signing.signature(system.secret, text), given):
        raise Refused("签名错误")
    if not cache.add(f"gs_exchange:nonce:{code}:{nonce}", 1, TOLERANCE * 2):
        raise Refused("重放的请求（随机串已使用）")
    return system


def refuse(reason, *, system=None, key="", sbh="", version=None, stage="", source="notify", remote=""):
    CallbackLog.objects.create(system=system, key_id=key[:64], sbh=str(sbh)[:30], version=version,
                               stage=str(stage)[:12], source=source, outcome="refused", reason=reason[:300],
                               remote_addr=remote)


def apply_callback(system, sbh, version, stage, *, source="notify", remote="") -> str:
    """Take in one callback stage from the system's front-end database. Returns "applied" or "duplicate";
    raises Refused (after logging) when the message is not acceptable."""
    from domains.gov_services.one_window.models import Case

    where = dict(system=system, key=system.code, sbh=sbh, version=version, stage=stage, source=source, remote=remote)
    try:
        if stage not in STAGES:
            raise Refused("未知的回调环节")
        case = Case.objects.filter(no=sbh).select_related("matter").first()
        if case is None:
            raise Refused("申报号不存在")
        out = ShadowRecord.objects.filter(case=case, direction="out", stage=S.DISPATCH,
                                          version=version).first()
        if out is None or out.system_id != system.pk:
            if not ShadowRecord.objects.filter(case=case, direction="out", system=system).exists():
                raise Refused("该办件未分发至本部门系统")
            raise Refused("版本号不符")
        latest = _latest_out(case)
        if ShadowRecord.objects.filter(sbh=sbh, version=version, direction="in", stage=stage).exists():
            CallbackLog.objects.create(system=system, key_id=system.code, sbh=sbh, version=version, stage=stage,
                                       source=source, outcome="duplicate", reason="该环节已处理", remote_addr=remote)
            return "duplicate"
        if latest.version != version:
            raise Refused(f"版本号不符（当前版本{latest.version}）")
        row = FrontDB(system.code).read_callback(sbh, version, stage)
        if row is None:
            raise Refused("前置库中没有该回调记录")
        try:
            _apply(case, system, version, stage, row, source)
        except IntegrityError:  # a concurrent delivery of the same stage got there first
            CallbackLog.objects.create(system=system, key_id=system.code, sbh=sbh, version=version, stage=stage,
                                       source=source, outcome="duplicate", reason="该环节已处理", remote_addr=remote)
            return "duplicate"
        except (TransitionError, ValidationError) as exc:
            raise Refused(f"办件当前状态不能处理该环节：{exc}") from exc
    except Refused as exc:
        refuse(str(exc), **where)
        raise
    CallbackLog.objects.create(system=system, key_id=system.code, sbh=sbh, version=version, stage=stage,
                               source=source, outcome="applied", remote_addr=remote)
    return "applied"


def _apply(case, system, version, stage, row, source):
    from kernel.files.services import store_anonymous
    from kernel.notify.services import send_sms

    transition, template = STAGES[stage]
    payload = row["payload"] or {}
    opinion = str(payload.get("opinion") or "")[:500]
    with transaction.atomic():
        ShadowRecord.objects.create(sbh=case.no, version=version, operator=str(payload.get("operator") or system.name)[:100],
                                    direction="in", stage=stage, system=system, case=case, source=source,
                                    acknowledged_at=timezone.now())
        comment = opinion or ("部门要求补正补齐材料" if stage == S.CORRECTION else "")
        case.workflow.apply(case, transition, None, system=True,
                            comment=f"{system.name}：{comment}" if comment else f"{system.name}回调")
        for item in row["files"] or []:
            content = base64.b64decode(item.get("content_base64", ""), validate=True)
            store_anonymous(case, SimpleUploadedFile(str(item.get("name") or "file.pdf")[:100], content),
                            FILE_PURPOSE)
        params = {"matter": case.matter.name, "no": case.no, "department": system.department.name,
                  "opinion": opinion or "请按部门意见补充材料"}
        if case.applicant_phone:
            send_sms(case.applicant_phone, template, params, key=f"gs_exchange:{case.no}:{version}:{stage}",
                     region=case.region, related=f"gs_window.case:{case.pk}")
        if stage == S.COMPLETE:  # a joint-approval project completes with its last case (联合审批)
            from domains.gov_services.one_window.joint import complete_hook

            complete_hook(case)


# -- recovery scan ---------------------------------------------------------------------------------
def recover(batch=5000) -> dict:
    """Scan every front-end database for callback rows without a shadow row (lost notifications) and
    take them in once, in the order the department wrote them; re-send the dispatch notifications never
    acknowledged. The comparison runs on keys only, a page of front-end keys against the shadow rows of
    the same case numbers, so a scan of millions of rows is a few hundred queries, not one a row."""
    counts = {"applied": 0, "refused": 0, "renotified": 0}
    for system in DepartmentSystem.objects.filter(active=True):
        front = FrontDB(system.code)
        missing = []
        for keys in front.callback_keys(batch):
            have = set(ShadowRecord.objects.filter(direction="in", sbh__in={k[0] for k in keys})
                       .values_list("sbh", "version", "stage"))
            missing.extend(k for k in keys if k not in have)
        rows = [r for r in (front.read_callback(*key) for key in missing) if r is not None]
        for row in sorted(rows, key=lambda r: (r["written_at"], r["sbh"], r["version"])):
            key = dict(sbh=row["sbh"], version=row["version"], stage=row["stage"])
            if CallbackLog.objects.filter(system=system, source="scan", outcome="refused", **key).exists():
                continue  # refused once already: it stays in the log for a person to look at
            try:
                if apply_callback(system, row["sbh"], row["version"], row["stage"], source="scan") == "applied":
                    counts["applied"] += 1
            except Refused:
                counts["refused"] += 1
        for shadow in ShadowRecord.objects.filter(system=system, direction="out", acknowledged_at__isnull=True):
            if notify(shadow):
                counts["renotified"] += 1
    return counts


# == staff pages ==
def save_system(system, *, secret="", user=None) -> DepartmentSystem:
    """Create or edit a department system from the staff form (secret: write-only, blank keeps the old one);
    records the change (the secret never appears in the audit row) and makes sure its front-end database exists."""
    from kernel.audit.services import record_change

    fields = ("code", "name", "department_id", "notify_url", "active")
    creating = system.pk is None
    before = None
    if not creating:
        old = DepartmentSystem.objects.get(pk=system.pk)
        before = {f: getattr(old, f) for f in fields}
        if old.code != system.code:
            raise ValidationError({"code": "系统代码创建后不能修改"})
    if secret:
        before and before.update(secret="******")
        system.set_secret(secret)
    elif creating:
        raise ValidationError({"secret": "请填写共享密钥"})
    with transaction.atomic():
        system.full_clean()
        system.save()
        after = {f: getattr(system, f) for f in fields}
        if secret and not creating:
            after["secret"] = "已更换"
        record_change(system, "create" if creating else "update", before, after)
    FrontDB(system.code).ensure()
    return system
