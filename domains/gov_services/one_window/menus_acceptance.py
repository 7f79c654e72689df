"""Menu entries of the window acceptance (综合受理) and the upload purpose of case materials
(imported by OneWindowConfig.ready())."""
from kernel.files.purposes import MB, register_purpose
from kernel.ui.menu import MenuItem, registry

register_purpose("gs_case_material", "办件材料", ["image", "pdf"], 20 * MB)

SECTION = "一窗受理"
registry.section(SECTION, 45, "bi-window-stack")
registry.add(MenuItem(SECTION, "综合受理", "gov:gs_accept", perm="gs_window.accept_case", icon="bi-inboxes", order=40))
registry.add(MenuItem(SECTION, "办件管理", "gov:gs_case_list", perm="gs_window.view_case", icon="bi-folder2-open",
                      order=50))
registry.add(MenuItem(SECTION, "联合审批", "gov:gs_joint_list", perm="gs_window.view_case", icon="bi-diagram-3",
                      order=55))
