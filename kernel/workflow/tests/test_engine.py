import pytest
from django.urls import reverse

from kernel.audit.services import history_for
from kernel.core.testing import make_role, make_staff
from kernel.org.models import Region
from kernel.workflow.engine import TransitionError, history
from kernel.workflow.models import TransitionLog
from tests.testapp.models import EFFECTS, Application

APPROVER = ["testapp.view_application", "testapp.change_application"]


@pytest.fixture(autouse=True)
def _reset_effects():
    EFFECTS.clear()


def make_app(user, region="450103", amount=100, **kw):
    from kernel.core import context

    with context.acting_as(user):
        return Application.objects.create(title="测试申请", amount=amount, region=Region.objects.get(code=region), **kw)


@pytest.mark.django_db
class TestTransitions:
    def test_happy_path_writes_the_log(self, django_capture_on_commit_callbacks):
        clerk = make_staff("450103", ["testapp.view_application"])
        boss = make_staff("450100", APPROVER)
        app = make_app(clerk)
        with django_capture_on_commit_callbacks(execute=True):
            Application.workflow.apply(app, "submit", clerk, comment="请审批")
            Application.workflow.apply(app, "approve", boss, comment="同意")
        app.refresh_from_db()
        assert app.status == "approved"
        logs = list(history(app))
        assert [(log.from_state, log.to_state, log.actor) for log in logs] == [
            ("draft", "submitted", clerk), ("submitted", "approved", boss)]
        assert logs[0].comment == "请审批" and logs[1].region.code == "450100"
        # the state change is in the audit trail too
        updates = history_for(app).filter(action="update")
        assert [(u.before["status"], u.after["status"]) for u in updates.order_by("id")] == [
            ("draft", "submitted"), ("submitted", "approved")]

    def test_illegal_transition_is_refused_and_changes_nothing(self):
        clerk = make_staff("450103", APPROVER)
        app = make_app(clerk)
        with pytest.raises(TransitionError, match="当前状态为“草稿”，不能执行“批准”"):
            Application.workflow.apply(app, "approve", make_staff("450100", APPROVER))
        app.refresh_from_db()
        assert app.status == "draft" and not TransitionLog.objects.exists()

    def test_permission_is_required(self):
        clerk = make_staff("450103", ["testapp.view_application"])
        app = make_app(clerk)
        Application.workflow.apply(app, "submit", clerk)
        with pytest.raises(TransitionError, match="没有“批准”的权限"):
            Application.workflow.apply(app, "approve", make_staff("450100", ["testapp.view_application"]))

    def test_role_is_required(self):
        clerk = make_staff("450103", ["testapp.view_application"])
        app = make_app(clerk)
        Application.workflow.apply(app, "submit", clerk)
        other = make_staff("450100", ["testapp.view_application"])
        with pytest.raises(TransitionError, match="只能由指定角色办理"):
            Application.workflow.apply(app, "director_approve", other)
        director = make_staff("450100", ["testapp.view_application"])
        role = make_role([])
        role.code = "director"
        role.save()
        director.roles.add(role)
        Application.workflow.apply(app, "director_approve", director)
        assert app.status == "approved"

    def test_self_approval_is_blocked(self):
        boss = make_staff("450100", APPROVER)
        app = make_app(boss)
        Application.workflow.apply(app, "submit", boss)
        with pytest.raises(TransitionError, match="不能“批准”自己提交的记录"):
            Application.workflow.apply(app, "approve", boss)

    def test_required_comment_is_a_field_error(self):
        clerk = make_staff("450103", ["testapp.view_application"])
        app = make_app(clerk)
        Application.workflow.apply(app, "submit", clerk)
        with pytest.raises(TransitionError) as exc:
            Application.workflow.apply(app, "reject", make_staff("450100", APPROVER), comment="  ")
        assert exc.value.errors == {"comment": ["请填写处理意见"]}
        Application.workflow.apply(app, "reject", make_staff("450100", APPROVER), comment="材料不全")
        assert app.status == "rejected"
        Application.workflow.apply(app, "submit", clerk)  # a rejected application can be resubmitted
        assert app.status == "submitted"

    def test_guard_condition(self):
        clerk = make_staff("450103", ["testapp.view_application"])
        app = make_app(clerk, amount=0)
        with pytest.raises(TransitionError, match="金额必须大于0"):
            Application.workflow.apply(app, "submit", clerk)

    def test_other_city_cannot_act(self):
        clerk = make_staff("450103", ["testapp.view_application"])
        app = make_app(clerk)
        Application.workflow.apply(app, "submit", clerk)
        with pytest.raises(TransitionError, match="不在您的管辖范围内"):
            Application.workflow.apply(app, "approve", make_staff("450200", APPROVER))

    def test_plain_save_that_changes_the_state_is_rejected(self):
        clerk = make_staff("450103", ["testapp.view_application"])
        app = make_app(clerk)
        app.status = "approved"
        with pytest.raises(TransitionError, match="状态只能通过流程操作变更"):
            app.save()
        app.refresh_from_db()
        assert app.status == "draft"
        app.title = "改个标题"
        app.save()  # other fields save as usual
        with pytest.raises(TransitionError, match="新记录的状态只能是“草稿”"):
            Application.objects.create(title="x", amount=1, region=Region.objects.get(code="450103"), status="approved")

    def test_side_effects_run_only_after_commit(self, django_capture_on_commit_callbacks):
        clerk = make_staff("450103", ["testapp.view_application"])
        app = make_app(clerk)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            Application.workflow.apply(app, "submit", clerk)
        assert EFFECTS == []  # not before the commit
        for callback in callbacks:
            callback()
        assert EFFECTS == [("submit", app.pk)]

    def test_no_side_effect_when_the_transaction_rolls_back(self, django_capture_on_commit_callbacks):
        from django.db import transaction

        clerk = make_staff("450103", ["testapp.view_application"])
        app = make_app(clerk)
        with django_capture_on_commit_callbacks(execute=True):
            try:
                with transaction.atomic():
                    Application.workflow.apply(app, "submit", clerk)
                    raise RuntimeError("later step failed")
            except RuntimeError:
                pass
        assert EFFECTS == []
        assert Application.objects.get(pk=app.pk).status == "draft"
        assert not TransitionLog.objects.exists()

    def test_stale_object_uses_the_stored_state(self):
        clerk = make_staff("450103", ["testapp.view_application"])
        app = make_app(clerk)
        stale = Application.objects.get(pk=app.pk)
        Application.workflow.apply(app, "submit", clerk)
        with pytest.raises(TransitionError, match="当前状态为“已提交”"):
            Application.workflow.apply(stale, "submit", clerk)

    def test_bulk_apply_reports_per_record(self):
        clerk = make_staff("450103", ["testapp.view_application"])
        boss = make_staff("450100", APPROVER)
        apps_ = [make_app(clerk) for _ in range(3)]
        for a in apps_[:2]:
            Application.workflow.apply(a, "submit", clerk)
        own = make_app(boss)
        Application.workflow.apply(own, "submit", boss)
        results = Application.workflow.bulk_apply(apps_ + [own], "approve", boss, comment="批量同意")
        assert [ok for _, ok, _ in results] == [True, True, False, False]
        assert "当前状态为“草稿”" in results[2][2] and "自己提交" in results[3][2]
        assert Application.objects.filter(status="approved").count() == 2

    def test_available_actions(self):
        clerk = make_staff("450103", ["testapp.view_application"])
        boss = make_staff("450100", APPROVER)
        app = make_app(clerk)
        assert [t.name for t in Application.workflow.available(app, clerk)] == ["submit"]
        Application.workflow.apply(app, "submit", clerk)
        assert [t.name for t in Application.workflow.available(app, boss)] == ["approve", "reject"]
        assert Application.workflow.available(app, clerk) == []

    def test_bad_definitions_fail_at_import(self):
        from kernel.workflow.engine import State, Transition, Workflow

        with pytest.raises(ValueError, match="unknown states"):
            Workflow("x", [State("a", "A")], [Transition("t", "T", ["a"], "b")])
        with pytest.raises(ValueError, match="unknown fields"):
            Workflow("x", [State("a", "A")], [Transition("t", "T", ["a"], "a", requires=["photo"])])


