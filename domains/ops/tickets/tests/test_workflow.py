"""The ticket's workflow: who may take each step, the guards (no fault resolved or closed without root cause
and solution, no data request accepted without the competent department's authorisation, no upgrade released
without sign-off and passed tests), the to-dos of whoever acts next, the numbering, Chinese field errors that
change nothing, and the audit rows of every write."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from domains.ops.tickets import services
from domains.ops.tickets.models import Ticket
from kernel.audit.models import ChangeLog
from kernel.todos.services import open_for
from kernel.workflow.engine import TransitionError

from .conftest import pdf

pytestmark = pytest.mark.django_db


def todo_titles(user):
    return [t.title for t in open_for(user)]


def test_the_whole_way_of_a_fault_with_to_dos_for_whoever_acts_next(world):
    ticket = world.fault(level=2)
    day = timezone.localdate()
    assert ticket.number == f"YW{day:%Y%m%d}0001" and ticket.status == "new"
    assert world.fault(level=3).number == f"YW{day:%Y%m%d}0002"
    assert ticket.requester == world.clerk and ticket.region.code == "450000"
    assert f"受理运维工单：{ticket}" in todo_titles(world.engineer)
    services.accept(ticket, world.engineer)
    ticket.refresh_from_db()
    assert ticket.status == "accepted" and ticket.responded_at is not None and ticket.response_breached is False
    assert f"派单：{ticket}" in todo_titles(world.engineer)
    services.assign(ticket, world.manager, world.engineer)
    services.start(ticket, world.engineer, handling_mode="onsite")
    ticket.refresh_from_db()
    assert ticket.status == "in_progress" and ticket.handling_mode == "onsite"
    assert f"处理运维工单：{ticket}" in todo_titles(world.engineer)
    services.resolve(ticket, world.engineer, root_cause="待遇核定程序参数配置错误", solution="修正参数并重算")
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.resolved_at is not None
    assert f"确认运维工单解决情况：{ticket}" in todo_titles(world.clerk)
    assert f"处理运维工单：{ticket}" not in todo_titles(world.engineer)
    services.close(ticket, world.clerk)
    ticket.refresh_from_db()
    assert ticket.status == "closed" and ticket.closed_at is not None
    assert [log.transition for log in ticket.workflow_history().order_by("time", "id")] == [
        "accept", "assign", "start", "resolve", "close"]
    assert not todo_titles(world.clerk)


def test_a_fault_cannot_be_resolved_or_closed_without_root_cause_and_solution(world):
    ticket = world.in_progress(world.fault(level=2))
    with pytest.raises(TransitionError) as exc:
        services.resolve(ticket, world.engineer, root_cause="  ", solution="")
    assert exc.value.errors == {"solution": ["请填写解决方案"], "root_cause": ["故障工单须填写原因分析"]}
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.status == "in_progress" and stored.solution == "" and stored.resolved_at is None
    with pytest.raises(TransitionError) as exc:
        services.close(stored, world.clerk)
    assert "不能执行“确认关闭”" in str(exc.value)
    # a consultation needs an answer but no root cause
    consult = world.in_progress(world.ticket("consultation"))
    services.resolve(consult, world.engineer, solution="已电话指导操作")
    assert Ticket.objects.get(pk=consult.pk).status == "resolved"


def test_a_data_request_is_refused_without_the_departments_authorisation(world):
    ticket = world.ticket("data", description="更正参保人员缴费基数")
    with pytest.raises(TransitionError) as exc:
        services.accept(ticket, world.engineer)
    assert exc.value.errors == {"auth_department": ["数据维护须经主管部门授权：请填写授权主管部门"],
                                "auth_document_no": ["数据维护须经主管部门授权：请填写授权文件文号"],
                                "auth_file": ["数据维护须经主管部门授权：请上传授权文件"]}
    assert Ticket.objects.get(pk=ticket.pk).status == "new"
    services.authorise(ticket, world.clerk, department="自治区社会保险事业局", document_no="桂社保函〔2026〕18号")
    with pytest.raises(TransitionError) as exc:  # the document itself is still missing
        services.accept(ticket, world.engineer)
    assert list(exc.value.errors) == ["auth_file"]
    services.authorise(ticket, world.clerk, department="自治区社会保险事业局", document_no="桂社保函〔2026〕18号",
                       file=pdf())
    services.accept(Ticket.objects.get(pk=ticket.pk), world.engineer)
    assert Ticket.objects.get(pk=ticket.pk).status == "accepted"
    assert services.authorisation_files(ticket).count() == 1


def test_an_upgrade_is_released_only_after_sign_off_and_both_tests(world):
    ticket = world.in_progress(world.ticket("upgrade", upgrade_type="new", description="新增退休人员待遇调整批量功能"))
    with pytest.raises(TransitionError) as exc:
        services.resolve(ticket, world.engineer, solution="已开发并部署")
    assert exc.value.errors == {"signed_off": ["升级须先完成需求确认签字"], "internal_test": ["升级发布前须通过内部测试"],
                                "user_test": ["升级发布前须通过用户测试"]}
    with pytest.raises(ValidationError) as exc:
        services.record_test(ticket, world.engineer, stage="internal", result="passed")
    assert exc.value.message_dict == {"stage": ["请先完成需求确认签字"]}
    with pytest.raises(PermissionDenied):  # the users sign their requirement, not the engineer
        services.sign_off(ticket, world.engineer, requirement="x", planned_release_on=timezone.localdate())
    services.sign_off(ticket, world.clerk, requirement="批量调整待遇，支持按文件导入", planned_release_on=timezone.localdate())
    with pytest.raises(ValidationError) as exc:
        services.record_test(ticket, world.clerk, stage="user", result="passed")
    assert exc.value.message_dict == {"stage": ["内部测试通过后才能进行用户测试"]}
    with pytest.raises(ValidationError) as exc:
        services.record_test(ticket, world.engineer, stage="internal", result="failed")
    assert exc.value.message_dict == {"note": ["测试不通过请说明问题"]}
    services.record_test(ticket, world.engineer, stage="internal", result="passed", note="三轮内测通过")
    ticket.refresh_from_db()
    with pytest.raises(TransitionError) as exc:
        services.resolve(ticket, world.engineer, solution="已开发并部署")
    assert exc.value.errors == {"user_test": ["升级发布前须通过用户测试"]}
    services.record_test(ticket, world.clerk, stage="user", result="passed")
    ticket.refresh_from_db()
    services.resolve(ticket, world.engineer, solution="已开发并部署")
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.released_at == ticket.resolved_at


def test_roles_requester_raises_and_confirms_engineer_handles(world):
    ticket = world.fault(level=2)
    with pytest.raises(TransitionError) as exc:
        services.accept(ticket, world.clerk)
    assert str(exc.value) == "“受理”只能由指定角色办理"
    ticket = world.in_progress(ticket)
    services.resolve(ticket, world.engineer, root_cause="服务进程僵死", solution="重启并加监控")
    with pytest.raises(TransitionError) as exc:
        services.close(Ticket.objects.get(pk=ticket.pk), world.engineer)
    assert str(exc.value) == "只有提出人或运维服务管理员可以确认或重新打开工单"
    services.reopen(Ticket.objects.get(pk=ticket.pk), world.manager, "窗口反馈仍有报错")  # the manager may do all
    ticket.refresh_from_db()
    assert ticket.status == "reopened" and ticket.reopen_count == 1
    services.restart(ticket, world.engineer)
    assert Ticket.objects.get(pk=ticket.pk).status == "in_progress"
    # another city's requester cannot touch it
    with pytest.raises(TransitionError) as exc:
        services.cancel(Ticket.objects.get(pk=ticket.pk), world.nn_clerk, "x")
    assert "不能执行" in str(exc.value) or "管辖范围" in str(exc.value)


def test_engineer_records_a_phone_consultation_on_behalf_of_a_user(world):
    raised = timezone.now().replace(microsecond=0) - timezone.timedelta(minutes=30)
    ticket = services.create_ticket(world.engineer, contract=world.pension, kind="consultation", channel="phone",
                                    title="如何打印参保缴费证明", description="来电咨询", contact_phone="0771-5551234",
                                    requester_name="覃某（来电）", raised_at=raised)
    assert ticket.requester is None and ticket.created_by == world.engineer and ticket.raised_at == raised
    # without an account behind it, the engineer who recorded it confirms with the caller
    ticket = world.in_progress(ticket)
    services.resolve(ticket, world.engineer, solution="已电话告知操作路径")
    services.close(Ticket.objects.get(pk=ticket.pk), world.engineer)
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"
    # a requester cannot backdate: the time is now
    own = services.create_ticket(world.clerk, contract=world.pension, kind="consultation", channel="wechat",
                                 title="t", description="d", contact_phone="13771208003", raised_at=raised)
    assert own.raised_at > raised and own.requester == world.clerk and own.requester_name == "韦业务"


def test_bad_input_gets_chinese_field_errors_and_saves_nothing(world):
    with pytest.raises(ValidationError) as exc:
        services.create_ticket(world.clerk, contract=world.pension, kind="fault", level=None, title="",
                               description=" ", contact_phone="12345")
    assert exc.value.message_dict == {"level": ["请选择故障级别（1、2、3级）"], "title": ["请填写标题"],
                                      "description": ["请填写问题描述"],
                                      "contact_phone": ["联系电话应为11位手机号或带区号的固定电话（如0771-5551234）"]}
    with pytest.raises(ValidationError) as exc:
        services.create_ticket(world.clerk, contract=world.pension, kind="consultation", title="t", description="d",
                               contact_phone="13771208003")
    assert exc.value.message_dict == {"channel": [
        "咨询工单请选择受理渠道（电话、微信、QQ、电子邮件、传真、CASE需求平台、平台自助）"]}
    world.labour.terms.filter(kind="fault", level=2).delete()  # a contract without a level-2 term
    with pytest.raises(ValidationError) as exc:
        world.fault(level=2, contract=world.labour)
    assert exc.value.message_dict == {"level": ["合同GXZC2021-000没有故障2级的SLA条款"]}
    with pytest.raises(ValidationError) as exc:  # Nanning's clerk does not see the region's contracts
        world.fault(level=2, by=world.nn_clerk)
    assert exc.value.message_dict == {"contract": ["请选择您管辖范围内的服务合同"]}
    with pytest.raises(ValidationError) as exc:
        world.fault(level=2, raised_at=timezone.now() + timezone.timedelta(hours=2))
    assert exc.value.message_dict == {"raised_at": ["提出时间不能晚于当前时间"]}
    with pytest.raises(ValidationError) as exc:
        services.wait(world.in_progress(world.fault(level=3)), world.engineer, "  ")
    assert exc.value.message_dict == {"comment": ["请说明需要用户反馈的内容"]}
    assert Ticket.objects.count() == 1  # only the last, valid one
    assert Ticket.objects.get().status == "in_progress"


def test_every_write_leaves_an_audit_row(world):
    ticket = world.fault(level=2)
    created = ChangeLog.objects.get(content_type__app_label="ops_tickets", content_type__model="ticket",
                                    object_id=str(ticket.pk), action="create")
    assert created.after["number"] == ticket.number
    services.accept(ticket, world.engineer, assignee=world.engineer)
    changes = ChangeLog.objects.filter(object_id=str(ticket.pk), content_type__model="ticket", action="update")
    assert any("responded_at" in c.changed_fields for c in changes)
    assert any("assignee" in c.changed_fields for c in changes)
    services.start(Ticket.objects.get(pk=ticket.pk), world.engineer)
    services.wait(Ticket.objects.get(pk=ticket.pk), world.engineer, "请提供截图")
    pause = ticket.pauses.get()
    assert ChangeLog.objects.filter(content_type__model="ticketpause", object_id=str(pause.pk), action="create").exists()
