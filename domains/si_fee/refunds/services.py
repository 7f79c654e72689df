"""Refunds (退费申请, seed 003 §2.3.3 / §2.3.4): the only place that changes refund applications, and the one
place outside payments that writes PaymentLine (mark_paid: refunded_amount and status "refunded", in the
refund's own transaction, the lines locked with select_for_update).

Rules:
* normal refund (正常缴费退费): one insurance type, one period, the full amount actually paid (退费金额=实缴费额):
  every paid line of that insurance and period adds up (a declaration of base 5,000 and a supplementary one of
  1,000 refund as base 6,000 and the sum paid). Lines of special payment (特殊缴费: payables whose source_no
  starts with SPECIAL_MARKER) are not refunded here. A resident whose fees a virtual account collected applies
  in virtual-account mode (虚拟户模式) with the account's identification number: the refundable amount is what
  the account declared and paid for that resident.
* special refund (特殊缴费退费): by tax receipt (the full amount of its special lines) or by the assessed refund
  slip (核定退费单, every item captured; at most the declared-and-paid amount of the special lines it covers).
* a person on the no-refund list (不能退费的特殊人群名单) is refused; a line is in one open refund at most
  (RefundItem.open, DB constraint); a refund is never above what was paid (checked here on application, on
  approval and again on payment under the lines' row locks; DB check constraints on the refund and its items).

Flow: apply_* (submitted) → accept (reviewing) → approve (approved, then send: PayGateway().refund per order
with a deterministic refund number, so a retry never refunds twice) → mark_paid (paid, lines updated, SMS).
Virtual-account refunds were never collected through the gateway: the approved refund is paid by the
treasury (退库) and the staff record the voucher (confirm_treasury). reject / withdraw close the items."""
import datetime
import re
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from domains.si_fee.payments.models import SETTLED, LineStatus, PaymentLine
from domains.si_fee.rules.services import money
from kernel.audit.services import log_operation
from kernel.workflow.engine import TransitionError

from .models import REFUND, NoRefundPerson, RefundApplication, RefundItem, VirtualAccount, VirtualDeclaration

SPECIAL_MARKER = "TSJF"  # 特殊缴费: source_no of payables pushed by social security as special payment
PAID_SMS = "si_refund_paid"
REJECTED_SMS = "si_refund_rejected"
NO_RECEIPT = ("未查询到申请退费缴费人是税票信息，请确认是否为城乡居民由虚拟户征收场景，如果是，"
              "请勾选虚拟户模式并录入虚拟户识别号")
NO_REFUND = "您在不能退费的特殊人群名单中，不能在线申请退费。如有疑问，请咨询主管税务机关或拨打12366"
SPECIAL_HERE = "该险种该所属期的费用为特殊缴费（社保核定特殊缴费申报），不能通过正常缴费退费办理，请使用“特殊缴费退费申请”"
ZERO = Decimal("0.00")
ACCOUNT_RE = re.compile(r"^\d{12,30}$")


def gateway():
    from integrations.tips_pay.client import PayGateway

    return PayGateway()


def new_refund_no(now=None) -> str:
    now = timezone.localtime(now or timezone.now())
    return f"TF{now:%Y%m%d%H%M%S}{secrets.randbelow(10**6):06d}"


def is_special(line) -> bool:
    return bool(line.payable_id) and line.payable.source_no.upper().startswith(SPECIAL_MARKER)


def remaining(subject) -> Decimal:
    return subject.amount - subject.refunded_amount


def _errors(exc):
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


# == queries ====================================================================================================
@dataclass
class Group:
    """All paid lines of one insurance type and period (同属期单险种): what a normal refund refunds in full."""

    insurance: object
    period_start: datetime.date
    period_end: datetime.date
    lines: list = field(default_factory=list)
    special: list = field(default_factory=list)
    held_by: str = ""

    @property
    def key(self):
        return f"{self.insurance.pk}:{self.period_start:%Y-%m}"

    @property
    def paid(self):
        return sum((remaining(line) for line in self.lines), ZERO)

    @property
    def base(self):
        bases = [line.base for line in self.lines if line.base is not None]
        return sum(bases, ZERO) if bases else None

    @property
    def period_label(self):
        if self.period_start.month == 1 and self.period_end.month == 12:
            return f"{self.period_start:%Y}年度"
        return f"{self.period_start:%Y年%m月}"


