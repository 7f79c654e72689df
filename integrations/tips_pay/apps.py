from django.apps import AppConfig


class TipsPayConfig(AppConfig):
    """The payment gateway of the social-insurance-fee service (bank / TIPS collection): the HTTP adapter
    (client.py, PROTOCOL.md) and a local simulator of the gateway (simulator.py) for demo and tests."""
    name = "integrations.tips_pay"
    label = "tips_pay_sim"
    verbose_name = "缴费支付平台（适配器与模拟器）"
