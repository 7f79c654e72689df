"""Entrusted-deduction agreements: sign (three-party / two-party, own or for another person), the agreement
number, verification by the simulated bank (success and the bank's reason for failure), one agreement in force
per person (service and DB constraint), terminate frees the slot, bad input gets Chinese field errors and changes
nothing, scope (another payer and another city's staff get 404), staff list and export, audit."""
import base64
import io

import pytest
from django.db import IntegrityError, transaction

from domains.si_fee.agreements import services
from domains.si_fee.agreements.models import Agreement
from integrations.tips_pay.models import SimAgreement, SimBankAccount
from kernel.audit.models import OperationLog
from kernel.core.testing import make_staff, xlsx_rows

from .support import ACCOUNT, FEB_10_2021, form, load_reference, make_payer

pytestmark = pytest.mark.django_db


@pytest.fixture
def payer(monkeypatch):
    load_reference()
    monkeypatch.setattr(services, "today", lambda: FEB_10_2021)
    return make_payer(name="韦小红")


def png_data_url():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (120, 40), "white").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def test_sign_three_party_on_the_h5_page_is_verified_through_tips(client, payer):
    client.force_login(payer.user)
    page = client.get("/m/si/agreements/new/tripartite/").content.decode()
    assert "委托银行代缴税款三方协议" in page and payer.name in page and payer.id_number not in page
    r = client.post("/m/si/agreements/new/tripartite/", {**form(payer, account_no="6222 0212 3456 7890 123"),
                                                          "signature_data": png_data_url(), "action": "online"})
    assert r.status_code == 302
    a = Agreement.objects.get()
    assert a.kind == "tripartite" and a.status == "active" and a.channel == "TIPS"
    assert a.agreement_no.startswith("SF" + __import__("django.utils.timezone", fromlist=["x"]).localdate().strftime("%Y%m%d"))
    assert a.account_no == ACCOUNT and a.subject_id_number == payer.id_number and a.subject_name == payer.name
    assert a.signature is not None and a.bank_receipt_no.startswith("HZ") and a.verified_at is not None
    assert SimAgreement.objects.get(agreement_no=a.agreement_no).status == "VERIFIED"
    detail = client.get(r["Location"]).content.decode()
    assert "已生效" in detail and "6222 **** **** 0123" in detail and ACCOUNT not in detail
    assert client.get(f"/m/si/agreements/{a.pk}/signature/").status_code == 200
    listing = client.get("/m/si/agreements/").content.decode()
    assert a.agreement_no in listing and ACCOUNT not in listing
    actions = set(OperationLog.objects.values_list("action", flat=True))
    assert {"si_agree_signed", "si_agree_verified"} <= actions
    assert a.workflow_history().filter(transition="verify").exists()


def test_agreement_numbers_are_generated_readable_and_unique(payer):
    others = [make_payer(name=f"缴费人{i}") for i in range(3)]
    numbers = [services.sign_agreement(p, "bilateral", form(p, account_no=f"62220212345678901{i}"), user=p.user)
               .agreement_no for i, p in enumerate(others)]
    assert len(set(numbers)) == 3 and all(n.startswith("LL") and len(n) == 16 for n in numbers)
    assert [int(n[-6:]) for n in numbers] == [1, 2, 3]
    three = services.sign_agreement(payer, "tripartite", form(payer), user=payer.user)
    assert three.agreement_no.startswith("SF") and three.agreement_no[-6:] == "000001"


def test_only_one_agreement_in_force_per_payer_across_both_kinds(client, payer):
    first = services.sign_agreement(payer, "tripartite", form(payer), user=payer.user)
    assert first.status == "active"
    client.force_login(payer.user)
    r = client.post("/m/si/agreements/new/bilateral/", form(payer, bank_code="102", account_no="6212261234567890"))
    assert r.status_code == 400
    text = r.content.decode()
    assert "一个缴费人只能有一个可以进行银行代扣的协议" in text and first.agreement_no in text
    assert Agreement.objects.count() == 1 and SimAgreement.objects.count() == 1


def test_the_database_holds_one_agreement_in_force_per_person(payer):
    first = services.sign_agreement(payer, "tripartite", form(payer), user=payer.user)
    # a concurrent request that passed the service's check: the partial unique constraint refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.create(agreement_no="LL20210210999999", kind="bilateral", payer=payer,
                                 subject_id_type=first.subject_id_type, subject_id_number=first.subject_id_number,
                                 subject_name=payer.name, bank_code="102", account_no="6212261234567890",
                                 account_name=payer.name, confirmed=True)
    # ... and the service turns the race into the Chinese message
    from domains.si_fee.agreements import models as m

    real = m.Agreement.objects

    class Blind:
        def __getattr__(self, name):
            return getattr(real, name)

        def filter(self, *args, **kw):
            if "status__in" in kw:
                return real.none()
            return real.filter(*args, **kw)

    services.Agreement.objects = Blind()
    try:
        with pytest.raises(Exception) as exc:
            services.sign_agreement(payer, "bilateral", form(payer, account_no="6212261234567890"), user=payer.user)
    finally:
        services.Agreement.objects = real
    assert "一个缴费人只能有一个" in str(exc.value) or "请稍后再试" in str(exc.value)
    assert Agreement.objects.count() == 1


