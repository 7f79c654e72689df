"""Technical-institution side (§4.3.7): report from an inspection report with category, requirement
and deadline; the hazard goes to the user unit and the local regulator; per-item review of the unit's
feedback, return of what is not rectified, closure only when every item is closed."""
import pytest
from django.urls import reverse

from domains.special_equipment.hazards.models import MajorHazard
from domains.special_equipment.hazards.workflows import MAJOR
from kernel.audit.models import ChangeLog, OperationLog
from kernel.core import context
from kernel.notify.models import InAppMessage
from kernel.todos.services import open_for
from kernel.workflow.engine import TransitionError
from kernel.workflow.models import TransitionLog

from .test_ent_support import World, days, make_institution, make_report, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def logged_in(client, user):
    client.force_login(user)
    return client


def detail(hazard):
    return reverse("ent:se_hazard_detail", args=[hazard.pk])


# -- reporting ------------------------------------------------------------------------------------------
def test_list_offers_the_non_conforming_reports_not_yet_reported(client, world):
    bad = make_report(world.equipment, world.institution)
    good = make_report(world.equipment, world.institution, conclusion="qualified")
    other_institution = make_institution()
    foreign = make_report(world.equipment, other_institution)
    page = logged_in(client, world.inst_user).get(reverse("ent:se_hazard_list")).content.decode()
    assert bad.report_no in page and f"?report={bad.pk}" in page
    assert good.report_no not in page and foreign.report_no not in page
    world.report(user=world.inst_user, report=bad)
    page = client.get(reverse("ent:se_hazard_list")).content.decode()
    assert bad.report_no not in page


def test_report_form_is_filled_from_the_institutions_inspection_report(client, world):
    report = make_report(world.equipment, world.institution)
    c = logged_in(client, world.inst_user)
    response = c.get(reverse("ent:se_hazard_create"), {"report": report.pk})
    form = response.context["form"]
    assert form["report_no"].value() == report.report_no
    assert form["equipment_code"].value() == world.equipment.code
    assert form["equipment_category"].value() == "3000"
    assert form["source"].value() == "inspection"
    assert "限速器动作速度超出规定范围" in response.content.decode()
    # a report of another institution is not there
    foreign = make_report(world.equipment, make_institution())
    assert c.get(reverse("ent:se_hazard_create"), {"report": foreign.pk}).status_code == 404


def inst_data(world, report, **over):
    data = {"report_no": report.report_no, "equipment_code": "", "source": "inspection", "equipment_category": "3000",
            "description": "定期检验发现限速器失效", "found_on": days(-2).isoformat(),
            "requirement": "立即停梯，更换限速器后申请复检", "deadline": days(25).isoformat(),
            "judgement_items": [j.pk for j in world.items], "other_items": ""}
    data.update(over)
    return data