def _settled(payer):
    return (PaymentLine.objects.filter(payer=payer, status__in=SETTLED)
            .select_related("insurance", "order", "payable").order_by("period_start", "insurance__order", "id"))


def has_receipts(payer) -> bool:
    """Whether the payer has any paid line (税票) at all."""
    return PaymentLine.objects.filter(payer=payer, status__in=SETTLED + [LineStatus.REFUNDED]).exists()


def _open_items(line_ids=(), decl_ids=()):
    held = {}
    qs = RefundItem.objects.filter(open=True).select_related("refund")
    for item in qs.filter(line_id__in=list(line_ids)):
        held[("line", item.line_id)] = item.refund.refund_no
    for item in qs.filter(declaration_id__in=list(decl_ids)):
        held[("decl", item.declaration_id)] = item.refund.refund_no
    return held


def normal_groups(payer):
    """The payer's paid lines (税票) grouped by period and insurance, for the normal refund: every insurance
    type of the same period is shown (同属期)."""
    groups = {}
    lines = [line for line in _settled(payer) if remaining(line) > 0]
    held = _open_items(line_ids=[line.pk for line in lines])
    for line in lines:
        key = (line.period_start, line.insurance.order, line.insurance_id)
        g = groups.setdefault(key, Group(line.insurance, line.period_start, line.period_end))
        (g.special if is_special(line) else g.lines).append(line)
        if ("line", line.pk) in held:
            g.held_by = held[("line", line.pk)]
    return [groups[k] for k in sorted(groups, key=lambda k: (-k[0].toordinal(), k[1]))]


def special_receipts(payer):
    """[(order, [special lines with something left to refund])] of the payer: the tax receipts of special payment."""
    out = {}
    for line in _settled(payer):
        if is_special(line) and remaining(line) > 0:
            out.setdefault(line.order, []).append(line)
    return sorted(out.items(), key=lambda kv: -kv[0].pk)


def virtual_groups(payer, account):
    """The paid declarations a virtual account made for this resident, grouped like normal_groups."""
    groups = {}
    decls = VirtualDeclaration.objects.filter(virtual_account=account, id_number__iexact=payer.id_number,
                                              status=VirtualDeclaration.Status.PAID).select_related("insurance")
    for d in decls:
        if remaining(d) <= 0:
            continue
        g = groups.setdefault((d.period_start, d.insurance.order, d.insurance_id),
                              Group(d.insurance, d.period_start, d.period_end))
        g.lines.append(d)
    return [groups[k] for k in sorted(groups, key=lambda k: (-k[0].toordinal(), k[1]))]


def search_virtual_accounts(payer, text):
    """模糊查询虚拟户 by name (or number) in the payer's prefecture."""
    text = (text or "").strip()
    if len(text) < 2:
        return []
    from django.db.models import Q

    return list(VirtualAccount.objects.filter(prefecture=payer.prefecture).filter(
        Q(name__icontains=text) | Q(identification_no__icontains=text)).order_by("name")[:20])


def virtual_results(payer):
    """城乡居民虚拟户社保费申报结果查询（自主模式）, pattern B: the payer's 登记序号 first; without one, a friendly
    message. Returns (message, declarations)."""
    if payer.person_type != "resident":
        return "虚拟户申报结果查询仅适用于城乡居民", []
    if not (payer.registration_no or "").strip():
        return "未查询到您的社保费缴费登记信息（登记序号），暂无虚拟户申报结果。如有疑问，请咨询主管税务机关或拨打12366", []
    decls = list(VirtualDeclaration.objects.filter(id_number__iexact=payer.id_number)
                 .select_related("virtual_account", "insurance").order_by("-period_start", "insurance__order"))
    if not decls:
        return "未查询到虚拟户为您申报的社保费", []
    return "", decls


def on_no_refund_list(payer) -> bool:
    return NoRefundPerson.objects.filter(id_number__iexact=payer.id_number,
                                         prefecture__code__in=[payer.prefecture.code, "450000"]).exists()


