"""Columns of list pages and their Excel exports (one definition serves both)."""
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from kernel.dicts import services as dicts
from kernel.org.validators import mask_id_number, mask_phone

MASKS = {"id_number": mask_id_number, "phone": mask_phone}


class Column:
    def __init__(self, name, label, *, accessor=None, order_by=None, sortable=True, dict_type=None,
                 choices=False, mask=None, unmask_perm=None, link=None, default=True, width=16, fmt=None,
                 colour=None):
        self.name = name
        self.label = label
        self.accessor = accessor or name
        self.order_by = order_by or (self.accessor.replace(".", "__") if sortable else None)
        self.dict_type = dict_type
        self.choices = choices  # use get_<field>_display
        self.mask = mask  # "id_number" | "phone"
        self.unmask_perm = unmask_perm
        self.link = link  # url name taking the object's pk
        self.default = default
        self.width = width
        self.fmt = fmt
        self.colour = colour  # record -> CSS colour: the cell shows as a coloured badge

    def raw(self, obj):
        value = obj
        for part in self.accessor.split("."):
            if value is None:
                return None
            if self.choices and part == self.accessor.split(".")[-1] and hasattr(value, f"get_{part}_display"):
                return getattr(value, f"get_{part}_display")()
            value = getattr(value, part, None)
            if callable(value):
                value = value()
        return value

    def display(self, obj, user=None):
        value = self.raw(obj)
        if self.dict_type:
            value = dicts.label(self.dict_type, value)
        if self.mask and value and not (self.unmask_perm and user is not None and user.has_perm(self.unmask_perm)):
            value = MASKS[self.mask](str(value))
        if self.fmt and value not in (None, ""):
            value = self.fmt(value)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "是" if value else "否"
        return value

    def export_value(self, obj, user=None):
        value = self.display(obj, user)
        if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
            from django.utils import timezone

            value = timezone.localtime(value).replace(tzinfo=None)
        if not isinstance(value, (int, float, str)) and value is not None and not hasattr(value, "isoformat"):
            value = str(value)
        return value

    def html(self, obj, user=None, link=True):
        value = self.display(obj, user)
        if hasattr(value, "isoformat") and hasattr(value, "hour"):
            from django.utils import timezone

            value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value.tzinfo else value.strftime("%Y-%m-%d %H:%M")
        if self.colour is not None and value:
            return format_html('<span class="badge" style="background:{}">{}</span>', self.colour(obj), value)
        if self.dict_type and value:
            colour = dicts.colour(self.dict_type, self.raw(obj))
            if colour:
                return format_html('<span class="badge" style="background:{}">{}</span>', colour, value)
        if self.link and link:
            pattern = _link_pattern(self.link)
            if pattern is None:
                return value
            return format_html('<a href="{}">{}</a>', pattern.replace(_PK_PLACEHOLDER, str(obj.pk)), value)
        return value


_PK_PLACEHOLDER = "987654321987"


def _link_pattern(url_name):
    """A detail URL with a placeholder for the key: one reverse() per request, not per row."""
    from kernel.core import context

    def build():
        try:
            return reverse(url_name, args=[int(_PK_PLACEHOLDER)])
        except NoReverseMatch:
            return None

    return context.memo(("link", url_name), build)
