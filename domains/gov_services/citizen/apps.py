from django.apps import AppConfig


class CitizenConfig(AppConfig):
    """The applicant's side of the one-window system: online application, the personal centre (my
    appointments, my cases, messages, addresses, consultations, licences), my proofs (我的证明) with QR
    codes, delivery and pickup, and satisfaction evaluation (好差评)."""
    name = "domains.gov_services.citizen"
    label = "gs_citizen"
    verbose_name = "政务服务个人中心"
    url_prefix = "gs"
    entrance_urls = {"m": "domains.gov_services.citizen.web.urls_m",
                     "gov": "domains.gov_services.citizen.web.urls_gov"}

    def ready(self):
        from . import menus, services  # noqa: F401

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        from .demo import seed

        return seed(scale, out)
