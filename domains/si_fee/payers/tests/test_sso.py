"""单点集成 (seed 003 §2.2.4): a channel's token carries the five identity fields, encrypted and
authenticated (SM4-GCM under the channel's key), expires, signs in once, and never switches a session to
another person; each refusal is logged."""
import datetime

import pytest
from django.utils import timezone

from domains.si_fee.payers import services
from kernel.audit.models import OperationLog

from .support import load_reference, make_payer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reference():
    load_reference()


@pytest.fixture
def channel():
    return services.create_channel(code="etax", name="广西电子税务局", secret="etax-shared-secret-2021")


def identity(payer, **over):
    data = {"name": payer.name, "id_type": payer.id_type, "id_number": payer.id_number, "nationality": "中国",
            "mobile": payer.mobile}
    data.update(over)
    return data


def refused(client, channel_code, token):
    r = client.post(f"/public/si/sso/{channel_code}/", {"token": token})
    assert r.status_code == 403
    return r.content.decode()


def test_token_signs_the_payer_in_and_opens_the_target(client, channel):
    payer = make_payer()
    token = services.sign_sso_token(channel, target="m:si_participation", **identity(payer))
    assert payer.id_number not in token and payer.name not in token  # unreadable in transit
    assert client.get("/public/si/sso/etax/", {"token": token}).status_code == 405  # never by a link
    r = client.post("/public/si/sso/etax/", {"token": token})
    assert r.status_code == 302 and r["Location"] == "/m/si/participation/"
    assert client.get("/m/si/me/").context["payer"] == payer
    assert OperationLog.objects.filter(action="login", actor=payer.user, detail__via="sso").count() == 1
    # switching function: the channel sends a fresh token, verified again, same session
    r = client.post("/public/si/sso/etax/", {"token": services.sign_sso_token(channel, target="m:si_profile",
                                                                              **identity(payer))})
    assert r.status_code == 302 and r["Location"] == "/m/si/me/"
    assert OperationLog.objects.filter(action="si_sso_verified", actor=payer.user).count() == 1


def test_token_is_used_once(client, channel):
    payer = make_payer()
    token = services.sign_sso_token(channel, **identity(payer))
    assert client.post("/public/si/sso/etax/", {"token": token}).status_code == 302
    client.post("/m/logout/")
    assert "单点登录令牌已使用" in refused(client, "etax", token)


def test_expired_tampered_foreign_and_unknown_tokens_are_refused_and_logged(client, channel):
    payer = make_payer()
    old = services.sign_sso_token(channel, now=timezone.now() - datetime.timedelta(seconds=301), **identity(payer))
    assert "单点登录令牌已过期" in refused(client, "etax", old)
    good = services.sign_sso_token(channel, **identity(payer))
    tampered = good[:20] + ("A" if good[20] != "A" else "B") + good[21:]
    assert "无效或已被篡改" in refused(client, "etax", tampered)
    other = services.create_channel(code="gxzwfw", name="广西政务服务网", secret="another-secret-xyz")
    foreign = services.sign_sso_token(other, **identity(payer))
    assert "无效或已被篡改" in refused(client, "etax", foreign)  # another channel's key
    assert "渠道不存在" in refused(client, "nochannel", good)
    assert "与注册信息不一致" in refused(client, "etax", services.sign_sso_token(channel, **identity(payer, name="别人")))
    stranger = make_payer(account=False)
    assert "尚未在本服务实名注册" in refused(client, "etax", services.sign_sso_token(channel, **identity(stranger)))
    assert OperationLog.objects.filter(action="si_sso_refused", success=False).count() == 6
    assert client.get("/m/si/").status_code == 302  # nobody signed in


def test_token_of_another_person_does_not_switch_the_session(client, channel):
    a, b = make_payer(), make_payer()
    client.force_login(a.user)
    page = refused(client, "etax", services.sign_sso_token(channel, **identity(b)))
    assert "一次登录只能办理本人业务" in page
    assert client.get("/m/si/me/").context["payer"] == a


def test_inactive_channel_and_unknown_target(client, channel):
    payer = make_payer()
    r = client.post("/public/si/sso/etax/", {"token": services.sign_sso_token(channel, target="gov:admin",
                                                                              **identity(payer))})
    assert r.status_code == 302 and r["Location"] == "/m/si/"  # only the service's own functions
    channel.active = False
    channel.save()
    client.post("/m/logout/")
    assert "渠道不存在或已停用" in refused(client, "etax", services.sign_sso_token(channel, **identity(payer)))


def test_inactive_account_is_refused(client, channel):
    payer = make_payer()
    payer.user.is_active = False
    payer.user.save()
    assert "账号已停用或已锁定" in refused(client, "etax", services.sign_sso_token(channel, **identity(payer)))
