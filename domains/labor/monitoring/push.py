"""What external platforms push into the supervision database: signed inbound endpoints (kernel.interfaces,
registered by MonitoringConfig.ready() through register()), called by ApiClients whose service user
holds the labor_data_pusher role. See docs/labor-intake.md for the sender's view.

    labor.guixinbao_push          桂薪宝: one project with its workers, contracts, attendance and payroll
    labor.bank_flow_push          a bank: wage special accounts, their flows and wage-deposit flows
    labor.insurer_guarantee_push  an insurer or bank: guarantees (保险保函 / 银行保函)

Every message is kept by the kernel (InboundMessage) before it is processed; the same message id twice
returns the first outcome. Beyond that, the content is idempotent: records are matched by their natural
keys (project code, ID number, worker + project, account number, bank serial number, guarantee number),
an unchanged record is not saved again and a lean row is replaced, never duplicated, so a sender may
resend a batch under a new message id without effect.

The serializers check everything before anything is written (types, choices, dates, keys that must
resolve inside the client's jurisdiction, the intake rules, duplicates inside the batch): one bad item
refuses the whole message with HTTP 400 and field errors keyed by JSON position ("attendance.3.work_date",
positions from 0), and nothing is stored. The handlers then write through intake.py in the kernel's
transaction."""
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from rest_framework import serializers

from kernel.exports.importing import PHONE_RE
from kernel.org.validators import validate_id_number, validate_uscc

from . import intake
from .models import (
    AccountFlow,
    Attendance,
    Contract,
    DepositFlow,
    Guarantee,
    Payroll,
    Project,
    WageAccount,
    Worker,
)

GUIXINBAO_ENDPOINT = "labor.guixinbao_push"
BANK_ENDPOINT = "labor.bank_flow_push"
INSURER_ENDPOINT = "labor.insurer_guarantee_push"
P = "labor_monitoring."
GUIXINBAO_PERMISSIONS = tuple(P + p for p in ("add_project", "change_project", "add_worker", "change_worker",
                                               "add_contract", "add_attendance", "add_payroll"))
BANK_PERMISSIONS = tuple(P + p for p in ("add_wageaccount", "add_accountflow", "add_depositflow"))
INSURER_PERMISSIONS = tuple(P + p for p in ("add_guarantee", "change_guarantee"))
MAX_WORKERS = 5000
MAX_ATTENDANCE = 20000
MAX_FLOWS = 10000
MAX_GUARANTEES = 1000
MONEY = {"max_digits": 16, "decimal_places": 2}


# -- fields ------------------------------------------------------------------------------------------------------

def _messages(label):
    return {"required": f"请填写{label}", "blank": f"请填写{label}", "null": f"请填写{label}"}


def text(label, max_length, required=False):
    return serializers.CharField(label=label, max_length=max_length, required=required, allow_blank=not required,
                                 error_messages=_messages(label))


def day(label, required=False):
    return serializers.DateField(label=label, required=required, allow_null=not required,
                                 error_messages={**_messages(label), "invalid": f"{label}格式错误，应如 2024-05-31"})


def money(label, required=False, minimum=Decimal("0")):
    return serializers.DecimalField(label=label, required=required, allow_null=not required, min_value=minimum,
                                    error_messages={**_messages(label), "min_value": f"{label}不能小于{minimum}",
                                                    "invalid": f"{label}应为数字"}, **MONEY)


def choice(label, choices, required=False):
    allowed = "、".join(f"{v}（{n}）" for v, n in choices)
    return serializers.ChoiceField(label=label, choices=choices, required=required,
                                   error_messages={**_messages(label), "invalid_choice": f"{label}应为：{allowed}"})


class _Validated(serializers.CharField):
    validator = None

    def to_internal_value(self, data):
        value = super().to_internal_value(data).strip().upper()
        if value:
            try:
                type(self).validator(value)
            except ValidationError as exc:
                raise serializers.ValidationError(exc.messages) from None
        return value


class UsccField(_Validated):
    validator = staticmethod(validate_uscc)

    def __init__(self, label="统一社会信用代码", required=True, **kw):
        super().__init__(label=label, max_length=18, required=required, allow_blank=not required,
                         error_messages=_messages(label), **kw)


