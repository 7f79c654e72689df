"""Login policy: argon2, strength rules, lockout after 5 failures for 15 minutes, entrances,
forced password change, session timeout, logout everywhere."""
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kernel.accounts import services
from kernel.accounts.models import User
from kernel.audit.models import OperationLog
from kernel.core.testing import PASSWORD, make_enterprise, make_staff


def login(client, username, password=PASSWORD, entrance="gov"):
    return client.post(f"/{entrance}/login/", {"username": username, "password": password})


@pytest.mark.django_db
class TestLogin:
    def test_password_is_hashed_with_argon2(self):
        user = make_staff("450100")
        assert user.password.startswith("argon2")

    def test_successful_login_goes_home_and_is_logged(self, client):
        user = make_staff("450100", username="ok1")
        response = login(client, "ok1")
        assert response.status_code == 302 and response["Location"] == "/gov/"
        op = OperationLog.objects.get(action="login")
        assert op.actor == user and op.success and op.entrance == "gov" and op.ip == "127.0.0.1"
        assert op.region.code == "450100"

    def test_failed_login_is_logged_with_generic_message(self, client):
        make_staff("450100", username="bad1")
        response = login(client, "bad1", "wrong-password")
        assert response.status_code == 400
        assert "账号或密码错误" in response.content.decode()
        assert OperationLog.objects.filter(action="login_failed", username="bad1", success=False).count() == 1
        response = login(client, "nobody", "whatever")
        assert "账号或密码错误" in response.content.decode()
        assert OperationLog.objects.filter(action="login_failed", username="nobody").exists()

    def test_five_failures_lock_the_account_for_15_minutes(self, client, monkeypatch):
        user = make_staff("450100", username="lock1")
        for i in range(4):
            response = login(client, "lock1", "wrong")
            assert f"再错{4 - i}次将锁定账号" in response.content.decode()
        response = login(client, "lock1", "wrong")
        assert "账号已锁定15分钟" in response.content.decode()
        user.refresh_from_db()
        assert user.locked_until is not None
        assert timedelta(minutes=14, seconds=50) < user.locked_until - timezone.now() <= timedelta(minutes=15)
        assert OperationLog.objects.filter(action="locked", username="lock1").count() == 1
        # the right password is refused while locked
        response = login(client, "lock1")
        assert response.status_code == 400 and "账号已锁定" in response.content.decode()
        # 14 minutes later: still locked; after 15 minutes: the right password works again
        real_now = timezone.now()
        monkeypatch.setattr(services.timezone, "now", lambda: real_now + timedelta(minutes=14))
        assert "账号已锁定" in login(client, "lock1").content.decode()
        monkeypatch.setattr(services.timezone, "now", lambda: real_now + timedelta(minutes=15, seconds=1))
        response = login(client, "lock1")
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.failed_logins == 0 and user.locked_until is None

    def test_success_resets_the_failure_counter(self, client):
        make_staff("450100", username="reset1")
        for _ in range(4):
            login(client, "reset1", "wrong")
        assert login(client, "reset1").status_code == 302
        client.logout()
        for _ in range(4):
            login(client, "reset1", "wrong")
        assert not User.objects.get(username="reset1").is_locked()

    def test_inactive_account_cannot_log_in(self, client):
        make_staff("450100", username="off1", is_active=False)
        assert login(client, "off1").status_code == 400

    @pytest.mark.parametrize("kind,entrance,ok", [
        ("staff", "gov", True), ("staff", "ent", False), ("enterprise", "ent", True), ("enterprise", "gov", False),
        ("citizen", "m", True), ("citizen", "gov", False), ("citizen", "ent", False), ("staff", "m", True),
    ])
    def test_entrances_admit_their_kinds_only(self, client, kind, entrance, ok):
        org = make_enterprise("450103") if kind == "enterprise" else (make_staff("450100").organisation if kind == "staff" else None)
        User.objects.create_user("k1", password=PASSWORD, kind=kind, organisation=org, must_change_password=False)
        response = login(client, "k1", entrance=entrance)
        assert (response.status_code == 302) is ok
        if not ok:
            assert "不能从此入口登录" in response.content.decode()

    def test_open_redirect_is_refused(self, client):
        make_staff("450100", username="redir1")
        response = client.post("/gov/login/", {"username": "redir1", "password": PASSWORD, "next": "https://evil.example/"})
        assert response["Location"] == "/gov/"


