from django.apps import AppConfig


class TrainingConfig(AppConfig):
    """Training (issue 8 point 6; seed 004 §2.1.4 系统培训): plans per maintained system, sessions with a
    roster and sign-in, materials (manuals, short videos), exams with questions as data, automatic grading,
    attendance and pass rates per session, and the results in Excel."""
    name = "domains.ops.training"
    label = "ops_training"
    verbose_name = "运维培训"
    url_prefix = "ops"
    entrance_urls = {"gov": "domains.ops.training.web.urls_gov"}

    def ready(self):
        from kernel.files.purposes import MB, register_purpose
        from kernel.ui.menu import MenuItem, registry

        # operation manuals, slides and the short videos handed out at a session (seed 004: 操作手册、短视频)
        register_purpose("ops_training_material", "培训资料", ["pdf", "word", "excel", "image", "video"],
                         {"video": 200 * MB})
        registry.section("运维服务管理", 70, "bi-tools")
        registry.add(MenuItem("运维服务管理", "培训计划", "gov:ops_training_plans",
                              perm="ops_training.view_trainingplan", icon="bi-mortarboard", order=60))
        registry.add(MenuItem("运维服务管理", "我的培训", "gov:ops_training_mine", perm="ops_training.attend_training",
                              icon="bi-pencil-square", order=61))

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        from .demo import seed

        return seed(scale, out)
