"""User-unit pages of major hazards at the enterprise entrance (/ent/se/hazards/): scope, reporting,
edit / delete before dispatch, the to-rectify list, feedback item by item and extension requests."""
import pytest
from django.urls import reverse

from domains.special_equipment.hazards.models import HazardItem, MajorHazard
from kernel.audit.models import ChangeLog, OperationLog
from kernel.todos.services import open_for
from kernel.ui.menu import menu_for
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
    return reverse("ent:se_hazard_detail", args=[hazard.pk])


# -- scope ------------------------------------------------------------------------------------------
def test_unit_sees_its_own_hazards_from_every_source_and_not_another_units(client, world):
    own = world.report()
    by_institution = world.report(user=world.inst_user)
    foreign = world.report(user=world.other_user, unit=world.other_unit, equipment=world.other_equipment)
    c = logged_in(client, world.unit_user)
    page = c.get(reverse("ent:se_hazard_list")).content.decode()
    assert own.no in page and by_institution.no in page
    assert foreign.no not in page
    assert c.get(detail(foreign)).status_code == 404
    assert c.get(reverse("ent:se_hazard_edit", args=[foreign.pk])).status_code == 404
    assert c.post(reverse("ent:se_hazard_delete", args=[foreign.pk])).status_code == 404
    assert MajorHazard.objects.filter(pk=foreign.pk).exists()
    assert c.get(detail(own)).status_code == 200


def test_institution_sees_only_the_hazards_it_reported(client, world):
    mine = world.report(user=world.inst_user)
    units_own = world.report()
    c = logged_in(client, world.inst_user)
    page = c.get(reverse("ent:se_hazard_list")).content.decode()
    assert mine.no in page and units_own.no not in page
    assert c.get(detail(units_own)).status_code == 404
    assert c.get(detail(mine)).status_code == 200


def test_agency_staff_cannot_use_the_enterprise_pages(client, world):
    assert logged_in(client, world.regulator).get(reverse("ent:se_hazard_list")).status_code == 403


def test_tabs_filter_the_to_rectify_list(client, world):
    waiting = world.report()
    rectifying = world.dispatch(world.report())
    c = logged_in(client, world.unit_user)
    page = c.get(reverse("ent:se_hazard_list"), {"tab": "todo"}).content.decode()
    assert rectifying.no in page and waiting.no not in page
    assert "共 1 条" in page
    page = c.get(reverse("ent:se_hazard_list"), {"tab": "reported"}).content.decode()
    assert waiting.no in page and rectifying.no not in page


def test_menu_has_the_hazard_section(world):
    sections = {name: [label for label, *_ in entries] for name, _icon, entries in menu_for(world.unit_user, "ent")}
    assert sections["隐患管理"] == ["重大事故隐患", "一般隐患", "隐患排查计划"]
    inst = {name: [label for label, *_ in entries] for name, _icon, entries in menu_for(world.inst_user, "ent")}
    assert inst["隐患管理"] == ["重大事故隐患"]


# -- reporting ----------------------------------------------------------------------------------------
def report_data(world, **over):
    data = {"equipment": world.equipment.pk, "source": "unit", "equipment_category": "3000",
            "description": "自查发现电梯门锁短接", "found_on": days(-1).isoformat(), "requirement": "立即停梯",
            "deadline": days(30).isoformat(), "judgement_items": [world.items[0].pk], "other_items": "轿厢照明不足"}
    data.update(over)
    return data


