"""Cached access to dictionary tables (kernel.core.cache: refreshed by any change to them)."""
from kernel.core.cache import versioned

from .models import DictItem, DictType

DICT_TABLES = ("dicts_dictitem", "dicts_dicttype")


def items(dict_type: str) -> tuple[dict, ...]:
    """Enabled and disabled items of a table, in order; cached until a dictionary table changes."""
    return versioned(f"dict:{dict_type}", DICT_TABLES, lambda: tuple(
        DictItem.objects.filter(dict_type__code=dict_type)
        .order_by("order", "value")
        .values("value", "label", "colour", "enabled", "order")))


def choices(dict_type: str, include_disabled=False) -> list[tuple[str, str]]:
    return [(r["value"], r["label"]) for r in items(dict_type) if include_disabled or r["enabled"]]


def labels(dict_type: str) -> dict[str, str]:
    """value -> label for enabled items (what a form or an import accepts)."""
    return {r["value"]: r["label"] for r in items(dict_type) if r["enabled"]}


def label(dict_type: str, value) -> str:
    if value in (None, ""):
        return ""
    for r in items(dict_type):
        if r["value"] == value:
            return r["label"]
    return str(value)


def colour(dict_type: str, value) -> str:
    for r in items(dict_type):
        if r["value"] == value:
            return r["colour"]
    return ""


def value_for_label(dict_type: str, text: str) -> str | None:
    """label -> value (an Excel import accepts either the label or the value)."""
    text = (text or "").strip()
    for r in items(dict_type):
        if r["enabled"] and (r["label"] == text or r["value"] == text):
            return r["value"]
    return None


def ensure(dict_type: str, name: str, rows, description: str = "") -> DictType:
    """Create or update a system table from (value, label[, colour]) rows; idempotent."""
    dt, _ = DictType.objects.update_or_create(
        code=dict_type, defaults={"name": name, "description": description, "is_system": True}
    )
    existing = {i.value: i for i in dt.items.all()}
    for order, row in enumerate(rows, start=1):
        value, text, *rest = row
        colour_ = rest[0] if rest else ""
        item = existing.get(value)
        if item is None:
            DictItem.objects.create(dict_type=dt, value=value, label=text, order=order, colour=colour_)
        elif (item.label, item.order, item.colour) != (text, order, colour_):
            item.label, item.order, item.colour = text, order, colour_
            item.save()
    return dt