class IdNumberField(_Validated):
    validator = staticmethod(validate_id_number)

    def __init__(self, label="身份证号码", required=True, **kw):
        super().__init__(label=label, max_length=18, required=required, allow_blank=not required,
                         error_messages=_messages(label), **kw)


class PhoneField(serializers.CharField):
    def __init__(self, label, **kw):
        super().__init__(label=label, max_length=30, required=False, allow_blank=True, **kw)

    def to_internal_value(self, data):
        value = super().to_internal_value(data).strip()
        if value and not PHONE_RE.fullmatch(value):
            raise serializers.ValidationError(f"“{value}”不是有效的手机号或座机号（如 13800138000 或 0771-5881234）")
        return value


class MonthField(serializers.Field):
    """A month as 'YYYY-MM' -> the first day of the month."""

    default_error_messages = {"required": "请填写月份", "null": "请填写月份"}

    def to_internal_value(self, data):
        try:
            return intake.parse_month(data)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def to_representation(self, value):
        return value.strftime("%Y-%m")


def items(child, label, max_length, required=False):
    return serializers.ListField(child=child, label=label, required=required, allow_empty=not required,
                                 max_length=max_length,
                                 error_messages={"required": f"请提供{label}", "empty": f"{label}不能为空",
                                                 "max_length": f"{label}一次最多{max_length}条，请分批推送",
                                                 "not_a_list": f"{label}应为数组"})


# -- errors keyed by JSON position ----------------------------------------------------------------------------------

class Errors:
    """Field errors of a message as {"attendance.3.work_date": [messages]}."""

    def __init__(self):
        self.errors = defaultdict(list)

    def add(self, path, message):
        self.errors[path].extend(message if isinstance(message, list) else [message])

    def add_rule(self, prefix, exc: ValidationError, names=None):
        """An intake rule's errors (keyed by model field) under the names the sender used."""
        names = names or {}
        for name, messages in exc.message_dict.items():
            key = "non_field_errors" if name == "__all__" else names.get(name, name)
            self.add(f"{prefix}.{key}" if prefix else key, messages)

    def raise_if_any(self):
        if self.errors:
            raise serializers.ValidationError(dict(self.errors))


def check(errors, prefix, rule, instance, names=None, *args):
    try:
        rule(instance, *args)
    except ValidationError as exc:
        errors.add_rule(prefix, exc, names)


def duplicates(rows, key, errors, prefix, field, what):
    """Report the rows whose key repeats an earlier row's (the message is then refused as a whole)."""
    first = {}
    for i, row in enumerate(rows):
        k = key(row)
        if k in first:
            errors.add(f"{prefix}.{i}.{field}", f"与 {prefix}.{first[k]} 重复（{what}）")
        else:
            first[k] = i


def _stored(model, field, key, user, scoped, errors, path, label):
    """The live record with this natural key that the client may change, or None when there is none yet;
    a deleted one, or one outside the client's jurisdiction, is an error."""
    record = model.all_objects.filter(**{field: key}).first()
    if record is None:
        return None
    if record.is_deleted:
        errors.add(path, f"{label}“{key}”的记录已删除，请联系劳动保障监察机构")
    elif not scoped(user).filter(pk=record.pk).exists():
        errors.add(path, f"{label}“{key}”已被您管辖范围外的记录使用")
    return record


# -- 桂薪宝: one project's real-name, attendance and wage data ----------------------------------------------------------

PROJECT_UNIT_FIELDS = {"construction_unit_uscc": "construction_unit", "general_contractor_uscc": "general_contractor",
                       "supervising_unit_uscc": "supervising_unit"}
PROJECT_NAMES = {"region": "region_code", "construction_unit": "construction_unit_uscc",
                 "general_contractor": "general_contractor_uscc", "supervising_unit": "supervising_unit_uscc",
                 "subcontractors": "subcontractor_usccs"}
PROJECT_PLAIN = ("name", "address", "project_type", "funding_source", "industry_authority", "supervising_department",
                 "start_date", "contract_price", "labour_cost_share", "status", "permit_no", "permit_valid_until",
                 "contractor_qualification_no", "contractor_qualification_valid_until", "project_manager",
                 "project_manager_phone", "project_lead", "wage_officer", "wage_officer_phone")
PROJECT_REQUIRED_NEW = {"name": "项目名称", "region_code": "项目所在区划代码", "construction_unit_uscc": "建设单位",
                        "general_contractor_uscc": "施工总承包单位"}


