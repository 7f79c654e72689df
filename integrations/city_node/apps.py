from django.apps import AppConfig


class CityNodeConfig(AppConfig):
    """The municipal O&M exchange supervision system (市运维交换监管系统) that a county O&M node reports to
    (seed 002 §2.5): the HTTP adapter with the SM2/SM3/SM4 envelope (client.py, envelope.py, PROTOCOL.md) and a
    local simulator of the city node (simulator.py, mounted at /integrations/city-node/ when CITY_NODE_URL is
    empty) that decrypts, checks and stores what it receives."""
    name = "integrations.city_node"
    label = "city_node_sim"
    verbose_name = "市运维交换监管系统（适配器与模拟器）"
