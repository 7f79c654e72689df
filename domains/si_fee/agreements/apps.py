from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    """Entrusted deduction of the social-insurance-fee service (委托扣款, seed 003 §2.3.5-§2.3.8, §2.4 rows 4-6):
    three-party (payer, bank, tax via TIPS) and two-party (payer and bank via the core system) agreements,
    verified by the bank through the payment adapter (integrations/tips_pay), one in force per payer; the
    resident's payable amount by grade (应缴费额设置); batch-deduction tasks (批量扣款) whose pending items
    (待批扣清册) the payer may change or void before the scheduled run deducts them through the adapter."""
    name = "domains.si_fee.agreements"
    label = "si_agree"
    verbose_name = "社保费委托扣款"
    url_prefix = "si"
    entrance_urls = {"m": "domains.si_fee.agreements.web.urls_m", "gov": "domains.si_fee.agreements.web.urls_gov"}

    def ready(self):
        from . import menus, services  # noqa: F401  (menus, tiles; services registers the upload purpose)

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        from .demo import seed

        return seed(scale, out)
