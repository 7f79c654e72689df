"""The demo data a newcomer gets from `make run`: every demo user sees only their jurisdiction."""
import io

import pytest
from django.core.management import call_command
from django.test import Client

from kernel.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from kernel.accounts.models import User
from kernel.org.models import Organisation, Region


@pytest.fixture
def demo(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def visible_cities(username):
    user = User.objects.get(username=username)
    codes = Organisation.objects.visible_to(user).values_list("region__path", flat=True).distinct()
    return {path.split(".")[1] for path in codes if path.count(".") > 1}


def test_demo_data_volume_and_passwords_printed(demo):
    assert DEMO_PASSWORD in demo
    # the organisation seeder's 500 enterprises a scale unit (domain seeders add units of their own, e.g.
    # the construction companies of the labour-inspection demo)
    assert "企业500" in demo and Organisation.objects.filter(kind="enterprise").count() >= 500
    # four agencies a county (domain seeders add departments of their own, e.g. the service centre's)
    assert "机关504" in demo and Organisation.objects.filter(kind="agency").count() >= 4 * 126
    assert Region.objects.filter(level=Region.Level.GRID).count() == 111 * 4
    assert set(User.objects.values_list("username", flat=True)) >= {u[0] for u in DEMO_USERS}
    counts = Organisation.objects.count(), User.objects.count()
    call_command("seed_demo", "--if-empty", stdout=io.StringIO())  # idempotent for `make run`
    assert (Organisation.objects.count(), User.objects.count()) == counts


def test_each_demo_user_sees_only_their_jurisdiction(demo):
    assert visible_cities("nn_staff") == {"450100"}
    assert visible_cities("lz_staff") == {"450200"}
    assert len(visible_cities("gx_admin")) == 14
    qx = User.objects.get(username="qx_staff")
    assert set(Organisation.objects.visible_to(qx).values_list("region__path", flat=True)) <= {
        p for p in Region.objects.filter(path__startswith="450000.450100.450103.").values_list("path", flat=True)}
    ent = User.objects.get(username="ent_demo")
    assert list(Organisation.objects.visible_to(ent)) == [ent.organisation]
    assert not Organisation.objects.visible_to(User.objects.get(username="citizen_demo")).exists()


ENTRANCE = {"staff": "gov", "enterprise": "ent", "institution": "ent", "citizen": "m"}


def test_every_demo_user_can_log_in_at_their_entrance(demo):
    for username, _name, kind, *_ in DEMO_USERS:
        client = Client()
        entrance = ENTRANCE[kind]
        response = client.post(f"/{entrance}/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302 and response["Location"] == f"/{entrance}/", username
        assert client.get(f"/{entrance}/").status_code == 200


@pytest.mark.django_db
def test_only_runs_the_named_apps_seeders_and_refuses_unknown_labels():
    out = io.StringIO()
    call_command("seed_demo", only="org,accounts", stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line.startswith("[")]
    assert [line.split("]")[0][1:] for line in lines] == ["org", "accounts"]
    assert User.objects.filter(username="gx_admin").exists()
    with pytest.raises(SystemExit, match="--only 中的应用不存在：nosuch"):
        call_command("seed_demo", only="org,nosuch", stdout=io.StringIO())
