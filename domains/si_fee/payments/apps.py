from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Declaration and payment of the social-insurance-fee service (缴费申报与缴纳, seed 003 §2.3.1, payment
    side of §2.3.2): self-declared flexible-employment pension by the prefecture's yearly rules, payables
    assessed and pushed by social security (核定应缴), payment orders through the bank gateway
    (integrations/tips_pay) with a signed callback applied exactly once, the payer's payment history
    with per-line status, and the tax staff's order list; receipts (缴费回单) with a verification code and QR
checked by a public page; the daily reconciliation with the bank's file (对账), its differences raised as
warnings (rule si_reconciliation_difference)."""
    name = "domains.si_fee.payments"
    label = "si_pay"
    verbose_name = "社保费缴费"
    url_prefix = "si"
    entrance_urls = {"m": "domains.si_fee.payments.web.urls_m", "gov": "domains.si_fee.payments.web.urls_gov",
                     "public": "domains.si_fee.payments.web.urls_public"}

    def ready(self):
        from . import alerts, menus, push  # noqa: F401

        push.register()

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        """The demo story (demo.py: paid months with receipts, a payable, a refund in review, a
        reconciliation difference), and with --scale N > 1 the benchmark volume (demo_volume.py)."""
        from .demo import seed_demo_story

        story = seed_demo_story(out)
        if scale <= 1:
            return story
        from . import demo_volume

        return "；".join(p for p in (story, demo_volume.seed(scale, out)) if p)
