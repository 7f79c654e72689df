"""Template filters of the supervision-database pages: money with two decimals and thousands
separators (the zh-hans locale groups by four without a separator), masked personal data."""
from django import template

from kernel.org.validators import mask_id_number, mask_phone

from ..exports import money as _money

register = template.Library()


@register.filter
def money(value):
    """1234567.5 → 1,234,567.50"""
    return _money(value)


@register.filter
def masked_id(value, unmasked=False):
    return value if unmasked else mask_id_number(value)


@register.filter
def masked_phone(value, unmasked=False):
    return value if unmasked else mask_phone(value)
