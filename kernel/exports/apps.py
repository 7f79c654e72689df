from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "kernel.exports"
    label = "exports"
    verbose_name = "导入导出"

    def ready(self):
        from . import specs  # noqa: F401  (registers the kernel's own import specs)
