"""User centre (seed 003 §2.2): real-name registration with an SMS code, login with password plus SMS code,
one natural person per session, profile and contact maintenance, participation query, staff scope."""
import pytest

from domains.si_fee.payers.models import Participation, Payer
from domains.si_fee.rules.models import InsuranceType
from kernel.accounts.models import SmsCode, User
from kernel.audit.models import OperationLog
from kernel.core.testing import PASSWORD, make_staff
from kernel.org.models import Region

from .support import LIUBEI, QINGXIU, last_code, load_reference, make_payer, valid_id

pytestmark = pytest.mark.django_db
STRONG = "Si@pay2021x"


@pytest.fixture(autouse=True)
def reference():
    load_reference()


def form(**over):
    data = {"person_type": "flexible", "name": "韦秀梅", "id_type": "201", "id_number": valid_id("45010319900305123"),
            "region": Region.objects.get(code=QINGXIU).pk, "mobile": "13907718801", "code": "",
            "password": STRONG, "password2": STRONG, "address": "南宁市青秀区民族大道100号"}
    data.update(over)
    return data


def register(client, **over):
    data = form(**over)
    assert client.post("/m/si/register/code/", {"mobile": data["mobile"]}).status_code == 200
    data.setdefault("code", "")
    data["code"] = over.get("code") or last_code(data["mobile"])
    return client.post("/m/si/register/", data), data


# -- registration ----------------------------------------------------------------------------------------------
def test_register_with_sms_code_creates_account_and_payer_and_signs_in(client):
    r, data = register(client)
    assert r.status_code == 302 and r["Location"] == "/m/si/"
    payer = Payer.objects.get(id_number=data["id_number"])
    assert (payer.name, payer.person_type, payer.mobile, payer.region.code, payer.prefecture.code) == (
        "韦秀梅", "flexible", "13907718801", QINGXIU, "450100")
    assert payer.user.username == data["id_number"] and payer.user.kind == "citizen"
    assert OperationLog.objects.filter(action="si_register", actor=payer.user).count() == 1
    home = client.get("/m/si/")
    assert home.status_code == 200 and "韦秀梅" in home.content.decode()
    assert data["id_number"] not in home.content.decode()  # masked


@pytest.mark.parametrize("over, field, message", [
    ({"id_number": "450103199003051230"}, "id_number", "校验"),
    ({"mobile": "2390771880"}, "mobile", "请填写正确的11位手机号码"),
    ({"password2": "Other@pass1"}, "password2", "两次输入的密码不一致"),
    ({"region": ""}, "region", "请选择参保地"),
    ({"name": ""}, "name", "请填写姓名"),
    ({"person_type": "alien"}, "person_type", "选择"),
])
def test_bad_registration_gets_field_errors_and_creates_nothing(client, over, field, message):
    data = form(**over)
    data["code"] = "123456"
    r = client.post("/m/si/register/", data)
    assert r.status_code == 400
    page = r.content.decode()
    assert f'data-error-for="{field}"' in page and message in page
    assert not Payer.objects.exists() and not User.objects.filter(kind="citizen").exists()


def test_wrong_code_refused_and_counted(client):
    client.post("/m/si/register/code/", {"mobile": "13907718801"})
    code = last_code("13907718801")
    r = client.post("/m/si/register/", form(code=f"{(int(code) + 1) % 1_000_000:06d}"))
    assert r.status_code == 400 and "验证码错误，还可输入4次" in r.content.decode()
    assert not Payer.objects.exists() and SmsCode.objects.get().attempts == 1


def test_registering_twice_is_refused(client):
    register(client)
    client.logout()
    r, _ = register(client, mobile="13907718802")
    assert r.status_code == 400 and "该证件号码已注册，请直接登录" in r.content.decode()
    assert Payer.objects.count() == 1



