"""Excel imports of the supervision database (/gov/exports/import/<key>/), registered when the app is ready.

Every row is validated before anything is saved (kernel.exports.importing): types, choices and dates
by the columns; regions, projects and wage accounts by natural key inside the importer's jurisdiction;
units by credit code among registered organisations; workers by ID number in the real-name registry;
then the rules of intake.py. Errors come back numbered by Excel row, in Chinese, and nothing is written
while one remains. Rows are written by the intake services, in one transaction:

    key                  what                       matched / replaced by
    labor_projects       工程建设项目               项目编码 (update mode)
    labor_workers        农民工实名信息             身份证号码 (update mode)
    labor_contracts      劳动合同                   身份证号码 + 项目编码 (always upserted)
    labor_attendance     考勤记录                   项目编码 + 考勤日期 + 身份证号码 (replaced)
    labor_payroll        工资发放记录               项目编码 + 工资月份 + 身份证号码 (replaced)
    labor_accounts       工资专用账户               专用账户账号 (update mode)
    labor_account_flows  专用账户收支明细           专用账户账号 + 银行流水号 (replaced; balances settled)
    labor_deposits       工资保证金                 保证金账号 (update mode)
    labor_deposit_flows  保证金进出流水             保证金账号 + 流水号 (replaced; balances settled)
    labor_guarantees     保函                       保函编号 (update mode)

The lean tables (attendance, payroll, flows: tens of thousands of rows a file) are written in batches of
1000 by the intake bulk upserts, through BulkImportSpec below (the kernel's ImportSpec saves row by row)."""
import threading
from decimal import Decimal

from django.core.exceptions import ValidationError

from kernel.exports.importing import ImportColumn, ImportSpec
from kernel.exports.registry import register_import
from kernel.org.models import Organisation, Region
from kernel.org.validators import validate_uscc

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
    WageDeposit,
    Worker,
)

ZERO = Decimal("0")
CENT = Decimal("0.01")
PERM = "labor_monitoring.{}"


class BulkImportSpec(ImportSpec):
    """An ImportSpec whose validated rows are written in batches by write_rows(values_list, user).

    kernel.exports.importing validates every row, then (only for a file without errors) calls save_row
    for each row inside one transaction, and has no hook for "all rows saved". This subclass collects
    the rows of the running import and hands them to write_rows every BATCH rows and once more at the
    end, where the kernel reads `check_scope` (after the last row, before the commit; lean tables have
    no scope of their own: their project, account or deposit column is already limited to the
    importer's jurisdiction). `defaults` is called at the start of validating and of saving, which
    drops whatever an aborted run left. An import runs in one thread: the buffer is per thread.
    A database error in a batch written by save_row is reported by the kernel on that row and rolls the
    file back; one in the last batch (written from check_scope) rolls it back and propagates (the
    upserts cannot conflict on their keys, so only a broken database gets there).
    Kernel change proposed instead: ImportSpec.save_rows(values_list, user), called per chunk."""

    BATCH = intake.BATCH
    _runs = threading.local()

    def __init__(self, *, write_rows, **kwargs):
        self.write_rows = write_rows
        super().__init__(save_row=self._collect, defaults=self._begin, **kwargs)

    def _state(self) -> dict:
        runs = getattr(self._runs, "specs", None)
        if runs is None:
            runs = self._runs.specs = {}
        return runs.setdefault(id(self), {"rows": [], "user": None})

    def _begin(self, user):
        self._state().update(rows=[], user=user)
        return {}

    def _collect(self, values, instance, user):
        state = self._state()
        state["user"] = user
        state["rows"].append(values)
        if len(state["rows"]) >= self.BATCH:
            self.flush()

    def flush(self):
        state = self._state()
        rows, state["rows"] = state["rows"], []
        if rows:
            self.write_rows(rows, state["user"])

    @property
    def check_scope(self):
        self.flush()  # the rows after the last full batch
        return False

    @check_scope.setter
    def check_scope(self, value):
        pass  # the dataclass __init__ assigns it; a lean table is never scope-checked row by row


