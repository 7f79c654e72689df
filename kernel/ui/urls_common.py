"""URL patterns every signed-in entrance shares (login, logout, password, profile)."""
from django.apps import apps
from django.urls import include, path

from kernel.accounts import views as account_views
from kernel.ui import views as ui_views


def _account_urls(entrance):
    return [
        path("login/", account_views.login_view, {"entrance": entrance}, name="login"),
        path("logout/", account_views.logout_view, {"entrance": entrance}, name="logout"),
        path("logout-all/", account_views.logout_all_view, {"entrance": entrance}, name="logout_all"),
        path("password/", account_views.password_change_view, {"entrance": entrance}, name="password_change"),
        path("profile/", account_views.ProfileView.as_view(entrance=entrance), name="profile"),
        path("prefs/columns/", ui_views.save_columns, {"entrance": entrance}, name="save_columns"),
    ]


def app_urls(entrance):
    """Pages that apps (business domains) add to an entrance, in that entrance's namespace.

    An AppConfig declares `entrance_urls = {"gov": "domains.x.urls_gov", "ent": ...}` and
    `url_prefix = "se/hazards"`; the kernel includes them without knowing the domain."""
    out = []
    for config in apps.get_app_configs():
        module = getattr(config, "entrance_urls", {}).get(entrance)
        if module:
            out.append(path(f"{config.url_prefix}/", include(module)))
    return out
