"""Problems, changes and notices (issue 8 point 3): repeated faults (≥ 3 fault tickets of one system within 30
days, as data) suggested as problems; a problem resolves only with root cause and prevention; a change is
implemented only when approved and inside its window, completes or rolls back with its result; a notice is
published only after the manager's approval and reaches exactly its readership. Scope 404, audit rows and
field-level errors on bad input."""
import datetime
import io
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from domains.ops.changes import services
from domains.ops.changes.models import Change, Notice, NoticeReceipt, Problem, RepeatFaultRule
from domains.ops.contracts.models import MaintainedSystem, ServiceContract
from domains.ops.tickets.models import Ticket
from kernel.accounts.models import Role
from kernel.audit.models import ChangeLog
from kernel.core.testing import make_agency, make_staff
from kernel.notify.models import InAppMessage
from kernel.org.models import Region
from kernel.workflow.engine import TransitionError

pytestmark = pytest.mark.django_db
TZ = timezone.get_fixed_timezone(8 * 60)
NOW = datetime.datetime(2026, 6, 30, 10, tzinfo=TZ)
WORK = ["ops_changes.view_problem", "ops_changes.add_problem", "ops_changes.change_problem",
        "ops_changes.view_change", "ops_changes.add_change", "ops_changes.change_change",
        "ops_changes.view_notice", "ops_changes.add_notice", "ops_changes.change_notice", "ops_changes.read_notice",
        "ops_contracts.view_maintainedsystem"]
MANAGE = WORK + ["ops_changes.close_problem", "ops_changes.approve_change", "ops_changes.approve_notice",
                 "ops_changes.change_repeatfaultrule"]
_seq = itertools.count(1)


@pytest.fixture
def system():
    agency = make_agency("450100", "hrss")
    system = MaintainedSystem.objects.create(code="pension", name="养老系统", agency=agency)
    ServiceContract.objects.create(system=system, contract_no="HT-1", name="养老系统运维", supplier="某公司",
                                   starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 12, 31))
    return system


@pytest.fixture
def engineer():
    return make_staff("450100", WORK, real_name="南宁工程师")


@pytest.fixture
def manager():
    return make_staff("450100", MANAGE, real_name="南宁运维管理员")


def ticket(system, days_ago, kind="fault", title="测算超时"):
    n = next(_seq)
    contract = system.contracts.get()
    return Ticket.objects.create(number=f"YW20260630{n:04d}", contract=contract, region=system.agency.region,
                                 organisation=system.agency, kind=kind, level=2 if kind == "fault" else None,
                                 title=f"{title}{n}", description="描述", requester_name="韦业务",
                                 contact_phone="13771208003", raised_at=NOW - datetime.timedelta(days=days_ago))


# -- problems -----------------------------------------------------------------------------------------
def test_three_fault_tickets_within_30_days_are_a_candidate_problem(system, engineer):
    rule = RepeatFaultRule.objects.get()  # loaded as reference data: 3 within 30 days
    assert (rule.min_count, rule.window_days) == (3, 30)
    ticket(system, 1), ticket(system, 10)
    ticket(system, 31)  # outside the 30 days
    ticket(system, 2, kind="consultation")  # not a fault
    assert services.candidates(engineer, NOW) == []
    third = ticket(system, 29)
    (c,) = services.candidates(engineer, NOW)
    assert (c["system"], c["count"]) == (system, 3)
    assert third in c["tickets"]
    rule.min_count = 4
    rule.save()
    assert services.candidates(engineer, NOW) == []
    rule.window_days, rule.min_count = 31, 4
    rule.save()
    assert services.candidates(engineer, NOW)[0]["count"] == 4
    assert services.candidates(make_staff("450200", WORK), NOW) == []  # another city does not see them


