"""核定应缴推送: social security's signed push creates payables (validated whole, Chinese field errors,
idempotent by source_no); the payer pays them in 待缴费用 through the simulated cashier; payables become paid."""
import datetime
from decimal import Decimal

import pytest

from domains.si_fee.payments import push
from domains.si_fee.payments.models import Payable, PaymentOrder
from kernel.audit.models import OperationLog
from kernel.core.testing import make_agency, make_role
from kernel.interfaces import services as interfaces
from kernel.interfaces.models import InboundMessage
from kernel.interfaces.tests.helpers import call

from .support import load_reference, make_payer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    load_reference()
    push.register()

    class W:
        pass

    w = W()
    w.payer = make_payer(name="李大明")
    agency = make_agency("450100", agency_type="hrss")
    w.api, w.secret = interfaces.create_client(name="社保经办系统", organisation=agency,
                                               roles=[make_role(list(push.PUSH_PERMISSIONS))])
    return w


def item(w, **over):
    d = {"source_no": "HD-2021-0001", "id_number": w.payer.id_number, "name": w.payer.name,
         "insurance_code": "fe_medical", "period_start": "2021-01", "period_end": "2021-01", "base": "3679.60",
         "amount": "294.37", "agency": "南宁市社会保险事业管理中心"}
    d.update(over)
    return d


def send(client, w, items, mid):
    return call(client, w.api, w.secret, "POST", f"/api/inbound/{push.ENDPOINT}/", body={"items": items},
                headers={"X-ZW-Message-Id": mid})


def test_push_creates_payables_and_repeat_changes_nothing(client, world):
    items = [item(world), item(world, source_no="HD-2021-0002", insurance_code="fe_serious", period_start="2021-01",
                               period_end="2021-12", base=None, amount="300.00")]
    r = send(client, world, items, "m1")
    assert r.status_code == 200, r.content
    assert Payable.objects.count() == 2
    p = Payable.objects.get(source_no="HD-2021-0002")
    assert p.period_start == datetime.date(2021, 1, 1) and p.period_end == datetime.date(2021, 12, 31)
    assert p.amount == Decimal("300.00") and isinstance(p.amount, Decimal)
    r = send(client, world, items, "m2")
    assert r.status_code == 200 and Payable.objects.count() == 2
    assert OperationLog.objects.filter(action="si_pay_assessed_push").count() == 2


def test_bad_push_is_refused_whole_with_chinese_errors(client, world):
    items = [item(world), item(world, source_no="HD-2", id_number="450102198506120000", amount=294.37,
                               period_start="2021/01", insurance_code="nope"),
             item(world, source_no="HD-3", name="别人", period_start="2021-03", period_end="2021-02", amount="-1")]
    r = send(client, world, items, "bad1")
    assert r.status_code == 400
    errors = r.json()["errors"]
    assert errors["items.1.amount"] == ["应缴金额应为字符串形式的金额，如\"630.78\""]
    assert "年-月" in errors["items.1.period_start"][0]
    assert errors["items.2.amount"] == ["应缴金额须大于0"]
    r = send(client, world, [item(world, source_no="HD-3", name="别人", period_start="2021-03", period_end="2021-02"),
                             item(world, source_no="HD-4", id_number="450102198506120000")], "bad2")
    errors = r.json()["errors"]
    assert errors["items.0.name"] == ["姓名与证件号码不符"] and errors["items.0.period_end"] == ["所属期止不能早于所属期起"]
    assert errors["items.1.id_number"] == ["未找到该证件号码的缴费人"]
    r = send(client, world, [item(world), item(world)], "bad3")
    assert "重复" in r.json()["errors"]["items.1.source_no"][0]
    assert Payable.all_objects.count() == 0
    assert InboundMessage.objects.filter(status="rejected").count() == 3
    # a different amount under a known number is refused
    assert send(client, world, [item(world)], "ok").status_code == 200
    r = send(client, world, [item(world, amount="300.00")], "bad4")
    assert r.status_code == 400 and "内容不同" in r.json()["errors"]["items.0.source_no"][0]
    assert Payable.objects.get().amount == Decimal("294.37")


def test_unsigned_push_is_refused(client, world):
    r = client.post(f"/api/inbound/{push.ENDPOINT}/", data={"items": [item(world)]}, content_type="application/json",
                    headers={"X-ZW-Message-Id": "x"})
    assert r.status_code in (401, 403) and Payable.objects.count() == 0


def test_payer_pays_payables_through_the_cashier(client, world):
    assert send(client, world, [item(world), item(world, source_no="HD-2", period_start="2021-02",
                                                  period_end="2021-02")], "m").status_code == 200
    client.force_login(world.payer.user)
    page = client.get("/m/si/payables/").content.decode()
    assert "灵活就业人员基本医疗保险" in page and "588.74" in page
    ids = list(Payable.objects.values_list("pk", flat=True))
    r = client.post("/m/si/payables/", {"payables": ids, "request_id": "pp1"})
    assert r.status_code == 302
    order = PaymentOrder.objects.get()
    assert order.kind == "assessed" and order.total == Decimal("588.74")
    # while it is open, the same payables cannot be put in another order
    r = client.post("/m/si/payables/", {"payables": ids, "request_id": "pp2"})
    assert r.status_code == 400 and "有未完成的缴费订单" in r.content.decode()
    cashier = "/" + r_location(client, order).split("://", 1)[-1].split("/", 1)[1]
    client.post(cashier, {"action": "pay"})
    order.refresh_from_db()
    assert order.status == "paid"
    assert set(Payable.objects.values_list("status", flat=True)) == {"paid"}
    assert "暂无待缴费用" in client.get("/m/si/payables/").content.decode()
    r = client.post("/m/si/payables/", {"payables": ids, "request_id": "pp3"})
    assert r.status_code == 400 and "已缴费，不能缴纳" in r.content.decode()
    # a paid payable cannot be cancelled by social security
    r = send(client, world, [item(world, cancel=True)], "cancel")
    assert r.status_code in (400, 422) and Payable.objects.get(source_no="HD-2021-0001").status == "paid"


def r_location(client, order):
    return order.cashier_url


def test_cancel_voids_a_pending_payable(client, world):
    send(client, world, [item(world)], "m")
    assert send(client, world, [item(world, cancel=True)], "c").status_code == 200
    assert Payable.objects.get().status == "cancelled"
