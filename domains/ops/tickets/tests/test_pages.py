"""The ticket pages: jurisdiction scope (another city gets 404 and sees nothing, in the list, the export and the
API), the create form and the step forms with Chinese field errors that save nothing, the list filters and
the Excel export with the same filters, the SLA clocks on the ticket page."""
import datetime

import pytest
from django.utils import timezone

from domains.ops.contracts.models import MaintainedSystem, ServiceContract, SlaTerm
from domains.ops.tickets import services
from domains.ops.tickets.models import Ticket
from kernel.calendar.models import Schedule
from kernel.core.testing import ScopeContract, make_agency, make_staff, xlsx_rows

pytestmark = pytest.mark.django_db


class TestTicketScope(ScopeContract):
    model = Ticket
    list_url = "gov:ops_tickets"
    detail_url = "gov:ops_ticket"
    view_perms = ["ops_tickets.view_ticket"]
    export_perm = "ops_tickets.export_ticket"
    api_list_url = "/api/ops/tickets/"

    def make_record(self, region):
        agency = make_agency(region.code, "hrss")
        system = MaintainedSystem.objects.create(code=f"sys{region.code}", name="县区养老系统", agency=agency)
        contract = ServiceContract.objects.create(system=system, contract_no=f"HT-{region.code}", name="运维",
                                                  supplier="某公司", starts_on=datetime.date(2026, 1, 1),
                                                  ends_on=datetime.date(2026, 12, 31))
        SlaTerm.objects.create(contract=contract, kind="fault", level=2, response_hours=24,
                               schedule=Schedule.objects.get(code="always"))
        author = make_staff(region.code, ["ops_tickets.add_ticket", "ops_tickets.view_ticket",
                                          "ops_contracts.view_servicecontract"])
        return services.create_ticket(author, contract=contract, kind="fault", level=2, title="县区系统故障",
                                      description="报错", contact_phone="13900000001")

    def marker(self, obj):
        return obj.number


def test_demo_clerk_of_another_city_gets_404(client, world):
    ticket = world.fault(level=2)
    client.force_login(world.nn_clerk)
    assert client.get(f"/gov/ops/tickets/{ticket.pk}/").status_code == 404
    assert ticket.number not in client.get("/gov/ops/tickets/").content.decode()
    response = client.post(f"/gov/ops/tickets/{ticket.pk}/step/cancel/", {"cancel-comment": "x"})
    assert response.status_code == 404 and Ticket.objects.get(pk=ticket.pk).status == "new"
    assert client.get(f"/api/ops/tickets/{ticket.pk}/").status_code == 404


def test_create_form_shows_chinese_field_errors_and_saves_nothing(client, world):
    client.force_login(world.clerk)
    page = client.get("/gov/ops/tickets/new/").content.decode()
    assert "1级：数据库服务器或应用服务器故障" in page and "CASE需求平台" in page
    response = client.post("/gov/ops/tickets/new/", {"contract": world.pension.pk, "kind": "fault", "title": "",
                                                      "description": "", "contact_phone": "abc"})
    assert response.status_code == 400
    html = response.content.decode()
    for message in ("请选择故障级别（1、2、3级）", "请填写标题", "请填写问题描述", "联系电话应为11位手机号"):
        assert message in html
    assert Ticket.objects.count() == 0
    response = client.post("/gov/ops/tickets/new/", {
        "contract": world.pension.pk, "kind": "fault", "level": "2", "title": "待遇核定报错",
        "description": "核定时提示程序错误，窗口积压", "requester_name": "韦业务", "contact_phone": "13771208003"})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/gov/ops/tickets/{ticket.pk}/"
    assert ticket.requester == world.clerk and ticket.level == 2


def test_step_form_errors_are_on_their_fields(client, world):
    ticket = world.in_progress(world.fault(level=2))
    client.force_login(world.engineer)
    page = client.get(f"/gov/ops/tickets/{ticket.pk}/").content.decode()
    assert 'data-step="resolve"' in page and 'data-step="wait"' in page and 'data-step="close"' not in page
    response = client.post(f"/gov/ops/tickets/{ticket.pk}/step/resolve/",
                           {"resolve-solution": "重启服务", "resolve-root_cause": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="resolve-root_cause">故障工单须填写原因分析' in html
    assert Ticket.objects.get(pk=ticket.pk).status == "in_progress"
    assert Ticket.objects.get(pk=ticket.pk).solution == ""
    response = client.post(f"/gov/ops/tickets/{ticket.pk}/step/resolve/", {
        "resolve-solution": "重启服务", "resolve-root_cause": "服务内存泄漏", "resolve-handling_mode": "remote"})
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"
    # the requester confirms on the page
    client.force_login(world.clerk)
    page = client.get(f"/gov/ops/tickets/{ticket.pk}/").content.decode()
    assert 'data-step="close"' in page and 'data-step="reopen"' in page
    response = client.post(f"/gov/ops/tickets/{ticket.pk}/step/reopen/", {"reopen-comment": ""})
    assert response.status_code == 400 and "请说明重新打开的原因" in response.content.decode()
    assert client.post(f"/gov/ops/tickets/{ticket.pk}/step/close/", {}).status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"


def test_ticket_page_shows_the_clocks_and_the_timeline(client, world):
    now = timezone.now()
    ticket = world.fault(level=1, contract=world.labour, raised_at=now - datetime.timedelta(hours=2))
    client.force_login(world.engineer)
    html = client.get(f"/gov/ops/tickets/{ticket.pk}/").content.decode()
    assert 'data-state="overdue">已超时1小时' in html  # the 1-hour response limit passed an hour ago
    assert 'data-state="running">剩余5小时' in html  # 8 h to resolve, 2 used (7×24)
    assert "提出工单" in html and "累计无" in html


def test_list_filters_and_export_use_the_same_filters(client, world):
    now = timezone.now()
    overdue = world.fault(level=1, contract=world.labour, raised_at=now - datetime.timedelta(hours=2))
    near = world.fault(level=1, contract=world.labour, raised_at=now - datetime.timedelta(minutes=50))
    calm = world.fault(level=2)
    consult = world.ticket("consultation")
    client.force_login(world.manager)
    page = client.get("/gov/ops/tickets/").content.decode()
    assert all(t.number in page for t in (overdue, near, calm, consult))
    assert 'data-sla-count="near"' in page

    def numbers(query):
        rows = xlsx_rows(client.get(f"/gov/ops/tickets/?{query}&export=xlsx"))
        return {row[0] for row in rows[1:]}

    assert numbers("sla=overdue") == {overdue.number}
    assert numbers("sla=near") == {near.number}
    assert numbers("sla=attention") == {overdue.number, near.number}
    assert numbers("kind=consultation") == {consult.number}
    assert numbers("kind=fault&level=2") == {calm.number}
    assert numbers(f"contract={world.labour.pk}") == {overdue.number, near.number}
    rows = xlsx_rows(client.get("/gov/ops/tickets/?kind=fault&level=2&export=xlsx"))
    assert rows[0][:3] == ["工单编号", "类型", "标题"] and rows[1][1] == "故障（2级）"
    html = client.get("/gov/ops/tickets/?sla=overdue").content.decode()
    assert overdue.number in html and calm.number not in html
    # the clerk may list but not export
    client.force_login(world.clerk)
    assert client.get("/gov/ops/tickets/?export=xlsx").status_code == 403
