"""Operator pages: permissions, jurisdiction, the secret shown once, the message log and reprocessing."""
import json
import re

import pytest
from django.urls import reverse

from kernel.accounts.models import Role
from kernel.audit.models import OperationLog
from kernel.core.testing import make_agency, make_enterprise, make_staff, xlsx_rows
from kernel.interfaces import services
from kernel.interfaces.apps import CLIENT_PERMS, MESSAGE_PERMS
from kernel.interfaces.models import ApiClient, InboundMessage
from kernel.org.demo import make_uscc
from kernel.org.models import Organisation, Region

from .helpers import PUSH_PERMS, call, make_client

OPERATOR_PERMS = CLIENT_PERMS + MESSAGE_PERMS + PUSH_PERMS
PUSH = "/api/inbound/org.enterprise_upsert/"


def enterprise_body(serial, region_code="450103"):
    return {"name": f"页面测试{serial}有限公司", "uscc": make_uscc("91", region_code, 800_000 + serial),
            "region_code": region_code, "industry": "E"}


@pytest.fixture
def operator(client):
    user = make_staff("450100", OPERATOR_PERMS)
    client.force_login(user)
    return user


@pytest.fixture
def two_cities():
    """A client of Nanning and one of Liuzhou, each with a failed message."""
    nn, nn_secret = make_client(name="南宁市场监管业务系统")
    lz, lz_secret = make_client(org=make_agency("450200"), name="柳州市场监管业务系统")
    for api_client, secret, region in ((nn, nn_secret, "450103901"), (lz, lz_secret, "450202901")):
        from django.test import Client

        call(Client(), api_client, secret, "POST", PUSH, body=enterprise_body(api_client.pk, region[:6]) | {
            "region_code": region}, headers={"X-ZW-Message-Id": f"msg-{api_client.pk}"})
    return nn, lz


@pytest.mark.django_db
class TestAccess:
    urls = ["gov:interfaces_client_list", "gov:interfaces_client_create", "gov:interfaces_message_list"]

    def test_anonymous_goes_to_login(self, client):
        for name in self.urls:
            response = client.get(reverse(name))
            assert response.status_code == 302 and response["Location"].startswith("/gov/login/")

    def test_staff_without_permission_is_refused(self, client, two_cities):
        nn, _ = two_cities
        client.force_login(make_staff("450100", ["org.view_organisation"]))
        for name in self.urls:
            assert client.get(reverse(name)).status_code == 403
        assert client.get(reverse("gov:interfaces_client_detail", args=[nn.pk])).status_code == 403
        message = InboundMessage.objects.get(client=nn)
        assert client.get(reverse("gov:interfaces_message_detail", args=[message.pk])).status_code == 403
        assert client.post(reverse("gov:interfaces_message_reprocess", args=[message.pk])).status_code == 403
        assert client.post(reverse("gov:interfaces_client_toggle", args=[nn.pk])).status_code == 403

    def test_pages_are_scoped_to_the_jurisdiction(self, client, operator, two_cities):
        nn, lz = two_cities
        page = client.get(reverse("gov:interfaces_client_list")).content.decode()
        assert "南宁市场监管业务系统" in page and "柳州市场监管业务系统" not in page
        assert client.get(reverse("gov:interfaces_client_detail", args=[nn.pk])).status_code == 200
        assert client.get(reverse("gov:interfaces_client_detail", args=[lz.pk])).status_code == 404
        assert client.post(reverse("gov:interfaces_client_toggle", args=[lz.pk])).status_code == 404
        assert client.post(reverse("gov:interfaces_client_rotate", args=[lz.pk]), {"grace_hours": 0}).status_code == 404
        lz_message = InboundMessage.objects.get(client=lz)
        assert client.get(reverse("gov:interfaces_message_detail", args=[lz_message.pk])).status_code == 404
        assert client.post(reverse("gov:interfaces_message_reprocess", args=[lz_message.pk])).status_code == 404
        page = client.get(reverse("gov:interfaces_message_list")).content.decode()
        assert f"msg-{nn.pk}" in page and f"msg-{lz.pk}" not in page
        rows = xlsx_rows(client.get(reverse("gov:interfaces_message_list"), {"export": "xlsx"}))
        assert [r[3] for r in rows[1:]] == [f"msg-{nn.pk}"]

    def test_region_staff_see_both_cities(self, client, two_cities):
        client.force_login(make_staff("450000", OPERATOR_PERMS))
        page = client.get(reverse("gov:interfaces_message_list")).content.decode()
        nn, lz = two_cities
        assert f"msg-{nn.pk}" in page and f"msg-{lz.pk}" in page

    def test_menu_shows_the_entries_with_permission(self, client, operator):
        page = client.get("/gov/").content.decode()
        assert "开放接口" in page and reverse("gov:interfaces_client_list") in page
        assert reverse("gov:interfaces_message_list") in page


