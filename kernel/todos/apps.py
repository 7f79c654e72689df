from django.apps import AppConfig


class TodosConfig(AppConfig):
    name = "kernel.todos"
    label = "todos"
    verbose_name = "待办"

    def ready(self):
        from kernel.ui.home import HomeCard, register
        from kernel.ui.menu import MenuItem, registry
        from kernel.workflow.engine import TRANSITION_HOOKS

        from . import hooks, services

        if hooks.on_transition not in TRANSITION_HOOKS:
            TRANSITION_HOOKS.append(hooks.on_transition)
        registry.section("工作台", 1, "bi-inboxes")
        registry.add(MenuItem("工作台", "我的待办", "gov:todo_list", (), "bi-check2-square", order=1))
        registry.add(MenuItem("本单位", "我的待办", "ent:todo_list", (), "bi-check2-square", entrance="ent", order=1))
        for entrance in ("gov", "ent"):
            register(HomeCard("我的待办", "bi-check2-square", "", lambda u: services.open_for(u).count(),
                              f"{entrance}:todo_list", entrance=entrance, order=1))
