from django.apps import AppConfig

CLIENT_PERMS = ["interfaces.view_apiclient", "interfaces.add_apiclient", "interfaces.change_apiclient"]
MESSAGE_PERMS = ["interfaces.view_inboundmessage", "interfaces.export_inboundmessage",
                 "interfaces.reprocess_inboundmessage"]


class InterfacesConfig(AppConfig):
    name = "kernel.interfaces"
    label = "interfaces"
    verbose_name = "开放接口"

    def ready(self):
        from kernel.ui.menu import MenuItem, registry

        from . import endpoints, schema  # noqa: F401  (schema: the OpenAPI description of the signature)

        registry.section("开放接口", 80, "bi-plug")
        registry.add(MenuItem("开放接口", "接入客户端", "gov:interfaces_client_list", "interfaces.view_apiclient",
                              "bi-key", order=10))
        registry.add(MenuItem("开放接口", "接收报文", "gov:interfaces_message_list", "interfaces.view_inboundmessage",
                              "bi-inbox", order=20))
        endpoints.register()

    def load_reference(self):
        from .reference import load

        return load()
