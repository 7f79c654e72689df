"""The unit's annual / quarterly / monthly hazard-investigation plans (隐患排查计划) and the general
hazards registered from them."""
import pytest
from django.urls import reverse

from domains.special_equipment.hazards.models import CheckPlan, GeneralHazard
from kernel.audit.models import ChangeLog

from .test_ent_support import World, days
from .test_general_hazards import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def logged_in(client, user):
    client.force_login(user)
    return client


def plan_data(**over):
    data = {"period": "quarterly", "year": days(0).year, "number": 2, "title": "第二季度特种设备隐患排查",
            "content": "电梯、压力容器安全附件全面排查"}
    data.update(over)
    return data


def test_create_edit_and_list_plans(client, world):
    c = logged_in(client, world.unit_user)
    response = c.post(reverse("ent:se_plan_create"), plan_data())
    plan = CheckPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ent:se_plan_detail", args=[plan.pk])
    assert plan.unit == world.unit and (plan.period, plan.number) == ("quarterly", 2)
    assert ChangeLog.objects.filter(content_type__model="checkplan", object_id=str(plan.pk), action="create").exists()
    assert c.post(reverse("ent:se_plan_edit", args=[plan.pk]), plan_data(title="二季度排查（修订）")).status_code == 302
    plan.refresh_from_db()
    assert plan.title == "二季度排查（修订）"
    assert "二季度排查（修订）" in c.get(reverse("ent:se_plan_list")).content.decode()
    c.post(reverse("ent:se_plan_create"), plan_data(period="annual", number=5, title="年度排查计划"))
    assert CheckPlan.objects.get(title="年度排查计划").number is None


@pytest.mark.parametrize("over, field, message", [
    ({"number": ""}, "number", "请填写季度（1-4）"),
    ({"number": 5}, "number", "请填写季度（1-4）"),
    ({"period": "monthly", "number": 13}, "number", "请填写月份（1-12）"),
    ({"year": 1999}, "year", "年度应在2000至"),
    ({"title": ""}, "title", "请填写计划名称"),
])
def test_bad_plan_gives_field_errors(client, world, over, field, message):
    response = logged_in(client, world.unit_user).post(reverse("ent:se_plan_create"), plan_data(**over))
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert not CheckPlan.objects.exists()


def test_another_units_plan_is_404(client, world):
    logged_in(client, world.other_user).post(reverse("ent:se_plan_create"), plan_data(title="柳州计划"))
    plan = CheckPlan.objects.get()
    c = logged_in(client, world.unit_user)
    assert c.get(reverse("ent:se_plan_detail", args=[plan.pk])).status_code == 404
    assert c.post(reverse("ent:se_plan_edit", args=[plan.pk]), plan_data()).status_code == 404
    assert "柳州计划" not in c.get(reverse("ent:se_plan_list")).content.decode()
    # nor can a hazard be registered under it
    assert c.get(reverse("ent:se_general_create"), {"plan": plan.pk}).status_code == 404
    response = c.post(reverse("ent:se_general_create"), form_data(world, check_type="plan", plan=plan.pk))
    assert response.status_code == 400 and "plan" in response.context["form"].errors
    assert not GeneralHazard.objects.exists()


def test_general_hazard_registered_from_a_plan(client, world):
    c = logged_in(client, world.unit_user)
    c.post(reverse("ent:se_plan_create"), plan_data())
    plan = CheckPlan.objects.get()
    page = c.get(reverse("ent:se_plan_detail", args=[plan.pk])).content.decode()
    register_url = reverse("ent:se_general_create") + f"?plan={plan.pk}"
    assert register_url in page
    form = c.get(register_url).context["form"]
    assert form["check_type"].value() == "plan" and str(form["plan"].value()) == str(plan.pk)
    response = c.post(register_url, form_data(world, check_type="plan", plan=plan.pk, problem="计划排查发现压力表失准"))
    assert response.status_code == 302
    hazard = GeneralHazard.objects.get()
    assert hazard.plan == plan and hazard.check_type == "plan"
    page = c.get(reverse("ent:se_plan_detail", args=[plan.pk])).content.decode()
    assert "计划排查发现压力表失准" in page
    assert "1" in c.get(reverse("ent:se_plan_list")).content.decode()
    # a plan chosen with another check type is contradictory
    response = c.post(reverse("ent:se_general_create"), form_data(world, check_type="daily", plan=plan.pk))
    assert response.status_code == 400 and "check_type" in response.context["form"].errors
