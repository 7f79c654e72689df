from django.apps import AppConfig


class PayersConfig(AppConfig):
    """The user centre of the social-insurance-fee mobile service (社保费“掌上办”用户中心, seed 003 §2.2):
    payers (缴费人: flexible-employment workers and urban-rural residents) with their participation
    (参保信息), real-name registration and login with SMS codes, profile maintenance, and the signed
    single sign-on entry for the e-tax bureau, the government-service network and bank channels."""
    name = "domains.si_fee.payers"
    label = "si_payers"
    verbose_name = "社保费缴费人"
    url_prefix = "si"
    entrance_urls = {"m": "domains.si_fee.payers.web.urls_m", "gov": "domains.si_fee.payers.web.urls_gov",
                     "public": "domains.si_fee.payers.web.urls_public"}

    def ready(self):
        from . import menus  # noqa: F401

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        from .demo import seed

        return seed(scale, out)
