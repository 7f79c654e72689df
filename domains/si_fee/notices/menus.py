"""Back-office menu entries and the H5 tiles of the public service (imported by NoticesConfig.ready())."""
from domains.si_fee.payers.tiles import Tile
from domains.si_fee.payers.tiles import register as register_tile
from kernel.ui.menu import MenuItem, registry

SECTION = "社保费掌上办"
registry.section(SECTION, 60, "bi-phone")
registry.add(MenuItem(SECTION, "通知公告", "gov:si_notice_list", perm="si_notice.view_notice",
                      icon="bi-megaphone", order=80))
registry.add(MenuItem(SECTION, "操作手册", "gov:si_notice_manuals", perm="si_notice.view_manualversion",
                      icon="bi-journal-text", order=81))

register_tile(Tile("公众服务", "通知公告", "bi-megaphone", "m:si_notice_list", order=10))
register_tile(Tile("公众服务", "操作手册", "bi-journal-text", "m:si_notice_manual", order=20))
