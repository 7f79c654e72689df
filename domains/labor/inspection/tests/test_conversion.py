"""Labour warnings (欠薪预警): the review list (spec §(1) 3 display fields, batch review with a level change),
转立案登记 of a warning that on-site verification found unresolved (§(1) 4 and 5 b: one registration, the
warning escalates), and the originator's withdrawal of a mistaken manual warning (§(1) 5 c)."""
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from domains.labor.inspection import services
from domains.labor.inspection.models import Complaint
from kernel.alerts import services as alert_services
from kernel.alerts.models import Warning
from kernel.audit.models import ChangeLog
from kernel.core import context
from kernel.core.testing import PASSWORD
from kernel.org.models import Region
from kernel.todos.models import Todo
from kernel.workflow.engine import TransitionError

from .cases_support import QINGXIU, World, labour_rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return World()


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def grid_region(name="民族大道网格"):
    return Region.objects.create(code=f"{QINGXIU}G9{Region.objects.count() % 100:02d}", name=name, level=5,
                                 parent=Region.objects.get(code=QINGXIU))


# == conversion ==================================================================================================
def test_conversion_creates_one_registration_and_escalates_the_warning(w):
    grid = grid_region()
    warning = w.assigned_warning(region_=grid)
    with context.acting_as(w.qx):
        complaint = services.convert_warning(warning, w.qx, comment="现场核查：仍拖欠12人工资", supervisor=w.leader,
                                             amount_owed="186000", workers_involved=12)
    assert Complaint.objects.count() == 1
    assert (complaint.channel, complaint.warning, complaint.status) == ("warning", warning, "registered")
    assert (complaint.respondent, complaint.respondent_name) == (w.unit, w.unit.name)
    assert (complaint.respondent_address, complaint.respondent_contact) == (w.unit.address, "莫老板")
    assert complaint.region.code == QINGXIU  # the grid's county handles the case
    assert complaint.facts.startswith("群众反映工地拖欠3个月工资")
    assert (complaint.workers_involved, complaint.amount_owed, complaint.supervisor) == (12, Decimal("186000"), w.leader)
    warning = Warning.objects.get(pk=warning.pk)
    assert warning.status == "escalated"
    log = warning.workflow_history().order_by("-id").first()
    assert log.transition == "escalate" and complaint.no in log.comment and "仍拖欠12人工资" in log.comment
    assert not Todo.objects.filter(object_id=str(warning.pk), content_type__model="warning", status="open").exists()
    assert Todo.objects.filter(object_id=str(complaint.pk), content_type__model="complaint", key="workflow:registered",
                               status="open").exists()
    assert ChangeLog.objects.filter(content_type__model="complaint", object_id=str(complaint.pk), action="create",
                                    actor=w.qx).exists()


def test_conversion_names_a_unit_registered_in_another_city(w):
    # the project lies in 青秀区 (the warning's region) but its contractor is registered in Liuzhou
    from kernel.core.testing import make_enterprise

    from .cases_support import LZ_CHENGZHONG

    contractor = make_enterprise(LZ_CHENGZHONG, name="柳州某建工集团有限公司")
    warning = w.assigned_warning(subject=contractor, region_=Region.objects.get(code=QINGXIU))
    complaint = services.convert_warning(warning, w.qx)
    assert (complaint.respondent, complaint.region.code) == (contractor, QINGXIU)
    assert Complaint.objects.visible_to(w.qx).filter(pk=complaint.pk).exists()
    assert not Complaint.objects.visible_to(w.lz).filter(pk=complaint.pk).exists()


def test_conversion_is_refused_a_second_time(w):
    warning = w.assigned_warning()
    services.convert_warning(warning, w.qx)
    with pytest.raises(ValidationError, match="该预警已转立案登记，不能重复转入"):
        services.convert_warning(Warning.objects.get(pk=warning.pk), w.qx)
    assert Complaint.objects.count() == 1