def test_institution_report_goes_to_the_unit_and_the_local_regulator(client, world, django_capture_on_commit_callbacks):
    report = make_report(world.equipment, world.institution)
    c = logged_in(client, world.inst_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(reverse("ent:se_hazard_create"), inst_data(world, report))
    assert response.status_code == 302, response.context["form"].errors
    hazard = MajorHazard.objects.get()
    assert hazard.report == report and hazard.equipment == world.equipment and hazard.user_unit == world.unit
    assert hazard.reporter_org == world.institution and hazard.requirement.startswith("立即停梯")
    assert hazard.deadline == days(25) and hazard.items.count() == 2
    assert hazard.managing_agency == world.regulator.organisation
    assert any(t.object_id == str(hazard.pk) for t in open_for(world.regulator))  # to dispatch
    assert InAppMessage.objects.filter(recipient=world.unit_user, url=detail(hazard)).exists()  # the unit is told
    assert logged_in(client, world.unit_user).get(detail(hazard)).status_code == 200


@pytest.mark.parametrize("over, field, message", [
    ({"report_no": "NO-SUCH"}, "report_no", "未找到本机构出具的该编号检验报告"),
    ({"report_no": ""}, "equipment_code", "请填写检验报告编号或设备代码"),
    ({"deadline": days(0).isoformat()}, "deadline", "整改期限必须晚于今天"),
    ({"deadline": ""}, "deadline", "请填写整改期限"),
    ({"requirement": ""}, "requirement", "请填写整改要求"),
    ({"judgement_items": [], "other_items": ""}, "judgement_items", "请至少勾选一项判定项"),
])
def test_bad_institution_report_changes_nothing(client, world, over, field, message):
    report = make_report(world.equipment, world.institution)
    response = logged_in(client, world.inst_user).post(reverse("ent:se_hazard_create"), inst_data(world, report, **over))
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert not MajorHazard.objects.exists()


def test_institution_cannot_report_on_a_device_it_never_inspected(client, world):
    report = make_report(world.equipment, world.institution)
    response = logged_in(client, world.inst_user).post(
        reverse("ent:se_hazard_create"), inst_data(world, report, report_no="", equipment_code=world.other_equipment.code))
    assert response.status_code == 400 and "equipment_code" in response.context["form"].errors
    assert not MajorHazard.objects.exists()


def test_institution_edits_its_report_before_dispatch_only(client, world):
    report = make_report(world.equipment, world.institution)
    hazard = world.report(user=world.inst_user, report=report)
    c = logged_in(client, world.inst_user)
    data = inst_data(world, report, description="补充：门锁也失效")
    data.pop("report_no")
    assert c.post(reverse("ent:se_hazard_edit", args=[hazard.pk]), data).status_code == 302
    hazard.refresh_from_db()
    assert hazard.description == "补充：门锁也失效" and hazard.report == report
    world.dispatch(hazard)
    c.post(reverse("ent:se_hazard_edit", args=[hazard.pk]), dict(data, description="派单后修改"))
    hazard.refresh_from_db()
    assert hazard.description == "补充：门锁也失效"


# -- per-item review ---------------------------------------------------------------------------------------
def review(c, hazard, item, verdict, comment=""):
    return c.post(detail(hazard), {"action": "review_item", "item": item.pk, "verdict": verdict, "comment": comment})


def test_per_item_review_returns_what_is_not_rectified_and_the_unit_answers_again(client, world):
    hazard = world.fed_back(world.report(user=world.inst_user))
    first, second = hazard.items.order_by("id")
    inst = logged_in(client, world.inst_user)
    page = inst.get(detail(hazard)).content.decode()
    assert page.count('class="row g-2 mt-1 align-items-start review-form"') == 2

    # returning an item needs a review comment
    response = review(inst, hazard, first, "return")
    assert response.status_code == 400 and "退回整改须填写复核意见" in response.content.decode()
    first.refresh_from_db()
    assert first.status == "fed_back"
    # the hazard cannot be sent back before an item is returned
    response = inst.post(detail(hazard), {"action": "return", "comment": "请继续整改"})
    assert response.status_code == 400 and "请先对未整改到位的隐患明细逐项退回" in response.content.decode()

    assert review(inst, hazard, first, "return", "限速器未校验").status_code == 302
    assert review(inst, hazard, second, "pass", "门锁已修复").status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("returned", "closed")
    assert first.history[0]["review"] == "限速器未校验" and first.feedback == ""
    assert OperationLog.objects.filter(action="se_item_review", detail__result="退回").count() == 1
    hazard.refresh_from_db()
    assert hazard.status == "feedback"  # a returned item keeps the hazard open

    response = inst.post(detail(hazard), {"action": "return", "comment": ""})
    assert response.status_code == 400 and "请填写退回意见" in response.content.decode()
    assert inst.post(detail(hazard), {"action": "return", "comment": "限速器须经校验"}).status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == "rectifying"
    assert TransitionLog.objects.filter(object_id=str(hazard.pk), transition="return", actor=world.inst_user).exists()
    assert any(t.object_id == str(hazard.pk) for t in open_for(world.unit_user))

    # the unit answers the returned item only
    unit = logged_in(client, world.unit_user)
    response = unit.get(detail(hazard))
    assert [it.pk for it in response.context["feedback_form"].items] == [first.pk]
    assert "限速器未校验" in response.content.decode()
    response = unit.post(detail(hazard), {"action": "submit_feedback", f"item_{first.pk}": "限速器已送检并取得校验报告",
                                          "comment": "补充整改"})
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == "feedback"

    inst = logged_in(client, world.inst_user)
    assert review(inst, hazard, first, "pass", "已校验").status_code == 302
    hazard.refresh_from_db()
    assert set(hazard.items.values_list("status", flat=True)) == {"closed"}
    # fully closed items: the hazard waits for the regulator's 复核销号
    assert hazard.status == "feedback"
    page = inst.get(detail(hazard)).content.decode()
    assert "全部隐患明细已复核销项，等待属地监管部门复核销号" in page and "已销项 2/2" in page
    assert [t.name for t in MAJOR.available(hazard, world.inst_user)] == []


def test_regulator_closes_only_when_every_item_is_closed(world):
    hazard = world.fed_back(world.report(user=world.inst_user))
    first, second = hazard.items.order_by("id")
    from domains.special_equipment.hazards import services

    with context.acting_as(world.inst_user):
        services.review_item(first, world.inst_user, passed=True)
    with context.acting_as(world.regulator):
        services.add_log(hazard, world.regulator, kind="supervision", date=days(0), inspectors="陆", content="现场检查")
        services.add_log(hazard, world.regulator, kind="review", date=days(0), inspectors="陆", content="复查")
    with pytest.raises(TransitionError, match="尚有1项隐患未复核销项"):
        MAJOR.apply(hazard, "close", world.regulator)
    with context.acting_as(world.inst_user):
        services.review_item(second, world.inst_user, passed=True)
    with context.acting_as(world.regulator):
        MAJOR.apply(hazard, "close", world.regulator, comment="复核销号")
    hazard.refresh_from_db()
    assert hazard.status == "closed"
    assert ChangeLog.objects.filter(object_id=str(hazard.pk), content_type__model="majorhazard").count() >= 3


def test_review_to_do_moves_from_institution_to_regulator_when_every_item_passes(world):
    """The institution's to-do opens at /ent/; once it passes the last item, 销号 is the regulator's to-do."""
    hazard = world.fed_back(world.report(user=world.inst_user))
    first, second = hazard.items.order_by("id")
    from domains.special_equipment.hazards import services

    mine = list(open_for(world.inst_user).filter(object_id=str(hazard.pk)))
    assert [t.url for t in mine] == [f"/ent/se/hazards/{hazard.pk}/"]
    assert not open_for(world.regulator).filter(object_id=str(hazard.pk)).exists()
    with context.acting_as(world.inst_user):
        services.review_item(first, world.inst_user, passed=True)
    assert open_for(world.inst_user).filter(object_id=str(hazard.pk)).exists()  # one item still to review
    with context.acting_as(world.inst_user):
        services.review_item(second, world.inst_user, passed=True)
    assert not open_for(world.inst_user).filter(object_id=str(hazard.pk)).exists()
    theirs = list(open_for(world.regulator).filter(object_id=str(hazard.pk)))
    assert [(t.title, t.url) for t in theirs] == [(f"重大事故隐患待复核销号：{hazard.no}（{world.unit.name}）",
                                                  f"/gov/se/hazards/{hazard.pk}/")]
    assert theirs[0].due_at is not None and theirs[0].due_at.date() > days(0)
    with context.acting_as(world.regulator):
        services.add_log(hazard, world.regulator, kind="supervision", date=days(0), inspectors="陆", content="现场检查")
        services.add_log(hazard, world.regulator, kind="review", date=days(0), inspectors="陆", content="复查")
        MAJOR.apply(hazard, "close", world.regulator, comment="复核销号")
    assert not open_for(world.regulator).filter(object_id=str(hazard.pk)).exists()


def test_review_and_unit_to_dos_go_to_people_not_to_machine_accounts(world):
    """An institution's and a unit's API clients (service accounts, created first) never get to-dos."""
    from kernel.accounts.models import Role
    from kernel.interfaces.services import create_client

    institution = make_institution(name="先接入系统的检验机构")
    create_client(name="检验业务系统", organisation=institution, roles=[Role.objects.get(code="se_institution")])
    create_client(name="设备管理系统", organisation=world.unit, roles=[Role.objects.get(code="se_unit")])
    reviewer = make_user(institution, ["se_institution"], real_name="周检验")
    report = make_report(world.equipment, institution)
    with context.acting_as(reviewer):
        hazard = world.report(user=reviewer, report=report)
    hazard = world.fed_back(hazard)
    assert [t.assignee for t in open_for(reviewer) if t.object_id == str(hazard.pk)] == [reviewer]
    from domains.special_equipment.hazards.workflows import _unit_contact

    assert _unit_contact(world.unit) == world.unit_user


def test_another_institution_cannot_review(client, world):
    hazard = world.fed_back(world.report(user=world.inst_user))
    stranger = make_user(make_institution(), ["se_institution"])
    item = hazard.items.first()
    assert review(logged_in(client, stranger), hazard, item, "pass").status_code == 404
    item.refresh_from_db()
    assert item.status == "fed_back"


def test_institution_without_the_check_permission_sees_no_review_buttons(client, world):
    hazard = world.fed_back(world.report(user=world.inst_user))
    viewer = make_user(world.institution, [])
    from kernel.accounts.models import Role

    role = Role.objects.create(code="inst_viewer", name="只读", data_scope="organisation")
    from django.contrib.auth.models import Permission

    role.permissions.add(Permission.objects.get(codename="view_majorhazard"))
    viewer.roles.add(role)
    c = logged_in(client, viewer)
    assert "复核通过" not in c.get(detail(hazard)).content.decode()
    assert review(c, hazard, hazard.items.first(), "pass").status_code == 403
