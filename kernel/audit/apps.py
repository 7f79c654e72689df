from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kernel.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self):
        from kernel.ui.menu import MenuItem, registry

        from . import signals  # noqa: F401

        registry.add(MenuItem("系统管理", "数据变更日志", "gov:changelog_list", "audit.view_changelog", "bi-clock-history", order=30))
        registry.add(MenuItem("系统管理", "登录与操作日志", "gov:oplog_list", "audit.view_operationlog", "bi-journal-text", order=40))
