"""Reference data of the supervision database: the machine-client role of the data pushers (桂薪宝,
banks, insurers) and the guarantee-expiry SMS template. The staff roles are in
domains.labor.inspection.reference (one system, one set of roles)."""
from kernel.accounts.reference import load_roles
from kernel.notify.models import SmsTemplate

PUSH_PERMS = [
    "labor_monitoring.add_project", "labor_monitoring.change_project", "labor_monitoring.add_worker",
    "labor_monitoring.change_worker", "labor_monitoring.add_contract", "labor_monitoring.change_contract", "labor_monitoring.add_attendance",
    "labor_monitoring.add_payroll", "labor_monitoring.add_wageaccount", "labor_monitoring.add_accountflow",
    "labor_monitoring.add_wagedeposit", "labor_monitoring.add_depositflow", "labor_monitoring.add_guarantee",
    "labor_monitoring.change_guarantee",
]
ROLES = {
    "labor_data_pusher": ("监管数据推送接口", "all", PUSH_PERMS,
                          "桂薪宝、银行、保险公司等外部平台推送项目、实名、考勤、工资、账户流水和保函数据"),
}
SMS_TEMPLATES = [
    ("labor_guarantee_expiring", "保函到期提醒",
     "{enterprise}：贵单位{kind}（编号{no}）将于{valid_until}到期，请及时续保或足额存储工资保证金。"),
]


def load():
    load_roles(ROLES)
    for code, name, text in SMS_TEMPLATES:
        SmsTemplate.objects.get_or_create(code=code, defaults={"name": name, "content": text})
    return f"接口角色{len(ROLES)}个，短信模板{len(SMS_TEMPLATES)}个"
