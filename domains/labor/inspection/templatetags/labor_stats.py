"""The linked figure of a statistics table cell, as a tag: the page has hundreds of them, and an
{% include %} per cell cost more than the rest of the page (about 30 ms a request)."""
from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()
MUTED = mark_safe(' class="text-muted"')


@register.simple_tag
def stat_n(n, url=None, attr="n"):
    """A count linking to the list it counts (data-<attr> carries the number for tests and scripts)."""
    attr = attr or "n"
    if url and n:
        return format_html('<a href="{}" data-{}="{}">{}</a>', url, attr, n, n)
    return format_html('<span data-{}="{}"{}>{}</span>', attr, n, "" if n else MUTED, n)
