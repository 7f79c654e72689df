"""Menu entries and home cards of the equipment registry (imported by EquipmentConfig.ready()).

Importing this module also registers the equipment Excel import (imports.py)."""
from kernel.ui.home import HomeCard, register
from kernel.ui.menu import MenuItem, registry

from . import imports  # noqa: F401  (registers the "se_equipment" import spec)

SECTION = "特种设备"
VIEW_EQUIPMENT, VIEW_REPORT = "se_equipment.view_equipment", "se_equipment.view_inspectionreport"

registry.section(SECTION, 30, "bi-gear-wide-connected")
registry.add(MenuItem(SECTION, "设备管理", "gov:se_equipment_list", VIEW_EQUIPMENT, "bi-hdd-stack", order=10))
registry.add(MenuItem(SECTION, "检验报告", "gov:se_report_list", VIEW_REPORT, "bi-file-earmark-check", order=20))
registry.add(MenuItem(SECTION, "不合格报告未报隐患", "gov:se_report_unreported", VIEW_REPORT,
                      "bi-exclamation-diamond", order=30))
registry.add(MenuItem(SECTION, "本单位设备", "ent:se_equipment_list", VIEW_EQUIPMENT, "bi-hdd-stack",
                      entrance="ent", order=10))
registry.add(MenuItem(SECTION, "检验报告", "ent:se_report_list", VIEW_REPORT, "bi-file-earmark-check",
                      entrance="ent", order=20))


def _equipment_count(user):
    from .models import Equipment

    return Equipment.objects.visible_to(user).count()


def _unreported_count(user):
    from .models import InspectionReport
    from .services import unreported_negative

    return unreported_negative(InspectionReport.objects.visible_to(user)).count()


register(HomeCard("辖区特种设备", "bi-gear-wide-connected", VIEW_EQUIPMENT, _equipment_count, "gov:se_equipment_list",
                  order=30))
register(HomeCard("不合格报告未报隐患", "bi-exclamation-diamond", VIEW_REPORT, _unreported_count,
                  "gov:se_report_unreported", order=31))
