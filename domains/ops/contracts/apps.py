from django.apps import AppConfig


class ContractsConfig(AppConfig):
    """O&M service management, first part (issue 8 point 1): the maintained systems, their service contracts and
    the SLA terms as data (fault levels with response and resolution limits, the service hours schedule, the
    consultation cut-off), and the deadline computation every ticket will use — on the business calendar, with
    the clock paused while waiting on the requester."""
    name = "domains.ops.contracts"
    label = "ops_contracts"
    verbose_name = "运维服务合同"
    url_prefix = "ops"
    entrance_urls = {"gov": "domains.ops.contracts.web.urls_gov"}

    def ready(self):
        from kernel.ui.menu import MenuItem, registry

        registry.section("运维服务管理", 70, "bi-tools")
        registry.add(MenuItem("运维服务管理", "服务合同与SLA", "gov:ops_contracts", perm="ops_contracts.view_servicecontract",
                              icon="bi-file-earmark-text", order=10))

    def load_reference(self):
        from .reference import load

        return load()

    def seed_demo(self, scale, out):
        from .demo import seed

        return seed(scale, out)
