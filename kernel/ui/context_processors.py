from django.conf import settings

from .menu import menu_for

ENTRANCE_TITLES = {
    "gov": "政务业务平台",
    "ent": "企业服务平台",
    "m": "掌上办",
    "public": "公众服务",
}


def _entrance(path: str) -> str:
    for prefix in ("gov", "ent", "m", "public"):
        if path.startswith(f"/{prefix}/"):
            return prefix
    return "gov"


def shell(request):
    entrance = _entrance(request.path)
    user = getattr(request, "user", None)
    return {
        "entrance": entrance,
        "entrance_title": ENTRANCE_TITLES[entrance],
        "platform_name": getattr(settings, "PLATFORM_NAME", "广西政务一体化业务平台"),
        "nav": menu_for(user, entrance) if user is not None and user.is_authenticated else [],
        "current_url_name": getattr(getattr(request, "resolver_match", None), "view_name", ""),
    }
