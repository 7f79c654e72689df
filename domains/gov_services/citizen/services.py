"""Business operations of the applicant's side: the only place that changes these records' state."""
import re
import uuid

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone

from kernel.audit.services import log_operation
from kernel.files import services as files
from kernel.files.purposes import MB, register_purpose
from kernel.files.signatures import PNG_MAGIC, decode_signature  # noqa: F401 (PNG_MAGIC: used by tests)

from .models import Address, Consultation, Delivery, Evaluation, Proof, Rectification

PROOF_PURPOSE = register_purpose("gs_proof_file", "证明文件", ["image", "pdf"], 10 * MB, max_files=3)
SIGNATURE_PURPOSE = register_purpose("gs_signature", "手写签名", ["image"], 512 * 1024, max_files=1)
EVALUATION_PURPOSE = register_purpose("gs_evaluation_media", "评价图片视频", ["image", "video"],
                                      {"image": 10 * MB, "video": 50 * MB}, max_files=9)
CASE_MATERIAL_PURPOSE = "gs_case_material"
QR_SALT = "gs_citizen.proof_qr"
QR_MAX_AGE = 600  # seconds: a proof's QR code works for 10 minutes
FINISHED_CASE = ("rejected", "withdrawn")  # cases that no longer take a delivery choice


def _phone_ok(phone):
    return phone.isdigit() and len(phone) == 11 and phone.startswith("1")


# -- my proofs ----------------------------------------------------------------------------------
def save_proof(user, proof, data, upload=None):
    """Create or change a proof of `user` (data: kind, name, number, issued_by, valid_until)."""
    errors = {}
    if data.get("kind") not in Proof.Kind.values:
        errors["kind"] = ["请选择证明类型"]
    number = (data.get("number") or "").strip().upper()
    if not number:
        errors["number"] = ["请填写证件号码"]
    if proof is None and upload is None:
        errors["file"] = ["请上传证明文件（图片或PDF）"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        proof = proof or Proof(owner=user, created_by=user)
        if proof.owner_id != user.pk:
            raise PermissionDenied("只能维护本人的证明")
        proof.kind, proof.number = data["kind"], number
        proof.name = (data.get("name") or "").strip()[:100]
        proof.issued_by = (data.get("issued_by") or "").strip()[:100]
        proof.valid_until = data.get("valid_until")
        proof.save()
        if upload is not None:
            try:
                for old in files.attachments_of(proof, user, PROOF_PURPOSE.key):
                    files.delete_attachment(old, user)
                files.store(proof, upload, PROOF_PURPOSE, user)
            except ValidationError as exc:
                transaction.set_rollback(True)
                raise ValidationError({"file": exc.messages}) from None
    return proof


def delete_proof(user, proof):
    if proof.owner_id != user.pk:
        raise PermissionDenied("只能维护本人的证明")
    proof.delete()


def proof_file(proof):
    from kernel.files.models import Attachment

    return Attachment.objects.for_owner(proof).filter(purpose=PROOF_PURPOSE.key).order_by("-id").first()


def proof_token(proof):
    """The signed, expiring token a proof's QR code carries (never the raw id alone)."""
    return signing.TimestampSigner(salt=QR_SALT).sign_object({"p": proof.pk, "o": proof.owner_id,
                                                              "n": uuid.uuid4().hex[:8]})


def proof_from_token(token, user, max_age=QR_MAX_AGE):
    """The proof a scanned token names, for window staff; refused (ValidationError, Chinese) and logged
    when expired, forged or for a proof that no longer exists."""
    if not (user.is_authenticated and getattr(user, "kind", "") == "staff" and user.has_perm("gs_window.accept_case")):
        log_operation("gs_proof_scan", user=user if user.is_authenticated else None, success=False, reason="perm")
        raise PermissionDenied("只有窗口受理人员可以调取证明")
    try:
        data = signing.TimestampSigner(salt=QR_SALT).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired:
        log_operation("gs_proof_scan", user=user, success=False, reason="expired")
        raise ValidationError("二维码已过期，请申请人刷新“我的证明”二维码后重新扫码") from None
    except (signing.BadSignature, ValueError, TypeError):
        log_operation("gs_proof_scan", user=user, success=False, reason="forged")
        raise ValidationError("二维码无效（签名校验失败），请核实后重新扫码") from None
    proof = Proof.objects.filter(pk=data.get("p"), owner_id=data.get("o")).select_related("owner").first()
    if proof is None:
        log_operation("gs_proof_scan", user=user, success=False, reason="missing")
        raise ValidationError("该证明已被删除或不存在")
    log_operation("gs_proof_scan", user=user, proof=proof.pk, owner=proof.owner_id)
    return proof


def qr_svg(url):
    import io

    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, dark="#000000", light="#ffffff",
                                    title="证明二维码")
    return out.getvalue()


