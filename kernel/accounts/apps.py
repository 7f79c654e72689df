from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kernel.accounts"
    label = "accounts"
    verbose_name = "账号与角色"

    def ready(self):
        from kernel.ui.home import HomeCard, register
        from kernel.ui.menu import MenuItem, registry

        registry.section("系统管理", 90, "bi-gear")
        registry.add(MenuItem("系统管理", "用户管理", "gov:user_list", "accounts.view_user", "bi-people", order=10))
        registry.add(MenuItem("系统管理", "角色管理", "gov:role_list", "accounts.view_role", "bi-person-badge", order=20))

        from .models import User

        register(HomeCard("辖区用户", "bi-people", "accounts.view_user",
                          lambda u: User.objects.visible_to(u).filter(is_active=True).count(), "gov:user_list", order=30))

    def load_reference(self):
        from .reference import load_roles

        return f"角色{load_roles()}个"

    def seed_demo(self, scale, out):
        from .demo import seed

        return seed(scale, out)
