"""{% load attachments %}{% attachment_panel object "evidence" %} on a record's page: its
attachments of that use, with download links, delete buttons and an upload form (HTMX)."""
from django import template

from kernel.files.views import PANEL_TEMPLATE, panel_context

register = template.Library()


@register.inclusion_tag(PANEL_TEMPLATE, takes_context=True)
def attachment_panel(context, owner, purpose=None):
    request = context["request"]
    return panel_context(request, owner, purpose, next_url=request.get_full_path())