def _region_reference(user):
    return [(r.code, "　" * (r.level - 1) + r.name)
            for r in intake.regions_in_scope(user).order_by("path").only("code", "name", "level")]


def _units(user):
    return intake.units()


def _workers(user):
    return intake.workers()


def _region_column(header, help_text, example="450103"):
    return ImportColumn(header, "region", "fk", required=True, fk_model=Region, fk_field="code",
                        fk_queryset=intake.regions_in_scope, reference=_region_reference, help=help_text,
                        example=example)


def _unit_column(header, field, required=False, example=""):
    return ImportColumn(header, field, "fk", required=required, fk_model=Organisation, fk_field="uscc",
                        fk_queryset=_units, width=26, help="须为系统中已登记的单位", example=example)


def _project_column(required=True):
    return ImportColumn("项目编码", "project", "fk", required=required, fk_model=Project, fk_field="code",
                        fk_queryset=intake.projects_in_scope, width=24, help="须为您管辖范围内已登记的项目",
                        example="GX450103-2024-001")


def _worker_column(header="身份证号码", field="worker", required=True):
    return ImportColumn(header, field, "fk", required=required, fk_model=Worker, fk_field="id_number",
                        fk_queryset=_workers, width=22, help="须为已实名登记的农民工（先导入农民工实名信息）",
                        example="450103199001011234")


def _money(header, field, required=False, minimum=ZERO, help_text=""):
    return ImportColumn(header, field, "decimal", required=required, min_value=minimum, decimal_places=2,
                        help=help_text, example="12000.00")


def _rule_errors(check, instance, rename=None):
    """Run an intake rule; its errors keyed by model field (renamed to the column field where they differ)."""
    try:
        check(instance)
    except ValidationError as exc:
        rename = rename or {}
        return {rename.get(name, name): messages for name, messages in exc.message_dict.items()}
    return {}


def _raise(errors):
    if errors:
        raise ValidationError(errors)


def _resolved(values, *names):
    """The foreign keys of a row when every one was resolved (a failed look-up leaves its text)."""
    objs = [values.get(n) for n in names]
    return objs if all(o is not None and not isinstance(o, str) for o in objs) else None


# -- projects ----------------------------------------------------------------------------------------------

def resolve_subcontractors(text):
    """(organisations, error message) of a ';'-separated list of credit codes."""
    codes = list(dict.fromkeys(intake.split_usccs(text)))
    bad = []
    for code in codes:
        try:
            validate_uscc(code)
        except ValidationError as exc:
            bad.append(f"“{code}”{'；'.join(exc.messages)}")
    if bad:
        return [], "；".join(bad)
    found = intake.by_key(intake.units(), "uscc", codes)
    missing = [c for c in codes if c not in found]
    if missing:
        return [], "、".join(f"“{c}”" for c in missing) + "不存在，劳务分包单位须为系统中已登记的单位"
    return [found[c] for c in codes], ""


def _validate_project(values, instance, user):
    errors = {}
    subcontractors = ()
    if values.get("subcontractor_usccs"):
        subcontractors, message = resolve_subcontractors(values["subcontractor_usccs"])
        if message:
            errors["subcontractor_usccs"] = message
    errors.update(_rule_errors(lambda p: intake.check_project(p, subcontractors), instance,
                               {"subcontractors": "subcontractor_usccs"}))
    _raise(errors)


def _save_project(values, instance, user):
    subcontractors = None  # an empty cell keeps the list
    if values.get("subcontractor_usccs"):
        subcontractors, _ = resolve_subcontractors(values["subcontractor_usccs"])
    intake.save_project(instance, subcontractors)
    return instance