# == applying =====================================================================================================
def _check_common(payer, data):
    """Reason and the refund's bank account (本人名下): {field: message}."""
    errors = {}
    reason = (data.get("reason") or "").strip()
    if not reason:
        errors["reason"] = "请填写退费原因"
    elif len(reason) > 200:
        errors["reason"] = "退费原因不能超过200个字"
    bank_name = (data.get("bank_name") or "").strip()
    if not bank_name:
        errors["bank_name"] = "请填写开户银行"
    elif len(bank_name) > 60:
        errors["bank_name"] = "开户银行名称过长"
    account_name = (data.get("account_name") or "").strip()
    if not account_name:
        errors["account_name"] = "请填写账户名称"
    elif account_name != payer.name:
        errors["account_name"] = "退费账户须为缴费人本人名下的账户，账户名称应与缴费人姓名一致"
    account = re.sub(r"\s", "", data.get("bank_account") or "")
    if not account:
        errors["bank_account"] = "请填写银行账号"
    elif not ACCOUNT_RE.match(account):
        errors["bank_account"] = "银行账号应为12至30位数字"
    return errors, dict(reason=reason, bank_name=bank_name, account_name=account_name, bank_account=account)


def _refuse_listed(payer, user):
    if on_no_refund_list(payer):
        log_operation("si_refund_refused", user=user, success=False, entrance="m", reason="no_refund_list",
                      payer=payer.pk)
        raise ValidationError({"__all__": NO_REFUND})


def _parse_choice(value):
    """"<insurance pk>:<YYYY-MM>" -> (pk, date) or None."""
    try:
        pk, month = (value or "").split(":", 1)
        return int(pk), datetime.datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        return None


def apply_normal(payer, data, *, user=None):
    """正常缴费退费申请. data: choice ("<insurance pk>:<YYYY-MM>"), reason, bank_name, account_name, bank_account,
    virtual ("1" when 虚拟户模式 is ticked), virtual_no (虚拟户识别号)."""
    _refuse_listed(payer, user)
    errors, common = _check_common(payer, data)
    virtual = str(data.get("virtual") or "") in ("1", "on", "true", "True")
    choice = _parse_choice(data.get("choice"))
    items, fields = [], {}
    if not virtual:
        if not has_receipts(payer):
            errors["virtual"] = NO_RECEIPT
        elif choice is None:
            errors["choice"] = "请选择要退费的险种和所属期"
        else:
            group = next((g for g in normal_groups(payer)
                          if g.insurance.pk == choice[0] and g.period_start == choice[1]), None)
            if group is None:
                errors["choice"] = "未查询到该险种该所属期可退费的缴费记录"
            elif not group.lines:
                errors["choice"] = SPECIAL_HERE
            else:
                items = [(line, None, remaining(line), line.order.order_no) for line in group.lines]
                fields = dict(insurance=group.insurance, period_start=group.period_start, period_end=group.period_end,
                              base=group.base, tax_receipt_no="、".join(dict.fromkeys(i[3] for i in items))[:40])
    else:
        number = (data.get("virtual_no") or "").strip()
        account = (VirtualAccount.objects.filter(identification_no=number, prefecture=payer.prefecture).first()
                   if number else None)  # the payer's prefecture only, like the fuzzy search
        if payer.person_type != "resident":
            errors["virtual"] = "虚拟户模式仅适用于由虚拟户征收的城乡居民"
        elif not number:
            errors["virtual_no"] = "请录入虚拟户识别号（可按虚拟户名称模糊查询）"
        elif account is None:
            errors["virtual_no"] = "虚拟户识别号不存在，请核对或按虚拟户名称模糊查询"
        elif choice is None:
            errors["choice"] = "请选择要退费的险种和所属期"
        else:
            group = next((g for g in virtual_groups(payer, account)
                          if g.insurance.pk == choice[0] and g.period_start == choice[1]), None)
            if group is None:
                errors["choice"] = "未查询到该虚拟户为您申报缴纳的该险种该所属期费用"
            else:
                items = [(None, d, remaining(d), d.receipt_no) for d in group.lines]
                fields = dict(insurance=group.insurance, period_start=group.period_start, period_end=group.period_end,
                              base=group.base, virtual_account=account,
                              tax_receipt_no="、".join(dict.fromkeys(d.receipt_no for d in group.lines))[:40])
    if errors:
        raise ValidationError(errors)
    mode = RefundApplication.Mode.VIRTUAL if virtual else RefundApplication.Mode.RECEIPT
    return _create(payer, RefundApplication.Kind.NORMAL, mode, items, user=user, **common, **fields)


