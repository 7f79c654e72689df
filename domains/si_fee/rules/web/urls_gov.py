from django.urls import path

from . import views as v

urlpatterns = [
    path("rules/", v.RuleListView.as_view(), name="si_rules"),
    path("rules/new/", v.RuleEditView.as_view(), name="si_rule_add"),
    path("rules/copy-year/", v.CopyYearView.as_view(), name="si_rule_copy_year"),
    path("rules/<int:pk>/", v.RuleDetailView.as_view(), name="si_rule"),
    path("rules/<int:pk>/edit/", v.RuleEditView.as_view(), name="si_rule_edit"),
    path("rules/<int:pk>/publish/", v.PublishView.as_view(), name="si_rule_publish"),
]