def test_a_candidate_becomes_a_problem_with_its_tickets_linked(system, engineer):
    tickets = [ticket(system, d) for d in (1, 5, 9)]
    problem = services.open_from_candidate(engineer, system.pk, NOW)
    assert problem.number.startswith("WT") and problem.status == "open"
    assert set(problem.tickets.all()) == set(tickets)
    assert "30天内3件" in problem.title
    assert services.candidates(engineer, NOW) == []  # linked tickets no longer count
    assert ChangeLog.objects.filter(content_type__model="problem", object_id=str(problem.pk),
                                    changed_fields=["tickets"]).exists()
    with pytest.raises(ValidationError, match="没有达到重复故障条件"):
        services.open_from_candidate(engineer, system.pk, NOW)


def test_a_problem_resolves_only_with_root_cause_and_prevention_and_the_manager_closes_it(system, engineer,
                                                                                        manager):
    problem = services.save_problem(Problem(system=system, title="超时", description="多次超时"), engineer)
    services.act(problem, "analyse", engineer)
    with pytest.raises(TransitionError, match="请先填写根本原因和预防措施"):
        services.act(problem, "resolve", engineer)
    problem.root_cause = "锁表"
    services.save_problem(problem, engineer)
    with pytest.raises(TransitionError, match="请先填写预防措施"):
        services.act(problem, "resolve", engineer)
    problem.prevention = "批量任务错峰"
    services.save_problem(problem, engineer)
    services.act(problem, "resolve", engineer, now=NOW)
    assert problem.resolved_at == NOW
    with pytest.raises(TransitionError, match="没有“关闭问题”的权限"):
        services.act(problem, "close", engineer)
    services.act(problem, "close", manager)
    assert Problem.objects.get().status == "closed"
    with pytest.raises(ValidationError, match="问题已关闭"):
        services.save_problem(problem, engineer)


def test_problem_tickets_must_be_visible_faults_of_the_same_system(system, engineer):
    other = MaintainedSystem.objects.create(code="other", name="其他系统", agency=system.agency)
    ServiceContract.objects.create(system=other, contract_no="HT-2", name="其他", supplier="某公司",
                                   starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 12, 31))
    consult, foreign = ticket(system, 1, kind="consultation"), ticket(other, 1)
    with pytest.raises(ValidationError) as exc:
        services.save_problem(Problem(system=system, title="超时", description="x"), engineer,
                              [consult.number, foreign.number, "YW-NONE"])
    assert exc.value.message_dict["tickets"] == [
        f"工单{consult.number}不是故障工单", f"工单{foreign.number}不属于所选运维对象", "工单YW-NONE不存在或不在您的管辖范围内"]
    assert not Problem.objects.exists()


# -- changes ------------------------------------------------------------------------------------------
def change_for(system, engineer, start=NOW + datetime.timedelta(hours=12), hours=2, **extra):
    fields = dict(system=system, title="增加索引", reason="超时", plan="建索引", risk_level="medium", risk="写入变慢",
                  impact="测算暂停", window_start=start, window_end=start + datetime.timedelta(hours=hours),
                  rollback_plan="删除索引")
    fields.update(extra)
    return services.save_change(Change(**fields), engineer)


def test_a_change_is_implemented_only_after_approval_and_inside_its_window(system, engineer, manager):
    change = change_for(system, engineer)
    assert change.number.startswith("BG") and change.status == "draft"
    services.act(change, "submit", engineer, now=NOW)
    with pytest.raises(TransitionError, match="当前状态为“待审批”"):
        services.act(change, "start", engineer, now=change.window_start)
    with pytest.raises(TransitionError, match="没有“批准”的权限"):
        services.act(change, "approve", engineer)
    services.act(change, "approve", manager)
    with pytest.raises(TransitionError, match="未到实施窗口"):
        services.act(change, "start", engineer, now=change.window_start - datetime.timedelta(minutes=1))
    with pytest.raises(TransitionError, match="实施窗口已于.*结束"):
        services.act(change, "start", engineer, now=change.window_end + datetime.timedelta(minutes=1))
    services.act(change, "start", engineer, now=change.window_start)
    with pytest.raises(TransitionError, match="请填写处理意见"):
        services.act(change, "complete", engineer)
    services.act(change, "complete", engineer, comment="索引已建，测算3秒内返回", now=change.window_end)
    change.refresh_from_db()
    assert (change.status, change.result, change.started_at) == ("completed", "索引已建，测算3秒内返回",
                                                                 change.window_start)


