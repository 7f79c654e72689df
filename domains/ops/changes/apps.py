from django.apps import AppConfig


class ChangesConfig(AppConfig):
    """Problem and change management (issue 8 point 3): problems linked to repeated faults, changes with plan,
    approval, window and rollback, and notices published after approval to a chosen readership."""
    name = "domains.ops.changes"
    label = "ops_changes"
    verbose_name = "问题与变更"
    url_prefix = "ops"
    entrance_urls = {"gov": "domains.ops.changes.web.urls_gov"}

    def ready(self):
        from kernel.ui.menu import MenuItem, registry

        section = "运维服务管理"
        registry.section(section, 70, "bi-tools")
        registry.add(MenuItem(section, "问题管理", "gov:ops_changes_problems", perm="ops_changes.view_problem",
                              icon="bi-bug", order=30))
        registry.add(MenuItem(section, "变更管理", "gov:ops_changes_changes", perm="ops_changes.view_change",
                              icon="bi-arrow-repeat", order=31))
        registry.add(MenuItem(section, "公告管理", "gov:ops_changes_notices_manage", perm="ops_changes.view_notice",
                              icon="bi-megaphone", order=32))
        registry.add(MenuItem(section, "运维公告", "gov:ops_changes_notices", perm="ops_changes.read_notice",
                              icon="bi-bell", order=33))

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        from .demo import seed

        return seed(scale, out)
