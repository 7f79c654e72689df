"""Intake of the supervision database: the services both channels call.

Monitored data arrives by Excel import (imports.py, kernel.exports.importing) and by signed machine
pushes (push.py, kernel.interfaces): 桂薪宝 pushes projects, workers, contracts, attendance and payroll;
banks push wage-account and deposit flows; insurers and banks push guarantees. Both channels

* resolve natural keys with the same look-ups (regions_in_scope, units, projects_in_scope, workers,
  accounts_in_scope, deposits_in_scope): a region or project outside the user's jurisdiction is refused,
  units must be registered organisations (any region: a Nanning contractor builds in Liuzhou), workers
  are one national registry keyed by ID number;
* check a row with the same rules (check_project, check_contract, ... raise ValidationError keyed by
  model field, Chinese messages); the channel names the row (Excel row number, JSON position) and
  refuses the whole batch when one row fails;
* write with the same services, inside the caller's transaction: business records (projects, workers,
  contracts, accounts, deposits, guarantees) through save() so that each change leaves an audit row
  (an unchanged record is not saved again); the lean high-volume tables (attendance, payroll, account
  and deposit flows) with bulk upserts keyed by their unique constraint (write_attendance, ...), which
  replace a row rather than duplicate it and leave an identical row untouched.

Balances: a wage account's balance is the balance the bank reported on its latest flow (by booking
time) when that flow carries one; otherwise the stored balance moves by the net effect of the flows
written (new flows, and the difference of corrected ones). A deposit's balance moves the same way
(DepositFlow carries no reported balance). Pushing the same flows again changes nothing.
"""
from __future__ import annotations

import calendar
import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from kernel.audit.services import record_change
from kernel.org.forms import restrict_regions
from kernel.org.models import Organisation, Region
from kernel.org.scope import user_scopes

from .models import (
    AccountFlow,
    Attendance,
    Contract,
    DepositFlow,
    Guarantee,
    Payroll,
    Project,
    WageAccount,
    WageDeposit,
    Worker,
)

SOURCE_IMPORT = "import"
SOURCE_GUIXINBAO = "guixinbao"
BATCH = 1000
BANK_CARD_RE = re.compile(r"\d{12,30}")
USCC_SEPARATORS = re.compile(r"[;；,，、\s]+")
MONTH_RE = re.compile(r"(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2}))")
MONTH_AS_DATE_RE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.]0?1(?: 00:00(?::00)?)?")
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                    "%Y-%m-%dT%H:%M:%S", "%Y%m%d%H%M%S", "%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")


# -- look-ups shared by the Excel columns and the push serializers ---------------------------------------

def province_wide_client(user) -> bool:
    """A machine client (a bank's or insurer's system) whose role has the "all" data scope, as
    labor_data_pusher has. The kernel scopes users of enterprises and institutions to their own
    organisation whatever their roles say; a bank pushing the flows of any project's wage account
    must name records of every region, so for such a client the role's scope is taken as given."""
    if user is None or getattr(user, "kind", "staff") == "staff" or not hasattr(user, "api_client"):
        return False
    return "all" in user_scopes(user)[0]


def _scoped(model, user):
    return model.objects.all() if province_wide_client(user) else model.objects.visible_to(user)


def regions_in_scope(user):
    """Regions the user may file data under: their jurisdiction (everything for an "all" scope)."""
    if province_wide_client(user):
        return Region.objects.all()
    return restrict_regions(Region.objects.all(), user)


def units():
    """Units (construction units, contractors, subcontractors, employers) are registered organisations
    of any region, matched by their unified social credit code."""
    return Organisation.objects.filter(uscc__isnull=False)


def projects_in_scope(user):
    return _scoped(Project, user)


def workers():
    """The real-name registry is one list of persons: a worker registered in another city may take a
    contract here (the contract, not the person, carries the jurisdiction)."""
    return Worker.objects.all()


def accounts_in_scope(user):
    return _scoped(WageAccount, user)


def deposits_in_scope(user):
    return _scoped(WageDeposit, user)


def guarantees_in_scope(user):
    return _scoped(Guarantee, user)