PROJECT_IMPORT = ImportSpec(
    title="工程建设项目",
    model=Project,
    key="code",
    updatable=intake.projects_in_scope,
    validate_row=_validate_project,
    save_row=_save_project,
    notes=["7. 项目所在区划须为您管辖范围内的县（市、区）、乡镇或网格；建设单位、施工总承包单位、监理单位和劳务分包单位"
           "按统一社会信用代码匹配，须已在系统中登记（可先导入企业信息）。",
           "8. 劳务分包单位可填写多个，用英文分号“;”分隔；更新已有项目时填写则整体替换原名单，留空则保持原名单。"],
    columns=[
        ImportColumn("项目编码", "code", required=True, unique=True, width=24, example="GX450103-2024-001"),
        ImportColumn("项目名称", "name", required=True, width=36, example="青秀区某某安置房项目"),
        _region_column("项目所在区划代码", "县（市、区）、乡镇或网格的区划代码，须在您的管辖范围内"),
        ImportColumn("项目地址", "address", width=36, example="南宁市青秀区民族大道1号"),
        _unit_column("建设单位统一社会信用代码", "construction_unit", required=True),
        _unit_column("施工总承包单位统一社会信用代码", "general_contractor", required=True),
        _unit_column("监理单位统一社会信用代码", "supervising_unit"),
        ImportColumn("劳务分包单位统一社会信用代码", "subcontractor_usccs", max_length=2000, width=40,
                     help="多个用英文分号“;”分隔，均须为系统中已登记的单位"),
        ImportColumn("项目类型", "project_type", "choice", choices=Project.Type.choices, help="留空为“房屋建筑工程”",
                     example="房屋建筑工程"),
        ImportColumn("资金来源", "funding_source", "choice", choices=Project.Funding.choices, help="留空为“社会资金”",
                     example="政府投资"),
        ImportColumn("行业主管部门", "industry_authority", example="青秀区住房和城乡建设局"),
        ImportColumn("监管部门", "supervising_department", example="青秀区人力资源和社会保障局"),
        ImportColumn("开工日期", "start_date", "date", example="2024-03-01"),
        _money("中标合同价（万元）", "contract_price"),
        ImportColumn("约定人工费用比例（%）", "labour_cost_share", "decimal", min_value=ZERO, max_value=Decimal("100"),
                     decimal_places=2, help="留空为20", example="20"),
        ImportColumn("项目状态", "status", "choice", choices=Project.Status.choices, help="留空为“在建”", example="在建"),
        ImportColumn("施工许可证号", "permit_no", example="450103202403010101"),
        ImportColumn("施工许可证有效期至", "permit_valid_until", "date", example="2026-03-01"),
        ImportColumn("总包单位资质证书编号", "contractor_qualification_no", example="D245012345"),
        ImportColumn("资质有效期至", "contractor_qualification_valid_until", "date", example="2027-12-31"),
        ImportColumn("项目经理", "project_manager", example="黄工"),
        ImportColumn("项目经理电话", "project_manager_phone", "phone", example="13877110001"),
        ImportColumn("项目负责人", "project_lead", example="韦总"),
        ImportColumn("劳资专管员", "wage_officer", example="李劳资"),
        ImportColumn("劳资专管员电话", "wage_officer_phone", "phone", example="13877110002"),
    ],
)


# -- workers -----------------------------------------------------------------------------------------------

def _save_worker(values, instance, user):
    intake.save_worker(instance)
    return instance


WORKER_IMPORT = ImportSpec(
    title="农民工实名信息",
    model=Worker,
    key="id_number",
    validate_row=lambda values, instance, user: intake.check_worker(instance),
    save_row=_save_worker,
    notes=["7. 身份证号码校验出生日期和校验位；已登记的农民工按身份证号码更新（须勾选“更新已存在的记录”）。",
           "8. 所在区划一般为农民工当前务工项目所在地；导入劳动合同后，农民工的所在区划和用工单位随最新在岗合同更新。"],
    columns=[
        ImportColumn("姓名", "name", required=True, example="韦某某"),
        ImportColumn("身份证号码", "id_number", "id_number", required=True, unique=True, width=22,
                     example="450103199001011234"),
        ImportColumn("性别", "gender", "choice", choices=[("男", "男"), ("女", "女")], help="留空按身份证号码判断",
                     example="男"),
        ImportColumn("手机号码", "phone", "phone", example="13877112233"),
        ImportColumn("工资卡号", "bank_card", width=24, help="12至30位数字", example="6228480000000000001"),
        ImportColumn("工资卡开户行", "bank_name", example="中国农业银行南宁分行"),
        ImportColumn("籍贯", "hometown", example="广西百色市田东县"),
        _region_column("所在区划代码", "农民工当前务工所在的区划代码，须在您的管辖范围内"),
        _unit_column("用工单位统一社会信用代码", "employer"),
        ImportColumn("实名登记日期", "registered_on", "date", example="2024-03-05"),
    ],
)