def test_registration_links_known_payer_with_same_name_only(client):
    known = make_payer(account=False, name="黄建华")
    known.registration_no = "DJ450103000123"
    known.save()
    r, _ = register(client, name="黄建兵", id_number=known.id_number)
    assert r.status_code == 400 and "姓名与社保登记信息不一致" in r.content.decode()
    r, _ = register(client, name="黄建华", id_number=known.id_number, mobile="13907718803")
    assert r.status_code == 302
    known.refresh_from_db()
    assert known.user is not None and known.registration_no == "DJ450103000123" and Payer.objects.count() == 1


# -- login -----------------------------------------------------------------------------------------------------
def login(client, payer, password=PASSWORD, code=None):
    r = client.post("/m/si/login/code/", {"id_number": payer.id_number, "password": password})
    if code is None and "验证码已发送" in r.content.decode():
        code = last_code(payer.mobile)
    return client.post("/m/si/login/", {"id_number": payer.id_number, "password": password, "code": code or ""})


def test_login_needs_password_then_sms_code(client):
    payer = make_payer()
    r = client.post("/m/si/login/code/", {"id_number": payer.id_number, "password": PASSWORD})
    assert f"验证码已发送至{payer.mobile[:3]}****{payer.mobile[-4:]}" in r.content.decode()
    assert "demo-code" not in r.content.decode()  # the code itself only ever travels by SMS (DEBUG off)
    r = client.post("/m/si/login/", {"id_number": payer.id_number, "password": PASSWORD, "code": last_code(payer.mobile)})
    assert r.status_code == 302 and r["Location"] == "/m/si/"
    assert client.get("/m/si/").status_code == 200
    assert OperationLog.objects.filter(action="login", actor=payer.user, detail__via="password_sms").exists()


def test_wrong_password_sends_no_code_and_counts_towards_lockout(client):
    payer = make_payer()
    r = client.post("/m/si/login/code/", {"id_number": payer.id_number, "password": "wrong"})
    assert "账号或密码错误，再错4次将锁定账号" in r.content.decode()
    assert not SmsCode.objects.exists()
    r = client.post("/m/si/login/", {"id_number": payer.id_number, "password": PASSWORD, "code": "000000"})
    assert r.status_code == 400 and "请先获取短信验证码" in r.content.decode()
    assert client.get("/m/si/").status_code == 302


def test_a_session_acts_for_one_natural_person(client):
    a, b = make_payer(), make_payer()
    assert login(client, a).status_code == 302
    r = client.post("/m/si/login/code/", {"id_number": b.id_number, "password": PASSWORD})
    assert "一次登录只能办理本人业务" in r.content.decode() and not SmsCode.objects.filter(phone=b.mobile).exists()
    r = client.post("/m/si/login/", {"id_number": b.id_number, "password": PASSWORD, "code": "123456"})
    assert r.status_code == 400 and "请先退出登录" in r.content.decode()
    assert client.get("/m/si/me/").context["payer"] == a
    client.post("/m/logout/")
    assert login(client, b).status_code == 302 and client.get("/m/si/me/").context["payer"] == b


def test_account_without_payer_completes_its_profile(client):
    user = User.objects.create_user(username="gs_only", password=PASSWORD, kind="citizen", real_name="陆明",
                                    phone="13907718809", id_number=valid_id("45010319800101111"),
                                    must_change_password=False)
    client.force_login(user)
    r = client.get("/m/si/participation/")
    assert r.status_code == 302 and r["Location"].startswith("/m/si/complete/")
    r = client.post("/m/si/complete/?next=/m/si/participation/", {"person_type": "resident", "region": ""})
    assert r.status_code == 400 and "请选择参保地" in r.content.decode() and not Payer.objects.exists()
    r = client.post("/m/si/complete/?next=/m/si/participation/",
                    {"person_type": "resident", "region": Region.objects.get(code=LIUBEI).pk})
    assert r.status_code == 302 and r["Location"] == "/m/si/participation/"
    payer = Payer.objects.get(user=user)
    assert (payer.person_type, payer.prefecture.code, payer.name) == ("resident", "450200", "陆明")


