"""Permissions of the refund app added to the tax roles (defined in si_rules) and to social security's pushing
system (si_ss_pusher, defined in si_pay), and the SMS templates of a paid and a rejected refund."""
from kernel.accounts.reference import load_roles

VIEW = ["si_refund.view_refundapplication", "si_refund.export_refundapplication", "si_refund.view_norefundperson",
        "si_refund.view_virtualaccount", "si_refund.view_virtualdeclaration"]
EXTRA = {
    # the clerk accepts (受理) and may refuse; the administrator approves (审核通过) and sends the refund
    "si_tax_clerk": VIEW + ["si_refund.review_refund"],
    "si_tax_admin": VIEW + ["si_refund.review_refund", "si_refund.approve_refund", "si_refund.add_norefundperson",
                            "si_refund.change_norefundperson", "si_refund.delete_norefundperson"],
}
PUSHER_EXTRA = ["si_refund.add_virtualdeclaration", "si_refund.view_virtualdeclaration"]
SMS_TEMPLATES = [
    ("si_refund_paid", "社保费退费到账",
     "{name}：您的社保费退费申请（申请号{refund_no}，{subject}）已审核通过，退费{amount}元已退至您尾号{account_tail}的银行账户，请注意查收。"),
    ("si_refund_rejected", "社保费退费不予办理",
     "{name}：您的社保费退费申请（申请号{refund_no}，{subject}）经审核不予退费，原因：{opinion}。如有疑问请咨询主管税务机关或拨打12366。"),
]


def load():
    from domains.si_fee.payments.reference import ROLES as PAY_ROLES
    from domains.si_fee.rules.reference import ROLES as TAX_ROLES
    from kernel.notify.models import SmsTemplate

    load_roles({code: (name, scope, perms + EXTRA.get(code, []), remark)
                for code, (name, scope, perms, remark) in TAX_ROLES.items()})
    load_roles({code: (name, scope, perms + PUSHER_EXTRA, remark) for code, (name, scope, perms, remark) in PAY_ROLES.items()})
    for code, name, text in SMS_TEMPLATES:
        SmsTemplate.objects.get_or_create(code=code, defaults={"name": name, "content": text})
    return f"退费权限{sum(len(v) for v in EXTRA.values()) + len(PUSHER_EXTRA)}项，短信模板{len(SMS_TEMPLATES)}个"
