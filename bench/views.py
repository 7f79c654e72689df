"""Benchmark-only views, mounted under /bench/ when the server runs with ZW_BENCH=1.

`bare` measures the ceiling of the stack (gunicorn + the full middleware chain + one
database round trip): no template, no authentication, exactly one SQL query.
"""
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from kernel.org.models import Organisation


@require_GET
def bare(request):
    # One indexed primary-key lookup. An anonymous request (no session cookie) makes
    # no other query: the session and user stay lazy and are never loaded or saved.
    name = Organisation.all_objects.filter(pk=1).values_list("name", flat=True).first()
    return HttpResponse(b"ok" if name is not None else b"empty", content_type="text/plain")


@require_GET
def bare_auth(request):
    """The same query for a signed-in user: adds the session and user loads that every
    authenticated page pays (the fixed cost of authentication on this stack)."""
    if not request.user.is_authenticated:
        return HttpResponse(b"login required", status=403, content_type="text/plain")
    name = Organisation.all_objects.filter(pk=1).values_list("name", flat=True).first()
    return HttpResponse(b"ok" if name is not None else b"empty", content_type="text/plain")