def test_a_change_rolls_back_with_its_result_and_the_manager_never_approves_their_own(system, engineer, manager):
    own = change_for(system, manager)
    services.act(own, "submit", manager, now=NOW)
    with pytest.raises(TransitionError, match="不能“批准”自己提交的记录"):
        services.act(own, "approve", manager)
    change = change_for(system, engineer)
    services.act(change, "submit", engineer, now=NOW)
    services.act(change, "approve", manager)
    services.act(change, "start", engineer, now=change.window_start)
    services.act(change, "rollback", engineer, comment="索引创建超时，已按回退方案删除", now=change.window_end)
    change.refresh_from_db()
    assert change.status == "rolled_back" and change.result == "索引创建超时，已按回退方案删除"
    assert change.workflow.state(change.status).final


def test_a_change_whose_window_passed_cannot_be_submitted_and_is_revised_after_rejection(system, engineer, manager):
    late = change_for(system, engineer, start=NOW - datetime.timedelta(hours=3))
    with pytest.raises(TransitionError, match="实施窗口已过"):
        services.act(late, "submit", engineer, now=NOW)
    change = change_for(system, engineer)
    services.act(change, "submit", engineer, now=NOW)
    with pytest.raises(TransitionError, match="请填写处理意见"):
        services.act(change, "reject", manager)
    services.act(change, "reject", manager, comment="回退方案不完整")
    services.act(change, "revise", engineer)
    change.rollback_plan = "恢复备份并删除索引，验证测算"
    services.save_change(change, engineer)
    assert Change.objects.get(pk=change.pk).status == "draft"


def test_change_input_is_validated_field_by_field(system, engineer):
    with pytest.raises(ValidationError) as exc:
        change_for(system, engineer, hours=-1, rollback_plan="")
    assert exc.value.message_dict["window_end"] == ["实施窗口结束时间须晚于开始时间"]
    assert "rollback_plan" in exc.value.message_dict
    liuzhou = MaintainedSystem.objects.create(code="lz", name="柳州系统", agency=make_agency("450200", "hrss"))
    with pytest.raises(ValidationError) as exc:
        change_for(liuzhou, engineer)
    assert exc.value.message_dict["system"] == ["请选择您管辖范围内的运维对象"]
    assert not Change.objects.exists()


# -- notices ------------------------------------------------------------------------------------------
@pytest.fixture
def people():
    """Readers in Nanning (the author's city) and one in Liuzhou, with and without the requester role."""
    requester = Role.objects.get(code="ops_requester")
    clerk = make_staff("450102", [], real_name="兴宁经办")
    clerk.roles.add(requester)
    city_clerk = make_staff("450100", [], real_name="南宁经办")
    city_clerk.roles.add(requester)
    other = make_staff("450103", [], real_name="青秀其他人员")
    liuzhou = make_staff("450200", [], real_name="柳州经办")
    liuzhou.roles.add(requester)
    return {"clerk": clerk, "city_clerk": city_clerk, "other": other, "liuzhou": liuzhou}


def notice(engineer, **readership):
    readership = {"roles": [], "organisations": [], "regions": [], **readership}
    return services.save_notice(Notice(kind="announcement", title="今晚维护", body="22:00-24:00维护"), engineer,
                                **readership)