class ProjectSerializer(serializers.Serializer):
    """The project; a known code updates only the fields sent."""

    code = text("项目编码", 40, required=True)
    name = serializers.CharField(label="项目名称", max_length=200, required=False, error_messages=_messages("项目名称"))
    region_code = text("项目所在区划代码", 20)
    address = text("项目地址", 300)
    construction_unit_uscc = UsccField("建设单位统一社会信用代码", required=False)
    general_contractor_uscc = UsccField("施工总承包单位统一社会信用代码", required=False)
    supervising_unit_uscc = UsccField("监理单位统一社会信用代码", required=False)
    subcontractor_usccs = serializers.ListField(child=UsccField("劳务分包单位统一社会信用代码"), required=False,
                                                max_length=200, label="劳务分包单位")
    project_type = choice("项目类型", Project.Type.choices)
    funding_source = choice("资金来源", Project.Funding.choices)
    industry_authority = text("行业主管部门", 100)
    supervising_department = text("监管部门", 100)
    start_date = day("开工日期")
    contract_price = money("中标合同价（万元）")
    labour_cost_share = serializers.DecimalField(label="约定人工费用比例（%）", max_digits=5, decimal_places=2,
                                                 min_value=Decimal("0"), max_value=Decimal("100"), required=False,
                                                 error_messages={"min_value": "约定人工费用比例不能小于0",
                                                                 "max_value": "约定人工费用比例不能大于100"})
    status = choice("项目状态", Project.Status.choices)
    permit_no = text("施工许可证号", 60)
    permit_valid_until = day("施工许可证有效期至")
    contractor_qualification_no = text("总包单位资质证书编号", 60)
    contractor_qualification_valid_until = day("资质有效期至")
    project_manager = text("项目经理", 50)
    project_manager_phone = PhoneField("项目经理电话")
    project_lead = text("项目负责人", 50)
    wage_officer = text("劳资专管员", 50)
    wage_officer_phone = PhoneField("劳资专管员电话")


class WorkerSerializer(serializers.Serializer):
    id_number = IdNumberField()
    name = text("姓名", 50, required=True)
    gender = choice("性别", [("男", "男"), ("女", "女")])
    phone = PhoneField("手机号码")
    bank_card = text("工资卡号", 30)
    bank_name = text("工资卡开户行", 60)
    hometown = text("籍贯", 100)
    registered_on = day("实名登记日期")


class ContractSerializer(serializers.Serializer):
    id_number = IdNumberField()
    employer_uscc = UsccField("用工单位统一社会信用代码")
    team = text("班组", 60)
    job_type = text("工种", 40)
    signed_on = day("合同签订日期")
    start_on = day("进场日期", required=True)
    end_on = day("合同终止日期")
    daily_wage = money("约定日工资（元）", required=True)
    status = choice("用工状态", Contract.Status.choices)


class AttendanceSerializer(serializers.Serializer):
    id_number = IdNumberField()
    work_date = day("考勤日期", required=True)
    hours = serializers.DecimalField(label="工时", max_digits=4, decimal_places=1, required=False,
                                     default=Decimal("8.0"),
                                     error_messages={"invalid": "工时应为数字", "max_decimal_places": "工时最多保留1位小数"})


class PayrollSerializer(serializers.Serializer):
    id_number = IdNumberField()
    month = MonthField(label="工资月份")
    days_worked = serializers.IntegerField(label="出勤天数", required=False, default=0, min_value=0, max_value=31,
                                           error_messages={"min_value": "出勤天数不能小于0",
                                                           "max_value": "出勤天数不能大于31"})
    amount_payable = money("应发工资（元）", required=True)
    amount_paid = money("实发工资（元）")
    paid_on = day("发放日期")


