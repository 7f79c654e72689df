"""Signed requests: accepted when intact, refused (401, Chinese detail, operation log) otherwise."""
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from kernel.accounts.models import Role
from kernel.audit.models import ChangeLog, OperationLog
from kernel.core.testing import make_enterprise
from kernel.interfaces import services
from kernel.interfaces.auth import AUTH_FAILED_ACTION
from kernel.interfaces.client import HMAC_SHA256, HMAC_SM3, sign_request
from kernel.interfaces.models import ApiClient, InboundMessage
from kernel.org.demo import make_uscc
from kernel.org.models import Organisation, Region

from .helpers import call, make_client

WHOAMI = "/api/interfaces/whoami/"
PUSH = "/api/inbound/org.enterprise_upsert/"


def refusals(reason=None):
    qs = OperationLog.objects.filter(action=AUTH_FAILED_ACTION, success=False)
    return qs.filter(detail__reason=reason) if reason else qs


@pytest.mark.django_db
class TestAcceptedRequests:
    @pytest.mark.parametrize("algorithm", [HMAC_SM3, HMAC_SHA256])
    def test_correctly_signed_request_succeeds(self, client, algorithm):
        api_client, secret = make_client(algorithm=algorithm)
        response = call(client, api_client, secret, "GET", WHOAMI)
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["key_id"] == api_client.key_id and data["algorithm"] == algorithm
        assert data["username"] == api_client.user.username and data["region"] == "450100"
        assert data["inbound_endpoints"] == ["org.enterprise_upsert"]
        api_client.refresh_from_db()
        assert api_client.last_used_at is not None and api_client.last_used_ip == "127.0.0.1"
        assert not refusals().exists()

    def test_query_and_body_are_covered_and_upper_case_hex_is_accepted(self, client):
        api_client, secret = make_client()
        headers = sign_request("GET", WHOAMI, "b=2&a=1", b"", api_client.key_id, secret)
        headers["X-ZW-Signature"] = headers["X-ZW-Signature"].upper()
        response = client.get(WHOAMI + "?a=1&b=2", headers=headers)  # the order of parameters does not matter
        assert response.status_code == 200, response.content

    def test_timestamp_299_seconds_old_is_still_accepted(self, client):
        api_client, secret = make_client()
        assert call(client, api_client, secret, "GET", WHOAMI, now=time.time() - 299).status_code == 200

    def test_unsigned_request_is_refused_on_machine_endpoints(self, client):
        response = client.get(WHOAMI)
        assert response.status_code == 401
        assert response.json()["detail"] == "缺少签名请求头：X-ZW-Key"
        assert response["WWW-Authenticate"].startswith("ZW-HMAC")

    def test_a_person_session_is_not_a_machine_client(self, client):
        from kernel.core.testing import make_staff

        client.force_login(make_staff("450100", ["org.view_organisation"]))
        assert client.get(WHOAMI).status_code == 401


