"""Menu entries of the matters catalogue: the centre's 事项目录 (gov) and the 办事指南 (m)
(imported by OneWindowConfig.ready())."""
from kernel.ui.menu import MenuItem, registry

SECTION = "一窗受理"
registry.section(SECTION, 45, "bi-window-stack")
registry.add(MenuItem(SECTION, "事项目录", "gov:gs_matter_list", perm="gs_window.view_matter", icon="bi-card-list",
                      order=10))
registry.add(MenuItem("政务服务", "办事指南", "m:gs_matter_list", icon="bi-journal-bookmark", entrance="m", order=10))
