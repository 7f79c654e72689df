import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kernel.accounts.models import Role, User
from kernel.core.testing import ScopeContract, make_enterprise, make_role, make_staff
from kernel.org.models import Organisation, Region
from kernel.org.scope import restrict


class TestOrganisationScope(ScopeContract):
    model = Organisation
    list_url = "gov:org_list"
    detail_url = "gov:org_detail"
    view_perms = ["org.view_organisation"]
    export_perm = "org.export_organisation"
    api_list_url = "/api/org/organisations/"

    def make_record(self, region):
        return make_enterprise(region.code, name="青秀范围测试建筑有限公司")

    def marker(self, obj):
        return obj.name


@pytest.mark.django_db
class TestDataScopes:
    @pytest.fixture
    def orgs(self):
        return {
            "qx": make_enterprise("450103"),  # Nanning / Qingxiu
            "xn": make_enterprise("450102"),  # Nanning / Xingning
            "lz": make_enterprise("450202"),  # Liuzhou / Chengzhong
        }

    def visible(self, user, orgs):
        ids = set(restrict(Organisation.objects.filter(pk__in=[o.pk for o in orgs.values()]), user).values_list("pk", flat=True))
        return {k for k, o in orgs.items() if o.pk in ids}

    def test_region_tree_scope_of_a_city(self, orgs):
        assert self.visible(make_staff("450100", ["org.view_organisation"]), orgs) == {"qx", "xn"}

    def test_region_tree_scope_of_a_county(self, orgs):
        assert self.visible(make_staff("450103", ["org.view_organisation"]), orgs) == {"qx"}

    def test_region_only_scope_excludes_subordinate_counties(self, orgs):
        user = make_staff("450100", ["org.view_organisation"], data_scope=Role.DataScope.REGION)
        city_org = make_enterprise("450100")
        orgs["city"] = city_org
        assert self.visible(user, orgs) == {"city"}

    def test_custom_regions_scope(self, orgs):
        role = make_role(["org.view_organisation"], Role.DataScope.CUSTOM)
        role.custom_regions.set([Region.objects.get(code="450202"), Region.objects.get(code="450102")])
        user = make_staff("450000")
        user.roles.add(role)
        assert self.visible(user, orgs) == {"lz", "xn"}

    def test_all_scope_and_superuser(self, orgs):
        assert self.visible(make_staff("450103", ["org.view_organisation"], data_scope=Role.DataScope.ALL), orgs) == {"qx", "xn", "lz"}
        admin = User.objects.create_superuser("root1", password="Root@pass2026")
        assert self.visible(admin, orgs) == {"qx", "xn", "lz"}

    def test_union_of_roles(self, orgs):
        user = make_staff("450103", ["org.view_organisation"])
        role = make_role([], Role.DataScope.CUSTOM)
        role.custom_regions.set([Region.objects.get(code="450200")])
        user.roles.add(role)
        assert self.visible(user, orgs) == {"qx", "lz"}

    def test_disabled_role_gives_nothing_extra(self, orgs):
        user = make_staff("450103", ["org.view_organisation"])
        role = make_role([], Role.DataScope.ALL)
        role.enabled = False
        role.save()
        user.roles.add(role)
        assert self.visible(user, orgs) == {"qx"}

    def test_enterprise_user_sees_only_own_organisation(self, orgs, client):
        user = User.objects.create_user("ent1", password="Ent@pass2026", kind="enterprise",
                                        organisation=orgs["qx"], must_change_password=False)
        assert self.visible(user, orgs) == {"qx"}
        client.force_login(user)
        assert client.get(reverse("ent:my_org")).status_code == 200
        assert orgs["qx"].name in client.get(reverse("ent:my_org")).content.decode()
        # the agency entrance is closed to enterprise accounts
        assert client.get(reverse("gov:org_list")).status_code == 403

    def test_citizen_and_anonymous_see_no_organisations(self, orgs):
        from django.contrib.auth.models import AnonymousUser

        citizen = User.objects.create_user("cit1", password="Cit@pass2026", kind="citizen", must_change_password=False)
        assert self.visible(citizen, orgs) == set()
        assert self.visible(AnonymousUser(), orgs) == set()

    def test_inactive_user_sees_nothing(self, orgs):
        user = make_staff("450100", ["org.view_organisation"])
        user.is_active = False
        assert self.visible(user, orgs) == set()

    def test_staff_without_organisation_fails_closed(self, orgs):
        user = User.objects.create_user("noorg", password="Noorg@pass2026", kind="staff")
        user.roles.add(make_role(["org.view_organisation"]))
        assert self.visible(user, orgs) == set()


@pytest.mark.django_db
class TestListQueryCount:
    """The organisation list must not issue more queries for more rows or more data (no N+1)."""

    def count_queries(self, client, params):
        from kernel.core.cache import bump_tables, known_tables

        bump_tables(*known_tables())  # measure the cold path every time: no cached result is valid
        with CaptureQueriesContext(connection) as q:
            response = client.get(reverse("gov:org_list"), params)
        assert response.status_code == 200
        return len(q.captured_queries)

    def test_query_count_is_flat(self, client):
        user = make_staff("450100", ["org.view_organisation", "org.export_organisation"])
        client.force_login(user)
        for _ in range(5):
            make_enterprise("450103")
        client.get(reverse("gov:org_list"))  # the first request after login refreshes the session
        small = self.count_queries(client, {"kind": "enterprise", "per_page": 20})
        for _ in range(120):
            make_enterprise("450102")
        assert self.count_queries(client, {"kind": "enterprise", "per_page": 20}) == small
        assert self.count_queries(client, {"kind": "enterprise", "per_page": 100}) == small
        assert self.count_queries(client, {"kind": "enterprise", "per_page": 100, "sort": "region"}) == small
