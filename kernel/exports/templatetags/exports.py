"""{% import_button key %}: the "导入" button of a list page, shown when an import is registered
under that key and the user holds its permission."""
from django import template
from django.urls import reverse
from django.utils.html import format_html

from kernel.exports.registry import get_import

register = template.Library()


@register.simple_tag(takes_context=True)
def import_button(context, key):
    registration = get_import(key or "")
    user = context.get("user")
    if registration is None or user is None or not user.is_authenticated or context.get("entrance", "gov") != "gov":
        return ""
    if not user.has_perm(registration.permission):
        return ""
    return format_html('<a class="btn btn-outline-primary btn-sm" id="import-xlsx" href="{}">'
                       '<i class="bi bi-upload me-1"></i>导入</a>', reverse("gov:exports_import", args=[key]))
