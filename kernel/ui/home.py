"""Home-page cards. Apps register count providers; each is scoped to the user."""
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class HomeCard:
    label: str
    icon: str
    perm: str
    count: Callable  # (user) -> int, must use visible_to(user)
    url_name: str
    entrance: str = "gov"
    order: int = 100


_cards: list[HomeCard] = []


def register(card: HomeCard):
    if card not in _cards:
        _cards.append(card)


def cards_for(user, entrance):
    from django.urls import reverse

    out = []
    for card in sorted(_cards, key=lambda c: c.order):
        if card.entrance == entrance and (not card.perm or user.has_perm(card.perm)):
            out.append({"label": card.label, "icon": card.icon, "value": card.count(user), "url": reverse(card.url_name)})
    return out
