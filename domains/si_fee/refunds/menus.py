"""Staff menu entries and the service home's tiles of the refund app (imported by RefundsConfig.ready())."""
from domains.si_fee.payers.tiles import Tile
from domains.si_fee.payers.tiles import register as register_tile
from kernel.ui.menu import MenuItem, registry

registry.section("社保费掌上办", 60, "bi-phone")

registry.add(MenuItem("社保费掌上办", "退费审核", "gov:si_refunds", perm="si_refund.view_refundapplication",
                      icon="bi-arrow-counterclockwise", order=40))
registry.add(MenuItem("社保费掌上办", "不能退费人员名单", "gov:si_no_refund", perm="si_refund.view_norefundperson",
                      icon="bi-person-x", order=41))

register_tile(Tile("涉费业务", "退费申请", "bi-arrow-counterclockwise", "m:si_refund_list", order=30))
register_tile(Tile("查询业务", "虚拟户申报结果", "bi-people", "m:si_virtual_results", order=20,
                   person_types=("resident",)))
