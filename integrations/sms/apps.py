from django.apps import AppConfig


class SmsConfig(AppConfig):
    name = "integrations.sms"
    label = "sms_simulator"
    verbose_name = "短信平台（适配器与模拟器）"
