from django.apps import AppConfig


class EquipmentConfig(AppConfig):
    name = "domains.special_equipment.equipment"
    label = "se_equipment"
    verbose_name = "特种设备"
    url_prefix = "se"
    entrance_urls = {"gov": "domains.special_equipment.equipment.urls_gov",
                     "ent": "domains.special_equipment.equipment.urls_ent"}

    def ready(self):
        from . import menus  # noqa: F401

    def seed_demo(self, scale, out):
        from .demo import seed

        return seed(scale, out)
