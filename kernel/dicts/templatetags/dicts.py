from django import template
from django.utils.html import format_html

from kernel.dicts import services

register = template.Library()


@register.filter
def dict_label(value, dict_type):
    return services.label(dict_type, value)


@register.simple_tag
def dict_badge(dict_type, value):
    text = services.label(dict_type, value)
    colour = services.colour(dict_type, value)
    if not text:
        return ""
    if colour:
        return format_html('<span class="badge" style="background:{}">{}</span>', colour, text)
    return format_html('<span class="badge text-bg-light border">{}</span>', text)
