"""General hazards (一般隐患, §4.3.6 items 3-5): registration with the spec's fields, rectification by
the responsible person, acceptance or return by the investigator, scope, audit and to-dos."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from domains.special_equipment.hazards.models import GeneralHazard
from kernel.audit.models import ChangeLog
from kernel.core import context
from kernel.todos.services import open_for
from kernel.workflow.models import TransitionLog

from .test_ent_support import World, days

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def logged_in(client, user):
    client.force_login(user)
    return client


def detail(hazard):
    return reverse("ent:se_general_detail", args=[hazard.pk])


def form_data(world, **over):
    found = timezone.localtime().replace(second=0, microsecond=0) - datetime.timedelta(hours=2)
    data = {"check_type": "daily", "plan": "", "equipment": world.equipment.pk, "category": "安全附件", "count": 2,
            "level": "general", "problem": "压力表超过校验有效期；安全阀铅封缺失", "found_at": found.strftime("%Y-%m-%dT%H:%M"),
            "deadline": days(7).isoformat(), "hazard_source": "储气罐", "investigator": world.unit_user.pk,
            "investigating_unit": world.unit.name, "responsible": world.worker.pk}
    data.update(over)
    return data


def register(world, **over):
    data = form_data(world, **over)
    with context.acting_as(world.unit_user):
        from domains.special_equipment.hazards import services

        return services.register_general_hazard(
            world.unit_user, check_type=data["check_type"], equipment=world.equipment, category=data["category"],
            count=data["count"], level=data["level"], problem=data["problem"], deadline=days(7),
            hazard_source=data["hazard_source"], investigating_unit=data["investigating_unit"], responsible=world.worker)


# -- registration -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("check_type", ["comprehensive", "daily", "periodic", "special", "holiday"])
def test_register_a_general_hazard_from_each_check(client, world, check_type):
    c = logged_in(client, world.unit_user)
    people = set(c.get(reverse("ent:se_general_create")).context["form"].fields["responsible"].queryset)
    assert people == {world.unit_user, world.worker}  # the unit's own users only
    response = c.post(reverse("ent:se_general_create"), form_data(world, check_type=check_type))
    hazard = GeneralHazard.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(hazard)
    assert (hazard.check_type, hazard.category, hazard.count, hazard.level) == (check_type, "安全附件", 2, "general")
    assert hazard.unit == world.unit and hazard.investigator == world.unit_user and hazard.responsible == world.worker
    assert hazard.hazard_source == "储气罐" and hazard.investigating_unit == world.unit.name
    assert hazard.deadline == days(7) and hazard.status == "rectifying"
    assert ChangeLog.objects.filter(content_type__model="generalhazard", object_id=str(hazard.pk), action="create").exists()
    page = c.get(detail(hazard)).content.decode()
    for label in ("隐患类别", "隐患条数", "隐患级别", "主要问题", "发现隐患时间", "整改期限", "关联危险源", "排查人员", "排查单位"):
        assert label in page


@pytest.mark.parametrize("over, field, message", [
    ({"deadline": days(-3).isoformat()}, "deadline", "整改期限不能早于发现隐患时间"),
    ({"count": 0}, "count", "隐患条数至少为1"),
    ({"problem": ""}, "problem", "请填写主要问题"),
    ({"check_type": "plan"}, "plan", "请选择所属排查计划"),
    ({"found_at": (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")}, "found_at",
     "发现隐患时间不能晚于当前时间"),
    ({"responsible": "OTHER"}, "responsible", "选择一个有效的选项"),
    ({"equipment": "OTHER"}, "equipment", "选择一个有效的选项"),
])
def test_bad_registration_gives_field_errors_and_saves_nothing(client, world, over, field, message):
    if over.get("responsible") == "OTHER":
        over["responsible"] = world.other_user.pk  # another unit's person
    if over.get("equipment") == "OTHER":
        over["equipment"] = world.other_equipment.pk
    response = logged_in(client, world.unit_user).post(reverse("ent:se_general_create"), form_data(world, **over))
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert not GeneralHazard.all_objects.exists()


def test_institution_users_register_no_general_hazards(client, world):
    assert logged_in(client, world.inst_user).get(reverse("ent:se_general_list")).status_code == 403


# -- scope and list ---------------------------------------------------------------------------------------
def test_another_units_general_hazard_is_404(client, world):
    mine = register(world)
    with context.acting_as(world.other_user):
        from domains.special_equipment.hazards import services

        theirs = services.register_general_hazard(
            world.other_user, check_type="holiday", category="消防", problem="柳州单位的隐患", deadline=days(3),
            investigating_unit=world.other_unit.name, responsible=world.other_user)
    c = logged_in(client, world.unit_user)
    page = c.get(reverse("ent:se_general_list")).content.decode()
    assert "压力表超过校验有效期" in page and "柳州单位的隐患" not in page
    assert c.get(detail(theirs)).status_code == 404
    assert c.get(reverse("ent:se_general_edit", args=[theirs.pk])).status_code == 404
    assert c.post(detail(theirs), {"action": "rectify"}).status_code == 404
    assert c.get(detail(mine)).status_code == 200


def test_list_filters_by_check_type_level_and_status(client, world):
    register(world)
    register(world, check_type="holiday", level="serious", problem="节假日检查发现叉车制动不良")
    c = logged_in(client, world.unit_user)
    page = c.get(reverse("ent:se_general_list"), {"check_type": "holiday"}).content.decode()
    assert "节假日检查发现" in page and "压力表超过" not in page
    page = c.get(reverse("ent:se_general_list"), {"level": "general"}).content.decode()
    assert "压力表超过" in page and "节假日检查发现" not in page
    page = c.get(reverse("ent:se_general_list"), {"status": "accepted"}).content.decode()
    assert "共 0 条" in page
    page = logged_in(client, world.worker).get(reverse("ent:se_general_list"), {"mine": "responsible"}).content.decode()
    assert "共 2 条" in page


# -- rectification and acceptance ----------------------------------------------------------------------------
def rectify_data(**over):
    data = {"action": "rectify", "handled_on": days(0).isoformat(), "handler": "李维修",
            "handling_result": "已更换经校验的压力表，补加安全阀铅封", "remarks": "更换记录已存档"}
    data.update(over)
    return data


def test_only_the_responsible_person_rectifies(client, world):
    hazard = register(world)
    assert [t for t in open_for(world.worker) if t.object_id == str(hazard.pk)]
    assert not [t for t in open_for(world.unit_user) if t.object_id == str(hazard.pk)]
    # the investigator is not the responsible person
    inv = logged_in(client, world.unit_user)
    assert 'id="rectify-form"' not in inv.get(detail(hazard)).content.decode()
    assert inv.post(detail(hazard), rectify_data()).status_code == 403
    hazard.refresh_from_db()
    assert hazard.status == "rectifying" and hazard.handled_on is None

    worker = logged_in(client, world.worker)
    assert 'id="rectify-form"' in worker.get(detail(hazard)).content.decode()
    response = worker.post(detail(hazard), rectify_data(handling_result="", handled_on=days(1).isoformat()))
    assert response.status_code == 400
    errors = response.context["rectify_form"].errors
    assert "请填写处理结果" in str(errors["handling_result"]) and "不能晚于今天" in str(errors["handled_on"])
    hazard.refresh_from_db()
    assert hazard.status == "rectifying"

    assert worker.post(detail(hazard), rectify_data()).status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == "accepting" and hazard.handled_on == days(0) and hazard.handler == "李维修"
    assert hazard.remarks == "更换记录已存档"
    assert [t for t in open_for(world.unit_user) if t.object_id == str(hazard.pk)]  # investigator's to-do
    assert not [t for t in open_for(world.worker) if t.object_id == str(hazard.pk)]


def test_only_the_investigator_accepts_and_failure_returns_it(client, world):
    hazard = register(world)
    worker = logged_in(client, world.worker)
    worker.post(detail(hazard), rectify_data())
    # the responsible person may not accept their own work
    assert worker.post(detail(hazard), {"action": "accept", "verdict": "accept", "opinion": "好"}).status_code == 403

    inv = logged_in(client, world.unit_user)
    response = inv.post(detail(hazard), {"action": "accept", "verdict": "reject", "opinion": ""})
    assert response.status_code == 400 and "请填写验收意见" in str(response.context["accept_form"].errors["opinion"])
    hazard.refresh_from_db()
    assert hazard.status == "accepting"

    assert inv.post(detail(hazard), {"action": "accept", "verdict": "reject",
                                     "opinion": "安全阀铅封仍缺失，退回重新整改"}).status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == "rectifying" and hazard.acceptance_opinion == "安全阀铅封仍缺失，退回重新整改"
    assert [t for t in open_for(world.worker) if t.object_id == str(hazard.pk)]  # back with the responsible person
    page = logged_in(client, world.worker).get(detail(hazard)).content.decode()
    assert "上次验收未通过" in page and 'id="rectify-form"' in page

    logged_in(client, world.worker).post(detail(hazard), rectify_data(handling_result="已补加安全阀铅封"))
    inv = logged_in(client, world.unit_user)
    assert inv.post(detail(hazard), {"action": "accept", "verdict": "accept", "opinion": "整改到位，验收通过"}).status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == "accepted" and hazard.acceptor == world.unit_user and hazard.accepted_at is not None
    assert hazard.acceptance_opinion == "整改到位，验收通过"
    page = inv.get(detail(hazard)).content.decode()
    for label in ("验收时间", "验收人", "验收意见", "隐患处理日期", "处理人", "处理结果", "备注"):
        assert label in page
    transitions = list(TransitionLog.objects.filter(object_id=str(hazard.pk), workflow="se_general_hazard")
                       .order_by("id").values_list("transition", flat=True))
    assert transitions == ["rectify", "reject", "rectify", "accept"]
    assert ChangeLog.objects.filter(content_type__model="generalhazard", object_id=str(hazard.pk),
                                    action="update").count() == 4
    assert not [t for t in open_for(world.unit_user) if t.object_id == str(hazard.pk)]


def test_edit_only_by_the_investigator_before_rectification(client, world):
    hazard = register(world)
    worker = logged_in(client, world.worker)
    assert worker.get(reverse("ent:se_general_edit", args=[hazard.pk])).status_code == 302
    worker.post(reverse("ent:se_general_edit", args=[hazard.pk]), form_data(world, problem="责任人改的"))
    hazard.refresh_from_db()
    assert hazard.problem.startswith("压力表")

    inv = logged_in(client, world.unit_user)
    response = inv.post(reverse("ent:se_general_edit", args=[hazard.pk]), form_data(world, count=3, level="serious"))
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert (hazard.count, hazard.level) == (3, "serious")
    row = ChangeLog.objects.filter(content_type__model="generalhazard", object_id=str(hazard.pk), action="update").get()
    assert set(row.changed_fields) >= {"count", "level"}
    response = inv.post(reverse("ent:se_general_edit", args=[hazard.pk]), form_data(world, count=0))
    assert response.status_code == 400
    hazard.refresh_from_db()
    assert hazard.count == 3