@pytest.mark.django_db
class TestRefusals:
    def assert_refused(self, response, message, reason, api_client=None):
        assert response.status_code == 401, response.content
        assert response.json() == {"detail": message, "code": reason}
        log = refusals(reason).get()
        assert log.detail["message"] == message and log.entrance == "api"
        if api_client is not None:
            assert log.actor == api_client.user and log.detail["key_id"] == api_client.key_id
            assert log.region.code == api_client.organisation.region.code

    def test_tampered_body(self, client):
        api_client, secret = make_client()
        good = {"name": "南宁测试建设有限公司", "uscc": make_uscc("91", "450103", 4242), "region_code": "450103",
                "industry": "E"}
        bad = {**good, "name": "篡改后的名称有限公司"}
        response = call(client, api_client, secret, "POST", PUSH, body=bad, sign_body=b'{"name": "x"}',
                        headers={"X-ZW-Message-Id": "m-0001"})
        self.assert_refused(response, "签名错误", "bad_signature", api_client)
        assert not InboundMessage.objects.exists()  # a refused request never reaches the log or the handler
        assert not Organisation.objects.filter(uscc=good["uscc"]).exists()

    def test_tampered_path(self, client):
        api_client, secret = make_client()
        response = call(client, api_client, secret, "POST", "/api/inbound/org.other_endpoint/", body={"a": 1},
                        sign_path=PUSH, headers={"X-ZW-Message-Id": "m-0002"})
        self.assert_refused(response, "签名错误", "bad_signature", api_client)

    def test_tampered_query(self, client):
        api_client, secret = make_client()
        response = call(client, api_client, secret, "GET", WHOAMI, query="page=2", sign_query="page=1")
        self.assert_refused(response, "签名错误", "bad_signature", api_client)

    def test_tampered_method(self, client):
        api_client, secret = make_client()
        headers = sign_request("GET", PUSH, "", b"", api_client.key_id, secret)
        response = client.post(PUSH, data=b"", content_type="application/json", headers=headers)
        self.assert_refused(response, "签名错误", "bad_signature", api_client)

    def test_wrong_secret(self, client):
        api_client, secret = make_client()
        response = call(client, api_client, secret[:-1] + ("A" if secret[-1] != "A" else "B"), "GET", WHOAMI)
        self.assert_refused(response, "签名错误", "bad_signature", api_client)

    def test_other_algorithm_than_the_clients(self, client):
        api_client, secret = make_client(algorithm=HMAC_SM3)
        response = call(client, api_client, secret, "GET", WHOAMI, algorithm=HMAC_SHA256)
        self.assert_refused(response, "签名错误", "bad_signature", api_client)

    def test_stale_timestamp_301_seconds(self, client):
        api_client, secret = make_client()
        response = call(client, api_client, secret, "GET", WHOAMI, now=time.time() - 305)
        self.assert_refused(response, "请求已过期", "stale", api_client)
        assert refusals("stale").get().detail["skew"] >= 301

    def test_future_timestamp(self, client):
        api_client, secret = make_client()
        response = call(client, api_client, secret, "GET", WHOAMI, now=time.time() + 305)  # whole seconds on the wire: keep clear of the 300 s edge
        self.assert_refused(response, "请求时间超前（时间戳晚于服务器时间超过300秒）", "future", api_client)

    def test_replayed_nonce(self, client):
        api_client, secret = make_client()
        headers = sign_request("GET", WHOAMI, "", b"", api_client.key_id, secret)
        assert client.get(WHOAMI, headers=headers).status_code == 200
        response = client.get(WHOAMI, headers=headers)
        self.assert_refused(response, "重复的请求（nonce已使用）", "replay", api_client)

    def test_replayed_push_is_refused_and_applied_once(self, client):
        api_client, secret = make_client()
        body = {"name": "重放测试有限公司", "uscc": make_uscc("91", "450103", 4343), "region_code": "450103",
                "industry": "E"}
        headers = sign_request("POST", PUSH, "", _json(body), api_client.key_id, secret)
        headers["X-ZW-Message-Id"] = "replay-1"
        first = client.post(PUSH, data=_json(body), content_type="application/json", headers=headers)
        again = client.post(PUSH, data=_json(body), content_type="application/json", headers=headers)
        assert first.status_code == 200 and again.status_code == 401
        assert again.json()["detail"] == "重复的请求（nonce已使用）"
        assert Organisation.objects.filter(uscc=body["uscc"]).count() == 1 and InboundMessage.objects.count() == 1

    def test_a_forged_request_does_not_burn_the_nonce(self, client):
        api_client, secret = make_client()
        genuine = sign_request("GET", WHOAMI, "", b"", api_client.key_id, secret)
        forged = {**genuine, "X-ZW-Signature": "0" * 64}
        assert client.get(WHOAMI, headers=forged).status_code == 401
        assert client.get(WHOAMI, headers=genuine).status_code == 200

    def test_disabled_key(self, client):
        api_client, secret = make_client()
        services.set_enabled(api_client, False)
        response = call(client, api_client, secret, "GET", WHOAMI)
        self.assert_refused(response, "接入密钥已停用", "disabled", api_client)

    def test_expired_key(self, client):
        api_client, secret = make_client(expires_at=timezone.now() - timedelta(minutes=1))
        response = call(client, api_client, secret, "GET", WHOAMI)
        self.assert_refused(response, "接入密钥已过期", "expired", api_client)

    def test_key_valid_until_tomorrow_works(self, client):
        api_client, secret = make_client(expires_at=timezone.now() + timedelta(days=1))
        assert call(client, api_client, secret, "GET", WHOAMI).status_code == 200

    def test_ip_not_allowed(self, client):
        api_client, secret = make_client(allowed_ips="10.20.0.0/16\n192.168.1.7")
        response = call(client, api_client, secret, "GET", WHOAMI)
        self.assert_refused(response, "请求来源IP（127.0.0.1）不在允许范围内", "ip_denied", api_client)
        api_client.allowed_ips = "10.20.0.0/16, 127.0.0.0/8"
        api_client.save()
        assert call(client, api_client, secret, "GET", WHOAMI).status_code == 200

    def test_unknown_key(self, client):
        headers = sign_request("GET", WHOAMI, "", b"", "zw-no-such-key", "whatever")
        response = client.get(WHOAMI, headers=headers)
        self.assert_refused(response, "接入密钥无效", "unknown_key")
        assert refusals("unknown_key").get().username == "zw-no-such-key"

    @pytest.mark.parametrize("missing", ["X-ZW-Timestamp", "X-ZW-Nonce", "X-ZW-Signature"])
    def test_missing_header(self, client, missing):
        api_client, secret = make_client()
        headers = sign_request("GET", WHOAMI, "", b"", api_client.key_id, secret)
        del headers[missing]
        self.assert_refused(client.get(WHOAMI, headers=headers), f"缺少签名请求头：{missing}", "missing_header")

    @pytest.mark.parametrize("nonce", ["short-nonce", "x" * 65, "含中文的随机串含中文的随机串含中文的随机串"])
    def test_bad_nonce(self, client, nonce):
        api_client, secret = make_client()
        response = call(client, api_client, secret, "GET", WHOAMI, nonce=nonce)
        self.assert_refused(response, "随机串（X-ZW-Nonce）格式错误：应为16至64位字母、数字、下划线或连字符",
                            "bad_nonce", api_client)

    def test_bad_timestamp(self, client):
        api_client, secret = make_client()
        headers = sign_request("GET", WHOAMI, "", b"", api_client.key_id, secret)
        headers["X-ZW-Timestamp"] = "2026-01-01T00:00:00"
        self.assert_refused(client.get(WHOAMI, headers=headers), "时间戳格式错误（应为Unix秒数）", "bad_timestamp",
                            api_client)