def test_conversion_needs_an_unresolved_verification_of_a_labour_warning(w):
    generated = w.manual_warning()
    with pytest.raises(ValidationError, match="只有已派发核查"):
        services.convert_warning(generated, w.qx)
    other_rule = labour_rule(code="lj_test_other", category="特种设备")
    other = alert_services.register_manual(rule=other_rule, subject=w.unit, level="yellow", message="x", user=w.qx,
                                           region=w.unit.region, organisation=w.unit)
    with pytest.raises(ValidationError, match="只有欠薪预警可以转立案登记"):
        services.convert_warning(other, w.qx)
    # a handled (待解除) warning whose result says unresolved converts too
    handled = w.assigned_warning(message="另一工地欠薪", subject=_second_unit(w))
    alert_services.handle(handled, w.qx, disposition_type="interview", result="约谈后仍未支付")
    complaint = services.convert_warning(Warning.objects.get(pk=handled.pk), w.qx)
    assert "现场核查情况：约谈后仍未支付" in complaint.facts
    assert Complaint.objects.count() == 1


def test_conversion_page_refuses_twice_and_bad_input(w, client):
    warning = w.assigned_warning()
    login(client, w.qx)
    url = reverse("gov:labor_warning_convert", args=[warning.pk])
    page = client.get(reverse("gov:labor_warning_detail", args=[warning.pk])).content.decode()
    assert 'id="convert-form"' in page
    response = client.post(url, {"amount_owed": "-5", "workers_involved": "0", "comment": ""})
    assert response.status_code == 400
    errors = response.context["convert_form"].errors
    assert errors == {"amount_owed": ["涉及金额不能为负数"], "workers_involved": ["涉及人数至少为1人"],
                      "comment": ["请填写核查未解决的情况说明"]}
    assert Complaint.objects.count() == 0 and Warning.objects.get(pk=warning.pk).status == "assigned"
    response = client.post(url, {"comment": "核查未解决", "workers_involved": "3"})
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == complaint.get_absolute_url()
    page = client.get(reverse("gov:labor_warning_detail", args=[warning.pk])).content.decode()
    assert 'id="convert-form"' not in page and complaint.no in page
    response = client.post(url, {"comment": "再转一次"})
    assert response.status_code == 400 and "该预警已转立案登记，不能重复转入" in response.content.decode()
    assert Complaint.objects.count() == 1


def test_another_city_cannot_see_or_convert(w, client):
    warning = w.assigned_warning()
    login(client, w.lz)
    assert client.get(reverse("gov:labor_warning_detail", args=[warning.pk])).status_code == 404
    assert client.post(reverse("gov:labor_warning_convert", args=[warning.pk]), {"comment": "x"}).status_code == 404
    assert client.post(reverse("gov:labor_warning_withdraw", args=[warning.pk]), {"comment": "x"}).status_code == 404
    assert warning.subject_repr not in client.get(reverse("gov:labor_warning_list")).content.decode()
    with pytest.raises(Exception, match="不在您的管辖范围内"):
        services.convert_warning(warning, w.lz)
    assert Complaint.objects.count() == 0 and Warning.objects.get(pk=warning.pk).status == "assigned"


# == withdrawal ==================================================================================================
def test_only_the_originator_withdraws_and_only_a_manual_warning(w, client):
    warning = w.manual_warning(by=w.qx)
    with pytest.raises(TransitionError, match="只有登记人可以撤回预警"):
        services.withdraw_warning(warning, w.qx2, "误登记")
    login(client, w.qx2)
    detail = reverse("gov:labor_warning_detail", args=[warning.pk])
    assert 'id="withdraw-form"' not in client.get(detail).content.decode()
    response = client.post(reverse("gov:labor_warning_withdraw", args=[warning.pk]), {"comment": "误登记"})
    assert response.status_code == 400 and "只有登记人可以撤回预警" in response.content.decode()
    assert Warning.objects.get(pk=warning.pk).status == "generated"
    client.logout()
    login(client, w.qx)
    assert 'id="withdraw-form"' in client.get(detail).content.decode()
    response = client.post(reverse("gov:labor_warning_withdraw", args=[warning.pk]), {"comment": ""})
    assert response.status_code == 400 and "请填写撤回理由" in response.content.decode()
    response = client.post(reverse("gov:labor_warning_withdraw", args=[warning.pk]), {"comment": "企业名称登记错误"})
    assert response.status_code == 302
    warning = Warning.objects.get(pk=warning.pk)
    assert warning.status == "withdrawn"
    assert warning.workflow_history().order_by("-id").first().comment == "企业名称登记错误"
    auto = w.auto_warning()
    with pytest.raises(TransitionError, match="系统自动产生的预警只能由系统解除"):
        services.withdraw_warning(auto, w.qx, "误报")
    assert Warning.objects.get(pk=auto.pk).status == "generated"