# -- contracts ---------------------------------------------------------------------------------------------

CONTRACT_FIELDS = ("employer", "team", "job_type", "signed_on", "start_on", "end_on", "daily_wage", "status")


def _contract_of(values, instance):
    """The contract a row becomes: the live contract of the worker on the project with the row's filled
    cells applied (empty cells keep the stored value), or the new one."""
    worker, project = values["worker"], values["project"]
    existing = intake.live_contract(worker, project)
    if existing is None:
        return instance, False
    filled = {f: values[f] for f in CONTRACT_FIELDS if values.get(f) is not None}
    if isinstance(filled.get("employer"), str):  # a credit code that was not found (reported by its column)
        del filled["employer"]
    intake.assign(existing, filled)
    return existing, True


def _validate_contract(values, instance, user):
    if _resolved(values, "worker", "project") is None:
        intake.check_contract(instance)
        return
    contract, exists = _contract_of(values, instance)
    if exists and not user.has_perm("labor_monitoring.change_contract"):
        raise ValidationError("该农民工在该项目已有劳动合同，您没有更新劳动合同的权限")
    intake.check_contract(contract)


def _save_contract(values, instance, user):
    contract, _ = _contract_of(values, instance)
    return intake.save_contract(contract)


CONTRACT_IMPORT = ImportSpec(
    title="劳动合同",
    model=Contract,
    validate_row=_validate_contract,
    save_row=_save_contract,
    notes=["7. 同一农民工在同一项目只有一份劳动合同：已有合同的按本行更新（留空的选填列保持原值），没有的新增。",
           "8. 农民工按身份证号码匹配，须已实名登记；项目按项目编码匹配，须在您的管辖范围内；用工单位按统一社会信用代码匹配。"],
    columns=[
        _worker_column(),
        _project_column(),
        _unit_column("用工单位统一社会信用代码", "employer", required=True),
        ImportColumn("班组", "team", example="钢筋班"),
        ImportColumn("工种", "job_type", example="钢筋工"),
        ImportColumn("合同签订日期", "signed_on", "date", example="2024-03-01"),
        ImportColumn("进场日期", "start_on", "date", required=True, example="2024-03-05"),
        ImportColumn("合同终止日期", "end_on", "date", example="2025-03-04"),
        _money("约定日工资（元）", "daily_wage", required=True),
        ImportColumn("用工状态", "status", "choice", choices=Contract.Status.choices,
                     help="留空为“在岗”；已退场须填写合同终止日期", example="在岗"),
    ],
)


# -- attendance and payroll (lean tables) ---------------------------------------------------------------------

def _validate_attendance(values, instance, user):
    intake.check_attendance(instance)  # an empty 工时 keeps the model's default of 8 hours


def _write_attendance(rows, user):
    intake.write_attendance([Attendance(project=v["project"], worker=v["worker"], work_date=v["work_date"],
                                        hours=v.get("hours") or Decimal("8.0")) for v in rows], intake.SOURCE_IMPORT)


ATTENDANCE_IMPORT = BulkImportSpec(
    title="考勤记录",
    model=Attendance,
    validate_row=_validate_attendance,
    write_rows=_write_attendance,
    notes=["7. 同一项目、同一日期、同一农民工只保留一条考勤：已有的按本行替换工时，不会重复；文件中重复的以最后一行为准。",
           "8. 农民工须已实名登记；项目须在您的管辖范围内。"],
    columns=[
        _project_column(),
        _worker_column(),
        ImportColumn("考勤日期", "work_date", "date", required=True, example="2024-05-06"),
        ImportColumn("工时", "hours", "decimal", min_value=ZERO, max_value=Decimal("24"), decimal_places=1,
                     help="留空为8小时", example="8"),
    ],
)