# -- addresses ----------------------------------------------------------------------------------
def _address_errors(data):
    errors = {}
    for f, label in (("recipient", "收件人"), ("phone", "手机号码"), ("address", "详细地址"), ("postcode", "邮政编码")):
        if not (data.get(f) or "").strip():
            errors[f] = [f"请填写{label}"]
    phone = (data.get("phone") or "").strip()
    if phone and not _phone_ok(phone):
        errors["phone"] = ["手机号码应为11位数字"]
    postcode = (data.get("postcode") or "").strip()
    if postcode and not (postcode.isdigit() and len(postcode) == 6):
        errors["postcode"] = ["邮政编码应为6位数字"]
    return errors


def save_address(user, address, data):
    errors = _address_errors(data)
    if errors:
        raise ValidationError(errors)
    address = address or Address(owner=user, created_by=user)
    if address.owner_id != user.pk:
        raise PermissionDenied("只能维护本人的地址")
    for f in ("recipient", "phone", "address", "postcode"):
        setattr(address, f, data[f].strip())
    address.save()
    return address


def delete_address(user, address):
    if address.owner_id != user.pk:
        raise PermissionDenied("只能维护本人的地址")
    address.delete()


# -- online application -------------------------------------------------------------------------
def online_matter(code):
    from domains.gov_services.one_window.models import Matter

    return Matter.objects.filter(code=code, status=Matter.Status.PUBLISHED, online=True) \
        .select_related("department", "region").first()


def application_materials(matter):
    """The published version's materials, each with the licence type its live row names."""
    from domains.gov_services.one_window.models import MatterMaterial
    from domains.gov_services.one_window.services import version_materials

    items = version_materials(matter)
    types = dict(MatterMaterial.objects.filter(pk__in=[i["id"] for i in items if i["id"]])
                 .values_list("pk", "licence_type"))
    for item in items:
        item["licence_type"] = types.get(item["id"], "") or ""
    return items