def _json(data):
    import json

    return json.dumps(data, ensure_ascii=False).encode()


@pytest.mark.django_db
class TestRotation:
    def test_old_secret_works_during_the_grace_period_only(self, client):
        api_client, old = make_client()
        new = services.rotate_secret(api_client, grace_hours=24)
        assert new != old
        api_client.refresh_from_db()
        assert call(client, api_client, new, "GET", WHOAMI).status_code == 200
        assert call(client, api_client, old, "GET", WHOAMI).status_code == 200
        api_client.previous_secret_valid_until = timezone.now() - timedelta(seconds=1)
        api_client.save()
        assert call(client, api_client, old, "GET", WHOAMI).json()["detail"] == "签名错误"
        assert call(client, api_client, new, "GET", WHOAMI).status_code == 200

    def test_rotation_without_grace_stops_the_old_secret_at_once(self, client):
        api_client, old = make_client()
        new = services.rotate_secret(api_client, grace_hours=0)
        assert call(client, api_client, old, "GET", WHOAMI).status_code == 401
        assert call(client, api_client, new, "GET", WHOAMI).status_code == 200
        log = OperationLog.objects.filter(action=services.SECRET_ISSUED_ACTION, detail__reason="rotate").get()
        assert log.detail["key_id"] == api_client.key_id and new not in str(log.detail)

    def test_grace_period_is_bounded(self):
        api_client, _ = make_client()
        with pytest.raises(services.InterfaceError, match="0至720小时"):
            services.rotate_secret(api_client, grace_hours=721)


