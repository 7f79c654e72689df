"""/api/se/hazards/: the pages' scope, reporting with Chinese field errors, corrections only by the
reporter before dispatch, the closed loop through the workflow with the pages' guards, audit rows;
and the correction of inspection reports on /api/se/reports/."""
import pytest
from django.utils import timezone

from domains.special_equipment.equipment.models import InspectionReport
from kernel.audit.models import OperationLog
from kernel.audit.services import history_for
from kernel.core.testing import make_enterprise
from kernel.notify.models import InAppMessage
from kernel.todos.services import open_for

from .test_ent_support import make_institution, make_report, make_user
from .test_gov_support import LIUZHOU, MajorHazard, World, days, item_states, lift, unit_user

pytestmark = pytest.mark.django_db
HAZARDS, REPORTS = "/api/se/hazards/", "/api/se/reports/"


@pytest.fixture
def world():
    w = World()
    w.institution = make_institution("450103")
    w.inst_user = make_user(w.institution, ["se_institution"], real_name="陈检验")
    return w


def as_user(client, user):
    client.force_login(user)
    return client


def api(user):
    """A client of its own per person, for tests where two people take turns."""
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def url(hazard, tail=""):
    return f"{HAZARDS}{hazard.pk}/{tail}"


# == scope and reading =======================================================================================
def test_regulators_see_their_jurisdiction_and_get_404_elsewhere(client, world):
    mine = world.report()
    liuzhou = world.hazard_in(LIUZHOU)
    assert ids(as_user(client, world.qx).get(HAZARDS)) == {mine.pk}
    assert client.get(url(liuzhou)).status_code == 404
    # a sibling county (兴宁区) neither lists nor opens a 青秀区 hazard; the city sees both of its counties
    xingning = world.hazard_in("450102", by=world.xn)
    assert ids(as_user(client, world.xn).get(HAZARDS)) == {xingning.pk}
    assert client.get(url(mine)).status_code == 404
    assert ids(as_user(client, world.city).get(HAZARDS)) == {mine.pk, xingning.pk}


def test_units_and_institutions_see_their_own_hazards_only(client, world):
    mine = world.report()
    other_unit = make_enterprise("450103")
    other = world.report(unit=other_unit, equipment=lift(other_unit))
    assert ids(as_user(client, world.unit_user).get(HAZARDS)) == {mine.pk}
    assert client.get(url(other)).status_code == 404
    report = make_report(world.lift, world.institution)
    by_institution = world.report(by=world.inst_user, report=report, source="inspection",
                                  requirement="停梯整改", deadline=days(30))
    assert ids(as_user(client, world.inst_user).get(HAZARDS)) == {by_institution.pk}
    assert client.get(url(mine)).status_code == 404


def test_detail_nests_the_items_with_their_judgement_codes_and_the_history(client, world):
    hazard = world.dispatch(world.report(), deadline_days=5)
    data = as_user(client, world.qx).get(url(hazard)).json()
    assert data["no"] == hazard.no and data["status"] == "rectifying" and data["status_label"] == "待整改"
    assert data["user_unit_name"] == world.unit.name and data["equipment_code"] == world.lift.code
    assert data["region"] == "450103" and data["managing_agency_name"] == world.qx_agency.name
    assert data["deadline_level"] == "orange" and data["deadline_level_label"] == "橙色" and data["days_left"] == 5
    assert [(i["judgement_code"], i["status"], i["status_label"]) for i in data["items"]] == [
        (j.code, "open", "待整改") for j in world.items]
    assert [h["transition"] for h in data["history"]] == ["dispatch"]
    assert data["directive"] == "notice" and data["directive_no"] == hazard.directive_no