def by_key(queryset, field, keys) -> dict:
    """{key: object} for the keys found, in chunks (one query per 1000 keys)."""
    found = {}
    keys = [k for k in set(keys) if k not in (None, "")]
    for i in range(0, len(keys), BATCH):
        for obj in queryset.filter(**{f"{field}__in": keys[i:i + BATCH]}):
            found[str(getattr(obj, field))] = obj
    return found


# -- parsing what both channels send as text ------------------------------------------------------------------

def parse_month(value) -> datetime.date:
    """'2024-05', '2024/5', '2024年5月', '202405', or the first of a month (Excel turns '2024-05' into
    2024-05-01) -> date(2024, 5, 1)."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        if value.day != 1:
            raise ValidationError(f"“{value.isoformat()}”不是有效的月份，格式应如 2024-05")
        return value
    text = str(value or "").strip()
    year = month = 0
    match = MONTH_RE.fullmatch(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2) or match.group(3))
    else:
        match = MONTH_AS_DATE_RE.fullmatch(text)
        if match:
            year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 1900:
        raise ValidationError(f"“{text}”不是有效的月份，格式应如 2024-05")
    return datetime.date(year, month, 1)


def parse_datetime(value) -> datetime.datetime:
    """A booking time as text ('2024-05-31 16:20:00', ISO 8601 with or without offset, or a date alone,
    taken as midnight) or a datetime; naive times are Beijing time."""
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, datetime.date):
        parsed = datetime.datetime.combine(value, datetime.time())
    else:
        text = str(value or "").strip()
        parsed = None
        for fmt in DATETIME_FORMATS:
            try:
                parsed = datetime.datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if parsed is None:
            try:
                parsed = datetime.datetime.fromisoformat(text)
            except ValueError:
                raise ValidationError(f"“{text}”不是有效的时间，格式应如 2024-05-31 16:20:00") from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def split_usccs(text) -> list[str]:
    """A ';'-separated list of credit codes (Chinese semicolons, commas and spaces also separate)."""
    return [c.upper() for c in USCC_SEPARATORS.split(str(text or "").strip()) if c]


def gender_of(id_number: str) -> str:
    """男/女 from the 17th digit of a valid 18-digit ID number."""
    return "男" if int(id_number[16]) % 2 else "女"


# -- the rules of a row (ValidationError keyed by model field) ----------------------------------------------------

def _raise(errors):
    if errors:
        raise ValidationError(errors)


def check_project(project: Project, subcontractors: Iterable[Organisation] = ()) -> None:
    errors = {}
    region = project.region if project.region_id else None
    if region is not None and region.level < Region.Level.COUNTY:
        errors["region"] = "项目所在区划应为县（市、区）、乡镇或网格，请填写县级及以下的区划代码"
    if project.permit_valid_until and not project.permit_no:
        errors["permit_no"] = "填写了施工许可证有效期，请同时填写施工许可证号"
    if project.contractor_qualification_valid_until and not project.contractor_qualification_no:
        errors["contractor_qualification_no"] = "填写了资质有效期，请同时填写总包单位资质证书编号"
    if project.labour_cost_share is not None and project.labour_cost_share > 100:
        errors["labour_cost_share"] = "约定人工费用比例不能大于100"
    if project.contract_price is not None and project.contract_price < 0:
        errors["contract_price"] = "中标合同价不能为负数"
    if project.supervising_unit_id and project.supervising_unit_id == project.general_contractor_id:
        errors["supervising_unit"] = "监理单位不能与施工总承包单位为同一单位"
    if project.general_contractor_id and any(o.pk == project.general_contractor_id for o in subcontractors):
        errors["subcontractors"] = "劳务分包单位不能包含施工总承包单位本身"
    _raise(errors)


def check_worker(worker: Worker) -> None:
    errors = {}
    if worker.registered_on and worker.registered_on > timezone.localdate():
        errors["registered_on"] = "实名登记日期不能晚于今天"
    if worker.gender and worker.gender not in ("男", "女"):
        errors["gender"] = "性别应为“男”或“女”"
    if worker.bank_card and not BANK_CARD_RE.fullmatch(worker.bank_card):
        errors["bank_card"] = "工资卡号应为12至30位数字"
    _raise(errors)


def check_contract(contract: Contract) -> None:
    errors = {}
    if contract.end_on and contract.start_on and contract.end_on < contract.start_on:
        errors["end_on"] = "合同终止日期不能早于进场日期"
    elif contract.status == Contract.Status.LEFT and not contract.end_on:
        errors["end_on"] = "用工状态为已退场时请填写合同终止日期"
    if contract.daily_wage is not None and contract.daily_wage < 0:
        errors["daily_wage"] = "约定日工资不能为负数"
    _raise(errors)


def check_attendance(row: Attendance) -> None:
    errors = {}
    if row.work_date and row.work_date > timezone.localdate():
        errors["work_date"] = "考勤日期不能晚于今天"
    if row.hours is not None and not Decimal("0") < row.hours <= Decimal("24"):
        errors["hours"] = "工时应大于0且不超过24"
    _raise(errors)


def check_payroll(row: Payroll) -> None:
    errors = {}
    today = timezone.localdate()
    if row.month:
        if row.month > today.replace(day=1):
            errors["month"] = "工资月份不能晚于本月"
        days = calendar.monthrange(row.month.year, row.month.month)[1]
        if row.days_worked is not None and row.days_worked > days:
            errors["days_worked"] = f"出勤天数不能超过当月天数（{days}天）"
    for name, label in (("amount_payable", "应发工资"), ("amount_paid", "实发工资")):
        value = getattr(row, name)
        if value is not None and value < 0:
            errors[name] = f"{label}不能为负数"
    if row.amount_paid and row.amount_paid > 0 and not row.paid_on:
        errors["paid_on"] = "实发工资大于0时请填写发放日期"
    elif row.paid_on and row.paid_on > today:
        errors["paid_on"] = "发放日期不能晚于今天"
    _raise(errors)


def check_account(account: WageAccount) -> None:
    errors = {}
    if account.opened_on and account.opened_on > timezone.localdate():
        errors["opened_on"] = "开户日期不能晚于今天"
    if account.balance is not None and account.balance < 0:
        errors["balance"] = "账户余额不能为负数"
    _raise(errors)


def _check_flow(flow, errors):
    if flow.booked_at and flow.booked_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["booked_at"] = "交易时间不能晚于当前时间"
    if flow.amount is not None and flow.amount <= 0:
        errors["amount"] = "金额应大于0"


def check_account_flow(flow: AccountFlow) -> None:
    errors = {}
    _check_flow(flow, errors)
    if flow.wage_month and flow.wage_month > timezone.localdate().replace(day=1):
        errors["wage_month"] = "工资所属月份不能晚于本月"
    _raise(errors)


def check_deposit(deposit: WageDeposit) -> None:
    errors = {}
    for name, label in (("required_amount", "应存金额"), ("balance", "账户余额")):
        value = getattr(deposit, name)
        if value is not None and value < 0:
            errors[name] = f"{label}不能为负数"
    _raise(errors)


def check_deposit_flow(flow: DepositFlow) -> None:
    errors = {}
    _check_flow(flow, errors)
    _raise(errors)


def check_guarantee(guarantee: Guarantee) -> None:
    errors = {}
    if guarantee.valid_from and guarantee.valid_until and guarantee.valid_until <= guarantee.valid_from:
        errors["valid_until"] = "到期日期应晚于生效日期"
    if guarantee.amount is not None and guarantee.amount <= 0:
        errors["amount"] = "担保金额应大于0"
    _raise(errors)


# -- business records: prepared, checked, saved (audited) ---------------------------------------------------------

@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, action: str):
        setattr(self, action, getattr(self, action) + 1)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def assign(instance, fields: dict) -> bool:
    """Set the fields that differ; True when something changed. Foreign keys compare by id."""
    changed = False
    for name, value in fields.items():
        field = instance._meta.get_field(name)
        if field.is_relation:
            new_id = value.pk if isinstance(value, models.Model) else value
            if getattr(instance, field.attname) != new_id:
                setattr(instance, name, value)
                changed = True
        elif getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def prepare(model, lookup: dict, fields: dict):
    """(instance, changed): the live record matching `lookup` with `fields` applied, or a new one."""
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup)
        assign(instance, fields)
        return instance, True
    return instance, assign(instance, fields)


def commit(instance, changed: bool) -> str:
    """Save a prepared record when new or changed; the action for the sender's summary."""
    if instance._state.adding:
        instance.save()
        return "created"
    if changed:
        instance.save()
        return "updated"
    return "unchanged"