def test_a_notice_is_published_only_after_the_managers_approval_and_reaches_its_readership(engineer, manager,
                                                                                         people):
    n = notice(engineer, roles=[Role.objects.get(code="ops_requester")])
    with pytest.raises(TransitionError, match="当前状态为“草稿”"):
        services.act(n, "publish", manager)
    services.act(n, "submit", engineer)
    with pytest.raises(TransitionError, match="没有“审核通过并发布”的权限"):
        services.act(n, "publish", engineer)
    assert not NoticeReceipt.objects.exists() and not InAppMessage.objects.exists()
    services.act(n, "publish", manager, now=NOW)
    n.refresh_from_db()
    assert (n.status, n.published_at, n.published_by) == ("published", NOW, manager)
    # requesters within Nanning: the Liuzhou requester and the Nanning user without the role are not readers
    readers = set(NoticeReceipt.objects.values_list("user__real_name", flat=True))
    assert readers == {"兴宁经办", "南宁经办"}
    assert set(InAppMessage.objects.values_list("recipient__real_name", flat=True)) == readers
    assert InAppMessage.objects.filter(title="运维公告：今晚维护", url=f"/gov/ops/notices/{n.pk}/").count() == 2
    assert [r.notice for r in services.inbox(people["clerk"])] == [n]
    assert list(services.inbox(people["liuzhou"])) == [] and list(services.inbox(people["other"])) == []
    services.act(n, "withdraw", manager, comment="时间调整")
    assert list(services.inbox(people["clerk"])) == []


def test_readership_by_region_and_organisation_and_roles_combined(engineer, manager, people):
    xingning = Region.objects.get(code="450102")
    n = notice(engineer, regions=[xingning])
    assert {u.real_name for u in services.readers(n)} == {"兴宁经办"}
    n2 = notice(engineer, organisations=[people["other"].organisation], regions=[xingning])
    assert {u.real_name for u in services.readers(n2)} >= {"兴宁经办", "青秀其他人员"}
    n3 = notice(engineer, organisations=[people["other"].organisation], regions=[xingning],
                roles=[Role.objects.get(code="ops_requester")])
    assert {u.real_name for u in services.readers(n3)} == {"兴宁经办"}


def test_readership_is_required_and_kept_within_the_authors_jurisdiction(engineer, people):
    with pytest.raises(ValidationError) as exc:
        notice(engineer)
    assert exc.value.message_dict["roles"] == ["请至少选择一种阅读范围：角色、单位或区划"]
    with pytest.raises(ValidationError) as exc:
        notice(engineer, regions=[Region.objects.get(code="450200")],
               organisations=[people["liuzhou"].organisation])
    assert exc.value.message_dict["regions"] == ["不在本单位辖区内的区划：柳州市"]
    assert exc.value.message_dict["organisations"][0].startswith("不在本单位辖区内的单位：")
    assert not Notice.objects.exists()


def test_a_returned_notice_is_revised_and_the_author_cannot_publish_their_own(engineer, manager, people):
    own = notice(manager, roles=[Role.objects.get(code="ops_requester")])
    services.act(own, "submit", manager)
    with pytest.raises(TransitionError, match="不能“审核通过并发布”自己提交的记录"):
        services.act(own, "publish", manager)
    n = notice(engineer, roles=[Role.objects.get(code="ops_requester")])
    services.act(n, "submit", engineer)
    services.act(n, "reject", manager, comment="请写明影响范围")
    services.act(n, "revise", engineer)
    n.body = "22:00-24:00维护，待遇测算暂停"
    services.save_notice(n, engineer, roles=[Role.objects.get(code="ops_requester")], organisations=[], regions=[])
    assert not NoticeReceipt.objects.exists()


# -- pages ---------------------------------------------------------------------------------------------
def test_pages_are_scoped_to_the_jurisdiction(client, system, engineer, manager, people):
    problem = services.save_problem(Problem(system=system, title="超时问题", description="x"), engineer)
    change = change_for(system, engineer)
    n = notice(engineer, roles=[Role.objects.get(code="ops_requester")])
    services.act(n, "submit", engineer)
    services.act(n, "publish", manager)
    client.force_login(manager)
    assert "超时问题" in client.get("/gov/ops/problems/").content.decode()
    liuzhou = make_staff("450200", MANAGE)
    client.force_login(liuzhou)
    assert "超时问题" not in client.get("/gov/ops/problems/").content.decode()
    for url in (f"/gov/ops/problems/{problem.pk}/", f"/gov/ops/changes/{change.pk}/",
                f"/gov/ops/notices/manage/{n.pk}/", f"/gov/ops/notices/{n.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/gov/ops/changes/{change.pk}/act/submit/").status_code == 404
    assert Change.objects.get().status == "draft"
    client.force_login(people["clerk"])
    page = client.get(f"/gov/ops/notices/{n.pk}/")
    assert page.status_code == 200 and "22:00-24:00维护" in page.content.decode()
    assert NoticeReceipt.objects.get(user=people["clerk"]).read_at is not None