@pytest.mark.django_db
class TestTransitionEndpoint:
    def test_post_takes_the_transition_and_reports_errors(self, client):
        clerk = make_staff("450103", ["testapp.view_application"])
        boss = make_staff("450100", APPROVER)
        app = make_app(clerk)
        Application.workflow.apply(app, "submit", clerk)
        client.force_login(boss)
        url = reverse("gov:workflow_transition", args=["testapp.application", app.pk, "reject"])
        response = client.post(url, {"comment": "", "next": "/gov/"}, follow=True)
        assert "请填写处理意见" in response.content.decode()
        client.post(url, {"comment": "补充材料", "next": "/gov/"})
        app.refresh_from_db()
        assert app.status == "rejected"

    def test_other_city_gets_404(self, client):
        clerk = make_staff("450103", ["testapp.view_application"])
        app = make_app(clerk)
        client.force_login(make_staff("450200", APPROVER))
        url = reverse("gov:workflow_transition", args=["testapp.application", app.pk, "submit"])
        assert client.post(url).status_code == 404
        assert client.post(reverse("gov:workflow_transition", args=["org.organisation", 1, "x"])).status_code == 404
        assert client.get(url).status_code == 405


@pytest.mark.django_db
def test_panel_shows_state_actions_and_history(rf):
    from django.template.loader import render_to_string

    from kernel.workflow.views import panel_context

    clerk = make_staff("450103", ["testapp.view_application"])
    boss = make_staff("450100", APPROVER)
    app = make_app(clerk)
    Application.workflow.apply(app, "submit", clerk, comment="请审批")
    request = rf.get("/gov/x/")
    request.user = boss
    html = render_to_string("workflow/_panel.html", panel_context(app, boss), request=request)
    assert "已提交" in html and 'data-transition="approve"' in html and 'data-transition="reject"' in html
    assert "请审批" in html and 'data-transition="submit"' not in html
