"""Where the city node is: settings.CITY_NODE_URL or the environment variable of that name; empty means the
local simulator (/integrations/city-node/), called in-process."""
import os

from django.conf import settings

SIM_PREFIX = "/integrations/city-node"
SIMULATOR_BASE = "http://127.0.0.1" + SIM_PREFIX


def city_node_url() -> str:
    return (getattr(settings, "CITY_NODE_URL", "") or os.environ.get("CITY_NODE_URL", "")).rstrip("/")


def simulated() -> bool:
    return not city_node_url()