def test_unit_reports_a_hazard_with_criteria_and_other_items(client, world):
    c = logged_in(client, world.unit_user)
    form = c.get(reverse("ent:se_hazard_create")).content.decode()
    assert world.equipment.code in form and world.other_equipment.code not in form  # only its own devices
    response = c.post(reverse("ent:se_hazard_create"), report_data(world))
    hazard = MajorHazard.objects.get(user_unit=world.unit)
    assert response.status_code == 302 and response["Location"] == detail(hazard)
    assert hazard.reporter_org == world.unit and hazard.status == "reported" and hazard.source == "unit"
    assert [i.description for i in hazard.items.all()] == [world.items[0].text, "轿厢照明不足"]
    assert ChangeLog.objects.filter(object_id=str(hazard.pk), action="create",
                                    content_type__model="majorhazard").exists()
    # the local regulator gets the dispatch to-do
    assert any(t.object_id == str(hazard.pk) for t in open_for(world.regulator))


def test_judgement_items_follow_the_equipment_category(client, world):
    c = logged_in(client, world.unit_user)
    html = c.get(reverse("ent:se_hazard_judgement_items"), {"equipment_category": "2000"}).content.decode()
    assert "RQ-01" in html and "T-01" in html and "DT-01" not in html


@pytest.mark.parametrize("over, field, message", [
    ({"judgement_items": [], "other_items": ""}, "judgement_items", "请至少勾选一项判定项"),
    ({"deadline": days(-1).isoformat()}, "deadline", "整改期限必须晚于今天"),
    ({"found_on": days(2).isoformat()}, "found_on", "发现日期不能晚于今天"),
    ({"description": ""}, "description", "请填写隐患问题描述"),
    ({"equipment_category": "2000"}, "equipment_category", "与隐患类型不一致"),
])
def test_bad_report_gives_field_errors_and_creates_nothing(client, world, over, field, message):
    c = logged_in(client, world.unit_user)
    response = c.post(reverse("ent:se_hazard_create"), report_data(world, **over))
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert not MajorHazard.objects.exists()


def test_unit_cannot_report_on_another_units_equipment(client, world):
    c = logged_in(client, world.unit_user)
    response = c.post(reverse("ent:se_hazard_create"), report_data(world, equipment=world.other_equipment.pk))
    assert response.status_code == 400 and "equipment" in response.context["form"].errors
    assert not MajorHazard.objects.exists()


# -- edit / delete while awaiting dispatch --------------------------------------------------------------
def test_edit_and_delete_while_waiting_for_dispatch(client, world):
    hazard = world.report()
    c = logged_in(client, world.unit_user)
    page = c.get(reverse("ent:se_hazard_edit", args=[hazard.pk])).content.decode()
    assert "电梯安全保护装置失效" in page
    response = c.post(reverse("ent:se_hazard_edit", args=[hazard.pk]),
                      report_data(world, description="修改后的描述", judgement_items=[world.items[1].pk], other_items=""))
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.description == "修改后的描述"
    assert [i.judgement_item_id for i in hazard.items.all()] == [world.items[1].pk]
    assert ChangeLog.objects.filter(object_id=str(hazard.pk), action="update").exists()
    assert OperationLog.objects.filter(action="se_hazard_items", detail__object=hazard.no).exists()

    response = c.post(reverse("ent:se_hazard_delete", args=[hazard.pk]))
    assert response.status_code == 302
    assert not MajorHazard.objects.filter(pk=hazard.pk).exists()
    assert MajorHazard.all_objects.get(pk=hazard.pk).is_deleted
    assert ChangeLog.objects.filter(object_id=str(hazard.pk), action="delete").exists()
    assert c.get(detail(hazard)).status_code == 404


def test_unit_cannot_edit_or_delete_after_dispatch(client, world):
    hazard = world.dispatch(world.report())
    c = logged_in(client, world.unit_user)
    page = c.get(detail(hazard)).content.decode()
    assert 'id="edit-hazard"' not in page and 'id="delete-hazard"' not in page
    response = c.get(reverse("ent:se_hazard_edit", args=[hazard.pk]))
    assert response.status_code == 302 and response["Location"] == detail(hazard)
    c.post(reverse("ent:se_hazard_edit", args=[hazard.pk]), report_data(world, description="偷偷修改"))
    response = c.post(reverse("ent:se_hazard_delete", args=[hazard.pk]), follow=True)
    assert "隐患已派单督办，不能再修改或删除" in response.content.decode()
    hazard.refresh_from_db()
    assert hazard.description == "电梯安全保护装置失效" and not hazard.is_deleted