class GuixinbaoPushSerializer(serializers.Serializer):
    """桂薪宝's batch for one project."""

    project = ProjectSerializer(label="项目")
    workers = items(WorkerSerializer(), "农民工实名信息", MAX_WORKERS)
    contracts = items(ContractSerializer(), "劳动合同", MAX_WORKERS)
    attendance = items(AttendanceSerializer(), "考勤记录", MAX_ATTENDANCE)
    payroll = items(PayrollSerializer(), "工资发放记录", MAX_WORKERS)

    @property
    def user(self):
        return self.context["user"]

    def validate(self, attrs):
        errors = Errors()
        project, changed, subcontractors = self._project(attrs["project"], errors)
        errors.raise_if_any()  # the rows below need the project
        people = self._workers(attrs, project, errors)
        self._contracts(attrs.get("contracts", []), project, people, errors)
        self._lean(attrs, people, errors)
        errors.raise_if_any()
        attrs.update(_project=(project, changed, subcontractors), _people=people)
        return attrs

    def _project(self, data, errors):
        code = data["code"].strip()
        stored = _stored(Project, "code", code, self.user, intake.projects_in_scope, errors, "project.code", "项目编码")
        if stored is None:
            for name, label in PROJECT_REQUIRED_NEW.items():
                if not data.get(name):
                    errors.add(f"project.{name}", f"新项目请填写{label}")
        fields = {name: data[name] for name in PROJECT_PLAIN if name in data}
        if data.get("region_code"):
            region = intake.regions_in_scope(self.user).filter(code=data["region_code"]).first()
            if region is None:
                errors.add("project.region_code", f"区划代码“{data['region_code']}”不存在或不在您的管辖范围内")
            fields["region"] = region
        usccs = [data[k] for k in PROJECT_UNIT_FIELDS if data.get(k)] + list(data.get("subcontractor_usccs", []))
        found = intake.by_key(intake.units(), "uscc", usccs)
        for key, field in PROJECT_UNIT_FIELDS.items():
            if key in data:
                fields[field] = found.get(data[key]) if data[key] else None
                if not data[key] and field != "supervising_unit":
                    errors.add(f"project.{key}", "该单位不能为空")
                elif data[key] and data[key] not in found:
                    errors.add(f"project.{key}", f"统一社会信用代码“{data[key]}”的单位未在系统中登记")
        subcontractors = None
        if "subcontractor_usccs" in data:
            subcontractors = [found[c] for c in dict.fromkeys(data["subcontractor_usccs"]) if c in found]
            for i, code_ in enumerate(data["subcontractor_usccs"]):
                if code_ not in found:
                    errors.add(f"project.subcontractor_usccs.{i}", f"统一社会信用代码“{code_}”的单位未在系统中登记")
        if errors.errors:
            return None, False, None
        project, changed = intake.prepare(Project, {"code": code}, fields)
        check(errors, "project", intake.check_project, project, PROJECT_NAMES, subcontractors or ())
        return project, changed, subcontractors

    def _workers(self, attrs, project, errors):
        """{id_number: Worker}: the stored workers the batch names, with the pushed ones prepared."""
        rows = attrs.get("workers", [])
        duplicates(rows, lambda r: r["id_number"], errors, "workers", "id_number", "同一身份证号码只能有一条")
        named = {r["id_number"] for name in ("workers", "contracts", "attendance", "payroll")
                 for r in attrs.get(name, [])}
        stored = intake.by_key(Worker.all_objects.all(), "id_number", named)
        # a sender may rewrite the personal data (wage card included) of the workers it can see only; a
        # worker registered elsewhere is linked to this project's contract but keeps their stored data
        writable = (set(stored) if intake.province_wide_client(self.user) else set(intake.by_key(
            Worker.objects.visible_to(self.user), "id_number", set(stored))))
        people = {}
        for i, row in enumerate(rows):
            worker = stored.get(row["id_number"])
            if worker is not None and worker.is_deleted:
                errors.add(f"workers.{i}.id_number", "该农民工的实名信息已删除，请联系劳动保障监察机构")
                continue
            fields = {k: v for k, v in row.items() if k != "id_number" and v is not None}
            if worker is None:
                worker = Worker(id_number=row["id_number"], region=project.region)
                changed = True
            else:
                changed = False
                if row["id_number"] not in writable:
                    fields = {}
            changed = intake.assign(worker, fields) or changed
            worker._zw_changed = changed
            check(errors, f"workers.{i}", intake.check_worker, worker)
            people[row["id_number"]] = worker
        for id_number, worker in stored.items():
            if id_number not in people and not worker.is_deleted:
                worker._zw_changed = False
                people.setdefault(id_number, worker)
        return people

    def _person(self, people, id_number, errors, path):
        if id_number not in people:
            errors.add(path, f"身份证号码“{id_number}”的农民工未实名登记，请在 workers 中一并推送")
            return None
        return people[id_number]

    def _contracts(self, rows, project, people, errors):
        duplicates(rows, lambda r: r["id_number"], errors, "contracts", "id_number", "同一农民工在本项目只能有一份劳动合同")
        employers = intake.by_key(intake.units(), "uscc", [r["employer_uscc"] for r in rows])
        stored = {}
        if project.pk:
            stored = {c.worker.id_number: c for c in Contract.objects.filter(
                project=project, worker__id_number__in=[r["id_number"] for r in rows]).select_related("worker")}
        for i, row in enumerate(rows):
            worker = self._person(people, row["id_number"], errors, f"contracts.{i}.id_number")
            employer = employers.get(row["employer_uscc"])
            if employer is None:
                errors.add(f"contracts.{i}.employer_uscc", f"统一社会信用代码“{row['employer_uscc']}”的单位未在系统中登记")
            if worker is None or employer is None:
                continue
            fields = {k: v for k, v in row.items() if k not in ("id_number", "employer_uscc")}
            fields["employer"] = employer
            contract = stored.get(row["id_number"])
            if contract is None:
                contract = Contract(worker=worker, project=project)
                intake.assign(contract, fields)
                contract._zw_changed = True
                if worker._state.adding:
                    worker.employer = employer  # a new worker is registered with the employer of their contract
            else:
                contract._zw_changed = intake.assign(contract, fields)
            check(errors, f"contracts.{i}", intake.check_contract, contract, {"employer": "employer_uscc"})
            row["_contract"] = contract

    def _lean(self, attrs, people, errors):
        rows = attrs.get("attendance", [])
        duplicates(rows, lambda r: (r["id_number"], r["work_date"]), errors, "attendance", "work_date",
                   "同一农民工同一天只能有一条考勤")
        for i, row in enumerate(rows):
            self._person(people, row["id_number"], errors, f"attendance.{i}.id_number")
            check(errors, f"attendance.{i}", intake.check_attendance,
                  Attendance(work_date=row["work_date"], hours=row["hours"]))
        rows = attrs.get("payroll", [])
        duplicates(rows, lambda r: (r["id_number"], r["month"]), errors, "payroll", "month",
                   "同一农民工同一月份只能有一行工资")
        for i, row in enumerate(rows):
            self._person(people, row["id_number"], errors, f"payroll.{i}.id_number")
            if row.get("amount_paid") is None:
                row["amount_paid"] = Decimal("0")
            check(errors, f"payroll.{i}", intake.check_payroll, Payroll(
                month=row["month"], days_worked=row["days_worked"], amount_payable=row["amount_payable"],
                amount_paid=row["amount_paid"], paid_on=row.get("paid_on")))


