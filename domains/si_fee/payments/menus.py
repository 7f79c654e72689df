"""Staff menu entry and the service home's tiles of the payment app (imported by PaymentsConfig.ready())."""
from domains.si_fee.payers.tiles import Tile
from domains.si_fee.payers.tiles import register as register_tile
from kernel.ui.menu import MenuItem, registry

registry.section("社保费掌上办", 60, "bi-phone")

registry.add(MenuItem("社保费掌上办", "缴费订单", "gov:si_pay_orders", perm="si_pay.view_paymentorder", icon="bi-cash-coin",
                      order=30))
registry.add(MenuItem("社保费掌上办", "对账管理", "gov:si_pay_reconciliation",
                      perm="si_pay.view_reconciliationdifference", icon="bi-arrow-left-right", order=32))

register_tile(Tile("涉费业务", "缴费申报", "bi-pencil-square", "m:si_pay_declare", order=10, person_types=("flexible",)))
register_tile(Tile("涉费业务", "待缴费用", "bi-receipt", "m:si_pay_payables", order=11))
register_tile(Tile("涉费业务", "缴费回单", "bi-file-earmark-check", "m:si_pay_receipts", order=12))
register_tile(Tile("查询业务", "缴费记录", "bi-clock-history", "m:si_pay_history", order=10))
