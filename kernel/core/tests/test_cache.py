"""Cached results (counts, permissions, scopes, region subtrees) never outlive a change."""
import pytest
from django.urls import reverse

from kernel.core.bulk import bulk_insert
from kernel.core.cache import cached_count, cached_figures
from kernel.core.testing import make_enterprise, make_role, make_staff
from kernel.org.models import Organisation, Region
from kernel.org.scope import subtree_ids


@pytest.mark.django_db
class TestCountCache:
    def qs(self):
        return Organisation.objects.filter(region__code="450103", kind="enterprise")

    def test_count_is_cached_then_refreshed_by_each_kind_of_write(self, django_assert_num_queries):
        make_enterprise("450103")
        assert cached_count(self.qs()) == 1
        with django_assert_num_queries(0):
            assert cached_count(self.qs()) == 1
        org = make_enterprise("450103")  # save()
        assert cached_count(self.qs()) == 2
        org.delete()  # soft delete
        assert cached_count(self.qs()) == 1
        Organisation.objects.filter(region__code="450103").update(kind="institution")  # queryset update
        assert cached_count(self.qs()) == 0
        from kernel.org.demo import make_uscc

        bulk_insert(Organisation, [Organisation(name="批量企业", kind="enterprise", industry="E",
                                                region=Region.objects.get(code="450103"),
                                                uscc=make_uscc("91", "450103", 555))])  # COPY / bulk_create
        assert cached_count(self.qs()) == 1

    def test_figures_are_shared_per_bucket_until_a_write(self, django_assert_num_queries):
        make_enterprise("450103")
        calls = []

        def figures(qs):
            calls.append(1)
            return {"n": qs.count()}

        assert cached_figures("t", self.qs(), figures, bucket="1200") == {"n": 1}
        with django_assert_num_queries(0):
            assert cached_figures("t", self.qs(), figures, bucket="1200") == {"n": 1}
        assert cached_figures("t", self.qs(), figures, bucket="1201") == {"n": 1} and len(calls) == 2
        make_enterprise("450103")
        assert cached_figures("t", self.qs(), figures, bucket="1201") == {"n": 2} and len(calls) == 3

    def test_a_joined_table_change_refreshes_the_count(self):
        make_enterprise("450103")
        assert cached_count(self.qs()) == 1
        Region.objects.filter(code="450103").update(code="450103")  # the join target changed
        region = Region.objects.get(code="450103")
        region.name = "青秀区"
        region.save()
        assert cached_count(Organisation.objects.filter(region__name="青秀区", kind="enterprise")) == 1

    def test_empty_filters_count_zero(self):
        assert cached_count(Organisation.objects.none()) == 0
        assert cached_count(Organisation.objects.filter(pk__in=[])) == 0

    def test_list_page_shows_a_new_record_at_once(self, client):
        client.force_login(make_staff("450100", ["org.view_organisation"]))
        before = client.get(reverse("gov:org_list"), {"kind": "enterprise"}).context["page"].paginator.count
        make_enterprise("450103")
        after = client.get(reverse("gov:org_list"), {"kind": "enterprise"}).context["page"].paginator.count
        assert after == before + 1


@pytest.mark.django_db
class TestAuthzCache:
    def test_granting_and_revoking_a_permission_applies_at_once(self, client):
        user = make_staff("450100")
        client.force_login(user)
        assert client.get(reverse("gov:org_list")).status_code == 403
        role = make_role(["org.view_organisation"])
        user.roles.add(role)
        assert client.get(reverse("gov:org_list")).status_code == 200
        role.enabled = False
        role.save()
        assert client.get(reverse("gov:org_list")).status_code == 403

    def test_changing_a_data_scope_applies_at_once(self, client):
        from kernel.accounts.models import Role

        user = make_staff("450103", ["org.view_organisation"])
        far = make_enterprise("450202")
        client.force_login(user)
        assert client.get(reverse("gov:org_detail", args=[far.pk])).status_code == 404
        Role.objects.filter(users=user).update(data_scope=Role.DataScope.ALL)
        assert client.get(reverse("gov:org_detail", args=[far.pk])).status_code == 200


@pytest.mark.django_db
def test_region_subtree_cache_follows_new_regions():
    before = set(subtree_ids(Region.objects.get(code="450100").path))
    town = Region.objects.create(code="450103777", name="新设街道", level=Region.Level.TOWN,
                                 parent=Region.objects.get(code="450103"))
    assert set(subtree_ids(Region.objects.get(code="450100").path)) == before | {town.pk}


@pytest.mark.django_db
def test_raw_sql_writes_are_seen_and_bumped_again_on_commit(django_capture_on_commit_callbacks):
    from django.db import connection

    from kernel.core.cache import table_versions

    make_enterprise("450103")
    qs = Organisation.objects.filter(region__code="450103", kind="enterprise")
    assert cached_count(qs) == 1
    before = table_versions(["org_organisation"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE org_organisation SET kind = %s WHERE kind = %s", ["institution", "enterprise"])
    assert table_versions(["org_organisation"]) != before
    assert cached_count(qs) == 0
    middle = table_versions(["org_organisation"])
    for callback in callbacks:  # the commit bumps once more
        callback()
    assert table_versions(["org_organisation"]) != middle


@pytest.mark.parametrize("sql,table", [
    ('INSERT INTO "org_region" ("code") VALUES (%s)', "org_region"),
    ('UPDATE "accounts_user" SET "x" = 1', "accounts_user"),
    ("DELETE FROM accounts_user_roles WHERE 1=1", "accounts_user_roles"),
    ('SELECT * FROM "org_region"', None),
    ("  update org_organisation set kind='x'", "org_organisation"),
    ('INSERT OR IGNORE INTO "accounts_user_roles" ("user_id", "role_id") VALUES (1, 2)', "accounts_user_roles"),
    ('REPLACE INTO "x_table" VALUES (1)', "x_table"),
])
def test_written_table(sql, table):
    from kernel.core.cache import written_table

    assert written_table(sql) == table


@pytest.mark.django_db
def test_scheduler_round_retries_sms_and_scans(django_capture_on_commit_callbacks):
    import datetime

    from django.utils import timezone

    from integrations.sms.models import SimulatedSms, SimulatorControl
    from kernel.alerts.models import Warning
    from kernel.core.management.commands.run_scheduler import run_once
    from kernel.notify import services as notify
    from kernel.notify.models import SmsMessage
    from tests.testapp.models import Application

    control = SimulatorControl.get()
    control.fail_next = 1
    control.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify.send_sms("13877110009", "todo_assigned", {"title": "x", "due": "y"})
    SmsMessage.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    Application.objects.create(title="定时扫描", amount=600, region=Region.objects.get(code="450103"))
    sent, receipts, scans = run_once()
    assert sent == 1 and SimulatedSms.objects.count() == 1 and receipts == 1
    assert scans["test_amount"]["raised"] == 1 and Warning.objects.filter(subject_repr="定时扫描").exists()