def apply_special(payer, data, *, user=None):
    """特殊缴费退费申请. data: receipt (order number of the tax receipt) for the full refund; or slip ("1": 是否录入
    核定退费单 ticked) with slip_no, slip_agency, slip_insurance (pk), slip_period_start / _end ("YYYY-MM"),
    slip_base, slip_amount, slip_date ("YYYY-MM-DD"), slip_reason; plus reason and the bank account."""
    _refuse_listed(payer, user)
    errors, common = _check_common(payer, data)
    with_slip = str(data.get("slip") or "") in ("1", "on", "true", "True")
    receipts = special_receipts(payer)
    if not receipts:
        errors["receipt"] = "未查询到您的特殊缴费税票信息"
        raise ValidationError(errors)
    if not with_slip:
        chosen = next((lines for order, lines in receipts if order.order_no == (data.get("receipt") or "")), None)
        if chosen is None:
            errors["receipt"] = "请选择要退费的特殊缴费税票"
        if errors:
            raise ValidationError(errors)
        items = [(line, None, remaining(line), line.order.order_no) for line in chosen]
        first = chosen[0]
        same = all(line.insurance_id == first.insurance_id for line in chosen)
        fields = dict(insurance=first.insurance if same else None, period_start=min(x.period_start for x in chosen),
                      period_end=max(x.period_end for x in chosen), tax_receipt_no=first.order.order_no,
                      base=None)
        return _create(payer, RefundApplication.Kind.SPECIAL, RefundApplication.Mode.RECEIPT, items, user=user,
                       **common, **fields)

    slip, slip_errors = _parse_slip(data)
    errors.update(slip_errors)
    items = []
    if not slip_errors:
        lines = [line for order, ls in receipts for line in ls
                 if line.insurance_id == slip["slip_insurance"].pk and line.period_start <= slip["slip_period_end"]
                 and line.period_end >= slip["slip_period_start"]]
        lines.sort(key=lambda x: (x.period_start, x.pk))
        paid = sum((remaining(x) for x in lines), ZERO)
        if not lines:
            errors["slip_period_start"] = "未查询到该核定退费单对应险种和所属期的特殊缴费记录"
        elif slip["slip_amount"] > paid:
            errors["slip_amount"] = f"核定退费金额不能大于申报缴费金额（{paid}元）"
        else:
            left = slip["slip_amount"]
            for line in lines:  # the slip's amount taken from the lines in period order
                part = min(left, remaining(line))
                if part > 0:
                    items.append((line, None, part, line.order.order_no))
                left -= part
    if errors:
        raise ValidationError(errors)
    fields = dict(insurance=slip["slip_insurance"], period_start=slip["slip_period_start"],
                  period_end=slip["slip_period_end"], base=slip["slip_base"],
                  tax_receipt_no="、".join(dict.fromkeys(i[3] for i in items))[:40], **slip)
    return _create(payer, RefundApplication.Kind.SPECIAL, RefundApplication.Mode.SLIP, items, user=user,
                   **common, **fields)


def _month(text, last=False):
    day = datetime.datetime.strptime(text.strip(), "%Y-%m").date()
    if last:
        from domains.si_fee.payments.models import month_end

        return month_end(day)
    return day