def set_subcontractors(project: Project, organisations) -> bool:
    """Make the project's labour subcontractors exactly these; the change leaves an audit row."""
    new = sorted({o.pk for o in organisations})
    old = sorted(project.subcontractors.values_list("pk", flat=True))
    if new == old:
        return False
    project.subcontractors.set(new)
    record_change(project, "update", {"subcontractors": old}, {"subcontractors": new})
    return True


def save_project(project: Project, subcontractors=None) -> None:
    """Save a checked project; `subcontractors` (a list of organisations) replaces the list unless None."""
    project.save()
    if subcontractors is not None:
        set_subcontractors(project, subcontractors)


def save_worker(worker: Worker) -> None:
    if not worker.gender:
        worker.gender = gender_of(worker.id_number)
    worker.save()


def live_contract(worker, project) -> Contract | None:
    return Contract.objects.filter(worker=worker, project=project).first()


def follow_latest_contracts(worker_ids) -> int:
    """A worker is registered where they work now: the region of their latest active contract's project
    and its employer (Worker.region and .employer scope the worker). Returns the workers moved."""
    worker_ids = list(set(worker_ids))
    latest = {}
    for i in range(0, len(worker_ids), BATCH):
        rows = (Contract.objects.filter(worker_id__in=worker_ids[i:i + BATCH], status=Contract.Status.ACTIVE)
                .order_by("worker_id", "-start_on", "-id").values_list("worker_id", "project__region_id", "employer_id"))
        for worker_id, region_id, employer_id in rows:
            latest.setdefault(worker_id, (region_id, employer_id))
    moved = 0
    for worker in Worker.objects.filter(pk__in=list(latest)):
        region_id, employer_id = latest[worker.pk]
        if (worker.region_id, worker.employer_id) != (region_id, employer_id):
            worker.region_id, worker.employer_id = region_id, employer_id
            worker.save(update_fields=["region", "employer", "updated_at"])
            moved += 1
    return moved


