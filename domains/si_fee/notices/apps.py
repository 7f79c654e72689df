from django.apps import AppConfig


class NoticesConfig(AppConfig):
    """Public service of the social-insurance-fee mobile service (公众服务, seed 003 §2.5): notices and
    announcements (通知公告) that the tax authority publishes to payers, with level, category, validity,
    push frequency and audience (everyone or chosen payers), read state and read statistics; and the
    operation manual (操作手册) in versions, shown as an H5 page and downloadable as a watermarked PDF."""
    name = "domains.si_fee.notices"
    label = "si_notice"
    verbose_name = "社保费公众服务"
    url_prefix = "si"
    entrance_urls = {"m": "domains.si_fee.notices.web.urls_m", "gov": "domains.si_fee.notices.web.urls_gov"}

    def ready(self):
        from . import menus, services  # noqa: F401  (menus and tiles; services registers the upload purpose)

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        from .demo import seed

        return seed(scale, out)
