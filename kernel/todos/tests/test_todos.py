import datetime

import pytest
from django.utils import timezone

from kernel.core.testing import make_role, make_staff
from kernel.org.models import Region
from kernel.todos import services
from kernel.todos.models import Todo
from tests.testapp.models import Application

APPROVER = ["testapp.view_application", "testapp.change_application"]


def approver(region_code="450100"):
    from kernel.accounts.models import Role

    user = make_staff(region_code, APPROVER)
    role = Role.objects.filter(code="app_approver").first()
    if role is None:
        role = make_role([])
        role.code = "app_approver"
        role.save()
    user.roles.add(role)
    return user


@pytest.mark.django_db
class TestWorkflowTodos:
    def test_entering_a_state_opens_a_todo_and_leaving_closes_it(self, client):
        clerk = make_staff("450103", ["testapp.view_application"])
        boss = approver("450100")
        other_city = approver("450200")
        app = Application.objects.create(title="购置申请", amount=5, region=Region.objects.get(code="450103"))
        Application.workflow.apply(app, "submit", clerk)
        todo = services.open_for(boss).get()
        assert todo.title == "审批申请：购置申请" and todo.region.code == "450100"
        assert todo.url == f"/gov/testapp/{app.pk}/"
        assert not services.open_for(other_city).exists()  # the role holder of another city does not get it
        assert not services.open_for(clerk).exists()
        client.force_login(boss)
        home = client.get("/gov/").content.decode()
        assert "审批申请：购置申请" in home
        Application.workflow.apply(app, "approve", boss)
        assert not services.open_for(boss).exists()
        closed = Todo.objects.get(pk=todo.pk)
        assert closed.status == "done" and closed.done_by == boss

    def test_due_date_from_the_business_calendar(self, monkeypatch):
        clerk = make_staff("450103", ["testapp.view_application"])
        approver("450100")
        app = Application.objects.create(title="节前申请", amount=5, region=Region.objects.get(code="450103"))
        monkeypatch.setattr(timezone, "localdate", lambda: datetime.date(2025, 9, 30))
        Application.workflow.apply(app, "submit", clerk)
        todo = Todo.objects.get(status="open")
        # 3 working days after Tue 30 Sep 2025 across National Day: 9, 10, 11 (make-up Saturday) October
        assert timezone.localtime(todo.due_at).date() == datetime.date(2025, 10, 11)

    def test_overdue_is_highlighted(self, client):
        boss = approver("450100")
        app = Application.objects.create(title="超期申请", amount=5, region=Region.objects.get(code="450103"))
        services.create(app, "处理超期申请", key="manual", assignee=boss, due_at=timezone.now() - datetime.timedelta(hours=1))
        client.force_login(boss)
        page = client.get("/gov/todos/").content.decode()
        assert "已超期" in page and "table-danger" in page

    def test_a_todo_needs_someone(self):
        app = Application.objects.create(title="x", amount=5, region=Region.objects.get(code="450103"))
        with pytest.raises(ValueError):
            services.create(app, "无人办理", key="x")