# == the review list ==============================================================================================
def test_review_list_shows_the_spec_fields_of_labour_warnings_only(w, client):
    grid = grid_region("七星网格")
    labour = w.auto_warning(region_=grid)
    other_rule = labour_rule(code="lj_test_case", category="案件督办")
    other = w.auto_warning(subject=_second_unit(w))
    other.rule = other_rule
    other.save()
    login(client, w.qx)
    page = client.get(reverse("gov:labor_warning_list")).content.decode()
    for header in ("单位名称", "单位地址", "所在网格", "预警事项", "预警时间", "预警类型", "预警内容"):
        assert header in page
    assert f'/gov/labor/warnings/{labour.pk}/' in page and f'/gov/labor/warnings/{other.pk}/' not in page
    assert w.unit.address in page and "七星网格" in page and labour.rule.name in page and "系统自动" in page
    assert client.get(reverse("gov:labor_warning_detail", args=[other.pk])).status_code == 404


def test_batch_review_with_level_change(w, client):
    first, second = w.auto_warning(), w.auto_warning(subject=_second_unit(w))
    login(client, w.qx)
    response = client.post(reverse("gov:labor_warning_batch"), {"ids": [first.pk, second.pk], "level": "orange",
                                                                "comment": "批量审核"})
    assert response.status_code == 302
    for warning in (first, second):
        warning = Warning.objects.get(pk=warning.pk)
        assert (warning.status, warning.level, warning.level_set_by_reviewer) == ("reviewed", "orange", True)
    # red (一级) goes to leadership approval, not straight to dispatch
    third = w.auto_warning(subject=_second_unit(w, "第三"))
    client.post(reverse("gov:labor_warning_batch"), {"ids": [third.pk], "level": "red"})
    assert Warning.objects.get(pk=third.pk).status == "approving"
    # an unknown level changes nothing
    fourth = w.auto_warning(subject=_second_unit(w, "第四"))
    client.post(reverse("gov:labor_warning_batch"), {"ids": [fourth.pk], "level": "purple"})
    assert Warning.objects.get(pk=fourth.pk).status == "generated"


def _second_unit(w, tag="第二"):
    from kernel.core.testing import make_enterprise

    return make_enterprise(QINGXIU, name=f"{tag}欠薪测试劳务有限公司")


@pytest.mark.django_db
def test_kernel_warning_page_links_to_conversion_and_hides_escalate(client):
    """On /gov/alerts/warnings/<pk>/ a labour warning offers 转立案登记 and no generic 升级转办."""
    from kernel.alerts.registry import detail_extensions

    from ..web.warnings import kernel_page_extension

    world = World()
    warning = world.assigned_warning()
    login(client, world.leader)
    page = client.get(reverse("gov:warning_detail", args=[warning.pk]))
    assert "escalate" not in {t.name for t in page.context["wf_actions"]}
    assert reverse("gov:labor_warning_detail", args=[warning.pk]) in page.content.decode()
    actions, hidden = detail_extensions(warning, world.leader)
    assert hidden == {"escalate"} and len(actions) == 1
    assert kernel_page_extension(warning, world.leader)["hide"] == {"escalate"}


