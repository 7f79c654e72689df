"""Menu entries and service-home tiles of the user centre (imported by PayersConfig.ready())."""
from kernel.ui.menu import MenuItem, registry

from .tiles import Tile, register

SECTION = "社保费掌上办"
registry.section(SECTION, 60, "bi-phone")
registry.add(MenuItem(SECTION, "缴费人", "gov:si_payers", perm="si_payers.view_payer", icon="bi-people", order=10))

register(Tile("用户中心", "个人信息", "bi-person-vcard", "m:si_profile", order=10))
register(Tile("查询业务", "参保信息", "bi-card-checklist", "m:si_participation", order=10))
