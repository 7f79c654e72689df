"""A warning rule over the test model, to exercise the alert engine."""
from django.db.models import CharField, F
from django.db.models.functions import Cast

from kernel.alerts.registry import ManualRule, RuleDefinition, annotate_level, register


@register
class AmountTooHigh(RuleDefinition):
    code = "test_amount"
    name = "申请金额过高"
    category = "测试"
    subject = "testapp.Application"
    default_levels = [{"level": "yellow", "threshold": 100}, {"level": "orange", "threshold": 500},
                      {"level": "red", "threshold": 1000}]

    def matches(self, rule):
        qs = annotate_level(self.subjects(), F("amount"), rule, "gte")
        return qs.annotate(alert_region=F("region_id"), alert_org=F("organisation_id"), alert_repr=F("title"),
                           alert_value=Cast("amount", CharField()))


@register
class AmountBothWays(AmountTooHigh):
    code = "test_amount_both"
    name = "申请金额（双向）"
    only_rise = False


@register
class UnitClue(ManualRule):
    code = "test_unit_clue"
    name = "单位线索（人工登记）"
    category = "测试"
    default_levels = AmountTooHigh.default_levels
