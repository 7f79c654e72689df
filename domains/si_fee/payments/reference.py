"""Permissions of the payment app added to the tax roles (defined in si_rules), the role of social security's
pushing system, the SMS template of a successful payment, and the warning rule of reconciliation differences."""
from kernel.accounts.reference import load_roles

# Reconciliation: both tax roles see the runs and their region's differences and mark them handled; the
# differences are also warnings (rule si_reconciliation_difference), handled with the alert permissions.
RECONCILIATION = ["si_pay.view_reconciliationrun", "si_pay.view_reconciliationdifference",
                  "si_pay.resolve_reconciliationdifference", "alerts.view_warning"]
EXTRA = {
    "si_tax_admin": ["si_pay.view_paymentorder", "si_pay.export_paymentorder", "si_pay.view_paymentline",
                     "si_pay.view_payable", *RECONCILIATION, "alerts.review_warning", "alerts.assign_warning",
                     "alerts.release_warning"],
    "si_tax_clerk": ["si_pay.view_paymentorder", "si_pay.export_paymentorder", "si_pay.view_paymentline",
                     "si_pay.view_payable", *RECONCILIATION],
}
ROLES = {
    "si_ss_pusher": ("社保经办系统接入（核定应缴推送）", "region_tree", ["si_pay.add_payable", "si_pay.view_payable"],
                     "社保经办机构系统通过特殊缴费渠道推送核定应缴费用"),
}
SMS_TEMPLATES = [
    ("si_pay_paid", "社保费缴费成功",
     "{name}：您于{time}通过{channel}缴纳社保费{amount}元（{items}，订单号{order_no}）已缴费成功，可在“缴费记录”中查看。"),
]


def load():
    from domains.si_fee.rules.reference import ROLES as TAX_ROLES
    from kernel.notify.models import SmsTemplate

    load_roles({code: (name, scope, perms + EXTRA.get(code, []), remark)
                for code, (name, scope, perms, remark) in TAX_ROLES.items()})
    load_roles(ROLES)
    for code, name, text in SMS_TEMPLATES:
        SmsTemplate.objects.get_or_create(code=code, defaults={"name": name, "content": text})
    from kernel.alerts.registry import definition

    from .alerts import CODE

    definition(CODE).ensure_rule()
    return f"缴费权限{sum(len(v) for v in EXTRA.values())}项，角色{len(ROLES)}个，短信模板{len(SMS_TEMPLATES)}个"
