from django.apps import AppConfig


class TestappConfig(AppConfig):
    name = "tests.testapp"
    label = "testapp"
    verbose_name = "测试模型"

    def ready(self):
        from . import alerts  # noqa: F401  (registers the test warning rule)
