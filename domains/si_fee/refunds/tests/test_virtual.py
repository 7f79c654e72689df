"""Virtual accounts: the signed push of declarations (validated whole, idempotent, declared → paid), the resident's
refund in virtual-account mode (fuzzy search by name, the amount the account declared for that resident, paid by
the treasury voucher), the declaration-result query (pattern B: 登记序号 first), the tiles, the no-refund list
pages and its Excel import, and the demo."""
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from domains.si_fee.payers.tiles import tiles_for
from domains.si_fee.refunds import push, services
from domains.si_fee.refunds.models import NoRefundPerson, RefundApplication, VirtualAccount, VirtualDeclaration
from integrations.tips_pay.models import SimRefund
from kernel.audit.models import OperationLog
from kernel.core.testing import make_agency, make_role
from kernel.interfaces import services as interfaces
from kernel.interfaces.models import InboundMessage
from kernel.interfaces.tests.helpers import call
from kernel.notify.models import SmsMessage
from kernel.org.models import Region

from .support import CLERK, bank, load_reference, make_payer, staff, valid_id

pytestmark = pytest.mark.django_db
ACCOUNT = {"identification_no": "XN45010300000001", "name": "南宁市青秀区长塘镇那莲村民委员会",
           "prefecture_code": "450100", "region_code": "450103"}


@pytest.fixture
def world():
    load_reference()
    push.register()

    class W:
        pass

    w = W()
    w.resident = make_payer(person_type="resident", name="蒙桂兰", county="450103")
    w.neighbour_id = valid_id()
    agency = make_agency("450100", agency_type="hrss")
    w.api, w.secret = interfaces.create_client(name="金三核心系统", organisation=agency,
                                               roles=[make_role(list(push.PUSH_PERMISSIONS))])
    return w


def item(w, **over):
    d = {"declaration_no": "XNSB2021000001", "id_number": w.resident.id_number, "name": "蒙桂兰",
         "insurance_code": "rr_pension", "period_start": "2021-01", "period_end": "2021-12", "base": None,
         "amount": "300.00", "receipt_no": "345012021000000101", "declared_on": "2021-01-15",
         "paid_on": "2021-01-20", "status": "paid"}
    d.update(over)
    return d


def send(client, w, items, mid, account=None):
    return call(client, w.api, w.secret, "POST", f"/api/inbound/{push.ENDPOINT}/",
                body={"virtual_account": account or ACCOUNT, "items": items}, headers={"X-ZW-Message-Id": mid})


def seed_declarations(client, w, mid="seed"):
    items = [item(w), item(w, declaration_no="XNSB2021000002", insurance_code="rr_medical", amount="280.00",
                            receipt_no="345012021000000102"),
             item(w, declaration_no="XNSB2021000003", id_number=w.neighbour_id, name="黄金凤", amount="200.00",
                  receipt_no="345012021000000103")]
    r = send(client, w, items, mid)
    assert r.status_code == 200, r.content
    return r


def test_push_creates_the_account_and_declarations_and_repeat_changes_nothing(client, world):
    seed_declarations(client, world)
    account = VirtualAccount.objects.get()
    assert account.name == ACCOUNT["name"] and account.prefecture.code == "450100" and account.region.code == "450103"
    assert VirtualDeclaration.objects.count() == 3
    d = VirtualDeclaration.objects.get(declaration_no="XNSB2021000001")
    assert d.amount == Decimal("300.00") and isinstance(d.amount, Decimal) and d.period_end.month == 12
    seed_declarations(client, world, "seed-again")
    assert VirtualDeclaration.objects.count() == 3
    # a declared one becomes paid with its receipt
    r = send(client, world, [item(world, declaration_no="XNSB4", status="declared", receipt_no="", paid_on=None)], "d")
    assert r.status_code == 200 and VirtualDeclaration.objects.get(declaration_no="XNSB4").status == "declared"
    r = send(client, world, [item(world, declaration_no="XNSB4", receipt_no="R4", paid_on="2021-02-01")], "p")
    assert r.status_code == 200 and VirtualDeclaration.objects.get(declaration_no="XNSB4").status == "paid"
    assert OperationLog.objects.filter(action="si_refund_virtual_push").count() == 4


