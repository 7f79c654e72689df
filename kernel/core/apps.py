from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kernel.core"
    label = "core"
    verbose_name = "内核基础"

    def ready(self):
        from . import cache, checks, lookups  # noqa: F401

        cache.connect()