def save_application(user, matter, *, case=None, applicant_name, applicant_phone, applicant_id_number="",
                     materials=None, signature_kind="", signature_data="", submit=False):
    """Save (create or update) the user's online application as a draft; with submit=True check it is
    complete (required materials, signature) and take the transition submit -> submitted.
    materials: {key: {"file": UploadedFile} or {"proof": Proof}}. Raises ValidationError (Chinese, by field)
    and changes nothing on bad input."""
    from domains.gov_services.one_window.models import Case, CaseMaterial
    from domains.gov_services.one_window.services import _case_number
    from kernel.org.validators import validate_id_number

    materials = materials or {}
    items = application_materials(matter)
    errors = {}
    applicant_name = (applicant_name or "").strip()
    applicant_phone = (applicant_phone or "").strip()
    applicant_id_number = (applicant_id_number or "").strip().upper()
    if not applicant_name:
        errors["applicant_name"] = ["请填写申请人"]
    if not _phone_ok(applicant_phone):
        errors["applicant_phone"] = ["手机号码应为11位数字"]
    if user.kind != "enterprise" or applicant_id_number:
        try:
            validate_id_number(applicant_id_number)
        except ValidationError as exc:
            errors["applicant_id_number"] = exc.messages
    for item in items:
        got = materials.get(item["key"]) or {}
        proof = got.get("proof")
        if proof is not None:
            if proof.owner_id != user.pk:
                errors[f"material_{item['key']}"] = ["只能选择本人的证明"]
            elif item["licence_type"] and proof.kind != item["licence_type"]:
                errors[f"material_{item['key']}"] = [f"所选证明不是“{item['licence_type']}”"]
    if signature_kind not in ("", "seal", "hand"):
        errors["signature"] = ["请选择签章方式"]
    if signature_kind == "seal" and user.kind != "enterprise":
        errors["signature"] = ["电子印章仅适用于企业用户，请手写签名"]
    png = None
    if signature_kind == "hand" and signature_data:
        try:
            png = decode_signature(signature_data)
        except ValidationError as exc:
            errors["signature"] = exc.messages
    if case is not None and (case.applicant_user_id != user.pk or case.status != "draft"):
        raise PermissionDenied("只能修改本人的草稿")
    if submit and not errors:
        have = set(case.materials.filter(attachment__isnull=False).values_list("name", flat=True)) if case else set()
        for item in items:
            if item["required"] and not materials.get(item["key"]) and item["name"] not in have:
                errors[f"material_{item['key']}"] = [f"必须提供的材料“{item['name']}”：请上传或选择证明"]
        has_sig = png is not None or signature_kind == "seal" or (
            case is not None and case.form_data.get("signature") and not signature_kind)
        if not has_sig:
            errors["signature"] = ["请签名（手写签名或电子印章）后再提交"]
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        if case is None:
            case = Case(no="tmp" + uuid.uuid4().hex[:24], matter=matter, matter_version=matter.version,
                        region=matter.region, channel=Case.Channel.ONLINE, status="draft",
                        applicant_user=user, created_by=user,
                        applicant_org=user.organisation if user.kind == "enterprise" else None)
        case.applicant_name, case.applicant_phone = applicant_name, applicant_phone
        case.applicant_id_number = applicant_id_number
        case.save()
        if case.no.startswith("tmp"):
            _case_number(case, timezone.localdate())
        try:
            for item in items:
                got = materials.get(item["key"]) or {}
                upload, proof = got.get("file"), got.get("proof")
                if upload is None and proof is None:
                    continue
                if proof is not None:
                    source = proof_file(proof)
                    if source is None:
                        raise ValidationError({f"material_{item['key']}": ["所选证明没有文件"]})
                    with source.file.open("rb") as fh:
                        upload = ContentFile(fh.read(), name=source.original_name)
                for old in case.materials.filter(name=item["name"]):
                    if old.attachment_id:
                        files.delete_attachment(old.attachment, user)
                    old.delete()
                try:
                    att = files.store(case, upload, CASE_MATERIAL_PURPOSE, user, caller_checked=True)
                except ValidationError as exc:
                    raise ValidationError({f"material_{item['key']}": exc.messages}) from None
                CaseMaterial.objects.create(case=case, material_id=item["id"], name=item["name"], attachment=att,
                                            note=f"来自我的证明：{proof.kind}" if proof else "网上上传")
            form = dict(case.form_data or {})
            if png is not None:
                for old in files.attachments_of(case, user, SIGNATURE_PURPOSE.key):
                    files.delete_attachment(old, user)
                att = files.store(case, ContentFile(png, name="signature.png"), SIGNATURE_PURPOSE, user,
                                  caller_checked=True)
                form["signature"] = {"kind": "hand", "attachment": att.pk}
            elif signature_kind == "seal":
                form["signature"] = {"kind": "seal", "organisation": user.organisation_id}
            case.form_data = form
            case.save()
            if submit:
                case.workflow.apply(case, "submit", user)
        except ValidationError:
            transaction.set_rollback(True)
            raise
    return case