def guixinbao_push(message, data, user) -> dict:
    """Write the batch: project, workers, contracts (workers follow their latest contract), then the
    attendance and payroll rows in bulk."""
    project, changed, subcontractors = data["_project"]
    action = intake.commit(project, changed)
    if subcontractors is not None and intake.set_subcontractors(project, subcontractors) and action == "unchanged":
        action = "updated"
    result = {"project": {"code": project.code, "id": project.pk, "action": action}}
    counts = intake.Counts()
    for row in data.get("workers", []):
        worker = data["_people"][row["id_number"]]
        if worker._state.adding and not worker.gender:
            worker.gender = intake.gender_of(worker.id_number)
        counts.add(intake.commit(worker, worker._zw_changed))
    result["workers"] = counts.as_dict()
    people = data["_people"]
    counts = intake.Counts()
    for row in data.get("contracts", []):
        contract = row["_contract"]
        contract.worker, contract.project = people[row["id_number"]], project  # saved just now if new
        counts.add(intake.commit(contract, contract._zw_changed))
    intake.follow_latest_contracts([people[r["id_number"]].pk for r in data.get("contracts", [])])
    result["contracts"] = counts.as_dict()
    result["attendance"] = intake.write_attendance(
        [Attendance(project=project, worker=people[r["id_number"]], work_date=r["work_date"], hours=r["hours"])
         for r in data.get("attendance", [])], intake.SOURCE_GUIXINBAO).as_dict()
    result["payroll"] = intake.write_payroll(
        [Payroll(project=project, worker=people[r["id_number"]], month=r["month"], days_worked=r["days_worked"],
                 amount_payable=r["amount_payable"], amount_paid=r["amount_paid"], paid_on=r.get("paid_on"))
         for r in data.get("payroll", [])]).as_dict()
    return result


