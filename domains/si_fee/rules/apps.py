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

    def load_reference(self):
        from .reference import load

        return load()