def _parsed(field, parse):
    """A text cell parsed into the instance (the model checks a date or a moment, not the text): its errors."""
    def apply(values, instance):
        text = values.get(field)
        if text is None:
            return {}
        try:
            setattr(instance, field, parse(text))
        except ValidationError as exc:
            setattr(instance, field, None)
            return {field: exc.messages}
        return {}
    return apply


def _checked(check, *cells):
    """A validate_row: parse the text cells into the instance, then run the intake rule; every error at once."""
    def validate(values, instance, user):
        errors = {}
        for cell in cells:
            errors.update(cell(values, instance))
        errors.update(_rule_errors(check, instance))
        _raise(errors)
    return validate


MONTH = _parsed("month", intake.parse_month)
WAGE_MONTH = _parsed("wage_month", intake.parse_month)
BOOKED_AT = _parsed("booked_at", intake.parse_datetime)


def _write_payroll(rows, user):
    intake.write_payroll([Payroll(project=v["project"], worker=v["worker"], month=intake.parse_month(v["month"]),
                                  days_worked=v.get("days_worked") or 0, amount_payable=v["amount_payable"],
                                  amount_paid=v.get("amount_paid") or ZERO, paid_on=v.get("paid_on"))
                          for v in rows])


PAYROLL_IMPORT = BulkImportSpec(
    title="工资发放记录",
    model=Payroll,
    validate_row=_checked(intake.check_payroll, MONTH),
    write_rows=_write_payroll,
    notes=["7. 同一项目、同一月份、同一农民工只保留一行工资：已有的按本行替换。",
           "8. 工资月份填写年月，如 2024-05；实发工资大于0时须填写发放日期。"],
    columns=[
        _project_column(),
        ImportColumn("工资月份", "month", required=True, max_length=10, help="填写年月，如 2024-05", example="2024-05"),
        _worker_column(),
        ImportColumn("出勤天数", "days_worked", "int", min_value=0, max_value=31, example="22"),
        _money("应发工资（元）", "amount_payable", required=True),
        _money("实发工资（元）", "amount_paid", help_text="留空为0"),
        ImportColumn("发放日期", "paid_on", "date", example="2024-06-10"),
    ],
)


# -- wage special accounts and their flows --------------------------------------------------------------------

def _save_instance(values, instance, user):
    instance.save()
    return instance


ACCOUNT_IMPORT = ImportSpec(
    title="工资专用账户",
    model=WageAccount,
    key="account_no",
    updatable=intake.accounts_in_scope,
    validate_row=lambda values, instance, user: intake.check_account(instance),
    save_row=_save_instance,
    notes=["7. 项目须在您的管辖范围内；开户单位按统一社会信用代码匹配，一般应为施工总承包单位。",
           "8. 账户余额为开户或导入时的余额；此后按银行报送的收支明细更新。"],
    columns=[
        ImportColumn("专用账户账号", "account_no", required=True, unique=True, width=26, example="45001604051050000001"),
        ImportColumn("户名", "account_name", required=True, width=36, example="某某建设有限公司农民工工资专用账户"),
        ImportColumn("开户银行", "bank", required=True, width=28, example="中国建设银行南宁民族支行"),
        _project_column(),
        _unit_column("开户单位统一社会信用代码", "opener", required=True),
        ImportColumn("开户日期", "opened_on", "date", required=True, example="2024-03-01"),
        _money("账户余额（元）", "balance", help_text="留空为0"),
        ImportColumn("账户状态", "status", "choice", choices=WageAccount.Status.choices, help="留空为“正常”",
                     example="正常"),
    ],
)


def _account_flow(v):
    return AccountFlow(account=v["account"], serial_no=v["serial_no"], booked_at=intake.parse_datetime(v["booked_at"]),
                       kind=v["kind"], amount=v["amount"], counterparty=v.get("counterparty") or "",
                       counterparty_account=v.get("counterparty_account") or "", worker=v.get("worker"),
                       wage_month=intake.parse_month(v["wage_month"]) if v.get("wage_month") else None,
                       balance_after=v.get("balance_after"))


