from django.apps import AppConfig


class HazardsConfig(AppConfig):
    name = "domains.special_equipment.hazards"
    label = "se_hazards"
    verbose_name = "特种设备隐患管理"
    url_prefix = "se"
    entrance_urls = {"gov": "domains.special_equipment.hazards.urls_gov",
                     "ent": "domains.special_equipment.hazards.urls_ent",
                     "public": "domains.special_equipment.hazards.urls_public"}

    def ready(self):
        from . import alerts  # noqa: F401  (registers the warning rules)
        from .push import register as register_push
        from .web import menus_complaints, menus_ent, menus_gov, menus_public, menus_stats  # noqa: F401

        register_push()  # the signed inbound endpoint se.inspection_report_push (kernel.interfaces)

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        from .demo import seed

        return seed(scale, out)