@pytest.mark.django_db
class TestPasswordPolicy:
    @pytest.mark.parametrize("password,message", [
        ("Ab1!", "密码长度至少8位"),
        ("abcdefgh", "至少三类"),
        ("abcdefg1", "至少三类"),
        ("Xqa1!pw1_first1", "不能包含用户名"),
    ])
    def test_weak_passwords_are_refused(self, client, password, message):
        user = make_staff("450100", username="first1", must_change_password=False)
        client.force_login(user)
        response = client.post(reverse("gov:password_change"),
                               {"old_password": PASSWORD, "new_password": password, "new_password2": password})
        assert response.status_code == 400
        assert message in " ".join(response.context["form"].errors["new_password"])
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

    def test_first_login_forces_password_change(self, client):
        make_staff("450100", username="new1", must_change_password=True)
        assert login(client, "new1").status_code == 302
        response = client.get("/gov/org/organisations/")
        assert response.status_code == 302 and response["Location"].startswith("/gov/password/")
        response = client.post("/gov/password/", {"old_password": PASSWORD, "new_password": "Nn@2026-change",
                                                   "new_password2": "Nn@2026-change"})
        assert response.status_code == 302
        user = User.objects.get(username="new1")
        assert not user.must_change_password and user.check_password("Nn@2026-change")
        assert client.get("/gov/").status_code == 200  # the session survived the change
        assert OperationLog.objects.filter(action="password_change", actor=user).exists()

    def test_wrong_old_password_and_mismatch(self, client):
        user = make_staff("450100", username="chg1", must_change_password=False)
        client.force_login(user)
        response = client.post("/gov/password/", {"old_password": "nope", "new_password": "Good@pass2026",
                                                   "new_password2": "Other@pass2026"})
        errors = response.context["form"].errors
        assert "两次输入的新密码不一致" in errors["new_password2"]


@pytest.mark.django_db
class TestSessions:
    def test_session_times_out_after_30_idle_minutes(self, client):
        assert settings.SESSION_COOKIE_AGE == 30 * 60
        make_staff("450100", username="idle1")
        login(client, "idle1")
        assert client.get("/gov/").status_code == 200
        key = client.session.session_key
        if settings.SESSION_ENGINE.endswith(".db"):
            row = Session.objects.get(session_key=key)
            assert timedelta(minutes=29) < row.expire_date - timezone.now() <= timedelta(minutes=30)
            Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
        else:  # Redis: the key's time-to-live is the idle timeout; expiry removes it
            from django.core.cache import cache

            cache_key = "django.contrib.sessions.cache" + key
            assert 29 * 60 < cache.ttl(cache_key) <= 30 * 60
            cache.delete(cache_key)
        response = client.get("/gov/")
        assert response.status_code == 302 and response["Location"].startswith("/gov/login/")

    def test_activity_pushes_the_expiry_at_most_once_a_minute(self, client, monkeypatch):
        from kernel.accounts import middleware

        make_staff("450100", username="slide1")
        login(client, "slide1")
        start = 1_900_000_000
        monkeypatch.setattr(middleware.time, "time", lambda: start)
        client.get("/gov/")
        assert client.session["_touched"] == start
        monkeypatch.setattr(middleware.time, "time", lambda: start + 59)
        client.get("/gov/")
        assert client.session["_touched"] == start  # no write within the minute
        monkeypatch.setattr(middleware.time, "time", lambda: start + 25 * 60)
        client.get("/gov/")
        assert client.session["_touched"] == start + 25 * 60  # the session was saved: expiry moved on

    def test_logout_everywhere_ends_every_session(self):
        user = make_staff("450100", username="multi1")
        phone, desktop = Client(), Client()
        login(phone, "multi1")
        login(desktop, "multi1")
        from rest_framework.authtoken.models import Token

        Token.objects.create(user=user)
        assert phone.get("/gov/").status_code == 200 and desktop.get("/gov/").status_code == 200
        desktop.post("/gov/logout-all/")
        assert phone.get("/gov/").status_code == 302
        assert desktop.get("/gov/").status_code == 302
        assert not Token.objects.filter(user=user).exists()
        assert OperationLog.objects.filter(action="logout_all", actor=user).exists()
        assert login(phone, "multi1").status_code == 302  # a fresh login works

    def test_logout_is_post_only_and_logged(self, client):
        make_staff("450100", username="out1")
        login(client, "out1")
        assert client.get("/gov/logout/").status_code == 405
        assert client.post("/gov/logout/").status_code == 302
        assert OperationLog.objects.filter(action="logout", username="out1").exists()
        assert client.get("/gov/").status_code == 302


@pytest.mark.django_db
class TestApiToken:
    def test_token_login_and_scoped_use(self, client):
        from kernel.core.testing import make_staff

        make_staff("450100", ["org.view_organisation"], username="api1")
        response = client.post("/api/auth/token/", {"username": "api1", "password": PASSWORD}, content_type="application/json")
        assert response.status_code == 200
        token = response.json()["token"]
        response = Client().get("/api/org/organisations/", HTTP_AUTHORIZATION=f"Token {token}")
        assert response.status_code == 200
        assert OperationLog.objects.filter(action="login", entrance="api", username="api1").exists()

    def test_token_login_obeys_lockout(self, client):
        from kernel.core.testing import make_staff

        make_staff("450100", username="api2")
        for _ in range(5):
            client.post("/api/auth/token/", {"username": "api2", "password": "bad"}, content_type="application/json")
        response = client.post("/api/auth/token/", {"username": "api2", "password": PASSWORD}, content_type="application/json")
        assert response.status_code == 400 and "账号已锁定" in response.json()["detail"]

    def test_missing_fields_are_field_errors(self, client):
        response = client.post("/api/auth/token/", {"username": "x"}, content_type="application/json")
        assert response.status_code == 400 and "password" in response.json()
