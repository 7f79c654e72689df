"""Entrusted deduction (委托扣款): the only place that changes agreements, resident amounts, batch tasks and items.

Agreements: sign_agreement validates, numbers (SF/LL + date + sequence) and stores the agreement pending
verification, one in force per person (the DB's partial unique constraint settles races), then asks the bank
through the payment adapter (integrations/tips_pay, POST /agreements/verify): verified -> active, refused ->
failed with the bank's reason; a gateway outage leaves it pending (refresh_pending asks again). The paper path
stores it pending until the payer completes verification after the bank has entered it. terminate_agreement
tells the bank first, then frees the slot and voids the agreement's pending batch items.

Batch deduction: launch_task makes the pending items (待批扣) of a prefecture's payers with an active agreement
(residents: the amount they set, else the grade table's default; flexible: the month's pension at the minimum
base). Before the run the payer may change a resident item's amount (by grade) or void it. run_task (the daily
job si_agree.batch_deduct / manage.py si_batch_deduct, or staff's 立即执行) creates each item's payment order
through domains.si_fee.payments.services (request id "batch-<item_no>": a re-run gets the same order), marks it
sending, sends the items to the bank (idempotent by item_no at the bank, so nothing is debited twice), and applies
each answer: DEDUCTED -> the order paid (the gateway's signed callback, or apply_result here, exactly once) and
the item deducted; FAILED -> the order failed, the item failed with the bank's reason. Voided items never go out.
The order is a batch order (payments.services.create_batch_order: lines of source batch that hold the period
against self-declared payment, so a period is paid once whatever the channel; never expired while the bank may
still deduct it)."""
import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from domains.si_fee.rules.models import PersonType
from kernel.audit.services import log_operation
from kernel.files import services as files
from kernel.files.purposes import register_purpose
from kernel.files.signatures import decode_signature

from .models import AGREEMENT, BANK_NAMES, IN_FORCE, ITEM, LIVE_ITEM, Agreement, BatchItem, BatchTask, ResidentAmount

SIGNATURE_PURPOSE = register_purpose("si_agree_signature", "协议电子签名", ["image"], 512 * 1024, max_files=1)
PREFIX = {Agreement.Kind.TRIPARTITE: "SF", Agreement.Kind.BILATERAL: "LL"}
GATEWAY_KIND = {Agreement.Kind.TRIPARTITE: "TRIPARTITE", Agreement.Kind.BILATERAL: "BILATERAL"}
CHANNEL = {Agreement.Kind.TRIPARTITE: "TIPS", Agreement.Kind.BILATERAL: "金三社保费核心系统"}
BATCH_CHANNEL = "委托银行批量扣款"
SEND_CHUNK = 200


def today():
    """The service's today (pages and the job read it here, so tests can set the clock)."""
    return timezone.localdate()


def gateway():
    from integrations.tips_pay.client import PayGateway

    return PayGateway()


