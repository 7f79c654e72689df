from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """Dispatch of one-window cases to the department business systems and their callbacks (数据分发及
    跟踪, seed 002 §2.4.8): a front-end database per department, a notification call, the shadow table
    (影子表), the recovery scan of lost notifications, pre-acceptance (预受理)."""
    name = "domains.gov_services.exchange"
    label = "gs_exchange"
    verbose_name = "部门业务系统对接"
    url_prefix = "gs/exchange"
    entrance_urls = {"gov": "domains.gov_services.exchange.urls_gov",
                     "public": "domains.gov_services.exchange.urls_public"}

    def ready(self):
        from kernel.files.purposes import MB, register_purpose

        register_purpose("gs_exchange_file", "部门回传材料及结果文件", ["image", "pdf"], 20 * MB)
        from . import menus  # noqa: F401

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        from .demo import seed

        summary = seed(scale, out)
        if scale > 1 and summary:  # the benchmark volume (bench/run.py): 500 cases a scale unit, 5 shadow rows each
            from . import demo_volume

            summary = f"{summary}；{demo_volume.seed(scale, out)}"
        return summary
