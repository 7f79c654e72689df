"""Enterprise and technical-institution entrance (/ent/)."""
from django.urls import path

from kernel.org import ent_views
from kernel.todos.views import TodoListView
from kernel.ui import views as ui_views
from kernel.ui.urls_common import _account_urls, app_urls

app_name = "ent"

urlpatterns = _account_urls("ent") + [
    path("", ui_views.HomeView.as_view(entrance="ent"), name="home"),
    path("organisation/", ent_views.MyOrganisationView.as_view(), name="my_org"),
    path("todos/", TodoListView.as_view(entrance="ent"), name="todo_list"),
] + app_urls("ent")
