"""The tiles of the service's H5 home (/m/si/): each app of domains.si_fee registers its functions here
in its ready(), grouped as the seed's four modules (用户中心, 涉费业务, 查询业务, 公众服务)."""
from dataclasses import dataclass

GROUPS = ["涉费业务", "查询业务", "用户中心", "公众服务"]


@dataclass(frozen=True)
class Tile:
    group: str
    label: str
    icon: str
    url_name: str  # e.g. "m:si_pay_declare"
    order: int = 100
    person_types: tuple = ("flexible", "resident")


_tiles: list[Tile] = []


def register(tile: Tile):
    if tile.group not in GROUPS:
        raise ValueError(f"unknown tile group {tile.group}")
    if tile not in _tiles:
        _tiles.append(tile)


def tiles_for(payer):
    """[(group, [{"label", "icon", "url"}...])...] for the payer's person type, in the seed's order."""
    from django.urls import reverse

    out = []
    for group in GROUPS:
        items = [{"label": t.label, "icon": t.icon, "url": reverse(t.url_name)}
                 for t in sorted(_tiles, key=lambda t: t.order)
                 if t.group == group and (payer is None or payer.person_type in t.person_types)]
        if items:
            out.append((group, items))
    return out