def _parse_slip(data):
    """Every item of the assessed refund slip (核定退费单), with Chinese errors keyed by field."""
    from domains.si_fee.rules.models import InsuranceType

    errors, out = {}, {}
    for name, label, size in (("slip_no", "核定退费单号", 40), ("slip_agency", "核定机构", 100),
                              ("slip_reason", "核定退费原因", 200)):
        value = (data.get(name) or "").strip()
        if not value:
            errors[name] = f"请填写{label}"
        elif len(value) > size:
            errors[name] = f"{label}过长"
        out[name] = value
    insurance = None
    if str(data.get("slip_insurance") or "").isdigit():
        insurance = InsuranceType.objects.filter(pk=int(data["slip_insurance"])).first()
    if insurance is None:
        errors["slip_insurance"] = "请选择核定险种"
    out["slip_insurance"] = insurance
    for name, label, last in (("slip_period_start", "核定所属期起", False), ("slip_period_end", "核定所属期止", True)):
        try:
            out[name] = _month(data.get(name) or "", last)
        except ValueError:
            errors[name] = f"请按“年-月”填写{label}，如2021-01"
    if "slip_period_start" in out and "slip_period_end" in out and out["slip_period_end"] < out["slip_period_start"]:
        errors["slip_period_end"] = "核定所属期止不能早于所属期起"
    for name, label, required in (("slip_amount", "核定退费金额", True), ("slip_base", "核定缴费基数", False)):
        text = (data.get(name) or "").strip()
        if not text:
            if required:
                errors[name] = f"请填写{label}"
            out[name] = None
            continue
        if not re.match(r"^\d{1,11}(\.\d{1,2})?$", text):
            errors[name] = f"{label}应为金额，最多两位小数"
            continue
        out[name] = money(text)
        if required and out[name] <= 0:
            errors[name] = f"{label}须大于0"
    try:
        out["slip_date"] = datetime.datetime.strptime((data.get("slip_date") or "").strip(), "%Y-%m-%d").date()
        if out["slip_date"] > timezone.localdate():
            errors["slip_date"] = "核定日期不能晚于今天"
    except ValueError:
        errors["slip_date"] = "请按“年-月-日”填写核定日期"
    return out, errors


def _create(payer, kind, mode, items, *, user, **fields):
    """The application in 已提交 with its items (one transaction, the payer's row locked): every line and
    declaration held by one open refund at most."""
    from domains.si_fee.payers.models import Payer

    line_ids = [line.pk for line, _, _, _ in items if line is not None]
    decl_ids = [decl.pk for _, decl, _, _ in items if decl is not None]

    def conflicts():
        held = _open_items(line_ids, decl_ids)
        if held:
            numbers = "、".join(sorted(set(held.values())))
            return {"__all__": f"所选费用已有办理中的退费申请（申请号{numbers}），不能重复申请"}
        return None

    amount = sum((part for _, _, part, _ in items), ZERO)
    paid = sum(((line or decl).amount - (line or decl).refunded_amount for line, decl, _, _ in items), ZERO)
    if not items or amount <= 0 or amount > paid:
        raise ValidationError({"__all__": "退费金额不能大于实缴金额"})
    try:
        with transaction.atomic():
            Payer.all_objects.select_for_update().filter(pk=payer.pk).first()
            error = conflicts()
            if error:
                raise ValidationError(error)
            refund = RefundApplication.objects.create(refund_no=new_refund_no(), payer=payer, kind=kind, mode=mode,
                                                      amount=money(amount), paid_amount=money(paid), created_by=user,
                                                      **fields)
            RefundItem.objects.bulk_create([
                RefundItem(refund=refund, line=line, declaration=decl, order_no=order_no or "",
                           paid=remaining(line or decl), amount=part)
                for line, decl, part, order_no in items])
            log_operation("si_refund_submitted", user=user, entrance="m", refund_no=refund.refund_no,
                          kind=kind, mode=mode, amount=str(refund.amount), items=len(items))
    except IntegrityError:
        raise ValidationError(conflicts() or {"__all__": "所选费用已有办理中的退费申请，请稍后再试"}) from None
    return refund


# == review ======================================================================================================
def _transition(refund, name, user, opinion=""):
    try:
        return REFUND.apply(refund, name, user, comment=opinion)
    except TransitionError as exc:
        errors = {("opinion" if k == "comment" else k): [m.replace("处理意见", "审核意见") for m in v]
                  for k, v in exc.errors.items()}
        raise ValidationError(errors) from None


