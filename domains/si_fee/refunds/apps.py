from django.apps import AppConfig


class RefundsConfig(AppConfig):
    """Refunds of the social-insurance-fee service (社保费退费申请, seed 003 §2.3.3 and §2.3.4) and the
    virtual-account declaration-result query (城乡居民虚拟户社保费申报结果查询（自主模式）, §2.4 row 3).

    * RefundApplication (退费申请): normal (正常缴费退费: one insurance type, one period, the full amount
      actually paid, repeated declarations added up; virtual-account mode for residents) or special
      (特殊缴费退费: by tax receipt, full amount, or by the assessed refund slip 核定退费单, at most the
      declared-and-paid amount). Workflow si_refund: submitted → reviewing → approved → paid, or
      rejected / withdrawn; the approved refund goes to the bank gateway (integrations/tips_pay,
      PayGateway().refund, one refund number per order, idempotent) and becomes paid when it answers.
    * NoRefundPerson (不能退费的特殊人群名单), staff-maintained, Excel import "si_no_refund".
    * VirtualAccount (虚拟户) and VirtualDeclaration (its declarations for residents), pushed by the core
      system through the signed inbound endpoint "si.virtual_declaration_push".

    Writes outside this app: services.mark_paid is the one place that updates payments' PaymentLine
    (refunded_amount += the refunded part; status "refunded" when the line is refunded in full), in the
    same transaction as the refund's own transition to paid, the lines locked with select_for_update.
    "Special" lines (特殊缴费) are the lines of payables whose source_no starts with
    services.SPECIAL_MARKER ("TSJF"): payments does not mark them otherwise."""
    name = "domains.si_fee.refunds"
    label = "si_refund"
    verbose_name = "社保费退费"
    url_prefix = "si"
    entrance_urls = {"m": "domains.si_fee.refunds.web.urls_m", "gov": "domains.si_fee.refunds.web.urls_gov"}

    def ready(self):
        from . import imports, menus, push  # noqa: F401

        push.register()
        imports.register()

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        from .demo import seed

        return seed(scale, out)