def _write_account_flows(rows, user):
    intake.write_account_flows([_account_flow(v) for v in rows])


ACCOUNT_FLOW_IMPORT = BulkImportSpec(
    title="专用账户收支明细",
    model=AccountFlow,
    validate_row=_checked(intake.check_account_flow, BOOKED_AT, WAGE_MONTH),
    write_rows=_write_account_flows,
    notes=["7. 同一账户同一银行流水号只保留一条：已有的按本行替换，不会重复入账。",
           "8. 账户余额：最新一笔（按交易时间）填写了交易后余额的，以该余额为准；否则按导入的收入、支出增减。",
           "9. 交易时间格式如 2024-05-31 16:20:00；工资所属月份格式如 2024-05。"],
    columns=[
        ImportColumn("专用账户账号", "account", "fk", required=True, fk_model=WageAccount, fk_field="account_no",
                     fk_queryset=intake.accounts_in_scope, width=26, help="须为您管辖范围内已登记的工资专用账户",
                     example="45001604051050000001"),
        ImportColumn("银行流水号", "serial_no", required=True, width=26, example="20240531000123"),
        ImportColumn("交易时间", "booked_at", required=True, max_length=30, width=22, example="2024-05-31 16:20:00"),
        ImportColumn("交易类型", "kind", "choice", required=True, choices=AccountFlow.Kind.choices, example="工资代发"),
        _money("金额（元）", "amount", required=True, minimum=CENT),
        ImportColumn("对方户名", "counterparty", example="韦某某"),
        ImportColumn("对方账号", "counterparty_account", width=24, example="6228480000000000001"),
        _worker_column("收款农民工身份证号码", required=False),
        ImportColumn("工资所属月份", "wage_month", max_length=10, help="工资代发填写，如 2024-05", example="2024-05"),
        ImportColumn("交易后余额（元）", "balance_after", "decimal", decimal_places=2, example="356000.00"),
    ],
)


# -- wage deposits and their flows ------------------------------------------------------------------------------

DEPOSIT_IMPORT = ImportSpec(
    title="工资保证金",
    model=WageDeposit,
    key="account_no",
    updatable=intake.deposits_in_scope,
    validate_row=lambda values, instance, user: intake.check_deposit(instance),
    save_row=_save_instance,
    notes=["7. 保证金按保证金账号识别，进出流水按保证金账号归集；存储地区划须在您的管辖范围内。",
           "8. 账户余额为导入时的余额；此后按导入或银行报送的进出流水增减。"],
    columns=[
        ImportColumn("保证金账号", "account_no", required=True, unique=True, width=26, example="45001604051059000001"),
        _unit_column("施工企业统一社会信用代码", "enterprise", required=True),
        _project_column(required=False),
        _region_column("存储地区划代码", "保证金存储地的区划代码，须在您的管辖范围内", example="450100"),
        ImportColumn("存储方式", "form", "choice", choices=WageDeposit.Form.choices, help="留空为“现金存储”",
                     example="现金存储"),
        _money("应存金额（元）", "required_amount", required=True),
        _money("账户余额（元）", "balance", help_text="留空为0"),
        ImportColumn("存储银行", "bank", example="中国工商银行南宁分行"),
        ImportColumn("应存期限", "due_on", "date", example="2024-04-30"),
    ],
)


def _write_deposit_flows(rows, user):
    intake.write_deposit_flows([DepositFlow(deposit=v["deposit"], serial_no=v["serial_no"],
                                            booked_at=intake.parse_datetime(v["booked_at"]), kind=v["kind"],
                                            amount=v["amount"], note=v.get("note") or "") for v in rows])