def _close_items(refund):
    RefundItem.objects.filter(refund=refund, open=True).update(open=False)


def withdraw(refund, user):
    with transaction.atomic():
        _transition(refund, "withdraw", user)
        _close_items(refund)
        log_operation("si_refund_withdrawn", user=user, entrance="m", refund_no=refund.refund_no)
    return refund


def accept(refund, user):
    with transaction.atomic():
        _transition(refund, "accept", user)
        log_operation("si_refund_accepted", user=user, refund_no=refund.refund_no)
    return refund


def reject(refund, user, opinion):
    with transaction.atomic():
        _transition(refund, "reject", user, opinion)
        _close_items(refund)
        log_operation("si_refund_rejected", user=user, refund_no=refund.refund_no, opinion=refund.opinion)
    _sms(refund, REJECTED_SMS)
    return refund


def _cap_check(refund, *, lock=False):
    """An approved refund is never above what was paid: each item within its line's (declaration's) unrefunded
    amount, now."""
    items = list(refund.items.all())
    lines = PaymentLine.all_objects.filter(pk__in=[i.line_id for i in items if i.line_id])
    decls = VirtualDeclaration.all_objects.filter(pk__in=[i.declaration_id for i in items if i.declaration_id])
    if lock:
        lines, decls = lines.select_for_update(), decls.select_for_update()
    lines = {x.pk: x for x in lines.order_by("pk")}
    decls = {x.pk: x for x in decls.order_by("pk")}
    for item in items:
        subject = lines.get(item.line_id) if item.line_id else decls.get(item.declaration_id)
        settled = subject is not None and (
            subject.status in SETTLED if item.line_id else subject.status == VirtualDeclaration.Status.PAID)
        if not settled or item.amount > remaining(subject):
            raise ValidationError({"__all__": f"退费金额超过{item.label}的实缴未退金额，不能退费"})
    return items, lines, decls


def approve(refund, user, opinion, *, gw=None):
    """审核通过, then the refund goes to the gateway (a virtual-account refund waits for the treasury voucher)."""
    with transaction.atomic():
        locked = RefundApplication.all_objects.select_for_update().get(pk=refund.pk)
        if on_no_refund_list(locked.payer):  # listed after the application was made
            raise ValidationError({"opinion": "该缴费人已列入不能退费的特殊人群名单，不能审核通过，请作不予退费处理"})
        if locked.status == "reviewing":
            _cap_check(locked, lock=True)
        _transition(refund, "approve", user, opinion)
        log_operation("si_refund_approved", user=user, refund_no=refund.refund_no, amount=str(refund.amount),
                      opinion=refund.opinion)
    if refund.mode != RefundApplication.Mode.VIRTUAL:
        send(refund, user=user, gw=gw)
    return refund


def parts(refund):
    """[(order_no, gateway refund number, amount)]: one gateway refund per order, numbered in order-number order
    so that a retry sends the same numbers (the gateway is idempotent by refund number)."""
    totals = {}
    for item in refund.items.filter(line__isnull=False):
        totals[item.order_no] = totals.get(item.order_no, ZERO) + item.amount
    return [(order_no, f"{refund.refund_no}-{n:02d}", totals[order_no])
            for n, order_no in enumerate(sorted(totals), start=1)]