@pytest.mark.django_db
class TestClientPages:
    def form(self, **over):
        org = make_agency("450100")
        role = Role.objects.get(code="api_enterprise_push")
        return {"name": "南宁市企业登记系统", "organisation": org.pk, "enterprise_uscc": "", "roles": [role.pk],
                "algorithm": "HMAC-SM3", "allowed_ips": "10.20.0.0/16", "expires_at": "", "remark": "", **over}

    def test_create_form_offers_the_jurisdiction_and_grantable_roles(self, client, operator):
        make_agency("450200")
        page = client.get(reverse("gov:interfaces_client_create")).content.decode()
        form = client.get(reverse("gov:interfaces_client_create")).context["form"]
        regions = {o.region.code[:4] for o in form.fields["organisation"].queryset}
        assert regions == {"4501"}  # Nanning and its counties only
        assert "接口：企业登记推送" in page and "平台管理员" not in page

    def test_create_shows_the_secret_once(self, client, operator):
        response = client.post(reverse("gov:interfaces_client_create"), self.form())
        assert response.status_code == 200, response.content.decode()[-2000:]
        assert response["Cache-Control"] == "no-store"
        page = response.content.decode()
        api_client = ApiClient.objects.get(name="南宁市企业登记系统")
        secret = re.search(r'<code id="secret">([^<]+)</code>', page).group(1)
        assert api_client.current_secret() == secret and api_client.key_id in page
        assert api_client.created_by == operator and api_client.allowed_ips == "10.20.0.0/16"
        user = api_client.user
        assert user.kind == "staff" and not user.has_usable_password()
        assert list(user.roles.values_list("code", flat=True)) == ["api_enterprise_push"]
        detail = client.get(api_client.get_absolute_url()).content.decode()
        assert secret not in detail and api_client.key_id in detail and "接口：企业登记推送" in detail

    def test_enterprise_client_by_uscc(self, client, operator):
        ent = make_enterprise("450103")
        role = Role.objects.get(code="api_org_read")
        response = client.post(reverse("gov:interfaces_client_create"),
                               self.form(organisation="", enterprise_uscc=ent.uscc.lower(), roles=[role.pk], name="ERP"))
        assert response.status_code == 200
        api_client = ApiClient.objects.get(name="ERP")
        assert api_client.organisation == ent and api_client.user.kind == "enterprise"

    @pytest.mark.parametrize("over,field,message", [
        ({"organisation": ""}, "organisation", "请选择所属机关或技术机构，或填写企业统一社会信用代码"),
        ({"roles": []}, "roles", "请至少选择一个角色"),
        ({"allowed_ips": "10.20.0.0/16\n300.1.1.1"}, "allowed_ips", "“300.1.1.1”不是有效的IP地址或网段（例如 10.1.0.0/16）"),
        ({"algorithm": "HMAC-MD5"}, "algorithm", "HMAC-MD5 不在可用的选项中"),
    ])
    def test_bad_input_gets_field_errors_and_creates_nothing(self, client, operator, over, field, message):
        before = ApiClient.objects.count(), Organisation.objects.count()
        response = client.post(reverse("gov:interfaces_client_create"), self.form(**over))
        assert response.status_code == 400
        assert any(message in str(e) for e in response.context["form"].errors[field])
        assert (ApiClient.objects.count(), Organisation.objects.count()) == before

    def test_cannot_pick_an_organisation_or_enterprise_outside_the_jurisdiction(self, client, operator):
        response = client.post(reverse("gov:interfaces_client_create"), self.form(organisation=make_agency("450200").pk))
        assert response.status_code == 400 and "organisation" in response.context["form"].errors
        liuzhou_ent = make_enterprise("450202")
        response = client.post(reverse("gov:interfaces_client_create"),
                               self.form(organisation="", enterprise_uscc=liuzhou_ent.uscc))
        assert response.context["form"].errors["enterprise_uscc"] == [
            "未找到该统一社会信用代码对应的企业，或该企业不在您的管辖范围内"]
        assert not ApiClient.objects.exists()

    def test_cannot_grant_a_role_beyond_ones_own_rights(self, client, operator):
        platform = Role.objects.get(code="platform_admin")  # scope "all" and permissions the operator lacks
        response = client.post(reverse("gov:interfaces_client_create"), self.form(roles=[platform.pk]))
        assert response.status_code == 400 and "roles" in response.context["form"].errors
        offered = {r.code for r in services.assignable_roles(operator)}
        assert "api_enterprise_push" in offered and "platform_admin" not in offered and "agency_admin" not in offered

    def test_disable_and_enable(self, client, operator):
        api_client, secret = make_client()
        from django.test import Client

        machine = Client()
        response = client.post(reverse("gov:interfaces_client_toggle", args=[api_client.pk]))
        assert response.status_code == 302
        api_client.refresh_from_db()
        assert not api_client.enabled and not api_client.user.is_active
        assert call(machine, api_client, secret, "GET", "/api/interfaces/whoami/").json()["detail"] == "接入密钥已停用"
        client.post(reverse("gov:interfaces_client_toggle", args=[api_client.pk]))
        api_client.refresh_from_db()
        assert api_client.enabled and api_client.user.is_active
        assert call(machine, api_client, secret, "GET", "/api/interfaces/whoami/").status_code == 200

    def test_rotate_shows_the_new_secret_once(self, client, operator):
        api_client, old = make_client()
        response = client.post(reverse("gov:interfaces_client_rotate", args=[api_client.pk]), {"grace_hours": "1"})
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
        new = re.search(r'<code id="secret">([^<]+)</code>', response.content.decode()).group(1)
        api_client.refresh_from_db()
        assert new != old and api_client.valid_secrets() == [new, old]
        assert OperationLog.objects.get(action="api_secret_issue", detail__reason="rotate").actor == operator

    def test_edit_roles_and_ip_ranges(self, client, operator):
        api_client, _ = make_client()
        role = Role.objects.get(code="api_org_read")
        response = client.post(reverse("gov:interfaces_client_edit", args=[api_client.pk]), {
            "name": "改名后的系统", "roles": [role.pk], "algorithm": "HMAC-SHA256", "allowed_ips": "127.0.0.1",
            "expires_at": "2030-12-31T18:00", "remark": "已改"})
        assert response.status_code == 302, response.content.decode()[-1500:]
        api_client.refresh_from_db()
        assert (api_client.name, api_client.algorithm, api_client.allowed_ips) == ("改名后的系统", "HMAC-SHA256", "127.0.0.1")
        assert api_client.expires_at.year == 2030 and api_client.organisation.region.code == "450100"
        # the test role the client had (which the operator may grant too) was replaced
        assert list(api_client.user.roles.values_list("code", flat=True)) == ["api_org_read"]