def errors_of(exc: ValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


# == numbering ===================================================================================================
def next_number(model, field, prefix, day=None, width=6):
    """prefix + YYYYMMDD + a sequence of the day (SF20210210000001): readable and unique; the caller retries on
    the unique constraint when two requests take the same number."""
    day = day or timezone.localdate()
    stem = f"{prefix}{day:%Y%m%d}"
    last = (model.all_objects.filter(**{f"{field}__startswith": stem}).order_by(f"-{field}")
            .values_list(field, flat=True).first())
    seq = int(last[len(stem):]) + 1 if last else 1
    return f"{stem}{seq:0{width}d}"


def _create_numbered(model, field, prefix, fields, attempts=5):
    """Create a record under the next number; a collision with a concurrent request takes the next one (any
    other integrity error, e.g. a partial unique constraint, is the caller's)."""
    for attempt in range(attempts):
        number = next_number(model, field, prefix)
        try:
            with transaction.atomic():
                return model.objects.create(**{field: number}, **fields)
        except IntegrityError:
            if attempt == attempts - 1 or not model.all_objects.filter(**{field: number}).exists():
                raise
    raise AssertionError("unreachable")


# == agreements ==================================================================================================
def clean_account_no(value) -> str:
    return "".join(str(value or "").split())


def _in_force_message(existing):
    return (f"{existing.subject_name}已有{existing.get_status_display()}的委托扣款协议（{existing.get_kind_display()}"
            f"{existing.agreement_no}），一个缴费人只能有一个可以进行银行代扣的协议，请先终止原协议")


def check_agreement(payer, kind, data):
    """Validate the form of an agreement; returns the cleaned fields or raises ValidationError with Chinese
    field errors (bank_code, account_no, account_name, subject_*, confirmed, signature)."""
    from domains.si_fee.payers.models import IdType, Payer
    from kernel.org.validators import id_check_char

    errors = {}
    if kind not in PREFIX:
        raise ValidationError({"kind": "协议类型不正确"})
    for_other = bool(data.get("for_other")) and kind == Agreement.Kind.BILATERAL
    if for_other:
        id_type = str(data.get("subject_id_type") or "").strip()
        id_number = str(data.get("subject_id_number") or "").strip().upper()
        name = str(data.get("subject_name") or "").strip()
        if id_type not in IdType.values:
            errors["subject_id_type"] = ["请选择证件类型"]
        if not id_number:
            errors["subject_id_number"] = ["请填写证件号码"]
        elif id_type == IdType.ID_CARD and (len(id_number) != 18 or not id_number[:17].isdigit()
                                            or id_check_char(id_number[:17]) != id_number[17]):
            errors["subject_id_number"] = ["居民身份证号码不正确"]
        elif len(id_number) > 30:
            errors["subject_id_number"] = ["证件号码过长"]
        elif id_type == payer.id_type and id_number == payer.id_number:
            errors["subject_id_number"] = ["为本人签订请不要勾选“为他人签订”"]
        if not name:
            errors["subject_name"] = ["请填写姓名"]
        elif len(name) > 50:
            errors["subject_name"] = ["姓名过长"]
    else:
        id_type, id_number, name = payer.id_type, payer.id_number, payer.name
    bank_code = str(data.get("bank_code") or "").strip()
    if bank_code not in BANK_NAMES:
        errors["bank_code"] = ["请选择开户银行"]
    account_no = clean_account_no(data.get("account_no"))
    if not account_no:
        errors["account_no"] = ["请填写扣款账号"]
    elif not account_no.isdigit():
        errors["account_no"] = ["扣款账号只能包含数字"]
    elif not 12 <= len(account_no) <= 25:
        errors["account_no"] = ["扣款账号长度应为12至25位"]
    account_name = str(data.get("account_name") or "").strip()
    if not account_name:
        errors["account_name"] = ["请填写账户名称"]
    elif len(account_name) > 50:
        errors["account_name"] = ["账户名称过长"]
    signature = str(data.get("signature_data") or "").strip()
    png = None
    if signature:
        try:
            png = decode_signature(signature)
        except ValidationError as exc:
            errors["signature"] = exc.messages
    if not data.get("confirmed"):
        errors["confirmed"] = ["请阅读并确认协议条款"]
    if errors:
        raise ValidationError(errors)
    subject_payer = Payer.objects.filter(id_type=id_type, id_number=id_number).first()
    if subject_payer is not None and for_other and subject_payer.name != name:
        raise ValidationError({"subject_name": ["姓名与证件号码不符"]})
    return dict(kind=kind, payer=payer, for_other=for_other, subject_id_type=id_type, subject_id_number=id_number,
                subject_name=name, subject_payer=subject_payer, bank_code=bank_code, account_no=account_no,
                account_name=account_name, confirmed=True), png


def sign_agreement(payer, kind, data, *, user=None, paper=False, gw=None):
    """签订: validate, number and store the agreement (pending), then verify it at the bank unless paper.
    Returns the agreement (active, failed, or pending when the bank could not be reached or on paper)."""
    from domains.si_fee.payers.models import Payer

    fields, png = check_agreement(payer, kind, data)
    key = dict(subject_id_type=fields["subject_id_type"], subject_id_number=fields["subject_id_number"])
    try:
        with transaction.atomic():
            Payer.all_objects.select_for_update().filter(pk=payer.pk).first()
            existing = Agreement.objects.filter(status__in=IN_FORCE, **key).first()
            if existing is not None:
                raise ValidationError({"__all__": _in_force_message(existing)})
            agreement = _create_numbered(Agreement, "agreement_no", PREFIX[kind],
                                         dict(fields, paper=paper, channel="纸质协议" if paper else CHANNEL[kind],
                                              created_by=user))
            if png is not None:
                att = files.store(agreement, ContentFile(png, name="signature.png"), SIGNATURE_PURPOSE, user,
                                  caller_checked=True) if user is not None else files.store_anonymous(
                    agreement, ContentFile(png, name="signature.png"), SIGNATURE_PURPOSE)
                agreement.signature = att
                agreement.save(update_fields=["signature", "updated_at"])
            log_operation("si_agree_signed", user=user, entrance="m", agreement_no=agreement.agreement_no,
                          kind=kind, for_other=fields["for_other"], paper=paper, bank=fields["bank_code"],
                          signature=png is not None)
    except IntegrityError:
        # a concurrent signing for the same person got there first: the constraint settled it
        existing = Agreement.objects.filter(status__in=IN_FORCE, **key).first()
        raise ValidationError({"__all__": _in_force_message(existing) if existing else "请稍后再试"}) from None
    if not paper:
        verify_agreement(agreement, gw=gw)
    return agreement


def verify_agreement(agreement, *, gw=None, user=None):
    """Ask the bank (through the adapter) to verify a pending agreement and apply its answer. Returns True when
    an answer was applied; a gateway outage leaves the agreement pending (False)."""
    from integrations.tips_pay.client import PayGatewayError

    if agreement.status != "pending":
        return False
    try:
        answer = (gw or gateway()).verify_agreement(
            agreement_no=agreement.agreement_no, kind=GATEWAY_KIND[agreement.kind], bank_code=agreement.bank_code,
            account_no=agreement.account_no, account_name=agreement.account_name,
            id_type=agreement.subject_id_type, id_number=agreement.subject_id_number, name=agreement.subject_name)
    except PayGatewayError as exc:
        log_operation("si_agree_gateway_error", success=False, agreement_no=agreement.agreement_no, reason=str(exc))
        return False
    return apply_verification(agreement, answer.status, reason=answer.reason, receipt_no=answer.receipt_no,
                              answered_at=answer.answered_at, user=user)


def apply_verification(agreement, status, *, reason="", receipt_no="", answered_at=None, user=None):
    from kernel.workflow.engine import TransitionError

    if status not in ("VERIFIED", "FAILED"):
        return False
    with transaction.atomic():
        locked = Agreement.all_objects.select_for_update().get(pk=agreement.pk)
        if locked.status != "pending":
            return False
        if status == "VERIFIED":
            locked.bank_receipt_no, locked.verified_at = receipt_no[:40], answered_at or timezone.now()
            comment = f"银行验证通过，协议签订回执号{receipt_no}"
        else:
            locked.fail_reason = (reason or "银行验证未通过")[:200]
            comment = f"银行验证失败：{locked.fail_reason}"
        try:
            AGREEMENT.apply(locked, "verify" if status == "VERIFIED" else "fail", None, system=True, comment=comment)
        except TransitionError:
            return False
        log_operation("si_agree_verified" if status == "VERIFIED" else "si_agree_verify_failed", user=user,
                      agreement_no=locked.agreement_no, reason=locked.fail_reason, success=status == "VERIFIED")
    agreement.refresh_from_db()
    return True


def refresh_pending(*, gw=None):
    """Ask the bank again about electronic agreements still pending (the gateway was down when signing)."""
    done = 0
    for agreement in Agreement.objects.filter(status="pending", paper=False):
        done += verify_agreement(agreement, gw=gw)
    return done


def terminate_agreement(agreement, *, user, reason="", gw=None):
    """终止: the bank is told first (an agreement it verified can no longer be debited), then the agreement
    is terminated here (freeing the payer's slot) and its pending batch items are voided."""
    from integrations.tips_pay.client import PayGatewayError
    from kernel.workflow.engine import TransitionError

    reason = (reason or "").strip()[:200] or "缴费人申请终止"
    if agreement.status not in IN_FORCE:
        raise ValidationError({"__all__": f"协议{agreement.get_status_display()}，不能终止"})
    if agreement.status == "active" or (agreement.status == "pending" and not agreement.paper):
        try:
            (gw or gateway()).terminate_agreement(agreement.agreement_no, reason=reason)
        except PayGatewayError as exc:
            if exc.code != "AGREEMENT_NOT_FOUND":
                raise ValidationError({"__all__": "银行系统暂不可用，请稍后再试"}) from exc
    # The person paid for (签订他人协议) may end an agreement someone else signed for them; the workflow's scope is
    # the signer's, so their termination is applied by the system on their behalf (and logged as theirs).
    by_subject = (user is not None and agreement.subject_payer_id is not None
                  and agreement.subject_payer.user_id == user.pk and agreement.payer.user_id != user.pk)
    with transaction.atomic():
        agreement.terminate_reason, agreement.terminated_at = reason, timezone.now()
        try:
            AGREEMENT.apply(agreement, "terminate", None if by_subject else user,
                            comment=f"被代签人本人终止：{reason}" if by_subject else reason,
                            system=user is None or by_subject)
            if by_subject:
                log_operation("si_agree_subject_terminated", user=user, agreement=agreement.agreement_no)
        except TransitionError as exc:
            raise ValidationError(exc.errors) from None
        voided = 0
        for item in BatchItem.objects.filter(agreement=agreement, status="pending"):
            item.voided_at, item.fail_reason = timezone.now(), "委托扣款协议已终止"
            ITEM.apply(item, "void", None, system=True, comment="委托扣款协议已终止")
            voided += 1
        log_operation("si_agree_terminated", user=user, agreement_no=agreement.agreement_no, reason=reason,
                      voided_items=voided)
    return agreement


# == resident payable amount (应缴费额设置) ===========================================================================
def _amount_of(value, field="amount"):
    if isinstance(value, float):
        raise ValidationError({field: "金额格式不正确"})
    text = str(value if value is not None else "").strip()
    if not text:
        raise ValidationError({field: "请选择缴费档次"})
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError({field: "金额格式不正确"}) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({field: "金额格式不正确"})
    return amount


def resident_insurances():
    from domains.si_fee.rules.models import InsuranceType

    return list(InsuranceType.objects.filter(active=True, person_type=PersonType.RESIDENT, yearly=True))


def set_resident_amount(payer, insurance, year, amount, *, user=None):
    """应缴费额设置: the resident's yearly amount of an insurance type, one of the prefecture's grades."""
    from domains.si_fee.rules.services import check_resident_amount

    if insurance is None:
        raise ValidationError({"insurance": "请选择险种"})
    amount = check_resident_amount(payer, insurance, year, _amount_of(amount))
    with transaction.atomic():
        row, created = ResidentAmount.objects.get_or_create(payer=payer, insurance=insurance, year=year,
                                                            defaults=dict(amount=amount, created_by=user))
        old = None if created else row.amount
        if not created and row.amount != amount:
            row.amount = amount
            row.save(update_fields=["amount", "updated_at"])
        log_operation("si_agree_amount_set", user=user, entrance="m", insurance=insurance.code, year=year,
                      amount=str(amount), old=str(old) if old is not None else "")
    return row


# == batch deduction ===============================================================================================
def _paid_periods(payer, insurance, starts):
    from domains.si_fee.payments.models import SETTLED, PaymentLine

    return set(PaymentLine.objects.filter(payer=payer, insurance=insurance, period_start__in=starts,
                                          status__in=SETTLED).values_list("period_start", flat=True))


def _items_for(payer, agreement, task, grades, fe_rule):
    """The (insurance, period_start, period_end, base, amount) rows a payer gets in a task."""
    from domains.si_fee.payments.models import month_end
    from domains.si_fee.rules.services import money, must_be_assessed

    rows = []
    if payer.person_type == PersonType.RESIDENT:
        for insurance, grade in grades:
            chosen = ResidentAmount.objects.filter(payer=payer, insurance=insurance, year=task.year).first()
            amount = chosen.amount if chosen else grade.default_grade
            rows.append((insurance, datetime.date(task.year, 1, 1), datetime.date(task.year, 12, 31), None, amount))
    elif fe_rule is not None and not must_be_assessed(fe_rule, payer.special_category):
        start = datetime.date(task.year, task.month, 1)
        base = fe_rule.min_base
        rows.append((fe_rule.insurance, start, month_end(start), base, money(base * fe_rule.insurance.rate)))
    return rows


def check_task(prefecture, year, month, run_on):
    from kernel.org.models import Region

    errors = {}
    if prefecture is None or prefecture.level > Region.Level.CITY:
        errors["prefecture"] = ["请选择地市"]
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = ["年度不正确"]
    if month is not None and not (isinstance(month, int) and 1 <= month <= 12):
        errors["month"] = ["月份应为1至12"]
    if not isinstance(run_on, datetime.date):
        errors["run_on"] = ["请填写计划扣款日期"]
    elif run_on < today():
        errors["run_on"] = ["计划扣款日期不能早于今天"]
    if errors:
        raise ValidationError(errors)


def launch_task(prefecture, year, month, run_on, *, user=None, remark=""):
    """发起批扣任务: the task and its pending items (one per payer, insurance type and period not already
    pending, deducted or paid). Returns (task, counts)."""
    from domains.si_fee.rules.models import ContributionRule, InsuranceType, ResidentGrade

    check_task(prefecture, year, month, run_on)
    grades = []
    for insurance in resident_insurances():
        grade = ResidentGrade.objects.filter(prefecture=prefecture, year=year, insurance=insurance).first()
        if grade is not None:
            grades.append((insurance, grade))
    fe_rule = None
    if month is not None:
        fe = InsuranceType.objects.filter(code="fe_pension").first()
        fe_rule = (ContributionRule.objects.filter(prefecture=prefecture, year=year, insurance=fe)
                   .select_related("insurance", "prefecture").first()) if fe else None
    counts = {"created": 0, "skipped": 0}
    with transaction.atomic():
        task = _create_numbered(BatchTask, "batch_no", "PK", dict(prefecture=prefecture, year=year, month=month,
                                                                  run_on=run_on, remark=remark[:200],
                                                                  created_by=user))
        agreements = (Agreement.objects.filter(status="active", subject_payer__prefecture=prefecture)
                       .select_related("subject_payer").order_by("id"))
        seq = 0
        for agreement in agreements:
            payer = agreement.subject_payer
            for insurance, start, end, base, amount in _items_for(payer, agreement, task, grades, fe_rule):
                if (BatchItem.objects.filter(payer=payer, insurance=insurance, period_start=start,
                                             status__in=LIVE_ITEM).exists()
                        or start in _paid_periods(payer, insurance, [start])):
                    counts["skipped"] += 1
                    continue
                seq += 1
                try:
                    with transaction.atomic():
                        BatchItem.objects.create(task=task, item_no=f"{task.batch_no}{seq:06d}", payer=payer,
                                                 agreement=agreement, insurance=insurance, period_start=start,
                                                 period_end=end, base=base, amount=amount, created_by=user)
                    counts["created"] += 1
                except IntegrityError:  # another task took the period meanwhile
                    counts["skipped"] += 1
        log_operation("si_agree_batch_launched", user=user, entrance="gov", batch_no=task.batch_no,
                      prefecture=prefecture.code, year=year, month=month or "", **counts)
    return task, counts


def task_counts(task):
    from django.db.models import Count

    out = {s: 0 for s, _ in ITEM.choices()}
    for row in task.items.values("status").annotate(n=Count("id")):
        out[row["status"]] = row["n"]
    return out


def change_item_amount(item, amount, *, user):
    """A resident changes the amount of a pending item (one of the grades) before the run."""
    from domains.si_fee.rules.services import check_resident_amount

    with transaction.atomic():
        locked = BatchItem.all_objects.select_for_update().get(pk=item.pk)
        if locked.status != "pending":
            raise ValidationError({"amount": f"该记录{locked.get_status_display()}，不能修改金额"})
        if not locked.insurance.yearly:
            raise ValidationError({"amount": "只有城乡居民险种可以修改批扣金额"})
        amount = check_resident_amount(locked.payer, locked.insurance, locked.period_start.year, _amount_of(amount))
        old = locked.amount
        locked.amount = amount
        locked.save(update_fields=["amount", "updated_at"])
        log_operation("si_agree_item_amount", user=user, entrance="m", item_no=locked.item_no, old=str(old),
                      amount=str(amount))
    item.refresh_from_db()
    return item


def void_item(item, *, user, reason=""):
    """作废: the payer voids a pending item before the run (and pays another way); it is never deducted."""
    from kernel.workflow.engine import TransitionError

    reason = (reason or "").strip()[:200] or "缴费人作废，改用其他方式缴费"
    with transaction.atomic():
        item.voided_at, item.fail_reason = timezone.now(), reason
        try:
            ITEM.apply(item, "void", user, comment=reason)
        except TransitionError as exc:
            raise ValidationError({"__all__": exc.errors.get("__all__") or list(exc.errors.values())[0]}) from None
        log_operation("si_agree_item_voided", user=user, entrance="m", item_no=item.item_no, reason=reason)
    return item


# -- the run ------------------------------------------------------------------------------------------------------
def _order_for(item):
    """The item's payment order (created once: request id batch-<item_no>) through payments'
    create_batch_order: one line of source batch (a resident's year or a flexible worker's month), which holds
    the period against self-declared payment too (a period is paid once whatever the channel). Raises
    ValidationError (the reason: e.g. the period already paid, or in an open order)."""
    from domains.si_fee.payments import services as pay

    order, _ = pay.create_batch_order(item.payer, [dict(
        insurance=item.insurance, period_start=item.period_start, period_end=item.period_end, base=item.base,
        amount=item.amount)], request_id=f"batch-{item.item_no}", channel=BATCH_CHANNEL)
    return order


def _prepare(item):
    """pending -> sending with its order (or failed with the reason). Returns True if it goes to the bank."""
    with transaction.atomic():
        locked = BatchItem.all_objects.select_for_update().select_related(
            "payer", "insurance", "agreement", "task").get(pk=item.pk)
        if locked.status != "pending":
            return locked.status == "sending"
        reason = ""
        if locked.agreement.status != "active":
            reason = f"委托扣款协议{locked.agreement.get_status_display()}"
        else:
            try:
                order = _order_for(locked)
            except ValidationError as exc:
                reason = "；".join(exc.messages)[:200]
            else:
                if order.status == "paid":
                    reason = ""
                elif order.status != "created":
                    reason = f"缴费订单{order.get_status_display()}"
        if reason:
            locked.fail_reason = reason[:200]
            ITEM.apply(locked, "fail", None, system=True, comment=locked.fail_reason)
            log_operation("si_agree_item_failed", item_no=locked.item_no, reason=locked.fail_reason, success=False)
            return False
        locked.order_no = order.order_no
        ITEM.apply(locked, "send", None, system=True, comment=f"缴费订单{order.order_no}")
    return True


def _apply(item, result):
    """The bank's answer for one sent item, applied once (the item locked)."""
    from domains.si_fee.payments import services as pay
    from domains.si_fee.payments.models import PaymentOrder

    with transaction.atomic():
        locked = BatchItem.all_objects.select_for_update().get(pk=item.pk)
        if locked.status != "sending":
            return locked.status
        order = PaymentOrder.all_objects.get(order_no=locked.order_no)
        if result.status == "DEDUCTED":
            if result.amount != locked.amount:
                log_operation("si_agree_amount_mismatch", success=False, item_no=locked.item_no,
                              expected=str(locked.amount), got=str(result.amount))
                return locked.status
            ok, code, _message = pay.apply_result(order.order_no, "PAID", result.amount, bank_serial=result.bank_serial,
                                                  paid_at=result.deducted_at, channel=BATCH_CHANNEL, via="batch")
            order.refresh_from_db()
            if order.status != "paid":
                log_operation("si_agree_apply_refused", success=False, item_no=locked.item_no, code=code)
                return locked.status
            locked.bank_serial, locked.deducted_at = result.bank_serial[:40], result.deducted_at or timezone.now()
            ITEM.apply(locked, "deduct", None, system=True, comment=f"银行流水{result.bank_serial}")
            log_operation("si_agree_item_deducted", item_no=locked.item_no, order_no=order.order_no,
                          amount=str(locked.amount), bank_serial=result.bank_serial)
        else:
            locked.fail_reason = (result.reason or "银行扣款失败")[:200]
            pay.finish_unpaid(order, "fail", reason=f"银行批量扣款失败：{locked.fail_reason}")
            ITEM.apply(locked, "fail", None, system=True, comment=locked.fail_reason)
            log_operation("si_agree_item_failed", item_no=locked.item_no, reason=locked.fail_reason, success=False)
        return locked.status


def run_task(task, *, when=None, user=None, gw=None):
    """Deduct a task's pending (and interrupted sending) items through the bank; returns the counts after.
    `when` is the run's day (the log's; the daily job passes its day)."""
    from domains.si_fee.payments import services as pay
    from integrations.tips_pay.client import PayGatewayError

    when = when or today()
    gw = gw or gateway()
    for item in task.items.filter(status="pending").order_by("id"):
        _prepare(item)
    sending = list(task.items.filter(status="sending").select_related("payer", "insurance", "agreement")
                   .order_by("id"))
    error = ""
    for start in range(0, len(sending), SEND_CHUNK):
        chunk = sending[start:start + SEND_CHUNK]
        try:
            results = gw.batch_deduct(batch_no=task.batch_no, notify_url=pay.notify_url(), items=[{
                "item_no": i.item_no, "order_no": i.order_no, "agreement_no": i.agreement.agreement_no,
                "id_type": i.payer.id_type, "id_number": i.payer.id_number, "name": i.payer.name,
                "insurance": i.insurance.name, "period": i.period_label, "amount": i.amount} for i in chunk])
        except PayGatewayError as exc:  # the items stay sending: the next run sends them again (idempotent)
            error = str(exc)
            log_operation("si_agree_gateway_error", success=False, batch_no=task.batch_no, reason=error)
            break
        by_no = {r.item_no: r for r in results}
        for item in chunk:
            if item.item_no in by_no:
                _apply(item, by_no[item.item_no])
    BatchTask.objects.filter(pk=task.pk).update(last_run_at=timezone.now(), runs=task.runs + 1)
    task.refresh_from_db()
    counts = task_counts(task)
    log_operation("si_agree_batch_run", user=user, batch_no=task.batch_no, error=error, success=not error,
                  day=when.isoformat(), **{k: v for k, v in counts.items()})
    return counts


def run_due(day=None, *, gw=None):
    """The daily job: every task due (run_on <= day) with items still to deduct, and pending agreements."""
    day = day or today()
    refresh_pending(gw=gw)
    ran = {}
    due = BatchTask.objects.filter(run_on__lte=day, items__status__in=["pending", "sending"]).distinct()
    for task in due.order_by("id"):
        ran[task.batch_no] = run_task(task, when=day, gw=gw)
    return ran
