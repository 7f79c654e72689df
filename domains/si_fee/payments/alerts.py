"""Reconciliation differences as warnings (对账差异预警) on the alert engine: every open difference of the
daily reconciliation is one warning, so that tax staff review, dispatch and dispose of it in the warning
workflow (/gov/alerts/). Levels by kind are data (the rule's params "kind_levels", editable on the rule page):
orange for 我方有银行无 and 金额不符 (money we believe came in is unaccounted for), yellow for 银行有我方无.

A difference resolved on the reconciliation page no longer matches, so the next scan (run at once by the
service, and every scan round) releases its warning (条件消除). A warning closed in the warning workflow
(released, escalated or withdrawn by a person) is not raised again for the same difference."""
from django.db.models import BigIntegerField, Case, CharField, Exists, F, OuterRef, Value, When
from django.db.models.functions import Cast, Coalesce, Concat

from kernel.alerts.registry import RuleDefinition, register

CODE = "si_reconciliation_difference"
KIND_LEVELS = {"missing": "orange", "amount": "orange", "extra": "yellow"}


@register
class ReconciliationDifferenceRule(RuleDefinition):
    code = CODE
    name = "社保费对账差异"
    category = "社保费征收"
    description = ("每日对账（银行对账文件与我方当日已缴订单）发现的差异：我方有银行无、金额不符为橙色预警，"
                   "银行有我方无为黄色预警。在“对账管理”标记已处理后预警自动解除。")
    subject = "si_pay.ReconciliationDifference"
    default_levels = [{"level": "yellow", "threshold": 0}, {"level": "orange", "threshold": 0}]
    default_params = {"kind_levels": KIND_LEVELS}
    only_rise = False

    def matches(self, rule):
        from kernel.alerts.models import Warning

        levels = {**KIND_LEVELS, **(rule.params or {}).get("kind_levels", {})}
        closed_by_person = Warning.objects.filter(
            rule=rule, subject_id=OuterRef("pk"), status__in=("released", "escalated", "withdrawn"),
        ).exclude(release_type="auto")
        kind_label = Case(*[When(kind=k, then=Value(label)) for k, label in (
            ("missing", "我方有银行无"), ("extra", "银行有我方无"), ("amount", "金额不符"))],
            default=Value(""), output_field=CharField())
        return (self.subjects().filter(status="open").exclude(Exists(closed_by_person))
                .annotate(alert_level=Case(*[When(kind=k, then=Value(lv)) for k, lv in levels.items()],
                                           default=Value(None), output_field=CharField()),
                          alert_region=F("region_id"),
                          alert_org=Cast(Value(None), output_field=BigIntegerField()),  # typed NULL
                          alert_repr=Concat(Value("对账差异 "), Cast("day", CharField()), Value(" "), F("order_no"),
                                            Value(" "), kind_label, output_field=CharField()),
                          alert_value=Concat(Value("我方 "), Coalesce(Cast("our_amount", CharField()), Value("—")),
                                             Value(" 银行 "), Coalesce(Cast("bank_amount", CharField()), Value("—")),
                                             output_field=CharField())))
