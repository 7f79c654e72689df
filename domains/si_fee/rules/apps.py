from django.apps import AppConfig


class RulesConfig(AppConfig):
    """Contribution rules of the social-insurance-fee service (社保费缴费规则, seed 003 §2.3.1): insurance
    types with their collection items and rates, and per prefecture and year the declaration mode, the
    minimum monthly base and its grades, the provisional base until the new one is published, Nanning's
    "no prepayment beyond the current month", suspended self-declaration and the categories routed to
    assessment. The 2020 and 2021 table of the seed is reference data; administrators add years."""
    name = "domains.si_fee.rules"
    label = "si_rules"
    verbose_name = "社保费缴费规则"
    url_prefix = "si"
    entrance_urls = {"gov": "domains.si_fee.rules.web.urls_gov"}

    def ready(self):
        from kernel.ui.menu import MenuItem, registry

        registry.section("社保费掌上办", 60, "bi-phone")
        registry.add(MenuItem("社保费掌上办", "缴费规则", "gov:si_rules", perm="si_rules.view_contributionrule",
                              icon="bi-sliders", order=5))

    def load_reference(self):
        from .reference import load

        return load()