# -- banks: wage special accounts, their flows, deposit flows ---------------------------------------------------------

class AccountSerializer(serializers.Serializer):
    account_no = text("专用账户账号", 40, required=True)
    project_code = text("项目编码", 40, required=True)
    account_name = text("户名", 200, required=True)
    bank = text("开户银行", 100, required=True)
    opener_uscc = UsccField("开户单位统一社会信用代码")
    opened_on = day("开户日期", required=True)
    status = choice("账户状态", WageAccount.Status.choices)


class AccountFlowSerializer(serializers.Serializer):
    account_no = text("专用账户账号", 40, required=True)
    serial_no = text("银行流水号", 60, required=True)
    booked_at = serializers.DateTimeField(label="交易时间", error_messages={
        **_messages("交易时间"), "invalid": "交易时间格式错误，应如 2024-05-31T16:20:00+08:00"})
    kind = choice("交易类型", AccountFlow.Kind.choices, required=True)
    amount = money("金额（元）", required=True, minimum=Decimal("0.01"))
    counterparty = text("对方户名", 200)
    counterparty_account = text("对方账号", 40)
    worker_id_number = IdNumberField("收款农民工身份证号码", required=False)
    wage_month = MonthField(label="工资所属月份", required=False, allow_null=True)
    balance_after = serializers.DecimalField(label="交易后余额（元）", required=False, allow_null=True,
                                             error_messages={"invalid": "交易后余额应为数字"}, **MONEY)


class DepositFlowSerializer(serializers.Serializer):
    deposit_account_no = text("保证金账号", 40, required=True)
    serial_no = text("流水号", 60, required=True)
    booked_at = serializers.DateTimeField(label="交易时间", error_messages={
        **_messages("交易时间"), "invalid": "交易时间格式错误，应如 2024-05-31T16:20:00+08:00"})
    kind = choice("类型", DepositFlow.Kind.choices, required=True)
    amount = money("金额（元）", required=True, minimum=Decimal("0.01"))
    note = text("摘要", 200)


