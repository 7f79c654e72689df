"""Agency staff entrance (/gov/)."""
from django.urls import include, path

from kernel.accounts import views as account_views
from kernel.audit import views as audit_views
from kernel.calendar import views as calendar_views
from kernel.dicts import views as dict_views
from kernel.org import views as org_views
from kernel.ui import views as ui_views
from kernel.ui.urls_common import _account_urls, app_urls
from kernel.workflow import views as workflow_views

app_name = "gov"

urlpatterns = _account_urls("gov") + [
    path("alerts/", include("kernel.alerts.urls")),
    path("todos/", include("kernel.todos.urls")),
    path("notify/", include("kernel.notify.urls")),
    path("exports/", include("kernel.exports.urls")),
    path("interfaces/", include("kernel.interfaces.urls")),
    path("", ui_views.HomeView.as_view(entrance="gov"), name="home"),
    path("org/organisations/", org_views.OrganisationListView.as_view(), name="org_list"),
    path("org/organisations/new/", org_views.OrganisationCreateView.as_view(), name="org_create"),
    path("org/organisations/<int:pk>/", org_views.OrganisationDetailView.as_view(), name="org_detail"),
    path("org/organisations/<int:pk>/edit/", org_views.OrganisationEditView.as_view(), name="org_edit"),
    path("org/organisations/<int:pk>/delete/", org_views.OrganisationDeleteView.as_view(), name="org_delete"),
    path("org/regions/", org_views.RegionListView.as_view(), name="region_list"),
    path("system/users/", account_views.UserListView.as_view(), name="user_list"),
    path("system/users/<int:pk>/", account_views.UserDetailView.as_view(), name="user_detail"),
    path("system/roles/", account_views.RoleListView.as_view(), name="role_list"),
    path("system/dicts/", dict_views.DictTypeListView.as_view(), name="dict_list"),
    path("system/dicts/<int:pk>/", dict_views.DictTypeDetailView.as_view(), name="dict_detail"),
    path("system/dicts/<int:pk>/items/new/", dict_views.DictItemFormView.as_view(), name="dict_item_create"),
    path("system/dicts/<int:pk>/items/<int:item_pk>/", dict_views.DictItemFormView.as_view(), name="dict_item_edit"),
    path("workflow/<str:model>/<int:pk>/<slug:name>/", workflow_views.transition_view, name="workflow_transition"),
    path("system/calendar/", calendar_views.CalendarView.as_view(), name="calendar"),
    path("system/audit/changes/", audit_views.ChangeLogListView.as_view(), name="changelog_list"),
    path("system/audit/operations/", audit_views.OperationLogListView.as_view(), name="oplog_list"),
] + app_urls("gov")
