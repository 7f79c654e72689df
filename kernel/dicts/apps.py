from django.apps import AppConfig


class DictsConfig(AppConfig):
    name = "kernel.dicts"
    label = "dicts"
    verbose_name = "数据字典"

    def ready(self):
        from kernel.ui.menu import MenuItem, registry

        registry.add(MenuItem("系统管理", "数据字典", "gov:dict_list", "dicts.view_dicttype", "bi-book", order=25))

    def load_reference(self):
        from .reference import TABLES, load

        load()
        return f"字典{len(TABLES)}类"
