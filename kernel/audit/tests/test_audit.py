import pytest
from django.urls import reverse

from kernel.accounts.models import Role, User
from kernel.audit.models import ChangeLog, OperationLog
from kernel.audit.services import history_for, log_operation
from kernel.core import context
from kernel.core.testing import PASSWORD, make_enterprise, make_staff, xlsx_rows
from kernel.dicts.models import DictItem

AUDIT = ["audit.view_changelog", "audit.export_changelog", "audit.view_operationlog", "audit.export_operationlog"]


@pytest.mark.django_db
class TestChangeRows:
    def test_create_update_delete_rows_with_before_after(self):
        actor = make_staff("450100")
        with context.acting_as(actor, ip="10.0.0.8"):
            org = make_enterprise("450103", name="审计甲有限公司")
            org.legal_representative = "新法人"
            org.save()
            org.delete()
        rows = list(history_for(org).order_by("id"))
        assert [r.action for r in rows] == ["create", "update", "delete"]
        create, update, delete = rows
        assert create.before is None and create.after["name"] == "审计甲有限公司"
        assert "legal_representative" in update.changed_fields and "name" not in update.changed_fields
        assert update.before["legal_representative"] == "" and update.after["legal_representative"] == "新法人"
        assert delete.after["is_deleted"] is True
        assert all(r.actor == actor and r.ip == "10.0.0.8" and r.region.code == "450100" for r in rows)

    def test_change_rows_read_as_labels_choice_names_and_local_times(self):
        actor = make_staff("450100")
        with context.acting_as(actor):
            org = make_enterprise("450103", name="审计乙有限公司")
            org.legal_representative = "新法人"
            org.kind = "institution"
            org.save()
        update = history_for(org).get(action="update")
        rows = {label: (old, new) for label, old, new in update.diff_rows()}
        assert rows["法定代表人"] == ("", "新法人")
        assert rows["机构类别"] == ("企业", "技术机构")
        # a time is stored in UTC and shown in Beijing time
        update.before, update.after = {}, {"updated_at": "2026-11-28T03:18:07.774426+00:00"}
        update.changed_fields = ["updated_at"]
        assert update.diff_rows() == [("更新时间", None, "2026-11-28 11:18:07")]
        # a reference reads as the record's name (a person by their name), a removed one by its id
        update.before, update.after = {"created_by": None}, {"created_by": actor.pk}
        update.changed_fields = ["created_by"]
        assert update.diff_rows() == [("创建人", None, actor.display_name)]
        update.after = {"created_by": 987654}
        assert update.diff_rows() == [("创建人", None, "987654（已删除）")]

    def test_passwords_and_secrets_are_stripped(self):
        user = User.objects.create_user("secret1", password=PASSWORD, kind="citizen")
        log = history_for(user).get(action="create")
        assert "password" not in log.after and "session_salt" not in log.after
        user.set_password("Other@pass2026")
        user.save()
        assert not history_for(user).filter(action="update").exists()  # only excluded fields changed

    def test_saving_without_changes_writes_nothing(self):
        org = make_enterprise("450103")
        count = ChangeLog.objects.count()
        Role.objects.get(code="citizen").save()
        org.save(update_fields=["name"])
        assert ChangeLog.objects.count() == count

    def test_kernel_configuration_is_audited_too(self):
        item = DictItem.objects.get(dict_type__code="industry", value="E")
        item.label = "建筑业（改）"
        item.save()
        assert history_for(item).get(action="update").after["label"] == "建筑业（改）"

    def test_audit_rows_are_insert_only(self):
        org = make_enterprise("450103")
        log = history_for(org).first()
        log.object_repr = "tampered"
        with pytest.raises(PermissionError):
            log.save()
        with pytest.raises(PermissionError):
            ChangeLog.objects.all().delete()
        op = log_operation("export", username="x")
        with pytest.raises(PermissionError):
            op.save()


@pytest.mark.django_db
class TestAuditPages:
    def test_change_log_search_and_export(self, client):
        auditor = make_staff("450100", AUDIT)
        other = make_staff("450100")
        with context.acting_as(other):
            org = make_enterprise("450103", name="可查询的企业有限公司")
        client.force_login(auditor)
        response = client.get(reverse("gov:changelog_list"), {"object_repr": "可查询", "action": "create"})
        assert response.status_code == 200 and "可查询的企业有限公司" in response.content.decode()
        response = client.get(reverse("gov:changelog_list"), {"object_repr": "可查询", "action": "delete"})
        assert "可查询的企业有限公司" not in response.content.decode()
        rows = xlsx_rows(client.get(reverse("gov:changelog_list"), {"object_id": org.pk, "export": "xlsx"}))
        assert rows[0][:3] == ["时间", "操作人", "操作"]
        assert any("可查询的企业有限公司" in [str(v) for v in r] for r in rows[1:])
        assert OperationLog.objects.filter(action="export", actor=auditor, detail__object="数据变更日志").exists()

    def test_operation_log_search_by_user_and_result(self, client):
        make_staff("450100", username="loginner")
        client.post("/gov/login/", {"username": "loginner", "password": "bad"})
        auditor = make_staff("450100", AUDIT)
        client.force_login(auditor)
        page = client.get(reverse("gov:oplog_list"), {"username": "loginner", "success": "false"}).content.decode()
        assert "loginner" in page and "登录失败" in page
        rows = xlsx_rows(client.get(reverse("gov:oplog_list"), {"username": "loginner", "export": "xlsx"}))
        assert len(rows) == 2 and rows[1][1] == "loginner"

    def test_audit_logs_are_scoped_to_the_actors_region(self, client):
        nanning_actor = make_staff("450103", username="nn_actor")
        with context.acting_as(nanning_actor):
            make_enterprise("450103", name="南宁审计范围有限公司")
        liuzhou_auditor = make_staff("450200", AUDIT)
        client.force_login(liuzhou_auditor)
        assert "南宁审计范围有限公司" not in client.get(reverse("gov:changelog_list")).content.decode()
        region_auditor = make_staff("450000", AUDIT)
        client.force_login(region_auditor)
        assert "南宁审计范围有限公司" in client.get(reverse("gov:changelog_list")).content.decode()

    def test_audit_pages_need_permission(self, client):
        client.force_login(make_staff("450100", ["org.view_organisation"]))
        assert client.get(reverse("gov:changelog_list")).status_code == 403
        assert client.get(reverse("gov:oplog_list")).status_code == 403
        assert client.get("/api/audit/changes/").status_code == 403
