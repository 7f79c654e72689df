"""Back-office menu entries and the H5 tiles of entrusted deduction (imported by AgreementsConfig.ready())."""
from domains.si_fee.payers.tiles import Tile
from domains.si_fee.payers.tiles import register as register_tile
from kernel.ui.menu import MenuItem, registry

SECTION = "社保费掌上办"
registry.section(SECTION, 60, "bi-phone")
registry.add(MenuItem(SECTION, "委托扣款协议", "gov:si_agree_list", perm="si_agree.view_agreement",
                      icon="bi-bank", order=50))
registry.add(MenuItem(SECTION, "批量扣款", "gov:si_agree_batches", perm="si_agree.view_batchtask",
                      icon="bi-collection", order=51))

register_tile(Tile("涉费业务", "三方协议签订", "bi-bank", "m:si_agree_new_tripartite", order=30))
register_tile(Tile("涉费业务", "两两协议签订", "bi-bank2", "m:si_agree_new_bilateral", order=31))
register_tile(Tile("涉费业务", "应缴费额设置", "bi-sliders", "m:si_agree_amount", order=32, person_types=("resident",)))
register_tile(Tile("涉费业务", "待批扣清册", "bi-card-checklist", "m:si_agree_items", order=33))
register_tile(Tile("查询业务", "委托扣款协议查询", "bi-search", "m:si_agree_list", order=30))
