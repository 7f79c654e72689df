"""The labour warning pages need the labour permission (labor_inspection.view_labour_warning /
export_labour_warning) on top of the alert kernel's generic alerts.view_warning / export_warning.

Other agencies' roles hold the generic permission for their own warnings: a special-equipment regulator
(se_regulator) and the government-service centre administrator (gs_centre_admin) of Nanning must not open the
wage-arrears warning list, statistics, combined queries, grid statistics, big screen or mobile disposition, nor
see their menu entries and home card, nor be offered as grid owners; the labour roles of reference.py keep them."""
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from domains.labor.inspection import services
from domains.labor.inspection.forms import people_with
from domains.labor.inspection.reference import LABOUR_VIEW
from domains.labor.inspection.web.warnings import kernel_page_extension
from domains.labor.monitoring.tests.factories import make_project
from kernel.accounts.models import Role
from kernel.core import context
from kernel.core.testing import make_role, make_staff, perms
from kernel.org.models import Region
from kernel.ui.home import cards_for
from kernel.ui.menu import menu_for

from .cases_support import NANNING, QINGXIU, World, person

pytestmark = pytest.mark.django_db
OTHER_AGENCIES = ["se_regulator", "gs_centre_admin"]
GOV_PAGES = ["gov:labor_warning_list", "gov:labor_stats", "gov:labor_stats_warnings", "gov:labor_stats_units",
             "gov:labor_grid_stats", "gov:labor_screen", "gov:labor_screen_data"]
LABOUR_MENU = {"gov:labor_warning_list", "gov:labor_grid_stats", "gov:labor_stats", "gov:labor_screen",
               "gov:labor_stats_warnings", "gov:labor_stats_units", "gov:labor_stats_logs"}
CARD = "待处置预警"
GENERIC_ONLY = ["alerts.view_warning", "alerts.export_warning", "alerts.review_warning", "alerts.release_warning"]


@pytest.fixture
def w():
    return World()


@pytest.fixture
def warning(w):
    return w.assigned_warning()  # a labour warning of 青秀区, dispatched to the inspector w.qx


def menu_urls(user, entrance="gov"):
    return {url_name for _, _, entries in menu_for(user, entrance) for _, _, _, url_name in entries}


def cards(user, entrance="m"):
    return {c["label"]: c["value"] for c in cards_for(user, entrance)}


def outsider(role):
    user = person(NANNING, role=role)
    assert user.has_perm("alerts.view_warning") and not user.has_perm("labor_inspection.view_labour_warning")
    return user


@pytest.mark.parametrize("role", OTHER_AGENCIES)
def test_other_agencies_cannot_open_the_labour_warning_pages(client, w, warning, role):
    user = outsider(role)
    client.force_login(user)
    for name in GOV_PAGES:
        assert client.get(reverse(name)).status_code == 403, name
        assert client.get(reverse(name), {"export": "xlsx"}).status_code == 403, name
    assert client.get(reverse("gov:labor_stats_logs")).status_code == 403
    assert client.get(reverse("gov:labor_warning_detail", args=[warning.pk])).status_code == 403
    assert client.post(reverse("gov:labor_warning_batch"), {"ids": [warning.pk], "action": "review"}).status_code == 403
    assert client.post(reverse("gov:labor_warning_withdraw", args=[warning.pk]), {"comment": "误报"}).status_code == 403
    for url in (reverse("m:labor_m_warnings"), reverse("m:labor_m_warning", args=[warning.pk])):
        assert client.get(url).status_code == 403, url
    warning.refresh_from_db()
    assert warning.status == "assigned"


@pytest.mark.parametrize("role", OTHER_AGENCIES)
def test_other_agencies_see_no_labour_menu_entries_or_home_card(client, w, role):
    user = outsider(role)
    assert not menu_urls(user) & LABOUR_MENU
    assert CARD not in cards(user)
    client.force_login(user)
    home = client.get("/gov/").content.decode()
    for label in ("欠薪预警审核", "预警统计分析", "预警大屏", "网格预警统计"):
        assert label not in home, label
    assert CARD not in client.get(reverse("m:home")).content.decode()


def test_labour_roles_keep_the_pages_menus_and_card(client, w, warning):
    assert w.qx.has_perms(["labor_inspection.view_labour_warning", "labor_inspection.export_labour_warning"])
    assert LABOUR_MENU <= menu_urls(w.qx)
    assert cards(w.qx)[CARD] == 1
    client.force_login(w.qx)
    for name in GOV_PAGES + ["gov:labor_stats_logs"]:
        assert client.get(reverse(name)).status_code == 200, name
    response = client.get(reverse("gov:labor_warning_list"))
    assert response.context["can_export"] and list(response.context["page"].object_list) == [warning]
    assert client.get(reverse("gov:labor_warning_list"), {"export": "xlsx"}).status_code == 200
    assert client.get(reverse("gov:labor_stats"), {"export": "xlsx"}).status_code == 200
    assert client.get(reverse("gov:labor_screen_data"), {"export": "xlsx"}).status_code == 200
    assert client.get(reverse("gov:labor_warning_detail", args=[warning.pk])).status_code == 200
    assert client.get(reverse("m:labor_m_warnings")).status_code == 200
    assert client.get(reverse("m:labor_m_warning", args=[warning.pk])).status_code == 200
    # the grid owner: the warning pages and the mobile card, not the operation log (no cases)
    assert cards(w.owner)[CARD] == 0
    assert {"gov:labor_warning_list", "gov:labor_stats", "gov:labor_grid_stats"} <= menu_urls(w.owner)
    client.force_login(w.owner)
    assert client.get(reverse("gov:labor_grid_stats")).status_code == 200
    assert client.get(reverse("m:labor_m_warnings")).status_code == 200
    assert client.get(reverse("gov:labor_stats_logs")).status_code == 403