def save_contract(contract: Contract) -> Contract:
    """Save a checked contract and register the worker where this contract is (when it is the latest)."""
    contract.save()
    follow_latest_contracts([contract.worker_id])
    return contract


# -- the lean tables: bulk upserts keyed by their unique constraint ----------------------------------------------

def _chunks(seq, size=BATCH):
    seq = list(seq)
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def _existing(model, group_fields, key_field, keyed, values):
    """{key: (values...)} of the stored rows for the keys of `keyed` (key = group fields + key_field),
    one query per group and 1000 keys."""
    groups = defaultdict(list)
    for key in keyed:
        groups[key[:-1]].append(key[-1])
    found = {}
    for group, members in groups.items():
        lookup = dict(zip(group_fields, group, strict=True))
        for chunk in _chunks(members):
            rows = model.objects.filter(**lookup, **{f"{key_field}__in": chunk}).values_list(
                *group_fields, key_field, *values)
            for row in rows:
                found[tuple(row[:len(group_fields) + 1])] = tuple(row[len(group_fields) + 1:])
    return found


def _upsert(model, keyed, existing, fields, unique_fields) -> Counts:
    counts = Counts()
    to_write = []
    for key, row in keyed.items():
        new = tuple(getattr(row, model._meta.get_field(f).attname) for f in fields)
        old = existing.get(key)
        if old is None:
            counts.created += 1
        elif old != new:
            counts.updated += 1
        else:
            counts.unchanged += 1
            continue
        to_write.append(row)
    if to_write:
        model.objects.bulk_create(to_write, batch_size=BATCH, update_conflicts=True, unique_fields=unique_fields,
                                  update_fields=list(fields))
    return counts


def write_attendance(rows: Iterable[Attendance], source: str = SOURCE_IMPORT) -> Counts:
    """Replace attendance by (project, day, worker): a new day is inserted, a known one gets the new
    hours, an identical one is left alone. The last of several rows with one key wins."""
    keyed = {}
    for row in rows:
        row.source = source
        keyed[(row.project_id, row.work_date, row.worker_id)] = row
    existing = _existing(Attendance, ("project_id", "work_date"), "worker_id", keyed, ("hours", "source"))
    return _upsert(Attendance, keyed, existing, ("hours", "source"), ["project", "work_date", "worker"])


PAYROLL_FIELDS = ("days_worked", "amount_payable", "amount_paid", "paid_on")


