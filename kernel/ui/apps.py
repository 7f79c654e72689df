from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "kernel.ui"
    label = "ui"
    verbose_name = "界面"
