"""Checklists as data, targets with an encrypted password, manual items and completion, the Word report, the
schedule, the pages' jurisdiction scope, audit rows and field-level Chinese errors, and the seed-004 demo."""
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from docx import Document

from domains.ops.inspections import demo, services
from domains.ops.inspections.models import Checklist, ChecklistItem, InspectionResult, InspectionRun, Target
from kernel.alerts.models import OPEN_STATES, Warning
from kernel.audit.models import ChangeLog, OperationLog
from kernel.core.testing import make_staff
from kernel.exports.documents import DOCX_CONTENT_TYPE
from kernel.todos.models import Todo
from kernel.workflow.engine import TransitionError

from .test_probes import checklist_with, seed_item

pytestmark = pytest.mark.django_db


def manual_item(name="数据库CPU使用率", level="orange"):
    return dict(category="database", name=name, method="manual", metric="", level=level, action="分析高负载会话",
                guidance="登录数据库控制台检查CPU使用率")


@pytest.fixture
def disk_checklist(system, tmp_path):
    services.save_target(Target(system=system, kind="disk", name="日志盘", paths=[str(tmp_path)]))
    return checklist_with(system, dict(category="host", name="磁盘使用率", method="probe", metric="disk_used_pct",
                                       operator="gt", threshold=Decimal("100"), level="orange"), manual_item())


# == the seed's figures ======================================================================================
def test_seed_thresholds_judge_90_percent_and_5_services_at_the_boundary():
    tablespace = ChecklistItem(**seed_item("核心用户表空间及索引表空间使用率"))
    assert (tablespace.threshold, tablespace.level, tablespace.action) == (Decimal("90"), "red", "立即扩容")
    assert tablespace.breached(Decimal("90")) is False and tablespace.breached(Decimal("90.01")) is True
    down = ChecklistItem(**seed_item("负载均衡地址下宕机服务数"))
    assert down.breached(5) is False and down.breached(6) is True
    assert down.standard == "> 5个" and tablespace.standard == "> 90%"
    assert ChecklistItem(**seed_item("活动会话数")).breached(10_000) is None  # the seed sets no limit: recorded


