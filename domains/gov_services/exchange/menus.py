"""Menu entries of the department exchange in the section "一窗受理" (imported by ExchangeConfig.ready())."""
from kernel.ui.menu import MenuItem, registry

SECTION = "一窗受理"
registry.section(SECTION, 45, "bi-window-stack")
for label, url_name, perm, icon, order in (
        ("部门业务系统", "gov:gs_exchange_system_list", "gs_exchange.view_departmentsystem", "bi-hdd-network", 60),
        ("分发跟踪（影子表）", "gov:gs_exchange_shadow_list", "gs_exchange.view_shadowrecord", "bi-arrow-left-right", 70),
        ("回调记录", "gov:gs_exchange_callback_list", "gs_exchange.view_callbacklog", "bi-journal-check", 80)):
    registry.add(MenuItem(SECTION, label, url_name, perm=perm, icon=icon, order=order))