class BankFlowPushSerializer(serializers.Serializer):
    accounts = items(AccountSerializer(), "工资专用账户", MAX_GUARANTEES)
    account_flows = items(AccountFlowSerializer(), "专用账户收支明细", MAX_FLOWS)
    deposit_flows = items(DepositFlowSerializer(), "保证金进出流水", MAX_FLOWS)

    @property
    def user(self):
        return self.context["user"]

    def validate(self, attrs):
        errors = Errors()
        if not any(attrs.get(k) for k in ("accounts", "account_flows", "deposit_flows")):
            errors.add("non_field_errors", "报文中没有账户或流水数据")
        accounts = self._accounts(attrs.get("accounts", []), errors)
        self._account_flows(attrs.get("account_flows", []), accounts, errors)
        self._deposit_flows(attrs.get("deposit_flows", []), errors)
        errors.raise_if_any()
        return attrs

    def _accounts(self, rows, errors):
        """{account_no: WageAccount} of the pushed accounts (prepared) and the stored ones the flows name."""
        duplicates(rows, lambda r: r["account_no"], errors, "accounts", "account_no", "同一账号只能有一条")
        projects = intake.by_key(intake.projects_in_scope(self.user), "code", [r["project_code"] for r in rows])
        openers = intake.by_key(intake.units(), "uscc", [r["opener_uscc"] for r in rows])
        accounts = {}
        for i, row in enumerate(rows):
            path = f"accounts.{i}"
            _stored(WageAccount, "account_no", row["account_no"], self.user, intake.accounts_in_scope, errors,
                    f"{path}.account_no", "专用账户账号")
            project, opener = projects.get(row["project_code"]), openers.get(row["opener_uscc"])
            if project is None:
                errors.add(f"{path}.project_code", f"项目编码“{row['project_code']}”不存在或不在您的管辖范围内")
            if opener is None:
                errors.add(f"{path}.opener_uscc", f"统一社会信用代码“{row['opener_uscc']}”的单位未在系统中登记")
            if project is None or opener is None:
                continue
            fields = {k: row[k] for k in ("account_name", "bank", "opened_on", "status") if k in row}
            fields.update(project=project, opener=opener)
            account, changed = intake.prepare(WageAccount, {"account_no": row["account_no"]}, fields)
            account._zw_changed = changed
            check(errors, path, intake.check_account, account)
            row["_account"] = account
            accounts[row["account_no"]] = account
        return accounts

    def _account_flows(self, rows, accounts, errors):
        duplicates(rows, lambda r: (r["account_no"], r["serial_no"]), errors, "account_flows", "serial_no",
                   "同一账户同一流水号只能有一条")
        stored = intake.by_key(intake.accounts_in_scope(self.user), "account_no",
                               [r["account_no"] for r in rows if r["account_no"] not in accounts])
        people = intake.by_key(intake.workers(), "id_number", [r.get("worker_id_number") for r in rows])
        for i, row in enumerate(rows):
            path = f"account_flows.{i}"
            account = accounts.get(row["account_no"]) or stored.get(row["account_no"])
            if account is None:
                errors.add(f"{path}.account_no", f"专用账户“{row['account_no']}”未登记或不在您的管辖范围内，"
                                                 "请先在 accounts 中推送开户信息")
            worker = None
            if row.get("worker_id_number"):
                worker = people.get(row["worker_id_number"])
                if worker is None:
                    errors.add(f"{path}.worker_id_number", f"身份证号码“{row['worker_id_number']}”的农民工未实名登记")
            flow = AccountFlow(account=account, serial_no=row["serial_no"], booked_at=row["booked_at"],
                               kind=row["kind"], amount=row["amount"], counterparty=row.get("counterparty", ""),
                               counterparty_account=row.get("counterparty_account", ""), worker=worker,
                               wage_month=row.get("wage_month"), balance_after=row.get("balance_after"))
            check(errors, path, intake.check_account_flow, flow)
            row["_flow"] = flow

    def _deposit_flows(self, rows, errors):
        duplicates(rows, lambda r: (r["deposit_account_no"], r["serial_no"]), errors, "deposit_flows", "serial_no",
                   "同一保证金同一流水号只能有一条")
        numbers = {r["deposit_account_no"] for r in rows}
        deposits = defaultdict(list)
        for deposit in intake.deposits_in_scope(self.user).filter(account_no__in=numbers):
            deposits[deposit.account_no].append(deposit)
        for i, row in enumerate(rows):
            path = f"deposit_flows.{i}"
            found = deposits.get(row["deposit_account_no"], [])
            if len(found) != 1:
                errors.add(f"{path}.deposit_account_no",
                           f"保证金账号“{row['deposit_account_no']}”对应多笔保证金，请联系劳动保障监察机构" if found else
                           f"保证金账号“{row['deposit_account_no']}”未登记或不在您的管辖范围内")
            flow = DepositFlow(deposit=found[0] if len(found) == 1 else None, serial_no=row["serial_no"],
                               booked_at=row["booked_at"], kind=row["kind"], amount=row["amount"],
                               note=row.get("note", ""))
            check(errors, path, intake.check_deposit_flow, flow)
            row["_flow"] = flow


def bank_flow_push(message, data, user) -> dict:
    """Accounts first (flows may name an account opened in the same message), then the flows in bulk;
    balances are settled by intake."""
    counts = intake.Counts()
    for row in data.get("accounts", []):
        account = row["_account"]
        counts.add(intake.commit(account, account._zw_changed))
    flows = []
    for row in data.get("account_flows", []):
        flow = row["_flow"]
        flow.account = flow.account  # takes the id of an account opened by this message, saved just now
        flows.append(flow)
    return {"accounts": counts.as_dict(),
            "account_flows": intake.write_account_flows(flows).as_dict(),
            "deposit_flows": intake.write_deposit_flows([r["_flow"] for r in data.get("deposit_flows", [])]).as_dict()}


# -- insurers and banks: guarantees ----------------------------------------------------------------------------------

