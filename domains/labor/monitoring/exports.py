"""Columns of the supervision-database lists: one definition serves each page and its Excel export
(kernel.ui.tables.Column), so the export shows the same labels, states and masked personal data.

Money shows with two decimals and thousands separators on the page and goes into Excel as a number."""
from decimal import Decimal

from django.urls import reverse
from django.utils.html import format_html

from kernel.ui.tables import Column

from . import services

RED, ORANGE, GREEN, GREY, BLUE = "#dc3545", "#fd7e14", "#198754", "#6c757d", "#0d6efd"
STATE_COLOURS = {"expired": RED, "expiring": ORANGE, "valid": GREEN, "pending": BLUE, "missing": GREY}
PROJECT_STATUS_COLOURS = {"preparing": GREY, "building": GREEN, "suspended": ORANGE, "completed": BLUE}
IDENTITY_PERM = "labor_monitoring.view_worker_identity"


def money(value, places=2):
    """1234567.5 → "1,234,567.50" (empty for None)."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.{places}f}"


class MoneyColumn(Column):
    """An amount: "1,234.50" on the page, a number in Excel."""

    def __init__(self, name, label, **kwargs):
        kwargs.setdefault("width", 16)
        super().__init__(name, label, **kwargs)

    def html(self, obj, user=None, link=True):
        value = self.raw(obj)
        if value is None:
            return ""
        text = money(value)
        if self.colour is not None and value:
            return format_html('<span class="badge" style="background:{}">{}</span>', self.colour(obj), text)
        return format_html('<span class="zw-money">{}</span>', text)

    def export_value(self, obj, user=None):
        value = self.raw(obj)
        return None if value is None else float(value)


class StateColumn(Column):
    """A computed state (label, colour) as a badge; its label in the export."""

    def __init__(self, name, label, state, **kwargs):
        super().__init__(name, label, sortable=False, **kwargs)
        self.state = state  # obj -> (code, label)

    def raw(self, obj):
        return self.state(obj)[1]

    def html(self, obj, user=None, link=True):
        code, label = self.state(obj)
        return format_html('<span class="badge" style="background:{}" data-state="{}">{}</span>',
                           STATE_COLOURS.get(code, GREY), code, label)


class LinkColumn(Column):
    """A related record's text linking to its page (url name with the related pk)."""

    def __init__(self, name, label, url_name, pk_attr, **kwargs):
        super().__init__(name, label, **kwargs)
        self.url_name, self.pk_attr = url_name, pk_attr

    def html(self, obj, user=None, link=True):
        value = self.display(obj, user)
        pk = getattr(obj, self.pk_attr, None)
        if not value or pk is None:  # links on detail pages too
            return value
        return format_html('<a href="{}">{}</a>', reverse(self.url_name, args=[pk]), value)


def _org(name, label, **kwargs):
    return Column(name, label, accessor=f"{name}.name", order_by=f"{name}__name", width=30, **kwargs)


def _project_link(**kwargs):
    return LinkColumn("project", "项目", "gov:labor_project_detail", "project_id", accessor="project.name",
                      order_by="project__name", width=30, **kwargs)


# -- projects ---------------------------------------------------------------------------------------
def _permit(p):
    if not p.permit_no:
        return "missing", "未登记"
    return services.certificate_state(p.permit_valid_until)


def _qualification(p):
    if not p.contractor_qualification_no:
        return "missing", "未登记"
    return services.certificate_state(p.contractor_qualification_valid_until)


PROJECT_COLUMNS = [
    Column("code", "项目编码", link="gov:labor_project_detail", width=20),
    Column("name", "项目名称", link="gov:labor_project_detail", width=36),
    Column("region", "所在区划", accessor="region.name", order_by="region__path"),
    _org("construction_unit", "建设单位"),
    _org("general_contractor", "施工总承包单位"),
    _org("supervising_unit", "监理单位", default=False),
    Column("project_type", "项目类型", choices=True),
    Column("funding_source", "资金来源", choices=True),
    Column("industry_authority", "行业主管部门", default=False, width=20),
    Column("supervising_department", "监管部门", default=False, width=20),
    Column("start_date", "开工日期"),
    MoneyColumn("contract_price", "中标合同价（万元）"),
    Column("status", "项目状态", choices=True, colour=lambda p: PROJECT_STATUS_COLOURS.get(p.status, GREY)),
    StateColumn("permit_state", "施工许可证", _permit),
    Column("permit_valid_until", "许可证有效期至", default=False),
    StateColumn("qualification_state", "总包资质", _qualification, default=False),
    Column("project_manager", "项目经理", default=False),
    Column("wage_officer", "劳资专管员", default=False),
    Column("address", "项目地址", sortable=False, default=False, width=36),
]
PROJECT_SELECT = ("region", "construction_unit", "general_contractor", "supervising_unit")


# -- workers ----------------------------------------------------------------------------------------
WORKER_COLUMNS = [
    Column("name", "姓名", link="gov:labor_worker_detail", width=12),
    Column("id_number", "身份证号码", mask="id_number", unmask_perm=IDENTITY_PERM, sortable=False, width=22),
    Column("gender", "性别", default=False, width=6),
    Column("phone", "手机号码", mask="phone", unmask_perm=IDENTITY_PERM, sortable=False, width=14),
    _org("employer", "用工单位"),
    Column("region", "所在区划", accessor="region.name", order_by="region__path"),
    LinkColumn("current_project", "当前项目", "gov:labor_project_detail", "current_project_id", sortable=False,
               width=30),
    Column("hometown", "籍贯", default=False),
    Column("registered_on", "实名登记日期"),
]
WORKER_SELECT = ("region", "employer")


