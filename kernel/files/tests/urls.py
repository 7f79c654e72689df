"""The project's URLs plus kernel.files' API routes (until config/api_urls.py includes them) and
a test-only record page that carries the attachment panel (for the browser test)."""
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import RequestContext, Template
from django.urls import include, path

from config.urls import handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urls
from kernel.files.api_urls import urlpatterns as files_api_urls
from kernel.org.models import Organisation

PAGE = Template("""{% extends "ui/base.html" %}{% load attachments %}{% block content %}
<h1 class="h4">{{ owner.name }}</h1><div class="row"><div class="col-lg-6">
{% attachment_panel owner "evidence" %}</div></div>{% endblock %}""")


@login_required
def record_page(request, pk):
    owner = get_object_or_404(Organisation.objects.visible_to(request.user), pk=pk)
    return HttpResponse(PAGE.render(RequestContext(request, {"owner": owner, "entrance": "gov",
                                                             "title": owner.name})))


urlpatterns = [
    path("api/", include(files_api_urls)),
    path("files-test/organisations/<int:pk>/", record_page),
] + project_urls