def test_unit_cannot_edit_a_hazard_an_institution_reported(client, world):
    hazard = world.report(user=world.inst_user)
    c = logged_in(client, world.unit_user)
    assert c.get(reverse("ent:se_hazard_edit", args=[hazard.pk])).status_code == 302
    c.post(reverse("ent:se_hazard_delete", args=[hazard.pk]))
    assert MajorHazard.objects.filter(pk=hazard.pk).exists()


# -- rectification feedback ----------------------------------------------------------------------------
def feedback_data(hazard, texts, action="submit_feedback", comment="已全部整改，申请销号"):
    data = {"action": action, "comment": comment}
    for item, text in zip(hazard.items.order_by("id"), texts, strict=False):
        data[f"item_{item.pk}"] = text
    return data


def test_dispatch_puts_the_hazard_on_the_units_to_do_list(client, world):
    hazard = world.dispatch(world.report(user=world.inst_user))
    todos = [t for t in open_for(world.unit_user) if t.object_id == str(hazard.pk)]
    assert len(todos) == 1 and todos[0].url == detail(hazard)
    assert todos[0].due_at.date() == hazard.deadline  # the to-do is due on the rectification deadline
    assert logged_in(client, world.unit_user).get(todos[0].url).status_code == 200


def test_feedback_requires_every_item_answered(client, world):
    hazard = world.dispatch(world.report())
    c = logged_in(client, world.unit_user)
    response = c.post(detail(hazard), feedback_data(hazard, ["已更换限速器", ""]))
    assert response.status_code == 400
    second = hazard.items.order_by("id")[1]
    assert "请填写该项隐患的整改情况" in str(response.context["feedback_form"].errors[f"item_{second.pk}"])
    hazard.refresh_from_db()
    assert hazard.status == "rectifying" and not hazard.items.exclude(feedback="").exists()

    response = c.post(detail(hazard), feedback_data(hazard, ["已更换限速器", "已修复门锁"], comment=""))
    assert response.status_code == 400 and "comment" in response.context["feedback_form"].errors
    hazard.refresh_from_db()
    assert hazard.status == "rectifying"


def test_draft_then_submit_feedback(client, world):
    hazard = world.dispatch(world.report())
    c = logged_in(client, world.unit_user)
    response = c.post(detail(hazard), feedback_data(hazard, ["已更换限速器", ""], action="save_feedback"))
    assert response.status_code == 302
    first = hazard.items.order_by("id")[0]
    first.refresh_from_db()
    assert first.feedback == "已更换限速器" and first.status == "open"
    assert OperationLog.objects.filter(action="se_item_feedback", detail__object=hazard.no).exists()

    response = c.post(detail(hazard), feedback_data(hazard, ["已更换限速器", "已修复门锁"]))
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == "feedback" and hazard.feedback_at is not None
    assert set(hazard.items.values_list("status", flat=True)) == {"fed_back"}
    log = TransitionLog.objects.get(object_id=str(hazard.pk), transition="feedback")
    assert log.actor == world.unit_user and log.comment == "已全部整改，申请销号"
    assert not [t for t in open_for(world.unit_user) if t.object_id == str(hazard.pk)]