# == checklists: pages, bad input, audit, scope ==============================================================
def test_checklist_and_items_through_the_pages_with_chinese_field_errors(client, system, engineer):
    client.force_login(engineer)
    response = client.post("/gov/ops/inspections/checklists/new/", {"system": system.pk, "name": "", "frequency": "daily"})
    assert response.status_code == 400 and "该字段是必填项" in response.content.decode()
    response = client.post("/gov/ops/inspections/checklists/new/",
                           {"system": system.pk, "name": "日常巡检", "frequency": "daily", "active": "on"})
    checklist = Checklist.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/gov/ops/inspections/checklists/{checklist.pk}/"
    assert ChangeLog.objects.filter(object_id=str(checklist.pk), action="create", actor=engineer).exists()

    url = f"/gov/ops/inspections/checklists/{checklist.pk}/items/new/"
    base = {"order": 0, "category": "database", "name": "表空间", "method": "probe", "operator": "gt",
            "level": "red", "active": "on"}
    bad = [({"metric": ""}, "自动探测的检查项须选择探测指标"),
           ({"metric": "pg_tablespace_pct", "threshold": "150"}, "百分比阈值须在0至100之间"),
           ({"method": "manual", "metric": "", "threshold": "3"}, "人工检查项不设数值阈值"),
           ({"metric": "pg_tablespace_pct", "threshold": "abc"}, "输入一个数字")]
    for extra, message in bad:
        response = client.post(url, {**base, **extra})
        assert response.status_code == 400 and message in response.content.decode(), message
    assert not ChecklistItem.objects.exists()
    response = client.post(url, {**base, "metric": "pg_tablespace_pct", "threshold": "90", "action": "立即扩容"})
    assert response.status_code == 302
    item = ChecklistItem.objects.get()
    assert (item.threshold, item.order, item.standard) == (Decimal("90"), 10, "> 90%")
    assert ChangeLog.objects.filter(object_id=str(item.pk), content_type__model="checklistitem").exists()
    page = client.get(f"/gov/ops/inspections/checklists/{checklist.pk}/").content.decode()
    assert "表空间" in page and "&gt; 90%" in page and "立即扩容" in page and "立即巡检" in page
    response = client.post(f"/gov/ops/inspections/checklists/{checklist.pk}/items/{item.pk}/",
                           {**base, "metric": "pg_tablespace_pct", "threshold": "85", "order": 10, "action": "立即扩容"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.threshold == Decimal("85")
    assert ChangeLog.objects.filter(object_id=str(item.pk), action="update").get().changed_fields == ["threshold"]


def test_a_user_of_another_city_gets_404_everywhere(client, system, engineer, outsider, disk_checklist):
    run = services.run_inspection(disk_checklist, engineer)
    target = Target.objects.get()
    client.force_login(outsider)
    for url in (f"/gov/ops/inspections/checklists/{disk_checklist.pk}/",
                f"/gov/ops/inspections/checklists/{disk_checklist.pk}/edit/",
                f"/gov/ops/inspections/checklists/{disk_checklist.pk}/items/new/",
                f"/gov/ops/inspections/targets/{target.pk}/", f"/gov/ops/inspections/targets/{target.pk}/edit/",
                f"/gov/ops/inspections/runs/{run.pk}/", f"/gov/ops/inspections/runs/{run.pk}/report.docx"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/gov/ops/inspections/checklists/{disk_checklist.pk}/run/").status_code == 404
    assert client.post(f"/gov/ops/inspections/runs/{run.pk}/", {"action": "complete"}).status_code == 404
    assert InspectionRun.objects.count() == 1
    for url, marker in (("/gov/ops/inspections/checklists/", disk_checklist.name),
                        ("/gov/ops/inspections/targets/", "日志盘"), ("/gov/ops/inspections/runs/", run.no)):
        assert marker not in client.get(url).content.decode()
    # a checklist cannot be put on a system outside the user's jurisdiction
    response = client.post("/gov/ops/inspections/checklists/new/", {"system": system.pk, "name": "越权", "frequency": "daily"})
    assert response.status_code == 400 and not Checklist.objects.filter(name="越权").exists()
    client.force_login(engineer)
    assert run.no in client.get("/gov/ops/inspections/runs/").content.decode()
    assert client.get(f"/gov/ops/inspections/runs/{run.pk}/").status_code == 200


# == targets: the password is encrypted and never shown ======================================================
def test_target_password_is_encrypted_audited_masked_and_never_shown(client, system, engineer):
    client.force_login(engineer)
    form = {"system": system.pk, "kind": "postgresql", "name": "养老库", "enabled": "on", "timeout_seconds": 5,
            "host": "", "port": "5432", "dbname": "pension", "db_user": "ops", "password": "S3cret!pw",
            "lock_wait_seconds": 30, "tablespace_capacity": "pg_default=abc"}
    response = client.post("/gov/ops/inspections/targets/new/", form)
    page = response.content.decode()
    assert response.status_code == 400
    assert "PostgreSQL目标须填写数据库主机" in page and "第1行格式应为“表空间名=容量GB”" in page
    assert "S3cret!pw" not in page and not Target.objects.exists()
    response = client.post("/gov/ops/inspections/targets/new/",
                           {**form, "host": "10.1.2.3", "tablespace_capacity": "pg_default=500\nusers = 200"})
    assert response.status_code == 302
    target = Target.objects.get()
    assert target.password_encrypted.startswith("sm4gcm$") and "S3cret" not in target.password_encrypted
    assert target.password() == "S3cret!pw" and target.tablespace_capacity == {"pg_default": 500, "users": 200}
    for url in (f"/gov/ops/inspections/targets/{target.pk}/", f"/gov/ops/inspections/targets/{target.pk}/edit/"):
        page = client.get(url).content.decode()
        assert "S3cret!pw" not in page and target.password_encrypted not in page and "已设置" in page
    created = ChangeLog.objects.get(object_id=str(target.pk), content_type__model="target", action="create")
    assert created.after["password_encrypted"] == "******"
    edit = {**form, "host": "10.1.2.4", "password": "", "tablespace_capacity": ""}
    assert client.post(f"/gov/ops/inspections/targets/{target.pk}/edit/", edit).status_code == 302
    target.refresh_from_db()
    assert target.host == "10.1.2.4" and target.password() == "S3cret!pw"  # blank keeps the password
    assert client.post(f"/gov/ops/inspections/targets/{target.pk}/edit/", {**edit, "clear_password": "on"}).status_code == 302
    target.refresh_from_db()
    assert target.password_encrypted == "" and target.password() == ""


def test_http_and_disk_targets_are_validated(client, system, engineer):
    client.force_login(engineer)
    base = {"system": system.pk, "name": "应用", "enabled": "on", "timeout_seconds": 5, "lock_wait_seconds": 30}
    response = client.post("/gov/ops/inspections/targets/new/",
                           {**base, "kind": "http", "url": "ftp://x", "backends": "http://a:1/\nfile:///etc/passwd"})
    page = response.content.decode()
    assert response.status_code == 400 and "地址须以 http:// 或 https:// 开头" in page
    assert "后端服务地址须以 http:// 或 https:// 开头" in page
    response = client.post("/gov/ops/inspections/targets/new/", {**base, "kind": "disk", "paths": "data"})
    assert response.status_code == 400 and "请填写磁盘路径（绝对路径，如 /data）" in response.content.decode()
    response = client.post("/gov/ops/inspections/targets/new/", {**base, "kind": "http", "timeout_seconds": 0,
                                                                 "url": "http://127.0.0.1:1/"})
    assert response.status_code == 400 and not Target.objects.exists()


# == a run: manual items, completion, warnings, the report ===================================================
def test_manual_items_then_completion_with_a_conclusion(client, system, engineer, disk_checklist):
    client.force_login(engineer)
    response = client.post(f"/gov/ops/inspections/checklists/{disk_checklist.pk}/run/")
    run = InspectionRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/gov/ops/inspections/runs/{run.pk}/"
    assert (run.status, run.passed, run.pending, run.inspector) == ("filling", 1, 1, engineer)
    assert ChangeLog.objects.filter(object_id=str(run.pk), content_type__model="inspectionrun", action="create").exists()
    assert Todo.objects.filter(object_id=str(run.pk), status="open", role_code="ops_engineer").exists()
    manual = run.results.get(outcome="pending")

    response = client.post(f"/gov/ops/inspections/runs/{run.pk}/", {"action": "complete"})
    assert response.status_code == 400 and "还有1项人工检查未填写" in response.content.decode()
    response = client.post(f"/gov/ops/inspections/runs/{run.pk}/",
                           {"action": "save", f"r{manual.pk}_outcome": "breach", f"r{manual.pk}_value_text": "CPU 97%"})
    assert response.status_code == 400 and "检查结论为异常时，请填写情况说明" in response.content.decode()
    assert "CPU 97%" in response.content.decode()  # what was typed stays in the form
    manual.refresh_from_db()
    assert manual.outcome == "pending" and not manual.value_text

    response = client.post(f"/gov/ops/inspections/runs/{run.pk}/",
                           {"action": "complete", f"r{manual.pk}_outcome": "breach",
                            f"r{manual.pk}_value_text": "CPU 97%", f"r{manual.pk}_detail": "批量核定作业占满CPU",
                            "conclusion": "数据库CPU偏高，已通知开发组优化批量作业。"})
    assert response.status_code == 302
    run.refresh_from_db()
    manual.refresh_from_db()
    assert (run.status, run.breached, run.pending, run.conclusion) == ("completed", 1, 0, "数据库CPU偏高，已通知开发组优化批量作业。")
    assert (manual.outcome, manual.level, manual.filled_by) == ("breach", "orange", engineer)
    assert ChangeLog.objects.filter(object_id=str(manual.pk), content_type__model="inspectionresult",
                                    action="update", actor=engineer).exists()
    warning = Warning.objects.get(rule__code="ops_insp_breach", status__in=OPEN_STATES)
    assert warning.level == "orange" and "数据库CPU使用率" in warning.subject_repr and "CPU 97%" in warning.value
    assert not Todo.objects.filter(object_id=str(run.pk), status="open", role_code="ops_engineer").exists()
    with pytest.raises(TransitionError):
        services.complete_run(run, engineer)
    page = client.get(f"/gov/ops/inspections/runs/{run.pk}/").content.decode()
    assert "批量核定作业占满CPU" in page and "巡检预警" in page and warning.rule.name in page


def test_a_run_without_manual_items_is_completed_by_the_system(system, tmp_path):
    services.save_target(Target(system=system, kind="disk", name="盘", paths=[str(tmp_path)]))
    checklist = checklist_with(system, dict(category="host", name="磁盘", method="probe", metric="disk_used_pct",
                                            operator="gt", threshold=Decimal("0"), level="red", action="扩容"))
    run = services.run_inspection(checklist)
    assert run.status == "completed" and run.completed_at is not None and run.inspector is None
    assert run.conclusion.startswith("本次巡检共1项结果：正常0项，超限1项") and "须扩容" in run.conclusion


def test_word_report_lists_items_values_thresholds_and_conclusions(client, system, engineer, tmp_path):
    services.save_target(Target(system=system, kind="disk", name="日志盘", paths=[str(tmp_path)]))
    checklist = checklist_with(system, dict(category="host", name="服务日志与存储空间", method="probe",
                                            metric="disk_used_pct", operator="gt", threshold=Decimal("0"),
                                            level="orange", action="清理或扩容"), manual_item("数据库归档日志"))
    run = services.run_inspection(checklist, engineer)
    manual = run.results.get(outcome="pending")
    services.fill_manual(run, engineer, {manual.pk: {"outcome": "pass", "value_text": "已备份并清理"}})
    services.complete_run(run, engineer, "存储使用率超过阈值，已安排清理。")
    disk = run.results.get(item__metric="disk_used_pct")
    client.force_login(engineer)
    response = client.get(f"/gov/ops/inspections/runs/{run.pk}/report.docx")
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_CONTENT_TYPE
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    assert "养老系统巡检报告" in text and "存储使用率超过阈值，已安排清理。" in text
    assert "服务日志与存储空间（日志盘" in text and "须清理或扩容" in text  # the breach with what must be done
    row = next(r for r in cells if "服务日志与存储空间" in r)
    assert row[3] == f"日志盘·{tmp_path}" and row[4].startswith(disk.value_display) and row[5] == "> 0%"
    assert row[6] == "超限（橙色）"
    manual_row = next(r for r in cells if "数据库归档日志" in r)
    assert manual_row[4] == "已备份并清理" and manual_row[6] == "正常"
    head = {r[0]: r[1] for r in cells if len(r) == 4}
    assert head["运维对象"] == "养老系统" and head["巡检编号"] == run.no and head["巡检人"] == "南宁工程师"
    assert OperationLog.objects.filter(action="download", detail__document="系统巡检报告").exists()
    requester = make_staff("450100", ["ops_inspections.view_inspectionrun"])
    client.force_login(requester)
    assert client.get(f"/gov/ops/inspections/runs/{run.pk}/report.docx").status_code == 403


# == the schedule ============================================================================================
def test_due_checklists_run_once_per_period(system, tmp_path):
    services.save_target(Target(system=system, kind="disk", name="盘", paths=[str(tmp_path)]))
    probe = dict(category="host", name="磁盘", method="probe", metric="disk_used_pct", operator="gt",
                 threshold=Decimal("100"), level="orange")
    daily = checklist_with(system, probe)
    weekly = checklist_with(system, probe, frequency="weekly")
    monthly = checklist_with(system, probe, frequency="monthly")
    checklist_with(system, {**probe, "active": False})  # no active item: never due
    wednesday = datetime.datetime(2026, 11, 25, 9, tzinfo=timezone.get_current_timezone())
    assert services.period_start("weekly", wednesday).date() == datetime.date(2026, 11, 23)
    assert services.period_start("monthly", wednesday).date() == datetime.date(2026, 11, 1)
    assert services.due_checklists() == [daily, weekly, monthly]
    out = io.StringIO()
    call_command("ops_inspect", stdout=out)
    assert "巡检3次，失败0次" in out.getvalue()
    assert set(InspectionRun.objects.values_list("trigger", flat=True)) == {"scheduled"}
    assert services.due_checklists() == []
    InspectionRun.objects.filter(checklist=daily).update(started_at=timezone.now() - datetime.timedelta(days=1))
    assert services.due_checklists() == [daily]
    out = io.StringIO()
    call_command("ops_inspect", "--list", stdout=out)
    assert "到期巡检清单1个" in out.getvalue()
    from domains.ops.inspections.tasks import run_due  # the Celery task runs the same round

    done = run_due()
    assert [(c, error) for c, _, error in done] == [(daily.pk, "")]
    assert InspectionRun.objects.filter(checklist=daily).count() == 2 and services.due_checklists() == []


# == the demo ================================================================================================
def test_demo_checklists_targets_and_a_completed_run(settings, tmp_path):
    from domains.ops.contracts import demo as contracts_demo
    from kernel.core.testing import make_agency

    settings.MEDIA_ROOT = str(tmp_path / "media")
    for kind in ("hrss", "market", "tax"):
        make_agency("450000", kind)
    contracts_demo.seed(1, io.StringIO())
    summary = demo.seed(1, io.StringIO())
    pg = connection.vendor == "postgresql"
    assert summary.startswith(f"巡检清单3个，巡检目标{3 if pg else 2}个，已完成巡检1次")
    assert demo.seed(1, io.StringIO()) == ""
    daily = Checklist.objects.get(name="日常巡检")
    tablespace = daily.items.get(metric="pg_tablespace_pct")
    assert (tablespace.threshold, tablespace.level, tablespace.action) == (Decimal("90"), "red", "立即扩容")
    assert daily.items.get(metric="http_down").threshold == Decimal("5")
    run = InspectionRun.objects.get()
    assert run.status == "completed" and run.inspector.username == "gx_ops_eng"
    assert run.results.get(item__method="manual").value_text == "CPU使用率正常"
    disk = run.results.get(item__metric="disk_used_pct")
    assert disk.outcome in ("pass", "breach") and disk.value > 0 and disk.standard == "> 90%"
    assert Target.objects.get(kind="http").url == "http://127.0.0.1:8000/gov/login/"
    assert InspectionResult.objects.filter(run=run, item__metric="pg_db_size").exists() is False  # weekly item
    if pg:
        assert run.results.get(item__metric="pg_tablespace_pct", key="pg_default").value > 0


def test_a_raised_inspection_warning_reaches_the_systems_engineers(system, tmp_path,
                                                                   django_capture_on_commit_callbacks):
    from kernel.accounts.models import Role, User
    from kernel.notify.models import InAppMessage, SmsMessage

    on_duty = User.objects.create_user(username="pension_eng", password="x", kind="staff", real_name="值班工程师",
                                       organisation=system.agency, phone="13900001111", must_change_password=False)
    on_duty.roles.add(Role.objects.get(code="ops_engineer"))
    elsewhere = make_staff("450200", [], username="lz_eng", phone="13900002222")
    elsewhere.roles.add(Role.objects.get(code="ops_engineer"))
    services.save_target(Target(system=system, kind="disk", name="日志盘", paths=[str(tmp_path)]))
    checklist = checklist_with(system, dict(category="host", name="磁盘使用率", method="probe", metric="disk_used_pct",
                                            operator="gt", threshold=Decimal("0"), level="orange"))
    with django_capture_on_commit_callbacks(execute=True):
        services.run_inspection(checklist)
    message = InAppMessage.objects.get(recipient=on_duty)
    assert message.title.startswith("巡检预警：养老系统·日志盘") and "磁盘空间不足" in message.body
    sms = SmsMessage.objects.get(phone="13900001111")
    assert "磁盘空间不足" in sms.content and "橙色" in sms.content
    assert not InAppMessage.objects.filter(recipient=elsewhere).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.run_inspection(checklist)  # the same open warning: nobody is told twice
    assert InAppMessage.objects.filter(recipient=on_duty).count() == 1