def test_bank_refuses_a_wrong_account_name_and_the_slot_stays_free(client, payer):
    client.force_login(payer.user)
    r = client.post("/m/si/agreements/new/tripartite/", form(payer, account_name="张三"))
    assert r.status_code == 302
    a = Agreement.objects.get()
    assert a.status == "failed" and a.fail_reason == "账户名称与缴费人姓名不一致"
    assert "账户名称与缴费人姓名不一致" in client.get(r["Location"]).content.decode()
    assert OperationLog.objects.filter(action="si_agree_verify_failed", success=False).exists()
    again = services.sign_agreement(payer, "tripartite", form(payer), user=payer.user)
    assert again.status == "active" and again.agreement_no != a.agreement_no


def test_configured_bank_account_checks_holder_and_frozen_state(payer):
    SimBankAccount.objects.create(bank_code="105", account_no="6217001234567890", account_name="黄某某")
    SimBankAccount.objects.create(bank_code="105", account_no="6217009999999999", account_name=payer.name, frozen=True)
    a = services.sign_agreement(payer, "bilateral", form(payer, account_no="6217001234567890"), user=payer.user)
    assert a.status == "failed" and a.fail_reason == "账户名称与账号不符"
    b = services.sign_agreement(payer, "bilateral", form(payer, account_no="6217009999999999"), user=payer.user)
    assert b.status == "failed" and b.fail_reason == "账户已冻结或状态异常"
    c = services.sign_agreement(payer, "bilateral", form(payer, account_no="6217001234567890", bank_code="102",
                                                        account_name="黄某某"), user=payer.user)
    assert c.status == "failed" and c.fail_reason == "账号不属于该开户银行"


def test_terminate_frees_the_slot(client, payer):
    a = services.sign_agreement(payer, "tripartite", form(payer), user=payer.user)
    client.force_login(payer.user)
    r = client.post(f"/m/si/agreements/{a.pk}/terminate/", {"reason": "更换银行卡"})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == "terminated" and a.terminate_reason == "更换银行卡" and a.terminated_at is not None
    assert SimAgreement.objects.get(agreement_no=a.agreement_no).status == "TERMINATED"
    b = services.sign_agreement(payer, "bilateral", form(payer, bank_code="102", account_no="6212261234567890"),
                                user=payer.user)
    assert b.status == "active"
    r = client.post(f"/m/si/agreements/{a.pk}/terminate/")
    assert r.status_code == 400 and "不能终止" in r.content.decode()
    assert OperationLog.objects.filter(action="si_agree_terminated").count() == 1


def test_bad_input_gets_chinese_field_errors_and_changes_nothing(client, payer):
    client.force_login(payer.user)
    r = client.post("/m/si/agreements/new/bilateral/", {"bank_code": "999", "account_no": "62ab", "account_name": "",
                                                         "signature_data": "data:image/png;base64,xx"})
    assert r.status_code == 400
    text = r.content.decode()
    for message in ("请选择开户银行", "扣款账号只能包含数字", "请填写账户名称", "请阅读并确认协议条款",
                    "签名格式错误"):
        assert message in text
    r = client.post("/m/si/agreements/new/bilateral/", form(payer, account_no="12345"))
    assert "扣款账号长度应为12至25位" in r.content.decode()
    r = client.post("/m/si/agreements/new/bilateral/", {**form(payer), "for_other": "1", "subject_id_type": "201",
                                                         "subject_id_number": "450102198001010000", "subject_name": ""})
    text = r.content.decode()
    assert r.status_code == 400 and "居民身份证号码不正确" in text and "请填写姓名" in text
    assert Agreement.all_objects.count() == 0 and SimAgreement.objects.count() == 0