def test_the_generic_escalation_is_refused_for_a_labour_warning(client):
    """Only 转立案登记 escalates a labour warning: the generic workflow endpoint would end it with no case."""
    world = World()
    warning = world.assigned_warning()
    login(client, world.leader)
    client.post(f"/gov/workflow/alerts.warning/{warning.pk}/escalate/", {"comment": "升级"})
    assert Warning.objects.get(pk=warning.pk).status == "assigned"
    with pytest.raises(TransitionError, match="转立案登记"):
        Warning.workflow.apply(warning, "escalate", world.leader, comment="升级")
    complaint = services.convert_warning(warning, world.leader, comment="核查未解决")
    assert Warning.objects.get(pk=warning.pk).status == "escalated" and complaint.warning_id == warning.pk


def test_grid_workers_register_labour_clues_about_units():
    """人工/网格登记: the manual-only labour rule is offered for a unit; the scan leaves such warnings alone."""
    from kernel.alerts import scanner
    from kernel.alerts.models import AlertRule
    from kernel.alerts.views import RegisterForm

    from ..reference import load

    world = World()
    load()
    rule = AlertRule.objects.get(code="labor_manual_clue")
    assert rule.approval_min_level == "red" and rule.category == services.LABOUR_CATEGORY
    assert rule in RegisterForm(user=world.owner).fields["rule"].queryset
    warning = alert_services.register_manual(rule=rule, subject=world.unit, level="orange", message="工人到网格站反映欠薪",
                                             user=world.owner, region=world.unit.region, organisation=world.unit)
    stats = scanner.scan("labor_manual_clue")
    assert (stats["raised"], stats["released"]) == (0, 0)
    assert Warning.objects.get(pk=warning.pk).status == "generated"


def test_batch_release_of_disposed_warnings_keeps_the_record(w, client):
    """预警解除: resolved warnings released in batch, each with its log row; one not yet disposed is refused."""
    from kernel.workflow.models import TransitionLog

    handled = w.assigned_warning()
    alert_services.handle(handled, w.qx, disposition_type="patrol", result="已巡查，工资已发放")
    pending = w.assigned_warning(subject=_second_unit(w))
    login(client, w.owner)  # a grid owner may not release
    assert client.post(reverse("gov:labor_warning_batch"), {"ids": [handled.pk], "action": "release"}).status_code == 403
    login(client, w.qx2)
    client.post(reverse("gov:labor_warning_batch"), {"ids": [handled.pk, pending.pk], "action": "release",
                                                     "comment": "已核实解决"})
    released = Warning.objects.get(pk=handled.pk)
    assert (released.status, released.release_type) == ("released", "batch")
    assert Warning.objects.get(pk=pending.pk).status == "assigned"
    assert TransitionLog.objects.filter(object_id=str(handled.pk), transition="release").exists()


def test_a_manual_warning_is_edited_on_its_page_and_an_automatic_one_is_not(w, client):
    manual = w.manual_warning(level="yellow")
    automatic = w.auto_warning(subject=_second_unit(w))
    login(client, w.qx)
    assert "edit-form" in client.get(reverse("gov:labor_warning_detail", args=[manual.pk])).content.decode()
    assert "edit-form" not in client.get(reverse("gov:labor_warning_detail", args=[automatic.pk])).content.decode()
    client.post(reverse("gov:labor_warning_edit", args=[manual.pk]), {"message": "网格员核实：拖欠4个月工资",
                                                                     "level": "orange"})
    manual.refresh_from_db()
    assert (manual.message, manual.level) == ("网格员核实：拖欠4个月工资", "orange")
    assert ChangeLog.objects.filter(object_id=str(manual.pk)).exists()
    bad = client.post(reverse("gov:labor_warning_edit", args=[manual.pk]), {"message": "", "level": "orange"})
    assert bad.status_code == 400 and "请填写预警内容" in bad.content.decode()
    response = client.post(reverse("gov:labor_warning_edit", args=[automatic.pk]), {"message": "改", "level": "red"})
    assert response.status_code == 400 and "不能修改" in response.content.decode()
    assert Warning.objects.get(pk=automatic.pk).message == automatic.message
    login(client, w.lz)  # another city
    assert client.post(reverse("gov:labor_warning_edit", args=[manual.pk]), {"message": "x", "level": "red"}).status_code == 404
