from django.apps import AppConfig


class OneWindowConfig(AppConfig):
    """The county government-service centre's one-window acceptance (一窗受理, seed 002 §2.4): the matters
    catalogue, appointments, online application, window acceptance with receipts, and (next) dispatch to
    the department systems through their front-end databases."""
    name = "domains.gov_services.one_window"
    label = "gs_window"
    verbose_name = "一窗受理"
    url_prefix = "gs"
    entrance_urls = {"gov": "domains.gov_services.one_window.urls_gov",
                     "m": "domains.gov_services.one_window.urls_m",
                     "public": "domains.gov_services.one_window.urls_public"}

    def ready(self):
        from . import alerts, menus_acceptance, menus_appointments, menus_catalogue  # noqa: F401
        from .joint import register as register_joint

        register_joint()  # the signed inbound endpoints gs.pre_acceptance and gs.dual_notification

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        from . import demo_appointments, demo_cases, demo_catalogue

        parts = [demo_catalogue.seed(scale, out), demo_appointments.seed(scale, out), demo_cases.seed(scale, out)]
        return "；".join(p for p in parts if p)