def test_two_party_agreement_for_another_person(payer):
    from .support import valid_id

    other_id = valid_id(777)
    a = services.sign_agreement(payer, "bilateral", {**form(payer, account_name="陆大伯"), "for_other": "1",
                                                     "subject_id_type": "201", "subject_id_number": other_id,
                                                     "subject_name": "陆大伯"}, user=payer.user)
    assert a.status == "active" and a.for_other and a.subject_id_number == other_id and a.payer == payer
    assert a.channel == "金三社保费核心系统"
    # the signer's own slot is still free; the other person's is taken
    own = services.sign_agreement(payer, "bilateral", form(payer, account_no="6212261234567890"), user=payer.user)
    assert own.status == "active"
    with pytest.raises(Exception) as exc:
        services.sign_agreement(payer, "bilateral", {**form(payer, account_name="陆大伯"), "for_other": "1",
                                                     "subject_id_type": "201", "subject_id_number": other_id,
                                                     "subject_name": "陆大伯"}, user=payer.user)
    assert "陆大伯已有已生效的委托扣款协议" in str(exc.value)


def test_paper_agreement_waits_for_the_bank_then_the_payer_verifies(client, payer):
    client.force_login(payer.user)
    r = client.post("/m/si/agreements/new/tripartite/", {**form(payer), "action": "paper"})
    a = Agreement.objects.get()
    assert a.status == "pending" and a.paper and SimAgreement.objects.count() == 0
    page = client.get(f"/m/si/agreements/{a.pk}/print/").content.decode()
    assert "委托银行代缴税款三方协议" in page and a.agreement_no in page
    client.post(f"/m/si/agreements/{a.pk}/verify/")
    a.refresh_from_db()
    assert a.status == "active" and r.status_code == 302


def test_scope_another_payer_and_another_city_get_404(client, payer):
    a = services.sign_agreement(payer, "tripartite", form(payer), user=payer.user)
    other = make_payer(name="蒙小明")
    client.force_login(other.user)
    for url in (f"/m/si/agreements/{a.pk}/", f"/m/si/agreements/{a.pk}/print/", f"/m/si/agreements/{a.pk}/signature/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/m/si/agreements/{a.pk}/terminate/").status_code == 404
    assert a.agreement_no not in client.get("/m/si/agreements/").content.decode()
    a.refresh_from_db()
    assert a.status == "active"

    perms = ["si_agree.view_agreement", "si_agree.export_agreement"]
    liuzhou = make_staff("450200", perms)
    client.force_login(liuzhou)
    assert client.get(f"/gov/si/agreements/{a.pk}/").status_code == 404
    assert a.agreement_no not in client.get("/gov/si/agreements/").content.decode()
    nanning = make_staff("450100", perms)
    client.force_login(nanning)
    page = client.get(f"/gov/si/agreements/{a.pk}/").content.decode()
    assert a.agreement_no in page and "6222 **** **** 0123" in page and ACCOUNT not in page
    listing = client.get("/gov/si/agreements/?status=active").content.decode()
    assert a.agreement_no in listing
    rows = xlsx_rows(client.get("/gov/si/agreements/?export=xlsx"))
    flat = [str(c) for row in rows for c in row]
    assert a.agreement_no in flat and ACCOUNT not in "".join(flat) and payer.id_number not in "".join(flat)


def test_tiles_on_the_service_home(client, payer):
    flexible = make_payer(name="黄大力")
    flexible.person_type = "flexible"
    flexible.save()
    client.force_login(payer.user)
    home = client.get("/m/si/").content.decode()
    for label in ("三方协议签订", "两两协议签订", "应缴费额设置", "待批扣清册", "委托扣款协议查询"):
        assert label in home
    client.force_login(flexible.user)
    home = client.get("/m/si/").content.decode()
    assert "三方协议签订" in home and "应缴费额设置" not in home


def test_the_person_paid_for_sees_and_terminates_an_agreement_someone_else_signed(client, payer):
    from .support import make_payer as another

    grandpa = another(name="陆大伯")
    a = services.sign_agreement(payer, "bilateral", {**form(payer, account_name="陆大伯"), "for_other": "1",
                                                     "subject_id_type": "201", "subject_id_number": grandpa.id_number,
                                                     "subject_name": "陆大伯"}, user=payer.user)
    assert a.subject_payer == grandpa and a.status == "active"
    client.force_login(grandpa.user)
    assert a.agreement_no in client.get("/m/si/agreements/").content.decode()
    assert client.get(f"/m/si/agreements/{a.pk}/").status_code == 200
    r = client.post(f"/m/si/agreements/{a.pk}/terminate/", {"reason": "本人未授权"})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == "terminated"
    from kernel.audit.models import OperationLog

    assert OperationLog.objects.filter(action="si_agree_subject_terminated", actor=grandpa.user).count() == 1
    own = services.sign_agreement(grandpa, "bilateral", form(grandpa, account_no="6212261234567890"),
                                  user=grandpa.user)
    assert own.status == "active"
    stranger = another(name="黄路人")  # neither signer nor subject: 404
    client.force_login(stranger.user)
    assert client.get(f"/m/si/agreements/{a.pk}/").status_code == 404
