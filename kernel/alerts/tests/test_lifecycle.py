"""Warning lifecycle: review (level change), assignment (by hand, by territory), disposition,
release, escalation, withdrawal; pages, scope, batch operations, export, statistics."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kernel.alerts import scanner, services
from kernel.alerts.models import AlertRule, Territory, Warning
from kernel.core.testing import ScopeContract, make_enterprise, make_staff, xlsx_rows
from kernel.notify.models import InAppMessage, SmsMessage
from kernel.org.models import Region
from kernel.todos.models import Todo
from kernel.workflow.engine import TransitionError
from tests.testapp.models import Application

REVIEWER = ["alerts.view_warning", "alerts.review_warning", "alerts.release_warning", "alerts.export_warning",
            "alerts.register_warning"]
DISPATCHER = ["alerts.view_warning", "alerts.assign_warning"]


def raise_warning(amount=150, region="450103", title="测试申请"):
    a = Application.objects.create(title=title, amount=amount, region=Region.objects.get(code=region))
    scanner.scan("test_amount")
    return Warning.objects.get(subject_id=a.pk, status="generated")


@pytest.mark.django_db
class TestLifecycle:
    def test_generated_to_released(self, django_capture_on_commit_callbacks):
        w = raise_warning()
        reviewer = make_staff("450100", REVIEWER)
        dispatcher = make_staff("450100", DISPATCHER)
        handler = make_staff("450103", ["alerts.view_warning"], phone="13877119001")
        services.review(w, reviewer, comment="属实")
        with django_capture_on_commit_callbacks(execute=True):
            services.assign(w, dispatcher, handler)
        assert InAppMessage.objects.filter(recipient=handler).exists()
        assert SmsMessage.objects.get(phone="13877119001").content.startswith("【广西政务】测试申请触发预警")
        assert Todo.objects.get(assignee=handler, status="open").title == f"处置预警：{w}"
        services.handle(w, handler, disposition_type="interview", result="已约谈负责人，承诺三日内整改")
        assert not Todo.objects.filter(assignee=handler, status="open").exists()
        services.release(w, reviewer, comment="核实已整改")
        w.refresh_from_db()
        assert w.status == "released" and w.release_type == "manual" and w.disposition_type == "interview"
        assert [log.transition for log in w.workflow_history()] == ["review", "assign", "handle", "release"]
        assert not Todo.objects.filter(object_id=str(w.pk), status="open").exists()

    def test_review_may_change_level_and_is_recorded(self):
        w = raise_warning()
        services.review(w, make_staff("450100", REVIEWER), level="red", comment="影响面大")
        w.refresh_from_db()
        assert w.level == "red" and w.level_set_by_reviewer
        assert "等级由黄色调整为红色" in w.workflow_history().get().comment

    def test_automatic_warning_content_cannot_be_edited(self):
        w = raise_warning()
        with pytest.raises(ValidationError, match="系统自动产生的预警内容不能修改"):
            services.edit_manual(w, make_staff("450100", REVIEWER), message="改内容")

    def test_handle_needs_the_assignee_and_a_result(self):
        w = raise_warning()
        services.review(w, make_staff("450100", REVIEWER))
        handler = make_staff("450103", ["alerts.view_warning"])
        services.assign(w, make_staff("450100", DISPATCHER), handler)
        with pytest.raises(TransitionError, match="只有处置人可以登记处置结果"):
            services.handle(w, make_staff("450103", ["alerts.view_warning"]), disposition_type="patrol", result="x")
        with pytest.raises(ValidationError):
            services.handle(w, handler, disposition_type="nonsense", result="x")
        with pytest.raises(TransitionError, match="请填写处置方式和处置结果"):
            services.handle(w, handler, disposition_type="patrol", result=" ")

    def test_manual_warning_withdrawn_only_by_its_originator(self):
        inspector = make_staff("450100", REVIEWER)
        org = make_enterprise("450103")
        scanner.scan("test_unit_clue")  # makes sure the rule row exists; the scan raises nothing
        rule = AlertRule.objects.get(code="test_unit_clue")
        with pytest.raises(ValidationError, match="该预警规则监测的不是这类对象"):  # a rule about applications
            services.register_manual(rule=AlertRule.objects.get(code="test_amount") if scanner.scan("test_amount")
                                     else None, subject=org, level="orange", message="x", user=inspector,
                                     region=org.region, organisation=org)
        w = services.register_manual(rule=rule, subject=org, level="orange", message="群众反映欠薪", user=inspector,
                                     region=org.region, organisation=org)
        assert scanner.scan("test_unit_clue")["released"] == 0  # a manual-only rule never touches it
        assert w.origin == "manual" and Todo.objects.filter(object_id=str(w.pk), status="open").count() == 1
        services.edit_manual(w, inspector, message="群众反映拖欠3个月工资")
        other = make_staff("450100", REVIEWER)
        with pytest.raises(TransitionError, match="只有登记人可以撤回预警"):
            Warning.workflow.apply(w, "withdraw", other, comment="误报")
        Warning.workflow.apply(w, "withdraw", inspector, comment="误报")
        assert Warning.objects.get(pk=w.pk).status == "withdrawn"
        with pytest.raises(ValidationError, match="不在您的管辖范围内"):
            services.register_manual(rule=rule, subject=org, level="orange", message="x",
                                     user=make_staff("450200", REVIEWER), region=org.region)

    def test_automatic_warning_cannot_be_withdrawn(self):
        w = raise_warning()
        with pytest.raises(TransitionError, match="只能由系统解除"):
            Warning.workflow.apply(w, "withdraw", make_staff("450100", REVIEWER), comment="x")

    def test_territory_auto_assignment_for_low_levels(self, django_capture_on_commit_callbacks):
        grid_owner = make_staff("450103", ["alerts.view_warning"], phone="13877119002")
        Territory.objects.create(region=Region.objects.get(code="450103"), user=grid_owner)
        scanner.scan("test_amount")  # creates the rule row
        AlertRule.objects.filter(code="test_amount").update(auto_assign_max_level="orange")
        with django_capture_on_commit_callbacks(execute=True):
            Application.objects.create(title="低", amount=150, region=Region.objects.get(code="450103"))
            Application.objects.create(title="高", amount=5000, region=Region.objects.get(code="450103"))
            scanner.scan("test_amount")
        low, high = Warning.objects.get(subject_repr="低"), Warning.objects.get(subject_repr="高")
        assert low.status == "assigned" and low.assignee == grid_owner
        assert [log.actor_name for log in low.workflow_history()] == ["系统", "系统"]
        assert high.status == "generated" and high.assignee is None  # red needs a person's review

    def test_level_change_notifies_the_assignee_once_per_level(self, django_capture_on_commit_callbacks):
        w = raise_warning()
        services.review(w, make_staff("450100", REVIEWER))
        handler = make_staff("450103", ["alerts.view_warning"], phone="13877119003")
        with django_capture_on_commit_callbacks(execute=True):
            services.assign(w, make_staff("450100", DISPATCHER), handler)
        Application.objects.filter(pk=w.subject_id).update(amount=2000)
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                scanner.scan("test_amount")
        sms = SmsMessage.objects.filter(phone="13877119003", template__code="alert_level_changed")
        assert sms.count() == 1 and "红色" in sms.get().content


@pytest.mark.django_db
class TestPages:
    def test_batch_review_reports_per_record(self, client):
        a, b = raise_warning(title="甲"), raise_warning(title="乙")
        c = raise_warning(title="柳州", region="450202")
        client.force_login(make_staff("450100", REVIEWER))
        response = client.post(reverse("gov:warning_batch"), {"action": "review", "ids": [a.pk, b.pk, c.pk]}, follow=True)
        assert "成功2条，失败0条" in response.content.decode()  # the Liuzhou one is not even in scope
        assert set(Warning.objects.filter(status="reviewed").values_list("pk", flat=True)) == {a.pk, b.pk}
        response = client.post(reverse("gov:warning_batch"), {"action": "review", "ids": [a.pk]}, follow=True)
        assert "成功0条，失败1条" in response.content.decode() and "不能执行“审核”" in response.content.decode()

    def test_batch_needs_permission(self, client):
        a = raise_warning()
        client.force_login(make_staff("450100", ["alerts.view_warning"]))
        response = client.post(reverse("gov:warning_batch"), {"action": "release", "ids": [a.pk]}, follow=True)
        assert "没有该批量操作的权限" in response.content.decode()

    def test_list_filter_export_and_stats(self, client):
        raise_warning(amount=150, title="黄色甲")
        raise_warning(amount=5000, title="红色乙")
        user = make_staff("450100", REVIEWER)
        client.force_login(user)
        page = client.get(reverse("gov:warning_list"), {"level": "red"}).content.decode()
        assert "红色乙" in page and "黄色甲" not in page
        rows = xlsx_rows(client.get(reverse("gov:warning_list"), {"export": "xlsx"}))
        assert rows[0][0] == "预警对象" and {r[0] for r in rows[1:]} == {"黄色甲", "红色乙"}
        stats = client.get(reverse("gov:warning_stats")).context["stats"]
        assert stats["total"] == 2 and {r["level"]: r["n"] for r in stats["by_level"]} == {"red": 1, "yellow": 1}

    def test_detail_actions_through_the_page(self, client):
        w = raise_warning()
        client.force_login(make_staff("450100", REVIEWER + DISPATCHER))
        page = client.get(reverse("gov:warning_detail", args=[w.pk])).content.decode()
        assert "review-form" in page and "workflow-panel" in page
        client.post(reverse("gov:warning_action", args=[w.pk, "review"]), {"level": "orange", "comment": "ok"})
        w.refresh_from_db()
        assert (w.status, w.level) == ("reviewed", "orange")
        handler = make_staff("450103", ["alerts.view_warning"])
        client.post(reverse("gov:warning_action", args=[w.pk, "assign"]), {"assignee": handler.pk})
        assert Warning.objects.get(pk=w.pk).assignee == handler
        outsider = make_staff("450202", ["alerts.view_warning"])
        response = client.post(reverse("gov:warning_action", args=[w.pk, "assign"]), {"assignee": outsider.pk}, follow=True)
        assert "请选择处置人" in response.content.decode()

    def test_rule_thresholds_edit_validated_and_audited(self, client):
        scanner.scan("test_amount")
        rule = AlertRule.objects.get(code="test_amount")
        client.force_login(make_staff("450000", ["alerts.view_alertrule", "alerts.change_alertrule"]))
        bad = client.post(reverse("gov:alertrule_edit", args=[rule.pk]), {
            "name": rule.name, "enabled": "on", "levels": '[{"level": "red", "threshold": 1}]', "notify_sms": "on"})
        assert bad.status_code == 400 and "等级不能增删或调整顺序" in bad.content.decode()
        good = client.post(reverse("gov:alertrule_edit", args=[rule.pk]), {
            "name": rule.name, "enabled": "on", "notify_sms": "on", "auto_assign_max_level": "",
            "levels": '[{"level": "yellow", "threshold": 200}, {"level": "orange", "threshold": 500}, {"level": "red", "threshold": 1000}]'})
        assert good.status_code == 302
        rule.refresh_from_db()
        assert rule.levels[0]["threshold"] == 200


class TestWarningScope(ScopeContract):
    model = Warning
    list_url = "gov:warning_list"
    detail_url = "gov:warning_detail"
    view_perms = ["alerts.view_warning"]
    export_perm = "alerts.export_warning"

    def make_record(self, region):
        return raise_warning(region=region.code, title="范围测试申请")

    def marker(self, obj):
        return obj.subject_repr


@pytest.mark.django_db
class TestLeadershipApproval:
    """A level at or above AlertRule.approval_min_level (red, 一级, in labour inspection) is approved by a
    leader before command dispatch; lower levels go straight to dispatch."""

    def _rule(self):
        scanner.scan("test_amount")
        rule = AlertRule.objects.get(code="test_amount")
        rule.approval_min_level = "red"
        rule.save()
        return rule

    def test_red_goes_to_the_leader_and_cannot_be_assigned_before(self):
        self._rule()
        w = raise_warning(amount=1500)
        assert w.level == "red"
        reviewer = make_staff("450100", REVIEWER + DISPATCHER)
        services.review(w, reviewer, comment="情况属实")
        w.refresh_from_db()
        assert w.status == "approving"
        with pytest.raises(TransitionError):
            services.assign(w, reviewer, make_staff("450103", ["alerts.view_warning"]))
        with pytest.raises(TransitionError):  # the reviewer holds no approval permission
            services.approve(w, reviewer)
        leader = make_staff("450100", ["alerts.view_warning", "alerts.approve_warning"])
        assert Todo.objects.filter(object_id=str(w.pk), status="open").count() == 1
        services.approve(w, leader, comment="同意，转指挥调度")
        assert Warning.objects.get(pk=w.pk).status == "reviewed"

    def test_lower_levels_and_a_review_that_raises_to_red(self):
        self._rule()
        reviewer = make_staff("450100", REVIEWER)
        w = raise_warning(amount=600)
        assert w.level == "orange"
        services.review(w, reviewer)
        assert Warning.objects.get(pk=w.pk).status == "reviewed"
        w2 = raise_warning(amount=150, title="另一申请")
        services.review(w2, reviewer, level="red")  # raised to red by the reviewer: needs approval too
        assert Warning.objects.get(pk=w2.pk).status == "approving"

    def test_red_is_never_auto_assigned(self, django_capture_on_commit_callbacks):
        rule = self._rule()
        rule.auto_assign_max_level = "red"
        rule.save()
        Territory.objects.create(region=Region.objects.get(code="450103"), user=make_staff("450103", ["alerts.view_warning"]))
        with django_capture_on_commit_callbacks(execute=True):
            w = raise_warning(amount=1500)
        assert Warning.objects.get(pk=w.pk).status == "generated"


@pytest.mark.django_db
class TestDispositionMaterials:
    def _assigned(self):
        w = raise_warning()
        services.review(w, make_staff("450100", REVIEWER))
        handler = make_staff("450103", ["alerts.view_warning"])
        services.assign(w, make_staff("450100", DISPATCHER), handler)
        return w, handler

    def test_transcript_uploaded_with_the_disposition(self, client):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from kernel.files.models import Attachment
        from kernel.workflow.models import TransitionLog

        w, handler = self._assigned()
        client.force_login(handler)
        pdf = SimpleUploadedFile("约谈笔录.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")
        client.post(reverse("gov:warning_action", args=[w.pk, "handle"]),
                    {"disposition_type": "interview", "result": "已约谈项目负责人", "transcript": pdf})
        w.refresh_from_db()
        assert (w.status, w.disposition_type) == ("handled", "interview")
        files = Attachment.objects.filter(object_id=w.pk, purpose="alert_disposition")
        assert [a.original_name for a in files] == ["约谈笔录.pdf"]
        log = TransitionLog.objects.get(object_id=str(w.pk), transition="handle")
        assert log.attachments == [files[0].pk]

    def test_a_bad_file_refuses_the_whole_disposition(self, client):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from kernel.files.models import Attachment

        w, handler = self._assigned()
        client.force_login(handler)
        fake = SimpleUploadedFile("笔录.pdf", b"MZ\x90\x00 this is an executable", "application/pdf")
        page = client.post(reverse("gov:warning_action", args=[w.pk, "handle"]),
                           {"disposition_type": "interview", "result": "已约谈", "transcript": fake}, follow=True)
        assert "笔录或书面材料" in page.content.decode()
        assert Warning.objects.get(pk=w.pk).status == "assigned"
        assert not Attachment.objects.filter(object_id=w.pk).exists()


@pytest.mark.django_db
def test_reviewed_low_level_goes_to_the_territory_owner(django_capture_on_commit_callbacks):
    """Reviewing a low-level warning routes it by territory (a grid owner) at once; a higher level waits."""
    scanner.scan("test_amount")
    rule = AlertRule.objects.get(code="test_amount")
    owner = make_staff("450103", ["alerts.view_warning"])
    reviewer = make_staff("450100", REVIEWER)
    w = raise_warning(amount=150)  # yellow, raised before the rule routed anything
    w2 = raise_warning(amount=600, title="另一申请")  # orange
    rule.auto_assign_max_level = "yellow"
    rule.save()
    Territory.objects.create(region=Region.objects.get(code="450103"), user=owner)
    with django_capture_on_commit_callbacks(execute=True):
        services.review(w, reviewer)
        services.review(w2, reviewer)
    assert Warning.objects.get(pk=w.pk).status == "assigned" and Warning.objects.get(pk=w.pk).assignee == owner
    assert Warning.objects.get(pk=w2.pk).status == "reviewed"
    assert InAppMessage.objects.filter(recipient=owner).count() == 1


@pytest.mark.django_db
class TestReviewFindings:
    """Holes found in review: a scan raising a dispatched warning to red, rule edits by a county
    administrator, manual level changes after review, registration against another kind of object."""

    def test_scan_raising_a_dispatched_warning_to_red_sends_it_to_approval(self, django_capture_on_commit_callbacks):
        scanner.scan("test_amount")
        rule = AlertRule.objects.get(code="test_amount")
        rule.approval_min_level = "red"
        rule.save()
        w = raise_warning(amount=150)
        reviewer = make_staff("450100", REVIEWER + DISPATCHER)
        services.review(w, reviewer)
        services.assign(w, reviewer, make_staff("450103", ["alerts.view_warning"]))
        Application = w.subject_type.model_class()
        Application.objects.filter(pk=w.subject_id).update(amount=1500)
        with django_capture_on_commit_callbacks(execute=True):
            scanner.scan("test_amount")
        w.refresh_from_db()
        assert (w.level, w.status) == ("red", "approving")
        with pytest.raises(TransitionError):  # nobody can take the platform's own step
            Warning.workflow.apply(w, "require_approval", reviewer)

    def test_rule_edits_need_a_region_wide_editor(self, client):
        scanner.scan("test_amount")
        rule = AlertRule.objects.get(code="test_amount")
        client.force_login(make_staff("450103", ["alerts.view_alertrule", "alerts.change_alertrule"]))
        assert client.get(reverse("gov:alertrule_edit", args=[rule.pk])).status_code == 403
        assert client.post(reverse("gov:alertrule_edit", args=[rule.pk]), {"approval_min_level": ""}).status_code == 403
        client.force_login(make_staff("450000", ["alerts.view_alertrule", "alerts.change_alertrule"]))
        assert client.get(reverse("gov:alertrule_edit", args=[rule.pk])).status_code == 200

    def test_manual_level_is_fixed_once_reviewed_and_the_form_offers_unit_rules_only(self):
        from kernel.alerts.views import RegisterForm

        inspector = make_staff("450100", REVIEWER)
        org = make_enterprise("450103")
        scanner.scan("test_unit_clue")
        scanner.scan("test_amount")
        rule = AlertRule.objects.get(code="test_unit_clue")
        w = services.register_manual(rule=rule, subject=org, level="yellow", message="群众反映欠薪", user=inspector,
                                     region=org.region, organisation=org)
        services.review(w, inspector)
        with pytest.raises(ValidationError, match="等级只能在审核时调整"):
            services.edit_manual(w, inspector, level="red")
        codes = set(RegisterForm(user=inspector).fields["rule"].queryset.values_list("code", flat=True))
        assert "test_unit_clue" in codes and "test_amount" not in codes


@pytest.mark.django_db
def test_scheduler_runs_the_daily_tasks_in_process(settings):
    from kernel.core.management.commands.run_scheduler import run_daily

    settings.DAILY_TASKS = ["alerts.scan_all"]
    result = run_daily()
    assert "test_amount" in result["alerts.scan_all"]
