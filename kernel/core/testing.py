"""Test helpers any domain uses: users in a region with given permissions, and
ScopeContract, the jurisdiction test base class every scoped model plugs into.

    class TestOrganisationScope(ScopeContract):
        model = Organisation
        list_url = "gov:org_list"
        detail_url = "gov:org_detail"
        view_perms = ["org.view_organisation"]
        export_perm = "org.export_organisation"
        api_list_url = "/api/org/organisations/"

        def make_record(self, region):
            return Organisation.objects.create(...)

It proves: anonymous is refused, a user without the permission is refused,
a user of a sibling city gets 404 on the detail and does not see the row in the
list, the count, the Excel export or the API, while users of the record's own
city and of the parent region (the autonomous region) do.
"""
import io
import itertools

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook

from kernel.accounts.models import Role, User
from kernel.org.models import Organisation, Region

PASSWORD = "Test@pass2026"
_seq = itertools.count(1)


def perms(*names):
    out = []
    for name in names:
        app, codename = name.split(".", 1)
        out.append(Permission.objects.get(content_type__app_label=app, codename=codename))
    return out


def make_agency(region_code, agency_type="market"):
    region = Region.objects.get(code=region_code)
    org = Organisation.objects.filter(region=region, kind="agency", agency_type=agency_type).first()
    if org is None:
        org = Organisation.objects.create(name=f"{region.name}测试局{next(_seq)}", kind="agency", region=region,
                                          agency_type=agency_type)
    return org


def make_role(permission_names, data_scope=Role.DataScope.REGION_TREE):
    role = Role.objects.create(code=f"test-role-{next(_seq)}", name="测试角色", data_scope=data_scope)
    role.permissions.set(perms(*permission_names))
    return role


def make_staff(region_code, permission_names=(), data_scope=Role.DataScope.REGION_TREE, username=None, **extra):
    extra.setdefault("must_change_password", False)
    user = User.objects.create_user(
        username=username or f"staff{next(_seq)}", password=PASSWORD, kind="staff",
        organisation=make_agency(region_code), **extra)
    if permission_names:
        user.roles.add(make_role(permission_names, data_scope))
    return user


def make_enterprise(region_code, name=None):
    from kernel.org.demo import make_uscc

    n = next(_seq)
    return Organisation.objects.create(name=name or f"测试企业{n}有限公司", kind="enterprise",
                                       region=Region.objects.get(code=region_code), industry="E",
                                       uscc=make_uscc("91", region_code, 900_000 + n))


def xlsx_rows(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


@pytest.mark.django_db
class ScopeContract:
    model = None
    list_url: str = ""
    detail_url: str = ""
    view_perms: list = []
    export_perm: str | None = None
    api_list_url: str | None = None
    login_url = "/gov/login/"
    # Record lives in a county of Nanning; the sibling city is Liuzhou; the parent is the autonomous region.
    home_county = "450103"
    home_city = "450100"
    sibling_city = "450200"
    parent_region = "450000"

    # A subclass defines make_record(self, region) -> a saved record in that region.

    def marker(self, obj) -> str:
        """Text that identifies the record in list HTML and exports."""
        return str(obj)

    # -- fixtures -------------------------------------------------------------
    @pytest.fixture
    def record(self):
        return self.make_record(Region.objects.get(code=self.home_county))

    def _user(self, region_code):
        perms_ = list(self.view_perms) + ([self.export_perm] if self.export_perm else [])
        return make_staff(region_code, perms_)

    def _client_for(self, client, user):
        client.force_login(user)
        return client

    # -- the contract -----------------------------------------------------------
    def test_anonymous_is_sent_to_login(self, client, record):
        for url in (reverse(self.list_url), reverse(self.detail_url, args=[record.pk])):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(self.login_url)
        if self.api_list_url:
            assert client.get(self.api_list_url).status_code in (401, 403)

    def test_user_without_permission_is_refused(self, client, record):
        user = make_staff(self.home_city, [])
        c = self._client_for(client, user)
        assert c.get(reverse(self.list_url)).status_code == 403
        assert c.get(reverse(self.detail_url, args=[record.pk])).status_code == 403
        if self.api_list_url:
            assert c.get(self.api_list_url).status_code == 403

    def test_sibling_city_gets_404_and_sees_nothing(self, client, record):
        user = self._user(self.sibling_city)
        c = self._client_for(client, user)
        assert c.get(reverse(self.detail_url, args=[record.pk])).status_code == 404
        page = c.get(reverse(self.list_url)).content.decode()
        assert self.marker(record) not in page
        assert not self.model.objects.visible_to(user).filter(pk=record.pk).exists()
        assert self.model.objects.visible_to(user).filter(pk=record.pk).count() == 0
        if self.export_perm:
            rows = xlsx_rows(c.get(reverse(self.list_url) + "?export=xlsx"))
            assert all(self.marker(record) not in [str(v) for v in row] for row in rows)
        if self.api_list_url:
            data = c.get(self.api_list_url, {"page_size": 1000}).json()
            assert record.pk not in [r["id"] for r in data["results"]]
            assert c.get(f"{self.api_list_url}{record.pk}/").status_code == 404

    @pytest.mark.parametrize("level", ["home_city", "parent_region"])
    def test_own_city_and_parent_region_see_it(self, client, record, level):
        user = self._user(getattr(self, level))
        c = self._client_for(client, user)
        assert c.get(reverse(self.detail_url, args=[record.pk])).status_code == 200
        assert self.model.objects.visible_to(user).filter(pk=record.pk).count() == 1
        if self.export_perm:
            rows = xlsx_rows(c.get(reverse(self.list_url) + "?export=xlsx"))
            assert any(self.marker(record) in [str(v) for v in row] for row in rows)
        if self.api_list_url:
            assert c.get(f"{self.api_list_url}{record.pk}/").status_code == 200


from django.contrib.auth.hashers import Argon2PasswordHasher  # noqa: E402


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with small cost parameters, for tests only (the root conftest selects it)."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1


def race(workers, target):
    """Run `target(i)` for i in range(workers) in threads released together (concurrency tests). Returns
    (results, unexpected): each result is target's value or the ValidationError it raised; anything else is
    reported in `unexpected`. SQLite's in-memory test database answers "table is locked" at once instead of
    waiting (the transaction was rolled back whole), so those tries are repeated; PostgreSQL waits."""
    import random
    import threading
    import time

    from django.core.exceptions import ValidationError
    from django.db import OperationalError, connection

    barrier, results, unexpected = threading.Barrier(workers), [], []

    def worker(i):
        try:
            barrier.wait()
            for _ in range(200):
                try:
                    results.append(target(i))
                except ValidationError as exc:
                    results.append(exc)
                except OperationalError as exc:
                    if connection.vendor == "sqlite" and "locked" in str(exc):
                        time.sleep(random.uniform(0.002, 0.02))
                        continue
                    unexpected.append(repr(exc))
                except Exception as exc:  # noqa: BLE001 - reported to the test
                    unexpected.append(repr(exc))
                break
            else:
                unexpected.append("still locked after 200 tries")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, unexpected