# -- delivery ----------------------------------------------------------------------------------
def choose_delivery(user, case, *, method, address=None, door_pickup=False, pickup_address=""):
    from domains.gov_services.one_window.models import Case

    if case.applicant_user_id != user.pk:
        raise PermissionDenied("只能为本人的办件选择取件方式")
    if case.status in FINISHED_CASE:
        raise ValidationError({"method": ["办件已撤回或不予受理，不能选择取件方式"]})
    errors = {}
    if method not in Delivery.Method.values:
        errors["method"] = ["请选择取件方式"]
    if method == Delivery.Method.COURIER and (address is None or address.owner_id != user.pk):
        errors["address"] = ["快递送达请选择收件地址"]
    if door_pickup and not (pickup_address or "").strip():
        errors["pickup_address"] = ["请填写上门收件地址"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # locked: staff shipping at the same moment must not be overwritten by this older read
        delivery = (Delivery.objects.select_for_update().filter(case=case).first()
                    or Delivery(case=case, created_by=user))
        if delivery.status != Delivery.Status.PENDING:
            raise ValidationError({"method": ["证照已寄出或领取，不能修改"]})
        delivery.method = method
        delivery.door_pickup = bool(door_pickup)
        delivery.pickup_address = (pickup_address or "").strip()[:200] if door_pickup else ""
        for f in ("recipient", "phone", "address", "postcode"):
            setattr(delivery, f, getattr(address, f) if method == Delivery.Method.COURIER else "")
        delivery.save()
        Case.all_objects.filter(pk=case.pk).update(delivery=method)
    return delivery


TRACKING_RE = re.compile(r"^[A-Z0-9]{8,30}$")


def _staff_delivery(user, delivery, perm="gs_citizen.change_delivery"):
    """The delivery as the staff member may handle it: permission, and inside their jurisdiction."""
    if not user.has_perm(perm):
        raise PermissionDenied("您没有办理证照送达的权限")
    if not Delivery.objects.visible_to(user).filter(pk=delivery.pk).exists():
        raise PermissionDenied("该送达记录不在您的管辖范围内")
    return Delivery.objects.select_for_update().select_related("case", "case__matter", "case__region") \
        .get(pk=delivery.pk)


def _delivery_sms(delivery, template, params, key):
    from kernel.notify.services import send_sms

    case = delivery.case
    phone = case.applicant_phone or delivery.phone  # the applicant, who may not be the recipient
    if not phone:
        return None
    try:  # a landline cannot take an SMS: the registration stands without it
        return send_sms(phone, template, {"matter": case.matter.name, "no": case.no, **params}, key=key,
                        region=case.region, related=f"gs_window.case:{case.pk}")
    except ValidationError:
        return None


def ship_delivery(user, delivery, tracking_no, carrier=Delivery.Carrier.EMS):
    """寄出: the courier's tracking number of a completed case's result; SMS to the applicant."""
    tracking_no = (tracking_no or "").strip().upper().replace(" ", "")
    errors = {}
    if carrier not in Delivery.Carrier.values:
        errors["carrier"] = ["请选择快递公司"]
    if not tracking_no:
        errors["tracking_no"] = ["请填写快递单号"]
    elif not TRACKING_RE.match(tracking_no):
        errors["tracking_no"] = ["快递单号应为8至30位字母或数字"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        delivery = _staff_delivery(user, delivery)
        if delivery.method != Delivery.Method.COURIER:
            raise ValidationError({"tracking_no": ["该办件为窗口自取，不能登记快递单号"]})
        if delivery.status != Delivery.Status.PENDING:
            raise ValidationError({"tracking_no": [f"证照{delivery.get_status_display()}，不能重复登记寄送"]})
        if delivery.case.status != "completed":
            raise ValidationError({"tracking_no": ["办件尚未办结，办结后才能寄送证照"]})
        delivery.carrier, delivery.tracking_no = carrier, tracking_no
        delivery.status, delivery.shipped_at, delivery.shipped_by = Delivery.Status.SHIPPED, timezone.now(), user
        delivery.save()
        log_operation("gs_delivery_ship", user=user, case=delivery.case.no, carrier=carrier, tracking_no=tracking_no)
        _delivery_sms(delivery, "gs_delivery_shipped",
                      {"carrier": delivery.get_carrier_display(), "tracking_no": tracking_no},
                      key=f"gs_delivery_shipped:{delivery.pk}")
    return delivery


def mark_delivered(user, delivery):
    """已签收: the courier delivered the result (confirmed by the courier's tracking or the applicant)."""
    with transaction.atomic():
        delivery = _staff_delivery(user, delivery)
        if delivery.method != Delivery.Method.COURIER or delivery.status != Delivery.Status.SHIPPED:
            raise ValidationError({"status": ["只有已寄出的快递才能登记签收"]})
        delivery.status, delivery.finished_at, delivery.finished_by = Delivery.Status.DELIVERED, timezone.now(), user
        delivery.save()
        log_operation("gs_delivery_delivered", user=user, case=delivery.case.no, tracking_no=delivery.tracking_no)
    return delivery


def mark_picked(user, delivery):
    """已领取: the applicant collected the result at the window (窗口自取)."""
    with transaction.atomic():
        delivery = _staff_delivery(user, delivery)
        if delivery.method != Delivery.Method.PICKUP or delivery.status != Delivery.Status.PENDING:
            raise ValidationError({"status": ["只有待领取的窗口自取办件才能登记领取"]})
        if delivery.case.status != "completed":
            raise ValidationError({"status": ["办件尚未办结，不能登记领取"]})
        delivery.status, delivery.finished_at, delivery.finished_by = Delivery.Status.PICKED, timezone.now(), user
        delivery.save()
        log_operation("gs_delivery_picked", user=user, case=delivery.case.no)
        _delivery_sms(delivery, "gs_delivery_picked", {}, key=f"gs_delivery_picked:{delivery.pk}")
    return delivery


def collect_originals(user, delivery):
    """上门收件: staff collected the applicant's originals at the address they gave."""
    with transaction.atomic():
        delivery = _staff_delivery(user, delivery)
        if not delivery.door_pickup:
            raise ValidationError({"originals": ["该办件未申请上门收取原件"]})
        if delivery.originals_collected_at:
            raise ValidationError({"originals": ["原件已收取，不能重复登记"]})
        if delivery.case.status in FINISHED_CASE:
            raise ValidationError({"originals": ["办件已撤回或不予受理"]})
        delivery.originals_collected_at, delivery.originals_collected_by = timezone.now(), user
        delivery.save()
        log_operation("gs_delivery_originals", user=user, case=delivery.case.no,
                      pickup_address=delivery.pickup_address)
    return delivery


# -- satisfaction evaluation ----------------------------------------------------------------------
EVALUABLE = ("accepted", "dispatched", "correction", "dept_accepted", "completed")


def evaluate(user, case, *, rating, comment="", media=()):
    """好差评 of a case, once; a rating of 2 or less opens a rectification to-do for the department."""

    if case.applicant_user_id != user.pk:
        raise PermissionDenied("只能评价本人的办件")
    errors = {}
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        errors["rating"] = ["请选择1至5星评分"]
    if case.status not in EVALUABLE:
        errors["rating"] = ["办件受理后才能评价"]
    if Evaluation.all_objects.filter(case=case).exists():
        errors["rating"] = ["该办件已评价，每件只能评价一次"]
    if len(comment or "") > 1000:
        errors["comment"] = ["评价内容不超过1000字"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        ev = Evaluation.objects.create(case=case, matter=case.matter, department=case.matter.department,
                                       region=case.region, rating=rating, comment=(comment or "").strip(),
                                       created_by=user)
        try:
            for f in media:
                files.store(ev, f, EVALUATION_PURPOSE, user)
        except ValidationError as exc:
            transaction.set_rollback(True)
            raise ValidationError({"media": exc.messages}) from None
        if ev.bad:
            rect = Rectification.objects.create(evaluation=ev, department=ev.department, region=ev.region,
                                                created_by=user)
            _rectification_todos(rect, f"差评整改：{case.no} {case.matter.name}（{rating}星）")
    return ev


RECTIFIER_ROLE = "gs_dept_rectifier"


def _rectification_todos(rect, title):
    """The department's rectification to-do: one for each active 部门整改人员 of the matter's department;
    a department without one has the centre's administrators of the region do it."""
    from kernel.accounts.models import User
    from kernel.todos import services as todos

    url = f"/gov/gs/rectifications/{rect.pk}/"
    people = list(User.objects.filter(organisation=rect.department, is_active=True, roles__code=RECTIFIER_ROLE,
                                      roles__enabled=True).distinct())
    for person in people:
        todos.create(rect, title, key="gs_rectification", url=url, assignee=person, region=rect.region)
    if not people:
        todos.create(rect, title, key="gs_rectification", url=url, role_code="gs_centre_admin", region=rect.region)


def close_rectification(user, rect, reply):
    from kernel.todos import services as todos

    if not user.has_perm("gs_citizen.handle_rectification"):
        raise PermissionDenied("您没有办理差评整改的权限")
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"reply": ["请填写整改情况"]})
    if rect.status == Rectification.Status.CLOSED:
        raise ValidationError({"reply": ["该整改已办结"]})
    with transaction.atomic():
        rect = Rectification.objects.select_for_update().get(pk=rect.pk)  # two staff closing at once: one wins
        if rect.status == Rectification.Status.CLOSED:
            raise ValidationError({"reply": ["该整改已办结"]})
        rect.reply, rect.status = reply, Rectification.Status.CLOSED
        rect.closed_by, rect.closed_at = user, timezone.now()
        rect.save()
        todos.close(rect, key="gs_rectification", by=user)
    return rect


def evaluation_stats(user):
    """By department and matter: average rating, count, bad-review count (rating <= 2)."""
    qs = Evaluation.objects.visible_to(user)
    return list(qs.values("department__name", "matter__code", "matter__name")
                .annotate(avg=Avg("rating"), count=Count("id"), bad=Count("id", filter=Q(rating__lte=2)))
                .order_by("department__name", "matter__code"))


# -- consultations --------------------------------------------------------------------------------
def submit_consultation(user, *, kind, subject, content, matter=None, region=None):
    errors = {}
    if kind not in Consultation.Kind.values:
        errors["kind"] = ["请选择咨询或投诉"]
    if not (subject or "").strip():
        errors["subject"] = ["请填写主题"]
    if not (content or "").strip():
        errors["content"] = ["请填写内容"]
    elif len(content) > 2000:
        errors["content"] = ["内容不超过2000字"]
    region = matter.region if matter is not None else region
    if region is None:
        errors["matter"] = ["请选择相关事项"]
    if errors:
        raise ValidationError(errors)
    return Consultation.objects.create(applicant=user, kind=kind, subject=subject.strip()[:100],
                                       content=content.strip(), matter=matter, region=region, created_by=user)


def reply_consultation(user, consultation, reply):
    if not user.has_perm("gs_citizen.reply_consultation"):
        raise PermissionDenied("您没有答复咨询投诉的权限")
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"reply": ["请填写答复内容"]})
    consultation.reply, consultation.status = reply, Consultation.Status.REPLIED
    consultation.replied_by, consultation.replied_at = user, timezone.now()
    consultation.save()
    from kernel.notify.services import notify

    notify(consultation.applicant, f"您的{consultation.get_kind_display()}“{consultation.subject}”已答复",
           url="/m/gs/me/consultations/", key=f"gs_consultation_reply:{consultation.pk}")
    return consultation


def files_purpose_accept():
    from kernel.files.purposes import get_purpose

    return get_purpose(CASE_MATERIAL_PURPOSE).accept