def send(refund, *, user=None, gw=None):
    """Send an approved refund to the gateway. True when it is paid now; False (the error kept on the refund,
    still approved, to retry) when the gateway refused or could not be reached."""
    from integrations.tips_pay.client import PayGatewayError

    refund.refresh_from_db()
    if refund.status != "approved" or refund.mode == RefundApplication.Mode.VIRTUAL:
        return refund.status == "paid"
    gw = gw or gateway()
    done = dict(refund.gateway_refunds or {})
    for order_no, refund_no, amount in parts(refund):
        if order_no in done:
            continue
        try:
            result = gw.refund(order_no=order_no, refund_no=refund_no, amount=amount,
                               reason=f"社保费退费{refund.refund_no}")
        except PayGatewayError as exc:
            refund.gateway_error = str(exc)[:300]
            refund.gateway_refunds = done
            refund.save(update_fields=["gateway_error", "gateway_refunds", "updated_at"])
            log_operation("si_refund_gateway_error", user=user, success=False, refund_no=refund.refund_no,
                          order_no=order_no, reason=str(exc)[:200])
            return False
        if result.amount != amount:
            refund.gateway_error = f"支付平台退款金额{result.amount}与申请金额{amount}不符"
            refund.save(update_fields=["gateway_error", "updated_at"])
            log_operation("si_refund_gateway_error", user=user, success=False, refund_no=refund.refund_no,
                          order_no=order_no, reason="amount_mismatch")
            return False
        done[order_no] = result.refund_no
        refund.gateway_refunds = done
        refund.save(update_fields=["gateway_refunds", "updated_at"])
    return mark_paid(refund, user=user, via="gateway")


def confirm_treasury(refund, user, voucher):
    """A virtual-account refund, approved, is paid by the treasury (退库): the staff record the voucher."""
    voucher = (voucher or "").strip()
    if refund.mode != RefundApplication.Mode.VIRTUAL:
        raise ValidationError({"voucher": "只有虚拟户模式的退费由国库退库办理"})
    if not user.has_perm("si_refund.approve_refund") or not RefundApplication.objects.visible_to(user).filter(
            pk=refund.pk).exists():
        raise ValidationError({"__all__": "您没有登记退库的权限"})
    if not voucher:
        raise ValidationError({"voucher": "请填写退库凭证号"})
    if len(voucher) > 40:
        raise ValidationError({"voucher": "退库凭证号过长"})
    if refund.status != "approved":
        raise ValidationError({"__all__": f"退费申请{refund.get_status_display()}，不能登记退库"})
    return mark_paid(refund, user=user, via="treasury", voucher=voucher)


def mark_paid(refund, *, user=None, via="gateway", voucher=""):
    """The refund is paid: its lines (declarations) take the refunded amounts (status refunded when refunded in
    full), the refund becomes paid and its items close, in one transaction under row locks; SMS after the commit."""
    with transaction.atomic():
        locked = RefundApplication.all_objects.select_for_update().get(pk=refund.pk)
        if locked.status != "approved":
            return locked.status == "paid"
        items, lines, decls = _cap_check(locked, lock=True)
        for item in items:
            if item.line_id:
                line = lines[item.line_id]
                line.refunded_amount = money(line.refunded_amount + item.amount)
                if line.refunded_amount == line.amount:
                    line.status = LineStatus.REFUNDED
                line.save(update_fields=["refunded_amount", "status", "updated_at"])
            else:
                decl = decls[item.declaration_id]
                decl.refunded_amount = money(decl.refunded_amount + item.amount)
                if decl.refunded_amount == decl.amount:
                    decl.status = VirtualDeclaration.Status.REFUNDED
                decl.save(update_fields=["refunded_amount", "status", "updated_at"])
        locked.paid_at, locked.gateway_error, locked.treasury_voucher = timezone.now(), "", voucher
        comment = f"国库退库，凭证号{voucher}" if via == "treasury" else "支付平台退款成功"
        REFUND.apply(locked, "pay", None, system=True, comment=comment, data={"via": via})
        _close_items(locked)
        log_operation("si_refund_paid", user=user, refund_no=locked.refund_no, amount=str(locked.amount), via=via,
                      voucher=voucher)
    _sms(locked, PAID_SMS)  # after the commit; idempotent by its key
    refund.refresh_from_db()
    return True


def _sms(refund, template):
    from kernel.notify.services import send_sms

    payer = refund.payer
    try:
        send_sms(payer.mobile, template, {
            "name": payer.name, "refund_no": refund.refund_no, "amount": f"{refund.amount:.2f}",
            "subject": refund.subject, "account_tail": refund.bank_account[-4:], "opinion": refund.opinion},
            key=f"{template}:{refund.refund_no}", region=payer.region, related=refund.refund_no)
    except ValidationError as exc:  # never let the SMS undo a refund
        log_operation("si_refund_sms_failed", success=False, refund_no=refund.refund_no, reason="；".join(exc.messages))