class GuaranteeSerializer(serializers.Serializer):
    guarantee_no = text("保函编号", 60, required=True)
    kind = choice("保函类型", Guarantee.Kind.choices, required=True)
    enterprise_uscc = UsccField("施工企业统一社会信用代码")
    project_code = text("项目编码", 40)
    region_code = text("所属区划代码", 20)
    issuer = text("出具机构", 100)
    amount = money("担保金额（元）", required=True, minimum=Decimal("0.01"))
    valid_from = day("生效日期", required=True)
    valid_until = day("到期日期", required=True)
    contact_person = text("企业联系人", 50)
    contact_phone = PhoneField("企业联系电话")


class InsurerGuaranteePushSerializer(serializers.Serializer):
    guarantees = items(GuaranteeSerializer(), "保函", MAX_GUARANTEES, required=True)

    @property
    def user(self):
        return self.context["user"]

    def validate(self, attrs):
        errors = Errors()
        rows = attrs["guarantees"]
        duplicates(rows, lambda r: r["guarantee_no"], errors, "guarantees", "guarantee_no", "同一保函编号只能有一条")
        enterprises = intake.by_key(intake.units(), "uscc", [r["enterprise_uscc"] for r in rows])
        projects = intake.by_key(intake.projects_in_scope(self.user).select_related("region"), "code",
                                 [r.get("project_code") for r in rows])
        regions = intake.by_key(intake.regions_in_scope(self.user), "code", [r.get("region_code") for r in rows])
        issuer = getattr(self.user.organisation, "name", "") if self.user.organisation_id else ""
        for i, row in enumerate(rows):
            path = f"guarantees.{i}"
            _stored(Guarantee, "guarantee_no", row["guarantee_no"], self.user, intake.guarantees_in_scope, errors,
                    f"{path}.guarantee_no", "保函编号")
            enterprise = enterprises.get(row["enterprise_uscc"])
            if enterprise is None:
                errors.add(f"{path}.enterprise_uscc", f"统一社会信用代码“{row['enterprise_uscc']}”的企业未在系统中登记")
            project = None
            if row.get("project_code"):
                project = projects.get(row["project_code"])
                if project is None:
                    errors.add(f"{path}.project_code", f"项目编码“{row['project_code']}”不存在或不在您的管辖范围内")
            region = None
            if row.get("region_code"):
                region = regions.get(row["region_code"])
                if region is None:
                    errors.add(f"{path}.region_code", f"区划代码“{row['region_code']}”不存在或不在您的管辖范围内")
            elif project is not None:
                region = project.region
            elif not row.get("project_code"):
                errors.add(f"{path}.region_code", "请填写所属区划代码（或项目编码，按项目所在区划）")
            if not (row.get("issuer") or issuer):
                errors.add(f"{path}.issuer", "请填写出具机构")
            if enterprise is None or region is None:
                continue
            fields = {k: row[k] for k in ("kind", "amount", "valid_from", "valid_until", "contact_person",
                                          "contact_phone") if k in row}
            fields.update(enterprise=enterprise, project=project, region=region, issuer=row.get("issuer") or issuer)
            guarantee, changed = intake.prepare(Guarantee, {"guarantee_no": row["guarantee_no"]}, fields)
            guarantee._zw_changed = changed
            check(errors, path, intake.check_guarantee, guarantee,
                  {"enterprise": "enterprise_uscc", "region": "region_code", "project": "project_code"})
            row["_guarantee"] = guarantee
        errors.raise_if_any()
        return attrs


def insurer_guarantee_push(message, data, user) -> dict:
    counts = intake.Counts()
    numbers = []
    for row in data["guarantees"]:
        guarantee = row["_guarantee"]
        action = intake.commit(guarantee, guarantee._zw_changed)
        counts.add(action)
        numbers.append({"guarantee_no": guarantee.guarantee_no, "id": guarantee.pk, "action": action})
    return {"guarantees": counts.as_dict(), "items": numbers}


def register():
    from kernel.interfaces.registry import register_inbound

    register_inbound(GUIXINBAO_ENDPOINT, guixinbao_push, GuixinbaoPushSerializer, GUIXINBAO_PERMISSIONS,
                     label="桂薪宝项目实名考勤工资数据推送")
    register_inbound(BANK_ENDPOINT, bank_flow_push, BankFlowPushSerializer, BANK_PERMISSIONS,
                     label="银行工资专用账户及保证金流水推送")
    register_inbound(INSURER_ENDPOINT, insurer_guarantee_push, InsurerGuaranteePushSerializer, INSURER_PERMISSIONS,
                     label="保险公司（银行）保函信息推送")
