from .support import city_user, manager, node, other_city_user, other_county_user  # noqa: F401