def test_bad_push_is_refused_whole_with_chinese_errors(client, world):
    r = send(client, world, [item(world), item(world, declaration_no="B2", id_number="450102198506120000",
                                                amount=300.0, period_start="2021/01", insurance_code="fe_pension"),
                             item(world, declaration_no="B3", status="paid", receipt_no="", period_start="2021-12",
                                  period_end="2021-01"),
                             item(world, declaration_no="B4", declared_on="2021/01/15")], "bad")
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert errors["items.1.amount"] == ["申报金额应为字符串形式的金额，如\"630.78\""]
    assert "年-月" in errors["items.1.period_start"][0]
    assert errors["items.2.receipt_no"] == ["已缴费的申报应有税票号码"]
    assert errors["items.2.period_end"] == ["所属期止不能早于所属期起"]
    assert errors["items.3.declared_on"] == ["申报日期应为“年-月-日”格式"]
    r = send(client, world, [item(world, insurance_code="fe_pension", id_number="450102198506120000")], "bad2")
    errors = r.json()["errors"]
    assert errors["items.0.insurance_code"] == ["虚拟户只能申报城乡居民险种"] and errors["items.0.id_number"]
    r = send(client, world, [item(world)], "bad3", account={**ACCOUNT, "prefecture_code": "999999"})
    assert "地市代码" in r.json()["errors"]["virtual_account.prefecture_code"][0]
    r = send(client, world, [item(world), item(world)], "bad4")
    assert "重复" in r.json()["errors"]["items.1.declaration_no"][0]
    assert VirtualDeclaration.all_objects.count() == 0 and VirtualAccount.all_objects.count() == 0
    assert InboundMessage.objects.filter(status="rejected").count() == 4
    # a different amount under a known number is refused
    assert send(client, world, [item(world)], "ok").status_code == 200
    r = send(client, world, [item(world, amount="301.00")], "bad5")
    assert r.status_code == 400 and "内容不同" in r.json()["errors"]["items.0.declaration_no"][0]


def test_unsigned_push_is_refused(client, world):
    r = client.post(f"/api/inbound/{push.ENDPOINT}/", data={"virtual_account": ACCOUNT, "items": [item(world)]},
                    content_type="application/json", headers={"X-ZW-Message-Id": "x"})
    assert r.status_code in (401, 403) and VirtualDeclaration.objects.count() == 0


def test_resident_refunds_in_virtual_account_mode(client, world):
    from domains.si_fee.rules.models import InsuranceType

    seed_declarations(client, world)
    client.force_login(world.resident.user)
    # fuzzy search by name
    page = client.get("/m/si/refunds/new/", {"va_q": "那莲"}).content.decode()
    assert "XN45010300000001" in page and "选用" in page
    page = client.get("/m/si/refunds/new/", {"virtual": "1", "virtual_no": "XN45010300000001"}).content.decode()
    assert "城乡居民基本养老保险" in page and "300.00" in page and "280.00" in page and "200.00" not in page
    choice = f"{InsuranceType.objects.get(code='rr_pension').pk}:2021-01"
    # unknown number, missing number
    r = client.post("/m/si/refunds/new/", {"virtual": "1", "virtual_no": "XN0000", "choice": choice, **bank(world.resident)})
    assert r.status_code == 400 and "虚拟户识别号不存在" in r.content.decode()
    r = client.post("/m/si/refunds/new/", {"virtual": "1", "choice": choice, **bank(world.resident)})
    assert r.status_code == 400 and "请录入虚拟户识别号" in r.content.decode()
    r = client.post("/m/si/refunds/new/", {"virtual": "1", "virtual_no": "XN45010300000001", "choice": choice,
                                           **bank(world.resident)})
    assert r.status_code == 302, r.content.decode()
    refund = RefundApplication.objects.get()
    assert (refund.kind, refund.mode, refund.amount) == ("normal", "virtual", Decimal("300.00"))
    assert refund.virtual_account.identification_no == "XN45010300000001" and refund.payer == world.resident
    assert refund.tax_receipt_no == "345012021000000101"
    # reviewed and approved: no gateway (the virtual account paid through the treasury), the voucher pays it
    clerk, admin = staff(perms=CLERK), staff()
    services.accept(refund, clerk)
    services.approve(refund, admin, "同意")
    refund.refresh_from_db()
    assert refund.status == "approved" and SimRefund.objects.count() == 0
    client.force_login(admin)
    r = client.post(f"/gov/si/refunds/{refund.pk}/", {"action": "treasury", "voucher": ""})
    assert r.status_code == 400 and "请填写退库凭证号" in r.content.decode()
    r = client.post(f"/gov/si/refunds/{refund.pk}/", {"action": "treasury", "voucher": "TK2021000088"})
    assert r.status_code == 302
    refund.refresh_from_db()
    decl = VirtualDeclaration.objects.get(declaration_no="XNSB2021000001")
    assert refund.status == "paid" and refund.treasury_voucher == "TK2021000088"
    assert decl.status == "refunded" and decl.refunded_amount == Decimal("300.00")
    assert SmsMessage.objects.filter(template__code="si_refund_paid").count() == 1
    # a refunded declaration cannot be changed by a later push
    r = send(client, world, [item(world)], "again")
    assert r.status_code == 400 and "已退费" in r.json()["errors"]["items.0.declaration_no"][0]


def test_a_flexible_worker_cannot_use_virtual_mode(world):
    flexible = make_payer()
    with pytest.raises(ValidationError) as exc:
        services.apply_normal(flexible, {"virtual": "1", "virtual_no": "X", **bank(flexible)})
    assert "仅适用于由虚拟户征收的城乡居民" in exc.value.message_dict["virtual"][0]