def test_the_labour_permission_alone_is_not_enough(client, w, warning):
    user = make_staff(NANNING, ["labor_inspection.view_labour_warning", "labor_inspection.export_labour_warning",
                                "labor_inspection.view_grid"])
    client.force_login(user)
    for name in GOV_PAGES:
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("m:labor_m_warnings")).status_code == 403
    assert not menu_urls(user) & LABOUR_MENU
    assert cards(user).get(CARD, 0) == 0


def test_export_needs_the_labour_export_permission(client, w, warning):
    user = make_staff(NANNING, [*GENERIC_ONLY, "labor_inspection.view_labour_warning", "labor_inspection.view_grid",
                                "labor_inspection.export_grid"])
    client.force_login(user)
    exports = [name for name in GOV_PAGES if name != "gov:labor_screen"]  # the screen exports by its data view
    for name in GOV_PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    for name in exports:
        assert client.get(reverse(name), {"export": "xlsx"}).status_code == 403, name
    for name in ("gov:labor_warning_list", "gov:labor_stats", "gov:labor_stats_warnings", "gov:labor_grid_stats",
                 "gov:labor_screen"):
        assert not client.get(reverse(name)).context["can_export"], name
    user.user_permissions.add(*perms("labor_inspection.export_labour_warning"))
    user = type(user).objects.get(pk=user.pk)  # drop the cached permissions
    client.force_login(user)
    for name in exports:
        assert client.get(reverse(name), {"export": "xlsx"}).status_code == 200, name
    assert client.get(reverse("gov:labor_warning_list")).context["can_export"]


def test_other_agencies_are_not_offered_or_accepted_as_grid_owners(w):
    se = person(QINGXIU, role="se_regulator")
    gs = person(QINGXIU, role="gs_centre_admin")
    offered = set(people_with(LABOUR_VIEW, w.admin))
    assert w.owner in offered and w.qx in offered
    assert se not in offered and gs not in offered
    parent = Region.objects.get(code=QINGXIU)
    for user in (se, gs):
        with context.acting_as(w.admin), pytest.raises(ValidationError) as exc:
            services.create_grid(w.admin, parent=parent, name="民族大道网格", head="韦网格长", owner=user)
        assert "owner" in exc.value.message_dict
    with context.acting_as(w.admin):
        grid = services.create_grid(w.admin, parent=parent, name="民族大道网格", head="韦网格长", owner=w.owner)
    assert grid.owner == w.owner


def test_kernel_warning_page_links_to_the_labour_page_only_for_labour_roles(w, warning):
    se = outsider("se_regulator")
    assert kernel_page_extension(warning, se) == {"actions": [], "hide": {"escalate"}}
    actions = kernel_page_extension(warning, w.qx)["actions"]
    assert actions == [("转立案登记 / 撤回", reverse("gov:labor_warning_detail", args=[warning.pk]))]


def test_project_portrait_links_warnings_for_labour_roles_only(client, w):
    project = make_project(QINGXIU)
    url = reverse("gov:labor_project_detail", args=[project.pk])
    generic = make_staff(NANNING, ["labor_monitoring.view_project", "alerts.view_warning"])
    client.force_login(generic)
    assert client.get(url).context["can_see_warnings"] is False
    client.force_login(w.qx)
    assert client.get(url).context["can_see_warnings"] is True


def test_migration_grants_the_new_permissions_to_labour_roles_only():
    grant = importlib.import_module("domains.labor.inspection.migrations.0004_labour_warning_permissions").grant
    view, export = perms("labor_inspection.view_labour_warning", "labor_inspection.export_labour_warning")
    custom = make_role(["labor_monitoring.view_project", "alerts.view_warning", "alerts.export_warning"])
    viewer = make_role(["labor_inspection.view_grid", "alerts.view_warning"])
    generic = make_role(["alerts.view_warning", "alerts.export_warning"])
    inspector = Role.objects.get(code="labor_inspector")
    inspector.permissions.remove(view, export)  # as before the upgrade
    grant(apps, None)
    assert {view, export} <= set(inspector.permissions.all()) and {view, export} <= set(custom.permissions.all())
    assert view in set(viewer.permissions.all()) and export not in set(viewer.permissions.all())
    assert not {view, export} & set(generic.permissions.all())
    for code in OTHER_AGENCIES:
        assert not {view, export} & set(Role.objects.get(code=code).permissions.all())