def test_list_queries_do_not_grow_with_the_rows(client, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world.report()
    c = as_user(client, world.qx)
    with CaptureQueriesContext(connection) as one:
        assert c.get(HAZARDS).json()["count"] == 1
    for _ in range(4):
        world.report()
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert c.get(HAZARDS).json()["count"] == 5


def test_filters(client, world):
    reported = world.report()
    dispatched = world.dispatch(world.report(source="complaint"), deadline_days=15)
    xingning = world.hazard_in("450102", by=world.xn)
    c = as_user(client, world.city)

    def found(**params):
        return ids(c.get(HAZARDS, params))

    assert found(status="reported") == {reported.pk, xingning.pk}
    assert found(status="rectifying") == {dispatched.pk}
    assert found(source="complaint") == {dispatched.pk}
    assert found(region="450103") == {reported.pk, dispatched.pk}
    assert found(region="450100") == {reported.pk, dispatched.pk, xingning.pk}  # the city includes its counties
    assert found(region="999999") == set()
    assert found(level="yellow") == {dispatched.pk} and found(level="blue") == set()
    assert found(unit=world.unit.pk) == {reported.pk, dispatched.pk}
    assert found(unit_name=world.unit.name[:8]) == {reported.pk, dispatched.pk}
    assert found(equipment_category="3000") == {reported.pk, dispatched.pk, xingning.pk}
    assert found(equipment_category="1000") == set()
    response = c.get(HAZARDS, {"level": "purple"})
    assert response.status_code == 400 and "level" in response.json()


def test_reading_needs_the_view_permission(client, world):
    world.report()
    nobody = unit_user(world.unit, roles=("se_unit_safety",))  # a role without hazard permissions
    assert as_user(client, nobody).get(HAZARDS).status_code == 403
    client.logout()
    assert client.get(HAZARDS).status_code in (401, 403)


# == reporting ==================================================================================================
def body(world, **over):
    data = {"user_unit": world.unit.pk, "equipment_code": world.lift.code, "source": "supervision",
            "description": "监督检查发现限速器失效", "found_on": str(days(-1)),
            "items": [{"judgement_code": "DT-01"}, {"description": "轿厢应急照明不亮"}]}
    data.update(over)
    return data


def test_regulator_reports_a_hazard_routed_to_the_unit_and_its_own_level(client, world,
                                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(as_user(client, world.city), HAZARDS, body(world))
    assert response.status_code == 201, response.json()
    data = response.json()
    hazard = MajorHazard.objects.get()
    assert data["id"] == hazard.pk and data["no"].startswith("YH") and data["status"] == "reported"
    assert hazard.user_unit == world.unit and hazard.equipment == world.lift and hazard.equipment_category == "3000"
    # 分级: the city bureau that entered it manages and dispatches it
    assert hazard.managing_agency == world.city.organisation and hazard.reporter_org == world.city.organisation
    assert [(i["judgement_code"], i["description"]) for i in data["items"]] == [
        ("DT-01", world.items[0].text), ("", "轿厢应急照明不亮")]
    assert history_for(hazard).filter(action="create", actor=world.city).exists()
    assert any(t.object_id == str(hazard.pk) for t in open_for(world.city))  # 待派单 to-do of the city
    assert not any(t.object_id == str(hazard.pk) for t in open_for(world.qx))
    assert InAppMessage.objects.filter(recipient=world.unit_user, url=f"/ent/se/hazards/{hazard.pk}/").exists()


def test_unit_reports_its_own_and_the_institution_from_its_report(client, world):
    response = post(as_user(client, world.unit_user), HAZARDS,
                    body(world, user_unit=None, source="unit", requirement="更换限速器", deadline=str(days(20))))
    assert response.status_code == 400 and "user_unit" in response.json()  # null is no unit id
    response = post(client, HAZARDS, {k: v for k, v in body(world, source="unit").items() if k != "user_unit"})
    assert response.status_code == 201, response.json()
    assert response.json()["reporter_org"] == world.unit.pk and response.json()["source"] == "unit"

    report = make_report(world.lift, world.institution)
    inst = {"report_no": report.report_no, "description": "定期检验发现限速器失效", "requirement": "停梯整改",
            "deadline": str(days(25)), "items": [{"judgement_code": "dt-01"}]}
    response = post(as_user(client, world.inst_user), HAZARDS, inst)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["report_no"] == report.report_no and data["equipment_code"] == world.lift.code
    assert data["source"] == "inspection" and data["user_unit"] == world.unit.pk and data["deadline"] == str(days(25))
    # the institution must set the requirement and the deadline (§4.3.7)
    response = post(client, HAZARDS, {**inst, "requirement": "", "deadline": None})
    assert response.status_code == 400
    assert response.json()["requirement"] == ["请填写整改要求"] and response.json()["deadline"] == ["请填写整改期限"]


@pytest.mark.parametrize("over, field, message", [
    ({"items": []}, "items", "请至少登记一项隐患明细"),
    ({"items": [{"judgement_code": "XX-99"}]}, "items", "第1项：判定项“XX-99”不存在或已停用"),
    ({"items": [{"description": "门锁失效"}, {"judgement_code": "GL-01"}]}, "items",
     "第2项：判定项GL-01不适用于该设备种类（电梯）"),
    ({"items": [{"judgement_code": "", "description": ""}]}, "items", "第1项：请填写判定项条款号或问题描述"),
    ({"description": ""}, "description", "请填写隐患问题描述"),
    ({"found_on": str(days(1))}, "found_on", "发现日期不能晚于今天"),
    ({"deadline": str(days(0))}, "deadline", "整改期限必须晚于今天"),
    ({"equipment_code": "NOPE"}, "equipment_code", "设备代码“NOPE”不存在或不在您的辖区内"),
    ({"equipment_category": "1000"}, "equipment_category", "所选设备的种类为“电梯”，与隐患类型不一致"),
    ({"source": "rumour"}, "source", "不是合法选项"),
    ({"found_on": "2026-02-30"}, "found_on", "日期格式错误"),
])
def test_bad_report_gets_chinese_field_errors_and_stores_nothing(client, world, over, field, message):
    response = post(as_user(client, world.qx), HAZARDS, body(world, **over))
    assert response.status_code == 400
    errors = response.json()
    assert field in errors and message in " ".join(errors[field]), errors
    assert not MajorHazard.all_objects.exists()


def test_regulator_cannot_report_for_a_unit_outside_the_jurisdiction(client, world):
    response = post(as_user(client, world.qx), HAZARDS, body(world, user_unit=world.xn_unit.pk, equipment_code=""))
    assert response.status_code == 400 and response.json()["user_unit"] == ["请选择您辖区内的使用单位"]
    other_lift = lift(world.xn_unit)
    response = post(client, HAZARDS, body(world, equipment_code=other_lift.code))
    assert response.status_code == 400 and "不在您的辖区内" in response.json()["equipment_code"][0]
    assert not MajorHazard.all_objects.exists()


def test_unit_cannot_report_for_another_unit_or_its_device(client, world):
    other_unit = make_enterprise("450103")
    response = post(as_user(client, world.unit_user), HAZARDS,
                    body(world, user_unit=other_unit.pk, equipment_code=lift(other_unit).code))
    assert response.status_code == 400
    assert response.json()["user_unit"] == ["只能上报本单位的隐患"]
    assert "不是本单位的设备" in response.json()["equipment_code"][0]
    assert not MajorHazard.all_objects.exists()


# == corrections and deletion =====================================================================================
def test_reporter_corrects_and_deletes_before_dispatch_only(client, world):
    hazard = world.report(by=world.unit_user, source="unit")
    c = as_user(client, world.unit_user)
    response = client.patch(url(hazard), {"description": "补充：门锁也失效", "items": [{"judgement_code": "DT-02"}]},
                            content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["description"] == "补充：门锁也失效"
    assert [i["judgement_code"] for i in response.json()["items"]] == ["DT-02"]
    assert history_for(hazard).filter(action="update", actor=world.unit_user).exists()
    assert OperationLog.objects.filter(action="se_hazard_items", detail__object=hazard.no).exists()

    bad = client.patch(url(hazard), {"deadline": str(days(-3))}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["deadline"] == ["整改期限必须晚于今天"]

    hazard.refresh_from_db()
    world.dispatch(hazard)
    refused = client.patch(url(hazard), {"description": "派单后修改"}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["non_field_errors"] == ["隐患已派单督办，不能再修改或删除"]
    assert c.delete(url(hazard)).status_code == 400
    hazard.refresh_from_db()
    assert hazard.description == "补充：门锁也失效" and not hazard.is_deleted

    fresh = world.report(by=world.unit_user, source="unit")
    assert c.delete(url(fresh)).status_code == 204
    assert MajorHazard.all_objects.get(pk=fresh.pk).is_deleted
    assert history_for(fresh).filter(action="delete", actor=world.unit_user).exists()
    assert c.get(url(fresh)).status_code == 404


def test_unit_may_not_change_what_the_regulator_reported(client, world):
    hazard = world.report()  # by the county regulator
    c = as_user(client, world.unit_user)
    assert c.patch(url(hazard), {"description": "改"}, content_type="application/json").status_code == 403
    assert c.delete(url(hazard)).status_code == 403
    hazard.refresh_from_db()
    assert hazard.description == "电梯安全保护装置失效" and not hazard.is_deleted


# == the closed loop ================================================================================================
def transition(client, hazard, name, comment="", **data):
    return post(client, url(hazard, "transition/"), {"transition": name, "comment": comment, "data": data})


def test_dispatch_through_the_api(client, world, django_capture_on_commit_callbacks):
    hazard = world.report()
    c = as_user(client, world.qx)
    response = transition(c, hazard, "dispatch", "请按期整改")
    assert response.status_code == 400
    assert response.json()["data"]["directive"] == ["请选择下达的文书（整改通知书或整改督处函）"]
    assert response.json()["data"]["deadline"] == ["请填写整改期限"]
    response = transition(c, hazard, "dispatch", directive="notice", deadline=str(days(0)), requirement="停梯")
    assert response.status_code == 400 and response.json()["data"]["deadline"] == ["整改期限必须晚于今天"]
    hazard.refresh_from_db()
    assert hazard.status == "reported"

    with django_capture_on_commit_callbacks(execute=True):
        response = transition(c, hazard, "dispatch", "请按期整改", directive="notice", deadline=str(days(20)),
                              requirement="立即停梯整改")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "rectifying" and data["deadline"] == str(days(20))
    assert data["directive_no"].startswith("整改通知") and data["requirement"] == "立即停梯整改"
    assert history_for(hazard).filter(action="update", actor=world.qx).exists()
    assert InAppMessage.objects.filter(recipient=world.unit_user, title__contains="整改通知书").exists()


def test_a_unit_cannot_dispatch_and_unknown_actions_are_refused(client, world):
    hazard = world.report()
    c = as_user(client, world.unit_user)
    response = transition(c, hazard, "dispatch", directive="notice", deadline=str(days(20)), requirement="停梯")
    assert response.status_code == 400 and response.json()["non_field_errors"] == ["您没有“派单督办”的权限"]
    response = transition(c, hazard, "approve_everything")
    assert response.status_code == 400 and response.json()["transition"] == ["没有名为“approve_everything”的操作"]
    hazard.refresh_from_db()
    assert hazard.status == "reported"
    liuzhou = world.hazard_in(LIUZHOU)
    assert transition(as_user(client, world.qx), liuzhou, "revoke", "重复").status_code == 404


def test_feedback_review_and_close_obey_the_guards(client, world):
    hazard = world.dispatch(world.report())
    first, second = hazard.items.order_by("id")
    unit = api(world.unit_user)
    # every item needs its rectification; a refusal keeps nothing
    response = transition(unit, hazard, "feedback", "已整改", items=[{"id": first.pk, "feedback": "已更换限速器"}])
    assert response.status_code == 400 and response.json()["feedback"] == ["尚有1项隐患未填写整改情况"]
    first.refresh_from_db()
    assert first.feedback == "" and MajorHazard.objects.get(pk=hazard.pk).status == "rectifying"
    response = transition(unit, hazard, "feedback", "已整改", items=[{"id": 999999, "feedback": "x"}])
    assert response.status_code == 400 and response.json()["data"]["items"] == ["隐患明细999999不属于该隐患"]
    # one item saved first (暂存), the other with the submission
    saved = post(unit, url(hazard, f"items/{first.pk}/feedback/"), {"feedback": "已更换限速器"})
    assert saved.status_code == 200 and saved.json()["feedback"] == "已更换限速器"
    response = transition(unit, hazard, "feedback", "", items=[{"id": second.pk, "feedback": "门锁已修复"}])
    assert response.status_code == 400 and response.json()["comment"] == ["请填写处理意见"]
    response = transition(unit, hazard, "feedback", "已整改，申请销号", items=[{"id": second.pk, "feedback": "门锁已修复"}])
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "feedback" and item_states(hazard) == ["fed_back", "fed_back"]

    # per-item review by the regulator; the unit may not review
    assert post(unit, url(hazard, f"items/{first.pk}/review/"), {"passed": True}).status_code == 403
    reg = api(world.qx)
    response = post(reg, url(hazard, f"items/{first.pk}/review/"), {"passed": False})
    assert response.status_code == 400 and response.json()["comment"] == ["退回整改须填写复核意见"]
    for item in (first, second):
        response = post(reg, url(hazard, f"items/{item.pk}/review/"), {"passed": True, "comment": "整改到位"})
        assert response.status_code == 200 and response.json()["status"] == "closed"
    assert OperationLog.objects.filter(action="se_item_review", detail__object=f"{hazard.no}#{first.pk}").exists()
    again = post(reg, url(hazard, f"items/{first.pk}/review/"), {"passed": True})
    assert again.status_code == 400 and again.json()["non_field_errors"] == ["该项已复核"]
    assert post(reg, url(hazard, "items/999999/review/"), {"passed": True}).status_code == 404

    # closing needs a supervision log, and a review log after a rectification notice
    response = transition(reg, hazard, "close", "同意销号")
    assert response.status_code == 400 and response.json()["non_field_errors"] == ["该隐患没有监察日志，不能销号"]
    log = {"kind": "supervision", "date": str(timezone.localdate()), "inspectors": "韦监察、李执法",
           "content": "现场检查，限速器已更换"}
    assert post(unit, url(hazard, "logs/"), log).status_code == 403  # logs are written by the regulator
    bad = post(reg, url(hazard, "logs/"), {**log, "date": str(days(1)), "inspectors": ""})
    assert bad.status_code == 400
    assert bad.json()["date"] == ["检查日期不能晚于今天"] and bad.json()["inspectors"] == ["请填写执法（检查）人员"]
    created = post(reg, url(hazard, "logs/"), log)
    assert created.status_code == 201 and created.json()["kind_label"] == "监察日志"
    assert history_for(hazard.logs.get()).filter(action="create", actor=world.qx).exists()
    response = transition(reg, hazard, "close", "同意销号")
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["已下达整改通知书（指令书）的隐患须有复核日志才能销号"]
    assert post(reg, url(hazard, "logs/"), {**log, "kind": "review", "content": "复核：整改到位"}).status_code == 201
    response = transition(reg, hazard, "close", "同意销号")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert sorted(row["kind"] for row in unit.get(url(hazard, "logs/")).json()) == ["review", "supervision"]
    done = post(reg, url(hazard, "logs/"), log)
    assert done.status_code == 400 and done.json()["non_field_errors"] == ["隐患已办结，不能再添加日志"]


def test_return_and_extension_through_the_api(client, world):
    hazard = world.feed_back(world.dispatch(world.report()))
    first, second = hazard.items.order_by("id")
    reg = api(world.qx)
    assert transition(reg, hazard, "return", "门锁未修复").status_code == 400  # nothing returned yet
    post(reg, url(hazard, f"items/{first.pk}/review/"), {"passed": True})
    post(reg, url(hazard, f"items/{second.pk}/review/"), {"passed": False, "comment": "门锁未修复"})
    response = transition(reg, hazard, "return", "门锁未修复")
    assert response.status_code == 200 and response.json()["status"] == "rectifying"
    assert item_states(hazard) == ["closed", "returned"]

    unit = api(world.unit_user)
    response = transition(unit, hazard, "request_extension", "配件未到货", requested_deadline=str(days(10)))
    assert response.status_code == 400 and response.json()["non_field_errors"] == ["延期日期必须晚于原整改期限"]
    response = transition(unit, hazard, "request_extension", "配件未到货", requested_deadline=str(days(40)))
    assert response.status_code == 200 and response.json()["status"] == "extension"
    response = transition(reg, hazard, "approve_extension", "同意")
    assert response.status_code == 200
    assert response.json()["status"] == "rectifying" and response.json()["deadline"] == str(days(40))


# == inspection reports: corrections by the issuing institution ======================================================
def test_institution_corrects_its_report_until_a_hazard_hangs_on_it(client, world):
    report = make_report(world.lift, world.institution, conclusion="nonconforming")
    c = as_user(client, world.inst_user)
    response = client.patch(f"{REPORTS}{report.pk}/", {"problems": "限速器、门锁均失效", "inspector": "陈检验"},
                            content_type="application/json")
    assert response.status_code == 200, response.json()
    report.refresh_from_db()
    assert report.problems == "限速器、门锁均失效"
    assert history_for(report).filter(action="update", actor=world.inst_user).exists()
    bad = c.patch(f"{REPORTS}{report.pk}/", {"problems": ""}, content_type="application/json")
    assert bad.status_code == 400 and "须填写主要问题" in bad.json()["problems"][0]
    moved = c.patch(f"{REPORTS}{report.pk}/", {"equipment_code": lift(world.unit).code}, content_type="application/json")
    assert moved.status_code == 400 and moved.json()["equipment_code"] == ["检验报告的设备不能更改"]

    hazard = world.report(by=world.inst_user, report=report, source="inspection", requirement="停梯", deadline=days(20))
    refused = c.patch(f"{REPORTS}{report.pk}/", {"problems": "改"}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["non_field_errors"] == [f"该报告已上报重大事故隐患（{hazard.no}），不能再修改"]
    # another institution's report is not even visible; the regulator may not correct reports
    foreign = make_report(world.lift, make_institution("450103"))
    assert c.patch(f"{REPORTS}{foreign.pk}/", {"problems": "x"}, content_type="application/json").status_code == 404
    response = as_user(client, world.qx).patch(f"{REPORTS}{report.pk}/", {"problems": "x"},
                                              content_type="application/json")
    assert response.status_code == 403
    assert InspectionReport.objects.get(pk=report.pk).problems == "限速器、门锁均失效"