def write_payroll(rows: Iterable[Payroll]) -> Counts:
    """Replace payroll lines by (project, month, worker)."""
    keyed = {(r.project_id, r.month, r.worker_id): r for r in rows}
    existing = _existing(Payroll, ("project_id", "month"), "worker_id", keyed, PAYROLL_FIELDS)
    return _upsert(Payroll, keyed, existing, PAYROLL_FIELDS, ["project", "month", "worker"])


ACCOUNT_FLOW_FIELDS = ("booked_at", "kind", "amount", "counterparty", "counterparty_account", "worker", "wage_month",
                       "balance_after")
ACCOUNT_FLOW_VALUES = ("booked_at", "kind", "amount", "counterparty", "counterparty_account", "worker_id",
                       "wage_month", "balance_after")
DEPOSIT_FLOW_FIELDS = ("booked_at", "kind", "amount", "note")


def signed(kind, amount, incoming) -> Decimal:
    return amount if kind in incoming else -amount


def _deltas(keyed, existing, group_index, kind_at, amount_at, incoming):
    """Net balance change per account of the flows to write: new flows count in full, corrected ones
    by their difference."""
    deltas = defaultdict(Decimal)
    for key, row in keyed.items():
        delta = signed(row.kind, row.amount, incoming)
        old = existing.get(key)
        if old is not None:
            delta -= signed(old[kind_at], old[amount_at], incoming)
        if delta:
            deltas[key[group_index]] += delta
    return deltas


def _lock(model, ids):
    """Row locks on the accounts (deposits) whose flows are written, in id order (no deadlock between two
    batches), before the stored flows are read: a retried batch arriving while the first is still being
    written then finds its flows stored and moves no balance twice. Needs the caller's transaction."""
    list(model.all_objects.select_for_update().filter(pk__in=sorted(ids)).order_by("pk").values_list("pk", flat=True))


def write_account_flows(rows: Iterable[AccountFlow]) -> Counts:
    """Upsert wage-account flows by (account, bank serial number), then settle the balances."""
    keyed = {(r.account_id, r.serial_no): r for r in rows}
    _lock(WageAccount, {k[0] for k in keyed})  # a concurrent batch of the same flows waits, then sees them
    existing = _existing(AccountFlow, ("account_id",), "serial_no", keyed, ACCOUNT_FLOW_VALUES)
    deltas = _deltas(keyed, existing, 0, 1, 2, AccountFlow.INCOMING)
    counts = _upsert(AccountFlow, keyed, existing, ACCOUNT_FLOW_FIELDS, ["account", "serial_no"])
    settle_accounts({k[0] for k in keyed}, deltas)
    return counts


def settle_accounts(account_ids, deltas=None) -> int:
    """The balance the bank reported on an account's latest flow, else the stored balance moved by the
    net of the flows just written. Returns the accounts whose balance changed (each save is audited)."""
    deltas = deltas or {}
    changed = 0
    for account in WageAccount.objects.select_for_update().filter(pk__in=list(account_ids)):
        reported = (AccountFlow.objects.filter(account=account).order_by("-booked_at", "-id")
                    .values_list("balance_after", flat=True).first())
        balance = reported if reported is not None else account.balance + deltas.get(account.pk, Decimal("0"))
        if balance != account.balance:
            account.balance = balance
            account.save(update_fields=["balance", "updated_at"])
            changed += 1
    return changed


def write_deposit_flows(rows: Iterable[DepositFlow]) -> Counts:
    """Upsert deposit flows by (deposit, serial number); each deposit's balance moves by their net."""
    keyed = {(r.deposit_id, r.serial_no): r for r in rows}
    _lock(WageDeposit, {k[0] for k in keyed})
    existing = _existing(DepositFlow, ("deposit_id",), "serial_no", keyed, DEPOSIT_FLOW_FIELDS)
    deltas = _deltas(keyed, existing, 0, 1, 2, DepositFlow.INCOMING)
    counts = _upsert(DepositFlow, keyed, existing, DEPOSIT_FLOW_FIELDS, ["deposit", "serial_no"])
    for deposit in WageDeposit.objects.select_for_update().filter(pk__in=[k for k, v in deltas.items() if v]):
        deposit.balance += deltas[deposit.pk]
        deposit.save(update_fields=["balance", "updated_at"])
    return counts
