from django import template
from django.http import QueryDict

register = template.Library()


@register.simple_tag
def querystring_replace(querystring, **kwargs):
    """Rebuild a query string with some keys replaced (pagination, page size)."""
    params = QueryDict(querystring, mutable=True)
    for key, value in kwargs.items():
        params[key] = value
    return params.urlencode()