# -- wage special accounts --------------------------------------------------------------------------
def _opener_state(a):
    if a.opener_id == a.project.general_contractor_id:
        return "valid", "是"
    return "expired", "否"


ACCOUNT_COLUMNS = [
    Column("account_no", "账号", link="gov:labor_account_detail", width=24),
    Column("account_name", "户名", width=30),
    Column("bank", "开户银行", width=24),
    _project_link(),
    Column("region", "项目所在区划", accessor="project.region.name", order_by="project__region__path"),
    _org("opener", "开户单位"),
    StateColumn("opener_is_contractor", "开户单位为总包", _opener_state),
    Column("opened_on", "开户日期"),
    MoneyColumn("balance", "账户余额（元）"),
    Column("status", "账户状态", choices=True,
           colour=lambda a: {"open": GREEN, "frozen": ORANGE, "closed": GREY}.get(a.status, GREY)),
]
ACCOUNT_SELECT = ("project", "project__region", "opener")


# -- deposits ---------------------------------------------------------------------------------------
DEPOSIT_COLUMNS = [
    Column("enterprise", "施工企业", accessor="enterprise.name", order_by="enterprise__name",
           link="gov:labor_deposit_detail", width=30),
    _project_link(),
    Column("region", "存储地区划", accessor="region.name", order_by="region__path"),
    Column("form", "存储方式", choices=True),
    MoneyColumn("required_amount", "应存金额（元）"),
    MoneyColumn("balance", "账户余额（元）"),
    MoneyColumn("shortfall", "缺口金额（元）", colour=lambda d: RED),
    Column("due_on", "应存期限"),
    Column("bank", "存储银行", default=False, width=24),
    Column("account_no", "保证金账号", default=False, width=24),
]
DEPOSIT_SELECT = ("enterprise", "project", "region")


# -- guarantees -------------------------------------------------------------------------------------
GUARANTEE_COLUMNS = [
    Column("guarantee_no", "保函编号", link="gov:labor_guarantee_detail", width=24),
    Column("kind", "保函类型", choices=True),
    _org("enterprise", "施工企业"),
    _project_link(),
    Column("region", "所属区划", accessor="region.name", order_by="region__path"),
    Column("issuer", "出具机构", width=24),
    MoneyColumn("amount", "担保金额（元）"),
    Column("valid_from", "生效日期"),
    Column("valid_until", "到期日期"),
    StateColumn("validity", "有效状态", services.guarantee_state),
    Column("contact_person", "企业联系人", default=False),
    Column("contact_phone", "企业联系电话", mask="phone", sortable=False, default=False),
]
GUARANTEE_SELECT = ("enterprise", "project", "region")


# -- reminder library (§A3 (3)) ---------------------------------------------------------------------
def _sms_state(r):
    if r.sms_id is None:
        return "missing", "未发送"
    code = {"delivered": "valid", "sent": "pending", "failed": "expired", "undelivered": "expired"}.get(
        r.sms.status, "missing")
    return code, r.sms.get_status_display()


REMINDER_COLUMNS = [
    LinkColumn("guarantee", "保函编号", "gov:labor_guarantee_detail", "guarantee_id",
               accessor="guarantee.guarantee_no", order_by="guarantee__guarantee_no", width=24),
    Column("kind", "保函类型", accessor="guarantee.kind", choices=True, order_by="guarantee__kind"),
    Column("enterprise", "施工企业", accessor="guarantee.enterprise.name", order_by="guarantee__enterprise__name",
           width=30),
    Column("issuer", "出具机构", accessor="guarantee.issuer", order_by="guarantee__issuer", default=False, width=24),
    Column("valid_until", "到期日期"),
    Column("phone", "短信号码", mask="phone", sortable=False),
    Column("reminded_at", "提醒时间"),
    StateColumn("sms_status", "短信状态", _sms_state),
    Column("note", "说明", sortable=False, default=False, width=30),
]
REMINDER_SELECT = ("guarantee", "guarantee__enterprise", "sms")


# -- differentiated-storage registry (§A3 (1)) ------------------------------------------------------
DIFFERENTIATED_COLUMNS = [
    Column("enterprise", "施工企业", accessor="enterprise.name", order_by="enterprise__name",
           link="gov:labor_differentiated_detail", width=30),
    Column("uscc", "统一社会信用代码", accessor="enterprise.uscc", order_by="enterprise__uscc", width=22),
    Column("region", "备案区划", accessor="region.name", order_by="region__path"),
    Column("ratio", "存储比例（%）", fmt=lambda v: f"{v:.2f}"),
    Column("reason", "差异化原因", sortable=False, width=36),
    Column("valid_from", "生效日期"),
    Column("valid_until", "失效日期"),
    StateColumn("state", "备案状态", services.differentiated_state),
    Column("created_at", "备案时间", default=False),
]
DIFFERENTIATED_SELECT = ("enterprise", "region")