def test_virtual_declaration_results_query_pattern_b(client, world):
    seed_declarations(client, world)
    client.force_login(world.resident.user)
    page = client.get("/m/si/virtual-declarations/").content.decode()
    assert "XNSB2021000001" in page and "XNSB2021000002" in page and "XNSB2021000003" not in page
    assert "那莲村民委员会" in page and "2021年度" in page
    nobody = make_payer(person_type="resident", name="覃某", registration_no="")
    client.force_login(nobody.user)
    page = client.get("/m/si/virtual-declarations/").content.decode()
    assert "未查询到您的社保费缴费登记信息（登记序号）" in page
    registered = make_payer(person_type="resident", name="覃某某")
    client.force_login(registered.user)
    assert "未查询到虚拟户为您申报的社保费" in client.get("/m/si/virtual-declarations/").content.decode()
    flexible = make_payer()
    client.force_login(flexible.user)
    assert "仅适用于城乡居民" in client.get("/m/si/virtual-declarations/").content.decode()


def test_tiles(world):
    def labels(payer):
        return {g: [i["label"] for i in items] for g, items in tiles_for(payer)}

    resident, flexible = labels(world.resident), labels(make_payer())
    assert "退费申请" in resident["涉费业务"] and "虚拟户申报结果" in resident["查询业务"]
    assert "退费申请" in flexible["涉费业务"] and "虚拟户申报结果" not in flexible.get("查询业务", [])


def test_no_refund_list_pages_scope_and_audit(client, world):
    admin = staff(perms=["si_refund.view_norefundperson", "si_refund.add_norefundperson",
                         "si_refund.delete_norefundperson"])
    client.force_login(admin)
    assert client.get("/gov/si/no-refund/new/").status_code == 200
    r = client.post("/gov/si/no-refund/new/", {"id_number": "450102198506120000", "name": "", "reason": "",
                                                "prefecture": Region.objects.get(code="450200").pk})
    body = r.content.decode()
    assert r.status_code == 400 and "请填写姓名" in body and "请选择您辖区内的地市" in body and "身份证" in body
    assert NoRefundPerson.objects.count() == 0
    r = client.post("/gov/si/no-refund/new/", {"id_number": world.resident.id_number, "name": "蒙桂兰",
                                                "reason": "已领取待遇", "prefecture": Region.objects.get(code="450100").pk})
    assert r.status_code == 302
    entry = NoRefundPerson.objects.get()
    assert OperationLog.objects.filter(action="si_refund_norefund_added").exists()
    r = client.post("/gov/si/no-refund/new/", {"id_number": world.resident.id_number, "name": "蒙桂兰",
                                                "reason": "重复", "prefecture": Region.objects.get(code="450100").pk})
    assert r.status_code == 400 and "已在该地市的不能退费名单中" in r.content.decode()
    assert "蒙桂兰" in client.get("/gov/si/no-refund/").content.decode()
    liuzhou = staff(city="450200", perms=["si_refund.view_norefundperson", "si_refund.delete_norefundperson"])
    client.force_login(liuzhou)
    assert client.get(f"/gov/si/no-refund/{entry.pk}/").status_code == 404
    assert client.post(f"/gov/si/no-refund/{entry.pk}/").status_code == 404
    assert "蒙桂兰" not in client.get("/gov/si/no-refund/").content.decode()
    client.force_login(admin)
    page = client.get(f"/gov/si/no-refund/{entry.pk}/").content.decode()
    assert "移出名单" in page and "已领取待遇" in page and 'id="import-xlsx"' in client.get("/gov/si/no-refund/").content.decode()
    assert client.post(f"/gov/si/no-refund/{entry.pk}/").status_code == 302
    assert NoRefundPerson.objects.count() == 0 and NoRefundPerson.all_objects.get().is_deleted
    assert not services.on_no_refund_list(world.resident)


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["证件号码", "姓名", "地市代码", "不能退费原因"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "名单.xlsx"
    return buf


def test_no_refund_list_excel_import_all_or_nothing(client, world):
    admin = staff(perms=["si_refund.view_norefundperson", "si_refund.add_norefundperson"])
    client.force_login(admin)
    good, other = world.resident.id_number, valid_id()
    r = client.post("/gov/exports/import/si_no_refund/", {"file": _xlsx([
        [good, "蒙桂兰", "450100", "已领取待遇"], ["450102198506120000", "某某", "450200", "x"]])})
    assert r.status_code == 400 and NoRefundPerson.objects.count() == 0
    r = client.post("/gov/exports/import/si_no_refund/", {"file": _xlsx([
        [good, "蒙桂兰", "450100", "已领取待遇"], [other, "黄金凤", "450100", "已领取待遇"]])})
    assert r.status_code == 200, r.content.decode()[:2000]
    assert NoRefundPerson.objects.count() == 2 and services.on_no_refund_list(world.resident)


def test_demo_is_idempotent(world):
    from domains.si_fee.refunds.demo import seed

    assert "新增4条" in seed(1, None)
    assert "新增0条" in seed(1, None)
    assert VirtualAccount.objects.count() == 1 and NoRefundPerson.objects.count() == 2
