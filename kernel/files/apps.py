from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "kernel.files"
    label = "files"
    verbose_name = "附件"