def test_feedback_carries_the_uploaded_rectification_files(client, world):
    hazard = world.dispatch(world.report())
    c = logged_in(client, world.unit_user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("整改报告.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")
    response = c.post(reverse("files:panel", args=["se_hazards.majorhazard", hazard.pk, "se_rectification"]),
                      {"file": pdf})
    assert response.status_code in (200, 302)
    from kernel.files.models import Attachment

    attachment = Attachment.objects.get(object_id=hazard.pk, purpose="se_rectification")
    assert "整改报告.pdf" in c.get(detail(hazard)).content.decode()
    c.post(detail(hazard), feedback_data(hazard, ["已更换限速器", "已修复门锁"]))
    log = TransitionLog.objects.get(object_id=str(hazard.pk), transition="feedback")
    assert log.attachments == [attachment.pk]
    # after the feedback the files are listed read-only; the reviewing institution cannot add any
    page = c.get(detail(hazard)).content.decode()
    assert 'id="rectification-files"' in page and "整改报告.pdf" in page and "zw-attachment-upload" not in page
    inst = logged_in(client, world.inst_user)
    other = SimpleUploadedFile("x.pdf", b"%PDF-1.4\n2 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")
    hazard.reporter_org = world.institution  # only the reporter may see it: make the institution one
    hazard.save(update_fields=["reporter_org"])
    assert "整改报告.pdf" in inst.get(detail(hazard)).content.decode()
    inst.post(reverse("files:panel", args=["se_hazards.majorhazard", hazard.pk, "se_rectification"]), {"file": other})
    assert Attachment.objects.filter(object_id=hazard.pk, purpose="se_rectification").count() == 1


def test_institution_cannot_feed_back_and_unit_cannot_review(client, world):
    hazard = world.dispatch(world.report(user=world.inst_user))
    inst = logged_in(client, world.inst_user)
    assert inst.post(detail(hazard), feedback_data(hazard, ["x", "y"])).status_code == 403
    hazard = world.fed_back(world.report(user=world.inst_user))
    unit = logged_in(client, world.unit_user)
    item = hazard.items.first()
    assert unit.post(detail(hazard), {"action": "review_item", "item": item.pk, "verdict": "pass"}).status_code == 403
    item.refresh_from_db()
    assert item.status == "fed_back"


# -- extension -----------------------------------------------------------------------------------------
def test_extension_request_needs_a_date_after_the_deadline(client, world):
    hazard = world.dispatch(world.report(), deadline_days=20)
    c = logged_in(client, world.unit_user)
    for value, message in ((days(20).isoformat(), "延期日期必须晚于原整改期限"), ("", "请填写申请延期至的日期"),
                           ("2026-13-45", "日期")):
        response = c.post(detail(hazard), {"action": "request_extension", "requested_deadline": value,
                                           "reason": "配件未到货"})
        assert response.status_code == 400
        assert message in str(response.context["extension_form"].errors["requested_deadline"])
    response = c.post(detail(hazard), {"action": "request_extension", "requested_deadline": days(40).isoformat(),
                                       "reason": ""})
    assert response.status_code == 400 and "请填写延期理由" in str(response.context["extension_form"].errors["reason"])
    hazard.refresh_from_db()
    assert hazard.status == "rectifying" and hazard.requested_deadline is None

    response = c.post(detail(hazard), {"action": "request_extension", "requested_deadline": days(40).isoformat(),
                                       "reason": "配件未到货"})
    assert response.status_code == 302
    hazard.refresh_from_db()
    assert hazard.status == "extension" and hazard.requested_deadline == days(40)
    assert TransitionLog.objects.filter(object_id=str(hazard.pk), transition="request_extension",
                                        comment="配件未到货").exists()
    changes = ChangeLog.objects.filter(object_id=str(hazard.pk), content_type__model="majorhazard", action="update")
    assert any("requested_deadline" in row.changed_fields for row in changes)
    page = c.get(detail(hazard)).content.decode()
    assert "等待属地监管部门审批" in page and 'id="extension-form"' not in page


def test_detail_shows_the_deadline_warning_colour(client, world):
    hazard = world.dispatch(world.report(), deadline_days=8)
    page = logged_in(client, world.unit_user).get(detail(hazard)).content.decode()
    assert "整改期限橙色预警" in page
    assert HazardItem.objects.filter(hazard=hazard).count() == 2
