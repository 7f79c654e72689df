from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "kernel.alerts"
    label = "alerts"
    verbose_name = "预警"

    def ready(self):
        from kernel.files.purposes import MB, register_purpose
        from kernel.ui.home import HomeCard, register

        # 处置材料: transcripts (笔录), photos and documents uploaded with a disposition (desktop and H5):
        # the handle step stores them for its handler; elsewhere only a releaser may add material
        register_purpose("alert_disposition", "处置材料", ["image", "pdf", "word"], 20 * MB, max_files=20,
                         perm="alerts.release_warning")
        from kernel.ui.menu import MenuItem, registry

        registry.section("预警中心", 20, "bi-exclamation-triangle")
        registry.add(MenuItem("预警中心", "预警列表", "gov:warning_list", "alerts.view_warning", "bi-list-ul", order=10))
        registry.add(MenuItem("预警中心", "人工登记", "gov:warning_register", "alerts.register_warning", "bi-pencil-square",
                              order=20))
        registry.add(MenuItem("预警中心", "预警统计", "gov:warning_stats", "alerts.view_warning", "bi-bar-chart", order=30))
        registry.add(MenuItem("预警中心", "预警规则", "gov:alertrule_list", "alerts.view_alertrule", "bi-sliders", order=40))

        from .models import OPEN_STATES, Warning

        register(HomeCard("未解除预警", "bi-exclamation-triangle", "alerts.view_warning",
                          lambda u: Warning.objects.visible_to(u).filter(status__in=OPEN_STATES).count(),
                          "gov:warning_list", order=5))

    def load_reference(self):
        from kernel.accounts.models import Role
        from kernel.accounts.reference import load_roles

        view = ["alerts.view_warning", "alerts.view_alertrule", "alerts.export_warning"]
        load_roles({
            "alert_reviewer": ("预警审核人", Role.DataScope.REGION_TREE,
                               view + ["alerts.review_warning", "alerts.release_warning", "alerts.register_warning"],
                               "审核、解除本辖区预警"),
            "alert_dispatcher": ("预警派发人", Role.DataScope.REGION_TREE, view + ["alerts.assign_warning"],
                                 "派发本辖区预警"),
            "alert_leader": ("预警审批领导", Role.DataScope.REGION_TREE, view + ["alerts.approve_warning"],
                             "审批高等级（一级红色）预警后进入指挥调度"),
            "alert_handler": ("预警处置人", Role.DataScope.REGION_TREE, ["alerts.view_warning"], "处置派发给本人的预警"),
            "alert_admin": ("预警规则管理员", Role.DataScope.REGION_TREE,
                            view + ["alerts.change_alertrule", "alerts.scan_alertrule"], "维护预警规则阈值"),
        })
        return "预警角色5个"
