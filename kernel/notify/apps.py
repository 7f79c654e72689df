from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "kernel.notify"
    label = "notify"
    verbose_name = "消息与短信"

    def load_reference(self):
        from .reference import load

        return f"短信模板{load()}个"

    def ready(self):
        from kernel.ui.menu import MenuItem, registry

        registry.add(MenuItem("工作台", "站内消息", "gov:message_list", (), "bi-bell", order=2))
        registry.add(MenuItem("系统管理", "短信发送记录", "gov:sms_list", "notify.view_smsmessage", "bi-chat-dots",
                              order=35))