DEPOSIT_FLOW_IMPORT = BulkImportSpec(
    title="保证金进出流水",
    model=DepositFlow,
    validate_row=_checked(intake.check_deposit_flow, BOOKED_AT),
    write_rows=_write_deposit_flows,
    notes=["7. 同一保证金同一流水号只保留一条：已有的按本行替换，余额按差额调整，不会重复入账。",
           "8. 存储、补存增加余额，划拨、退还减少余额。"],
    columns=[
        ImportColumn("保证金账号", "deposit", "fk", required=True, fk_model=WageDeposit, fk_field="account_no",
                     fk_queryset=intake.deposits_in_scope, width=26, help="须为您管辖范围内已登记的工资保证金",
                     example="45001604051059000001"),
        ImportColumn("流水号", "serial_no", required=True, width=26, example="BZJ20240501001"),
        ImportColumn("交易时间", "booked_at", required=True, max_length=30, width=22, example="2024-05-01 10:00:00"),
        ImportColumn("类型", "kind", "choice", required=True, choices=DepositFlow.Kind.choices, example="存储"),
        _money("金额（元）", "amount", required=True, minimum=CENT),
        ImportColumn("摘要", "note", width=30, example="项目开工存储"),
    ],
)


# -- guarantees -------------------------------------------------------------------------------------------------

GUARANTEE_IMPORT = ImportSpec(
    title="保函",
    model=Guarantee,
    key="guarantee_no",
    validate_row=lambda values, instance, user: intake.check_guarantee(instance),
    save_row=_save_instance,
    notes=["7. 保函按保函编号识别；施工企业按统一社会信用代码匹配；所属区划须在您的管辖范围内。"],
    columns=[
        ImportColumn("保函编号", "guarantee_no", required=True, unique=True, width=26, example="BH4501002024000001"),
        ImportColumn("保函类型", "kind", "choice", required=True, choices=Guarantee.Kind.choices, example="保险保函"),
        _unit_column("施工企业统一社会信用代码", "enterprise", required=True),
        _project_column(required=False),
        _region_column("所属区划代码", "保函所属的区划代码，须在您的管辖范围内"),
        ImportColumn("出具机构（保险公司/银行）", "issuer", required=True, width=30,
                     example="中国人民财产保险股份有限公司南宁市分公司"),
        _money("担保金额（元）", "amount", required=True, minimum=CENT),
        ImportColumn("生效日期", "valid_from", "date", required=True, example="2024-03-01"),
        ImportColumn("到期日期", "valid_until", "date", required=True, example="2025-02-28"),
        ImportColumn("企业联系人", "contact_person", example="黄某"),
        ImportColumn("企业联系电话", "contact_phone", "phone", example="13877113344"),
    ],
)


PROJECTS = ("工程建设项目", "gov:labor_project_list")
# key: (spec, permission, update permission, the list page the import feeds)
IMPORTS = {
    "labor_projects": (PROJECT_IMPORT, "import_project", "change_project", PROJECTS),
    "labor_workers": (WORKER_IMPORT, "add_worker", "change_worker", ("农民工实名信息", "gov:labor_worker_list")),
    "labor_contracts": (CONTRACT_IMPORT, "add_contract", None, PROJECTS),
    "labor_attendance": (ATTENDANCE_IMPORT, "add_attendance", None, PROJECTS),
    "labor_payroll": (PAYROLL_IMPORT, "add_payroll", None, PROJECTS),
    "labor_accounts": (ACCOUNT_IMPORT, "add_wageaccount", "change_wageaccount", ("工资专用账户", "gov:labor_account_list")),
    "labor_account_flows": (ACCOUNT_FLOW_IMPORT, "add_accountflow", None, ("工资专用账户", "gov:labor_account_list")),
    "labor_deposits": (DEPOSIT_IMPORT, "add_wagedeposit", "change_wagedeposit", ("工资保证金", "gov:labor_deposit_list")),
    "labor_deposit_flows": (DEPOSIT_FLOW_IMPORT, "add_depositflow", None, ("工资保证金", "gov:labor_deposit_list")),
    "labor_guarantees": (GUARANTEE_IMPORT, "add_guarantee", "change_guarantee", ("保函", "gov:labor_guarantee_list")),
}

for _key, (_spec, _perm, _update_perm, _back) in IMPORTS.items():
    register_import(_key, _spec, PERM.format(_perm),
                    update_permission=PERM.format(_update_perm) if _update_perm else None, back=_back)
