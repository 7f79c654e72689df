"""/api/ops/tickets/: list and detail in the caller's jurisdiction, raising a ticket with Chinese field errors,
the workflow steps with the pages' guards, the upgrade's sign-off and tests."""
import datetime

import pytest
from django.test import Client
from django.utils import timezone

from domains.ops.tickets.models import Ticket

pytestmark = pytest.mark.django_db
URL = "/api/ops/tickets/"


def api(user):
    c = Client()
    c.force_login(user)
    return c


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_raise_a_ticket_and_take_it_through_the_api(world):
    clerk, eng = api(world.clerk), api(world.engineer)
    bad = post(clerk, URL, {"contract": world.pension.pk, "kind": "fault", "title": "", "contact_phone": "1"})
    assert bad.status_code == 400
    assert bad.json()["level"] == ["请选择故障级别（1、2、3级）"] and bad.json()["title"] == ["请填写标题"]
    assert Ticket.objects.count() == 0
    created = post(clerk, URL, {"contract": world.pension.pk, "kind": "fault", "level": 2, "title": "缴费核定报错",
                                "description": "核定时报程序错误", "contact_phone": "13771208003"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "new" and body["kind_label"] == "故障" and body["level"] == 2
    assert body["clocks"]["response"]["state"] == "running" and body["clocks"]["resolution"]["state"] == "none"
    pk = body["id"]
    refused = post(clerk, f"{URL}{pk}/transition/", {"transition": "accept"})
    assert refused.status_code == 400 and refused.json() == {"non_field_errors": ["“受理”只能由指定角色办理"]}
    ok = post(eng, f"{URL}{pk}/transition/", {"transition": "accept", "data": {"assignee": world.engineer.pk}})
    assert ok.status_code == 200 and ok.json()["status"] == "assigned" and ok.json()["assignee_name"] == "梁工程师"
    assert post(eng, f"{URL}{pk}/transition/", {"transition": "start", "data": {"handling_mode": "remote"}}).status_code == 200
    no_cause = post(eng, f"{URL}{pk}/transition/", {"transition": "resolve", "data": {"solution": "修复"}})
    assert no_cause.status_code == 400 and no_cause.json() == {"root_cause": ["故障工单须填写原因分析"]}
    resolved = post(eng, f"{URL}{pk}/transition/", {"transition": "resolve",
                                                     "data": {"solution": "修复程序", "root_cause": "算法缺陷"}})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    closed = post(clerk, f"{URL}{pk}/transition/", {"transition": "close"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert [h["transition"] for h in closed.json()["history"]] == ["accept", "assign", "start", "resolve", "close"]
    unknown = post(clerk, f"{URL}{pk}/transition/", {"transition": "fly"})
    assert unknown.status_code == 400 and unknown.json()["transition"] == ["没有名为“fly”的操作"]


def test_list_filters_and_scope(world):
    overdue = world.fault(level=1, contract=world.labour, raised_at=timezone.now() - datetime.timedelta(hours=2))
    calm = world.fault(level=2)
    mine = api(world.manager).get(URL).json()
    assert {r["number"] for r in mine["results"]} == {overdue.number, calm.number}
    assert [r["number"] for r in api(world.manager).get(URL, {"sla": "overdue"}).json()["results"]] == [overdue.number]
    assert [r["number"] for r in api(world.manager).get(URL, {"level": 2}).json()["results"]] == [calm.number]
    assert api(world.nn_clerk).get(URL).json()["results"] == []
    assert api(world.nn_clerk).get(f"{URL}{calm.pk}/").status_code == 404
    assert post(api(world.nn_clerk), f"{URL}{calm.pk}/transition/", {"transition": "cancel", "comment": "x"}).status_code == 404


def test_upgrade_sign_off_and_tests_through_the_api(world):
    ticket = world.in_progress(world.ticket("upgrade", upgrade_type="optimise", description="优化查询速度"))
    clerk, eng = api(world.clerk), api(world.engineer)
    bad = post(clerk, f"{URL}{ticket.pk}/signoff/", {"requirement": "", "planned_release_on": "2020-01-01"})
    assert bad.status_code == 400 and bad.json() == {"requirement": ["请填写最终确认的需求说明"],
                                                     "planned_release_on": ["计划发布日期不能早于今天"]}
    release = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    ok = post(clerk, f"{URL}{ticket.pk}/signoff/", {"requirement": "查询响应小于2秒", "planned_release_on": release})
    assert ok.status_code == 200 and ok.json()["planned_release_on"] == release
    assert post(eng, f"{URL}{ticket.pk}/test/", {"stage": "internal", "result": "passed"}).status_code == 200
    assert post(eng, f"{URL}{ticket.pk}/test/", {"stage": "user", "result": "passed"}).status_code == 403
    assert post(clerk, f"{URL}{ticket.pk}/test/", {"stage": "user", "result": "passed"}).status_code == 200
    done = post(eng, f"{URL}{ticket.pk}/transition/", {"transition": "resolve", "data": {"solution": "已发布补丁"}})
    assert done.status_code == 200 and done.json()["released_at"] is not None