def test_forms_show_field_errors_write_nothing_and_audit_writes(client, system, engineer, manager):
    client.force_login(engineer)
    response = client.post("/gov/ops/changes/new/", {
        "system": system.pk, "title": "", "reason": "r", "plan": "p", "risk_level": "low", "risk": "x", "impact": "y",
        "window_start": "2026-07-01T22:00", "window_end": "2026-07-01T21:00", "rollback_plan": "z",
        "ticket_numbers": "YW-NONE"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请填写变更标题" in body and "实施窗口结束时间须晚于开始时间" in body
    assert not Change.objects.exists()
    response = client.post("/gov/ops/changes/new/", {
        "system": system.pk, "title": "加索引", "reason": "r", "plan": "p", "risk_level": "low", "risk": "x",
        "impact": "y", "window_start": "2026-07-01T22:00", "window_end": "2026-07-01T23:00", "rollback_plan": "z",
        "ticket_numbers": "YW-NONE"})
    assert response.status_code == 400 and "工单YW-NONE不存在或不在您的管辖范围内" in response.content.decode()
    assert not Change.objects.exists()
    t = ticket(system, 1)
    response = client.post("/gov/ops/changes/new/", {
        "system": system.pk, "title": "加索引", "reason": "r", "plan": "p", "risk_level": "low", "risk": "x",
        "impact": "y", "window_start": "2026-07-01T22:00", "window_end": "2026-07-01T23:00", "rollback_plan": "z",
        "ticket_numbers": t.number})
    assert response.status_code == 302
    change = Change.objects.get()
    assert list(change.tickets.all()) == [t]
    assert ChangeLog.objects.filter(content_type__model="change", object_id=str(change.pk), action="create",
                                    actor=engineer).exists()
    response = client.post("/gov/ops/notices/manage/new/", {"kind": "announcement", "title": "维护", "body": "x"})
    assert response.status_code == 400 and "请至少选择一种阅读范围" in response.content.decode()
    assert not Notice.objects.exists()
    client.force_login(manager)
    response = client.post("/gov/ops/problems/", {"form": "rule", "min_count": "1", "window_days": "30"})
    assert response.status_code == 400 and RepeatFaultRule.objects.get().min_count == 3
    response = client.post("/gov/ops/problems/", {"form": "rule", "min_count": "5", "window_days": "14"})
    assert response.status_code == 302
    rule = RepeatFaultRule.objects.get()
    assert (rule.min_count, rule.window_days) == (5, 14)
    assert ChangeLog.objects.filter(content_type__model="repeatfaultrule", object_id=str(rule.pk),
                                    action="update").exists()


def test_demo_publishes_one_notice_and_leaves_one_for_approval():
    from domains.ops.changes import demo
    from domains.ops.contracts import demo as contracts_demo

    for region, kind in (("450000", "hrss"), ("450000", "market"), ("450000", "tax"), ("450100", "hrss")):
        make_agency(region, kind)
    contracts_demo.seed(1, io.StringIO())
    system = MaintainedSystem.objects.get(code="pension")
    for d in (1, 2, 3):
        ticket(system, d).__class__.objects.filter(pk__isnull=False).update(raised_at=timezone.now())
    summary = demo.seed(1, io.StringIO())
    assert summary.startswith("运维问题1个、变更1个、公告2条（已发布1条，送达")
    assert demo.seed(1, io.StringIO()) == ""
    assert Notice.objects.get(status="submitted").kind == "change"
    assert Change.objects.get().status == "approved" and Problem.objects.get().tickets.count() == 3
    readers = set(NoticeReceipt.objects.values_list("user__username", flat=True))
    assert {"gx_ops_clerk", "nn_ops_clerk", "gx_ops"} <= readers