@pytest.mark.django_db
@pytest.mark.usefixtures("signed_kernel_api")
class TestClientScopeOnTheKernelApi:
    """The kernel API with signed requests: the client's service user's scope and permissions apply."""

    url = "/api/org/organisations/"

    def test_enterprise_client_sees_only_its_own_organisation(self, client):
        own, other = make_enterprise("450103"), make_enterprise("450103")
        role = Role.objects.get(code="api_org_read")
        api_client, secret = services.create_client(name="企业ERP", organisation=own, roles=[role])
        assert api_client.user.kind == "enterprise"
        assert call(client, api_client, secret, "GET", f"{self.url}{own.pk}/").status_code == 200
        assert call(client, api_client, secret, "GET", f"{self.url}{other.pk}/").status_code == 404
        listed = call(client, api_client, secret, "GET", self.url, query="page_size=1000").json()
        assert [r["id"] for r in listed["results"]] == [own.pk]

    def test_nanning_agency_client_cannot_write_into_liuzhou(self, client):
        api_client, secret = make_client()  # 南宁市 agency, region-tree scope, organisation write permissions
        liuzhou_org = make_enterprise("450202")
        payload = {"name": "柳州越权登记有限公司", "kind": "enterprise", "region": "450202", "industry": "E",
                   "uscc": make_uscc("91", "450202", 5151)}
        response = call(client, api_client, secret, "POST", self.url, body=payload)
        assert response.status_code == 400
        assert response.json()["region"] == ["该区划不在您的管辖范围内"]
        response = call(client, api_client, secret, "PATCH", f"{self.url}{liuzhou_org.pk}/", body={"name": "改名"})
        assert response.status_code == 404
        liuzhou_org.refresh_from_db()
        assert liuzhou_org.name != "改名"
        assert not Organisation.objects.filter(name="柳州越权登记有限公司").exists()

    def test_writes_in_scope_are_audited_as_the_service_user(self, client):
        api_client, secret = make_client()
        payload = {"name": "青秀接口登记有限公司", "kind": "enterprise", "region": "450103", "industry": "E",
                   "uscc": make_uscc("91", "450103", 5252)}
        response = call(client, api_client, secret, "POST", self.url, body=payload)
        assert response.status_code == 201, response.content
        org = Organisation.objects.get(pk=response.json()["id"])
        assert org.created_by == api_client.user and org.region == Region.objects.get(code="450103")
        change = ChangeLog.objects.get(object_id=str(org.pk), action="create", content_type__model="organisation")
        assert change.actor == api_client.user and change.region.code == "450100"

    def test_client_without_the_permission_gets_403(self, client):
        api_client, secret = make_client(perms=["org.view_region"])
        assert call(client, api_client, secret, "GET", self.url).status_code == 403

    def test_token_and_session_still_work_beside_signatures(self, client):
        from kernel.core.testing import make_staff

        client.force_login(make_staff("450100", ["org.view_organisation"]))
        assert client.get(self.url).status_code == 200


@pytest.mark.django_db
def test_service_user_cannot_sign_in_with_a_password(client):
    api_client, secret = make_client()
    user = api_client.user
    assert not user.has_usable_password() and user.kind == "staff" and user.organisation == api_client.organisation
    assert client.post("/api/auth/token/", {"username": user.username, "password": secret}).status_code == 400
    assert ApiClient.objects.get(pk=api_client.pk).user.roles.count() == 1
