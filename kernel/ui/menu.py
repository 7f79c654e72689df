"""Navigation built from the user's permissions.

Apps register entries in their AppConfig.ready(); the shell shows an entry only
when the user holds its permission (superusers see all)."""
import hashlib
from dataclasses import dataclass, field

from django.urls import reverse

from kernel.core.cache import versioned


@dataclass(frozen=True)
class MenuItem:
    section: str
    label: str
    url_name: str
    perm: str | tuple = ()
    icon: str = "bi-circle"
    entrance: str = "gov"
    order: int = 100


@dataclass
class _Registry:
    items: list = field(default_factory=list)
    sections: dict = field(default_factory=dict)

    def section(self, name, order, icon="bi-folder"):
        self.sections[name] = (order, icon)

    def add(self, item: MenuItem):
        if item not in self.items:
            self.items.append(item)


registry = _Registry()


def menu_for(user, entrance):
    """[(section, icon, [(label, url, icon, url_name)])] the user may open at this entrance.

    The result depends only on the user's permission set, so it is cached by that set."""
    if not user.is_authenticated:
        return []
    perms = "*" if user.is_superuser else ",".join(sorted(user.get_all_permissions()))
    key = f"nav:{entrance}:{len(registry.items)}:{hashlib.sha256(perms.encode()).hexdigest()[:24]}"
    return versioned(key, (), lambda: _build(user, entrance))


def _build(user, entrance):
    grouped = {}
    for item in sorted(registry.items, key=lambda i: i.order):
        if item.entrance != entrance:
            continue
        perms = (item.perm,) if isinstance(item.perm, str) else item.perm
        if perms and not user.has_perms(perms):
            continue
        grouped.setdefault(item.section, []).append((item.label, reverse(item.url_name), item.icon, item.url_name))
    return [
        (name, registry.sections.get(name, (999, "bi-folder"))[1], entries)
        for name, entries in sorted(grouped.items(), key=lambda kv: registry.sections.get(kv[0], (999,))[0])
    ]