@pytest.mark.django_db
class TestMessagePages:
    def test_filters(self, client, operator, two_cities):
        nn, _ = two_cities
        other, secret = make_client(name="第二个系统")
        from django.test import Client

        call(Client(), other, secret, "POST", PUSH, body=enterprise_body(99), headers={"X-ZW-Message-Id": "ok-99"})
        url = reverse("gov:interfaces_message_list")
        page = client.get(url, {"status": "failed"}).content.decode()
        assert f"msg-{nn.pk}" in page and "ok-99" not in page
        page = client.get(url, {"client": other.pk}).content.decode()
        assert "ok-99" in page and f"msg-{nn.pk}" not in page
        page = client.get(url, {"endpoint": "org.enterprise_upsert", "message_id": "ok-99"}).content.decode()
        assert "共 1 条" in page
        assert "共 0 条" in client.get(url, {"date_from": "2099-01-01"}).content.decode()

    def test_export_needs_its_permission(self, client, two_cities):
        client.force_login(make_staff("450100", ["interfaces.view_inboundmessage"]))
        assert client.get(reverse("gov:interfaces_message_list"), {"export": "xlsx"}).status_code == 403

    def test_detail_and_reprocess_button(self, client, operator, two_cities):
        nn, _ = two_cities
        message = InboundMessage.objects.get(client=nn)
        page = client.get(reverse("gov:interfaces_message_detail", args=[message.pk])).content.decode()
        assert "重新处理" in page and "区划代码“450103901”不存在" in page and "X-ZW-Message-Id" in page

        # the cause is fixed (the street is added), then the operator presses the button
        Region.objects.create(code="450103901", name="测试街道", level=4, parent=Region.objects.get(code="450103"))
        response = client.post(reverse("gov:interfaces_message_reprocess", args=[message.pk]))
        assert response.status_code == 302
        message.refresh_from_db()
        assert message.status == "processed" and message.attempts == 2
        body = json.loads(message.body)
        org = Organisation.objects.get(uscc=body["uscc"])
        assert org.created_by == nn.user  # applied as the client, not as the operator
        log = OperationLog.objects.get(action="inbound_reprocess")
        assert log.actor == operator and log.detail["after"] == "processed"
        page = client.get(reverse("gov:interfaces_message_detail", args=[message.pk])).content.decode()
        assert 'id="reprocess"' not in page

    def test_reprocess_needs_its_permission(self, client, two_cities):
        nn, _ = two_cities
        client.force_login(make_staff("450100", ["interfaces.view_inboundmessage"]))
        message = InboundMessage.objects.get(client=nn)
        page = client.get(reverse("gov:interfaces_message_detail", args=[message.pk])).content.decode()
        assert 'id="reprocess"' not in page
        assert client.post(reverse("gov:interfaces_message_reprocess", args=[message.pk])).status_code == 403
        message.refresh_from_db()
        assert message.status == "failed" and message.attempts == 1