# -- profile ---------------------------------------------------------------------------------------------------
def test_profile_shows_participation_and_maintains_contact(client):
    payer = make_payer()
    Participation.objects.create(payer=payer, insurance=InsuranceType.objects.get(code="fe_pension"),
                                 agency="南宁市社会保险事业局")
    client.force_login(payer.user)
    page = client.get("/m/si/me/").content.decode()
    assert "灵活就业人员基本养老保险" in page and "费率 20%" in page and payer.id_number not in page
    r = client.post("/m/si/me/", {"address": "南宁市青秀区新址1号", "mobile": payer.mobile})
    assert r.status_code == 302
    payer.refresh_from_db()
    assert payer.address == "南宁市青秀区新址1号"
    # a new mobile number needs the code sent to it
    r = client.post("/m/si/me/", {"address": payer.address, "mobile": "13907718888", "code": "111111"})
    assert r.status_code == 400 and "请先获取短信验证码" in r.content.decode()
    client.post("/m/si/me/code/", {"mobile": "13907718888"})
    r = client.post("/m/si/me/", {"address": payer.address, "mobile": "13907718888", "code": last_code("13907718888")})
    assert r.status_code == 302
    payer.refresh_from_db()
    payer.user.refresh_from_db()
    assert payer.mobile == payer.user.phone == "13907718888"
    r = client.post("/m/si/me/", {"address": "长" * 201, "mobile": payer.mobile})
    assert r.status_code == 400
    assert OperationLog.objects.filter(action="si_contact_changed", actor=payer.user).count() == 2
    assert OperationLog.objects.filter(action="si_contact_changed", detail__mobile_changed=True).count() == 1


def test_participation_query_friendly_when_none(client):
    payer = make_payer(person_type="resident")
    client.force_login(payer.user)
    page = client.get("/m/si/participation/").content.decode()
    assert 'id="no-participation"' in page and "城乡居民参保信息查询" in page
    Participation.objects.create(payer=payer, insurance=InsuranceType.objects.get(code="rr_pension"),
                                 agency="南宁市青秀区社会保险事业局")
    page = client.get("/m/si/participation/").content.decode()
    for text in ("南宁市青秀区社会保险事业局", "城乡居民基本养老保险费", "参保缴费"):
        assert text in page


# -- staff -----------------------------------------------------------------------------------------------------
def test_staff_see_their_region_masked_and_another_city_gets_404(client):
    payer = make_payer()
    nanning = make_staff("450100", ["si_payers.view_payer"])
    liuzhou = make_staff("450200", ["si_payers.view_payer"])
    client.force_login(nanning)
    r = client.get("/gov/si/payers/")
    assert r.status_code == 200 and payer.name in r.content.decode() and payer.id_number not in r.content.decode()
    assert client.get(f"/gov/si/payers/{payer.pk}/").status_code == 200
    client.force_login(liuzhou)
    assert payer.name not in client.get("/gov/si/payers/").content.decode()
    assert client.get(f"/gov/si/payers/{payer.pk}/").status_code == 404
    client.force_login(payer.user)
    assert client.get("/gov/si/payers/").status_code in (302, 403)


def test_demo_seed_is_idempotent_and_payers_can_log_in(client, settings):
    import io

    from kernel.accounts.demo import DEMO_PASSWORD
    from kernel.org.demo import seed_agencies

    from .. import demo

    seed_agencies()
    out = io.StringIO()
    assert "缴费人4个" in demo.seed(1, out)
    assert "缴费人0个" in demo.seed(1, io.StringIO())
    flex = Payer.objects.get(name="韦秀梅")
    assert flex.tax_authority.name == "国家税务总局南宁市青秀区税务局" and flex.participations.count() == 3
    assert Payer.objects.filter(user__isnull=True).count() == 2
    settings.DEBUG = True  # development with the SMS simulator: the code is shown under the button
    r = client.post("/m/si/login/code/", {"id_number": flex.id_number, "password": DEMO_PASSWORD})
    assert f"验证码：{last_code(flex.mobile)}" in r.content.decode()
    settings.DEBUG = False
    client.post("/m/si/login/", {"id_number": flex.id_number, "password": DEMO_PASSWORD, "code": last_code(flex.mobile)})
    assert client.get("/m/si/").status_code == 200
