"""Refunds: the normal refund adds up repeated declarations (base 5,000 + 1,000 → 6,000; amount the sum paid) and is
paid through the gateway once; special-payment lines refuse the normal function; the no-refund list refuses;
the no-receipt message; the special refund by receipt (full) and by slip (never above the declared and paid
amount); one open refund per line; the cap; gateway failure and retry; review rules; scope; bad input."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings

from domains.si_fee.payments.models import PaymentLine
from domains.si_fee.refunds import services
from domains.si_fee.refunds.models import NoRefundPerson, RefundApplication, RefundItem
from integrations.tips_pay.client import PayGateway
from integrations.tips_pay.models import SimRefund
from kernel.audit.models import OperationLog
from kernel.core.testing import xlsx_rows
from kernel.notify.models import SmsMessage
from kernel.org.models import Region

from .support import ADMIN, CLERK, JAN_2021, bank, load_reference, make_payer, pay, payable, staff

pytestmark = pytest.mark.django_db
TSJF_2020 = "8831.04"  # 2020 fe_pension back payment assessed at 3,679.6 × 20 % × 12


@pytest.fixture
def world():
    load_reference()

    class W:
        pass

    w = W()
    w.payer = make_payer()
    # 2021-01 pension: the first declaration (base 5,000) and a supplementary one (base 1,000), paid separately
    w.first = pay(w.payer, payable(w.payer, "HD-2021-0101", "fe_pension", JAN_2021, JAN_2021, "1000.00", "5000.00"))
    w.extra = pay(w.payer, payable(w.payer, "HD-2021-0102", "fe_pension", JAN_2021, JAN_2021, "200.00", "1000.00"),
                  payable(w.payer, "HD-2021-0103", "fe_medical", JAN_2021, JAN_2021, "294.37", "3679.60"))
    # special payment (特殊缴费) of 2020 pushed by social security
    w.special = pay(w.payer, payable(w.payer, "TSJF-2020-0001", "fe_pension", datetime.date(2020, 1, 1),
                                     datetime.date(2020, 12, 1), TSJF_2020, "3679.60"))
    return w


def pension_choice():
    from domains.si_fee.rules.models import InsuranceType

    return f"{InsuranceType.objects.get(code='fe_pension').pk}:2021-01"


def apply_normal(client, payer, **over):
    client.force_login(payer.user)
    return client.post("/m/si/refunds/new/", {"choice": pension_choice(), **bank(payer), **over})


def approve_via_pages(client, refund, clerk, admin, opinion="经核实，同意退费"):
    client.force_login(clerk)
    assert client.post(f"/gov/si/refunds/{refund.pk}/", {"action": "accept"}).status_code == 302
    client.force_login(admin)
    return client.post(f"/gov/si/refunds/{refund.pk}/", {"action": "approve", "opinion": opinion})


def test_normal_refund_adds_up_repeated_declarations_and_is_paid_once(client, world):
    client.force_login(world.payer.user)
    page = client.get("/m/si/refunds/new/").content.decode()
    # every insurance type of the period is shown; the pension of 2021-01 adds both declarations up
    assert "灵活就业人员基本养老保险" in page and "灵活就业人员基本医疗保险" in page and "1200.00" in page
    assert "缴费基数合计 6000.00" in page and "另有特殊缴费" not in page.split("2020年度")[0]
    r = apply_normal(client, world.payer)
    assert r.status_code == 302, r.content.decode()
    refund = RefundApplication.objects.get()
    assert (refund.kind, refund.mode, refund.status) == ("normal", "receipt", "submitted")
    assert refund.base == Decimal("6000.00") and refund.amount == Decimal("1200.00") == refund.paid_amount
    assert isinstance(refund.amount, Decimal) and refund.items.count() == 2
    assert OperationLog.objects.filter(action="si_refund_submitted", actor=world.payer.user).exists()

    clerk, admin = staff(perms=CLERK), staff(perms=ADMIN)
    r = approve_via_pages(client, refund, clerk, admin)
    assert r.status_code == 302
    refund.refresh_from_db()
    assert refund.status == "paid" and refund.reviewer == admin and refund.opinion == "经核实，同意退费"
    assert refund.paid_at is not None and refund.gateway_error == ""
    lines = PaymentLine.objects.filter(payable__source_no__in=["HD-2021-0101", "HD-2021-0102"])
    assert {(x.status, x.refunded_amount == x.amount) for x in lines} == {("refunded", True)}
    assert PaymentLine.objects.get(payable__source_no="HD-2021-0103").status == "paid"  # the medical line stays
    # one gateway refund per order, with deterministic numbers
    sim = SimRefund.objects.order_by("refund_no")
    assert [(s.order.order_no, s.amount) for s in sim] == sorted([(world.first.order_no, Decimal("1000.00")),
                                                                  (world.extra.order_no, Decimal("200.00"))])
    assert all(s.refund_no.startswith(refund.refund_no + "-") for s in sim)
    # retrying does nothing more (already paid): the gateway refunded once
    r = client.post(f"/gov/si/refunds/{refund.pk}/", {"action": "retry"})
    assert SimRefund.objects.count() == 2
    assert services.send(refund) is True and SimRefund.objects.count() == 2
    sms = SmsMessage.objects.get(template__code="si_refund_paid")
    assert "1200.00" in sms.content and "尾号5678" in sms.content and sms.phone == world.payer.mobile
    actions = set(OperationLog.objects.filter(action__startswith="si_refund_").values_list("action", flat=True))
    assert {"si_refund_submitted", "si_refund_accepted", "si_refund_approved", "si_refund_paid"} <= actions
    assert [t.transition for t in refund.workflow_history().order_by("id")] == ["accept", "approve", "pay"]
    # the payer sees it paid
    client.force_login(world.payer.user)
    page = client.get(f"/m/si/refunds/{refund.pk}/").content.decode()
    assert "已退款" in page and "1200.00" in page and "撤回申请" not in page
    # the refunded period is no longer offered
    page = client.get("/m/si/refunds/new/").content.decode()
    assert "1200.00" not in page


def test_special_payment_lines_are_refused_by_the_normal_refund(client, world):
    from domains.si_fee.rules.models import InsuranceType

    client.force_login(world.payer.user)
    page = client.get("/m/si/refunds/new/").content.decode()
    assert "另有特殊缴费1笔（不能在此退费）" in page
    choice = f"{InsuranceType.objects.get(code='fe_pension').pk}:2020-01"
    r = client.post("/m/si/refunds/new/", {"choice": choice, **bank(world.payer)})
    assert r.status_code == 400 and services.SPECIAL_HERE in r.content.decode()
    with pytest.raises(ValidationError) as exc:
        services.apply_normal(world.payer, {"choice": choice, **bank(world.payer)})
    assert exc.value.message_dict["choice"] == [services.SPECIAL_HERE]
    assert RefundApplication.objects.count() == 0


def test_a_person_on_the_no_refund_list_is_refused(client, world):
    NoRefundPerson.objects.create(id_number=world.payer.id_number, name=world.payer.name,
                                  prefecture=Region.objects.get(code="450100"), reason="已领取养老保险待遇")
    r = apply_normal(client, world.payer)
    assert r.status_code == 400 and services.NO_REFUND in r.content.decode()
    r = client.post("/m/si/refunds/special/", {"receipt": world.special.order_no, **bank(world.payer)})
    assert r.status_code == 400 and services.NO_REFUND in r.content.decode()
    assert RefundApplication.objects.count() == 0
    assert OperationLog.objects.filter(action="si_refund_refused", success=False).count() == 2
    assert 'id="listed"' in client.get("/m/si/refunds/").content.decode()


def test_an_autonomous_region_entry_applies_everywhere_and_another_city_does_not(world):
    NoRefundPerson.objects.create(id_number=world.payer.id_number, name="x", prefecture=Region.objects.get(code="450200"),
                                  reason="柳州名单")
    assert not services.on_no_refund_list(world.payer)
    NoRefundPerson.objects.create(id_number=world.payer.id_number, name="x", prefecture=Region.objects.get(code="450000"),
                                  reason="全区名单")
    assert services.on_no_refund_list(world.payer)


def test_no_tax_receipt_shows_the_virtual_account_hint(client):
    load_reference()
    resident = make_payer(person_type="resident", name="蒙桂兰")
    client.force_login(resident.user)
    assert services.NO_RECEIPT in client.get("/m/si/refunds/new/").content.decode()
    r = client.post("/m/si/refunds/new/", {**bank(resident)})
    assert r.status_code == 400
    assert "未查询到申请退费缴费人是税票信息，请确认是否为城乡居民由虚拟户征收场景，如果是，请勾选虚拟户模式并录入虚拟户识别号" \
        in r.content.decode()
    assert RefundApplication.objects.count() == 0


def test_special_refund_by_tax_receipt_is_the_full_amount(client, world):
    client.force_login(world.payer.user)
    page = client.get("/m/si/refunds/special/").content.decode()
    assert world.special.order_no in page and world.first.order_no not in page
    assert "是否录入核定退费单" in page and "录入核定退费单" in page
    r = client.post("/m/si/refunds/special/", {"receipt": world.special.order_no, **bank(world.payer)})
    assert r.status_code == 302, r.content.decode()
    refund = RefundApplication.objects.get()
    assert (refund.kind, refund.mode, refund.amount) == ("special", "receipt", Decimal(TSJF_2020))
    approve_via_pages(client, refund, staff(perms=CLERK), staff())
    refund.refresh_from_db()
    line = PaymentLine.objects.get(payable__source_no="TSJF-2020-0001")
    assert refund.status == "paid" and line.status == "refunded" and line.refunded_amount == Decimal(TSJF_2020)


def slip(**over):
    from domains.si_fee.rules.models import InsuranceType

    data = {"slip": "1", "slip_no": "HDTF-2021-0007", "slip_agency": "南宁市社会保险事业管理中心",
            "slip_insurance": str(InsuranceType.objects.get(code="fe_pension").pk), "slip_period_start": "2020-01",
            "slip_period_end": "2020-12", "slip_base": "3679.60", "slip_amount": "3000.00",
            "slip_date": "2021-02-01", "slip_reason": "重复核定补缴，部分退还"}
    data.update(over)
    return data


def test_special_refund_by_slip_never_above_the_declared_and_paid_amount(client, world):
    client.force_login(world.payer.user)
    r = client.post("/m/si/refunds/special/", {**slip(slip_amount="8831.05"), **bank(world.payer)})
    assert r.status_code == 400
    assert "核定退费金额不能大于申报缴费金额（8831.04元）" in r.content.decode()
    assert RefundApplication.objects.count() == 0
    r = client.post("/m/si/refunds/special/", {**slip(), **bank(world.payer)})
    assert r.status_code == 302, r.content.decode()
    refund = RefundApplication.objects.get()
    assert (refund.mode, refund.amount, refund.paid_amount) == ("slip", Decimal("3000.00"), Decimal(TSJF_2020))
    assert (refund.slip_no, refund.slip_agency, refund.slip_date, refund.slip_base) == (
        "HDTF-2021-0007", "南宁市社会保险事业管理中心", datetime.date(2021, 2, 1), Decimal("3679.60"))
    assert refund.slip_period_end == datetime.date(2020, 12, 31) and refund.slip_reason == "重复核定补缴，部分退还"
    approve_via_pages(client, refund, staff(perms=CLERK), staff())
    line = PaymentLine.objects.get(payable__source_no="TSJF-2020-0001")
    assert line.refunded_amount == Decimal("3000.00") and line.status == "paid"  # partly refunded
    # what is left: 5,831.04 — a second slip for one fen more is refused, for exactly that is accepted
    client.force_login(world.payer.user)
    r = client.post("/m/si/refunds/special/", {**slip(slip_no="HDTF-2", slip_amount="5831.05"), **bank(world.payer)})
    assert r.status_code == 400 and "不能大于申报缴费金额（5831.04元）" in r.content.decode()
    r = client.post("/m/si/refunds/special/", {**slip(slip_no="HDTF-2", slip_amount="5831.04"), **bank(world.payer)})
    assert r.status_code == 302
    second = RefundApplication.objects.exclude(pk=refund.pk).get()
    approve_via_pages(client, second, staff(perms=CLERK), staff())
    line.refresh_from_db()
    assert line.refunded_amount == line.amount and line.status == "refunded"
    assert sum(SimRefund.objects.values_list("amount", flat=True)) == Decimal(TSJF_2020)


def test_slip_fields_are_all_required_with_chinese_errors(client, world):
    client.force_login(world.payer.user)
    r = client.post("/m/si/refunds/special/", {"slip": "1", **bank(world.payer, bank_account="12ab")})
    body = r.content.decode()
    assert r.status_code == 400
    for message in ("请填写核定退费单号", "请填写核定机构", "请选择核定险种", "请按“年-月”填写核定所属期起",
                    "请填写核定退费金额", "请按“年-月-日”填写核定日期", "银行账号应为12至30位数字"):
        assert message in body
    assert RefundApplication.objects.count() == 0


def test_no_two_open_refunds_for_the_same_line(client, world):
    assert apply_normal(client, world.payer).status_code == 302
    first = RefundApplication.objects.get()
    r = apply_normal(client, world.payer)
    assert r.status_code == 400 and f"已有办理中的退费申请（申请号{first.refund_no}）" in r.content.decode()
    assert RefundApplication.objects.count() == 1
    # the database holds it too
    line = first.items.first().line
    with pytest.raises(IntegrityError), transaction.atomic():
        RefundItem.objects.create(refund=first, line=line, paid=line.amount, amount=line.amount)
    # withdrawn: the line is free again
    assert client.post(f"/m/si/refunds/{first.pk}/withdraw/").status_code == 302
    first.refresh_from_db()
    assert first.status == "withdrawn" and not first.items.filter(open=True).exists()
    assert apply_normal(client, world.payer).status_code == 302
    assert OperationLog.objects.filter(action="si_refund_withdrawn").count() == 1


def test_withdraw_only_while_submitted(client, world):
    apply_normal(client, world.payer)
    refund = RefundApplication.objects.get()
    services.accept(refund, staff(perms=CLERK))
    client.force_login(world.payer.user)
    client.post(f"/m/si/refunds/{refund.pk}/withdraw/")
    refund.refresh_from_db()
    assert refund.status == "reviewing"


def test_listed_after_applying_cannot_be_approved(world):
    refund = services.apply_normal(world.payer, {"choice": pension_choice(), **bank(world.payer)})
    clerk, admin = staff(perms=CLERK), staff()
    services.accept(refund, clerk)
    NoRefundPerson.objects.create(id_number=world.payer.id_number, name=world.payer.name,
                                  prefecture=Region.objects.get(code="450100"), reason="已领取养老保险待遇")
    with pytest.raises(ValidationError) as exc:
        services.approve(refund, admin, "同意")
    assert "不能退费的特殊人群名单" in exc.value.messages[0]
    refund.refresh_from_db()
    assert refund.status == "reviewing" and SimRefund.objects.count() == 0


def test_an_approved_refund_is_never_above_what_was_paid(world):
    refund = services.apply_normal(world.payer, {"choice": pension_choice(), **bank(world.payer)})
    clerk, admin = staff(perms=CLERK), staff()
    services.accept(refund, clerk)
    # the line got refunded meanwhile by some other path: approval refuses, nothing changes
    line = refund.items.first().line
    PaymentLine.objects.filter(pk=line.pk).update(refunded_amount=line.amount - Decimal("0.01"))
    with pytest.raises(ValidationError) as exc:
        services.approve(refund, admin, "同意")
    assert "实缴未退金额" in exc.value.messages[0]
    refund.refresh_from_db()
    assert refund.status == "reviewing" and SimRefund.objects.count() == 0
    # and the database refuses a refund above its paid amount
    with pytest.raises(IntegrityError), transaction.atomic():
        RefundApplication.objects.filter(pk=refund.pk).update(amount=refund.paid_amount + Decimal("0.01"))


def test_gateway_failure_keeps_it_approved_with_the_error_and_a_retry_pays_once(client, world):
    refund = services.apply_normal(world.payer, {"choice": pension_choice(), **bank(world.payer)})
    clerk, admin = staff(perms=CLERK), staff()
    client.force_login(clerk)
    client.post(f"/gov/si/refunds/{refund.pk}/", {"action": "accept"})
    client.force_login(admin)
    with override_settings(PAY_GATEWAY_URL="http://127.0.0.1:9"):  # nothing listens there
        r = client.post(f"/gov/si/refunds/{refund.pk}/", {"action": "approve", "opinion": "同意"})
    refund.refresh_from_db()
    assert refund.status == "approved" and "无法连接支付平台" in refund.gateway_error
    page = client.get(f"/gov/si/refunds/{refund.pk}/").content.decode()
    assert 'id="gateway-error"' in page and 'id="retry"' in page
    assert OperationLog.objects.filter(action="si_refund_gateway_error", success=False).exists()
    assert PaymentLine.objects.filter(status="refunded").count() == 0
    # the gateway did one part before our answer got lost: the retry sends the same numbers, refunded once
    (order_no, refund_no, amount), _ = services.parts(refund)
    PayGateway().refund(order_no=order_no, refund_no=refund_no, amount=amount)
    r = client.post(f"/gov/si/refunds/{refund.pk}/", {"action": "retry"})
    assert r.status_code == 302
    refund.refresh_from_db()
    assert refund.status == "paid" and refund.gateway_error == ""
    assert SimRefund.objects.count() == 2 and sum(SimRefund.objects.values_list("amount", flat=True)) == Decimal("1200.00")
    client.post(f"/gov/si/refunds/{refund.pk}/", {"action": "retry"})
    assert SimRefund.objects.count() == 2


def test_review_rules_roles_opinion_and_not_the_applicant(client, world):
    refund = services.apply_normal(world.payer, {"choice": pension_choice(), **bank(world.payer)})
    clerk = staff(perms=CLERK)
    services.accept(refund, clerk)
    # a clerk cannot approve
    with pytest.raises(ValidationError) as exc:
        services.approve(refund, clerk, "同意")
    assert "没有“审核通过”的权限" in exc.value.messages[0]
    # the approver cannot be the applicant (the same person holding a staff account)
    me = staff(id_number=world.payer.id_number)
    with pytest.raises(ValidationError) as exc:
        services.approve(refund, me, "同意")
    assert exc.value.messages == ["不能审核本人的退费申请"]
    # the opinion is required, in Chinese, on the field
    admin = staff()
    client.force_login(admin)
    r = client.post(f"/gov/si/refunds/{refund.pk}/", {"action": "reject", "opinion": "  "})
    assert r.status_code == 400 and "请填写审核意见" in r.content.decode()
    refund.refresh_from_db()
    assert refund.status == "reviewing"
    r = client.post(f"/gov/si/refunds/{refund.pk}/", {"action": "reject", "opinion": "该期费用已划转，不予退费"})
    refund.refresh_from_db()
    assert refund.status == "rejected" and not refund.items.filter(open=True).exists()
    assert "不予退费" in SmsMessage.objects.get(template__code="si_refund_rejected").content
    assert SimRefund.objects.count() == 0


def test_bad_input_gets_chinese_field_errors_and_changes_nothing(client, world):
    before = OperationLog.objects.count()
    r = apply_normal(client, world.payer, reason="", bank_name="", account_name="别人", bank_account="123")
    assert r.status_code == 400
    body = r.content.decode()
    for message in ("请填写退费原因", "请填写开户银行", "账户名称应与缴费人姓名一致", "银行账号应为12至30位数字"):
        assert message in body
    r = apply_normal(client, world.payer, choice="nonsense")
    assert r.status_code == 400 and "请选择要退费的险种和所属期" in r.content.decode()
    r = apply_normal(client, world.payer, choice="99999:2021-01")
    assert r.status_code == 400 and "未查询到该险种该所属期可退费的缴费记录" in r.content.decode()
    assert RefundApplication.objects.count() == 0 and OperationLog.objects.count() == before


def test_scope_other_city_staff_and_other_payer_get_404(client, world):
    refund = services.apply_normal(world.payer, {"choice": pension_choice(), **bank(world.payer)})
    liuzhou = staff(city="450200")
    client.force_login(liuzhou)
    assert client.get(f"/gov/si/refunds/{refund.pk}/").status_code == 404
    assert client.post(f"/gov/si/refunds/{refund.pk}/", {"action": "accept"}).status_code == 404
    assert refund.refund_no not in client.get("/gov/si/refunds/").content.decode()
    with pytest.raises(ValidationError):
        services.accept(refund, liuzhou)
    nanning = staff()
    client.force_login(nanning)
    assert refund.refund_no in client.get("/gov/si/refunds/?status=submitted").content.decode()
    rows = xlsx_rows(client.get("/gov/si/refunds/?export=xlsx"))
    assert any(refund.refund_no in (row[0] or "") for row in rows[1:])
    region_staff = staff(city="450000")
    client.force_login(region_staff)
    assert client.get(f"/gov/si/refunds/{refund.pk}/").status_code == 200
    other = make_payer(name="李四")
    client.force_login(other.user)
    assert client.get(f"/m/si/refunds/{refund.pk}/").status_code == 404
    assert client.post(f"/m/si/refunds/{refund.pk}/withdraw/").status_code == 404
    assert refund.refund_no not in client.get("/m/si/refunds/").content.decode()
    refund.refresh_from_db()
    assert refund.status == "submitted"
    client.force_login(staff(perms=[]))
    assert client.get("/gov/si/refunds/").status_code == 403
