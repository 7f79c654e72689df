"""Complaint/report registration (投诉举报登记) and case supervision (案件督办) on the business calendar.

Seed figures (§(2) 5): accept within 5 working days of receipt; finish within 60 working days of filing;
extend once by 30 working days with approval; overdue cases prompt their supervisor automatically (the
rule labor_case_overdue: yellow within 3 working days of the limit, red past it)."""
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from docx import Document

from domains.labor.inspection import case_alerts, services
from domains.labor.inspection.models import Complaint
from kernel.alerts import scanner
from kernel.alerts.models import Warning
from kernel.alerts.registry import definition
from kernel.audit.models import ChangeLog, OperationLog
from kernel.calendar.models import CalendarDay
from kernel.calendar.services import add_working_days, working_days_between
from kernel.core import context
from kernel.core.testing import PASSWORD, xlsx_rows
from kernel.exports.documents import DOCX_CONTENT_TYPE
from kernel.notify.models import InAppMessage, SmsMessage
from kernel.todos.models import Todo
from kernel.workflow.engine import TransitionError

from .cases_support import QINGXIU, D, World, complaint_fields, fixed_today, valid_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return World()


def changes(obj):
    return ChangeLog.objects.filter(content_type__app_label=obj._meta.app_label,
                                    content_type__model=obj._meta.model_name, object_id=str(obj.pk))


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def reload(c):
    return Complaint.objects.get(pk=c.pk)


# == registration and the statutory limits =========================================================================
def test_accept_due_is_five_working_days_after_receipt_across_national_day(w, monkeypatch):
    # Received Tuesday 30 September 2025: the 8-day National Day holiday and the make-up Saturday 11 October
    # count as the calendar says: working days 9, 10, 11, 13, 14 October.
    fixed_today(monkeypatch, D("2025-10-09"))
    c = w.register(received_on=D("2025-09-30"))
    assert c.accept_due == D("2025-10-14")
    assert working_days_between(c.received_on, c.accept_due) == 5
    assert re.fullmatch(rf"LJ20251009{c.pk:06d}", c.no)
    assert (c.status, c.channel, c.created_by) == ("registered", "visit", w.qx)
    todo = Todo.objects.get(object_id=str(c.pk), content_type__model="complaint", status="open")
    assert (todo.role_code, todo.region.code, todo.key) == ("labor_inspector", QINGXIU, "workflow:registered")
    assert timezone.localtime(todo.due_at).date() == D("2025-10-14")


def test_accept_due_follows_a_holiday_added_to_the_calendar(w, monkeypatch):
    # Received Monday 29 December 2025: 30, 31 December, then New Year (1-3 January 2026) and the make-up Sunday
    # 4 January: the fifth working day is Tuesday 6 January. An extra holiday on 31 December moves it a day.
    fixed_today(monkeypatch, D("2025-12-29"))
    assert w.register().accept_due == D("2026-01-06")
    CalendarDay.objects.create(date=D("2025-12-31"), kind="holiday", name="临时休假")
    assert w.register().accept_due == D("2026-01-07")


def test_numbers_are_unique_per_record(w):
    first, second = w.register(), w.register(channel="hotline")
    assert first.no != second.no
    day = timezone.localdate().strftime("%Y%m%d")
    assert first.no == f"LJ{day}{first.pk:06d}" and second.no == f"LJ{day}{second.pk:06d}"
    assert Complaint.objects.filter(no__startswith="tmp").count() == 0


def test_filing_sets_finish_due_sixty_working_days_later(w, monkeypatch):
    fixed_today(monkeypatch, D("2025-09-01"))
    c = w.register()
    services.accept(c, w.qx, "属于劳动保障监察管辖")
    assert (reload(c).status, reload(c).accepted_on, reload(c).handler) == ("accepted", D("2025-09-01"), w.qx)
    services.file(c, w.qx, "立案调查")
    c = reload(c)
    assert (c.status, c.filed_on, c.finish_due) == ("filed", D("2025-09-01"), D("2025-11-28"))
    assert working_days_between(c.filed_on, c.finish_due) == 60
    todo = Todo.objects.get(object_id=str(c.pk), content_type__model="complaint", status="open")
    assert todo.assignee == w.qx and timezone.localtime(todo.due_at).date() == D("2025-11-28")


def test_extension_adds_thirty_working_days_once_approved_by_someone_else(w, monkeypatch):
    fixed_today(monkeypatch, D("2025-09-01"))
    c = w.register()
    services.accept(c, w.qx)
    services.file(c, w.qx)
    with pytest.raises(TransitionError, match="请填写延期理由"):
        services.request_extension(c, w.leader, " ")
    services.request_extension(c, w.leader, "涉及多个劳务分包单位，案情复杂")
    c = reload(c)
    assert (c.status, c.extension_reason, c.finish_due) == ("extension", "涉及多个劳务分包单位，案情复杂", D("2025-11-28"))
    with pytest.raises(TransitionError, match="您没有“批准延期”的权限"):
        services.approve_extension(c, w.qx2)
    with pytest.raises(TransitionError, match="上一环节由您办理"):
        services.approve_extension(c, w.leader)
    services.approve_extension(c, w.leader2, "同意延期")
    c = reload(c)
    assert (c.status, c.extended) == ("filed", True)
    assert c.finish_due == add_working_days(D("2025-11-28"), 30)
    assert working_days_between(c.filed_on, c.finish_due) == 90
    with pytest.raises(TransitionError, match="该案件已延期一次，不能再次延期"):
        services.request_extension(c, w.qx, "再次延期")
    assert reload(c).finish_due == add_working_days(D("2025-11-28"), 30)


def test_refused_extension_keeps_the_limit(w):
    c = w.register()
    services.accept(c, w.qx)
    services.file(c, w.qx)
    due = reload(c).finish_due
    services.request_extension(c, w.qx, "需调取银行流水")
    with pytest.raises(TransitionError, match="请填写处理意见"):
        services.refuse_extension(c, w.leader, "")
    services.refuse_extension(c, w.leader, "证据已足，按期办结")
    c = reload(c)
    assert (c.status, c.extended, c.finish_due) == ("filed", False, due)


def test_close_needs_a_result_and_reject_a_reason(w):
    c = w.register()
    with pytest.raises(TransitionError, match="请填写处理意见"):
        services.reject(c, w.qx, "")
    services.accept(c, w.qx)
    services.file(c, w.qx)
    with pytest.raises(TransitionError, match="请填写处理结果"):
        services.close(c, w.qx, "  ")
    assert reload(c).status == "filed" and reload(c).result == ""
    services.close(c, w.qx, "已责令支付拖欠工资18.6万元，12名农民工全部领取")
    c = reload(c)
    assert (c.status, c.closed_on, c.result) == ("closed", timezone.localdate(), "已责令支付拖欠工资18.6万元，12名农民工全部领取")
    assert [log.transition for log in c.workflow_history().order_by("id")] == ["accept", "file", "close"]
    assert not Todo.objects.filter(object_id=str(c.pk), content_type__model="complaint", status="open").exists()
    other = w.register()
    services.reject(other, w.qx, "属劳动争议仲裁受理范围，已告知当事人")
    assert reload(other).status == "rejected"


# == bad input, audit, scope ================================================================================
def test_bad_registration_gives_chinese_field_errors_and_saves_nothing(w, client):
    login(client, w.qx)
    data = {k: v for k, v in complaint_fields(w).items() if k not in ("respondent", "region")}
    data.update(region=w.unit.region.pk, received_on=timezone.localdate().isoformat(), respondent_name="",
                complainant_id_number="450103199003071239", amount_owed="-100", complainant_phone="12")
    before = Complaint.objects.count()
    response = client.post(reverse("gov:labor_complaint_create"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["respondent_name"] == ["请填写被投诉单位名称"]
    assert errors["complainant_id_number"] == ["身份证号码校验位错误"]
    assert errors["amount_owed"] == ["涉及金额不能为负数"]
    assert errors["complainant_phone"] == ["请输入有效的手机号或座机号（如 13800138000 或 0771-5881234）"]
    assert Complaint.objects.count() == before
    # the service refuses the same on its own (an API or the demo calling it directly)
    with pytest.raises(ValidationError) as exc:
        services.register_complaint(w.qx, **complaint_fields(w, respondent_name=" ", complainant_id_number="4501",
                                                             amount_owed="-1", received_on=D("2099-01-01")))
    assert set(exc.value.message_dict) == {"respondent_name", "complainant_id_number", "amount_owed", "received_on"}
    assert exc.value.message_dict["received_on"] == ["收到日期不能晚于今天"]
    assert Complaint.objects.count() == before


def test_registration_outside_the_jurisdiction_is_refused(w):
    with pytest.raises(ValidationError) as exc:
        services.register_complaint(w.lz, **complaint_fields(w, respondent=None))
    assert exc.value.message_dict == {"region": ["请选择您管辖范围内的区划"]}


def test_page_registration_then_decisions_are_audited(w, client):
    login(client, w.qx)
    data = {k: v for k, v in complaint_fields(w).items() if k not in ("respondent", "region")}
    data.update(region=w.unit.region.pk, received_on=timezone.localdate().isoformat(), respondent_uscc=w.unit.uscc,
                supervisor=w.leader.pk)
    response = client.post(reverse("gov:labor_complaint_create"), data)
    assert response.status_code == 302
    c = Complaint.objects.get()
    assert response.url == c.get_absolute_url()
    assert (c.respondent, c.supervisor, c.created_by) == (w.unit, w.leader, w.qx)
    assert list(changes(c).values_list("action", flat=True)) == ["create"]
    assert changes(c).get().actor == w.qx
    url = c.get_absolute_url()
    assert client.post(url, {"action": "accept", "accept-comment": "属实"}).status_code == 302
    assert reload(c).status == "accepted"
    update = changes(c).filter(action="update").latest("id")
    assert update.actor == w.qx and "status" in update.changed_fields and update.after["status"] == "accepted"
    # a refused decision changes nothing and says why
    response = client.post(url, {"action": "close", "close-result": "x"})
    assert response.status_code == 302 and reload(c).status == "accepted"
    assert client.post(url, {"action": "file"}).status_code == 302
    response = client.post(url, {"action": "close", "close-result": ""})
    assert response.status_code == 400 and "请填写处理结果" in response.content.decode()
    assert reload(c).status == "filed"


def test_supervisor_assignment_is_checked_notified_and_audited(w, django_capture_on_commit_callbacks):
    c = w.register()
    with pytest.raises(ValidationError) as exc:
        services.assign_supervisor(c, w.qx, w.lz)
    assert exc.value.message_dict == {"supervisor": ["督办责任人须为案件所属区划（或上级）的人员"]}
    with pytest.raises(ValidationError) as exc:
        services.assign_supervisor(c, w.qx, w.owner)
    assert exc.value.message_dict == {"supervisor": ["督办责任人须有查看投诉举报案件的权限"]}
    with django_capture_on_commit_callbacks(execute=True), context.acting_as(w.qx):
        services.assign_supervisor(c, w.qx, w.leader)
    assert reload(c).supervisor == w.leader
    assert InAppMessage.objects.filter(recipient=w.leader, title__contains=c.no).exists()
    update = changes(c).filter(action="update").latest("id")
    assert update.changed_fields == ["supervisor"] and update.actor == w.qx


def test_a_county_inspector_cannot_see_or_act_on_another_citys_cases(w, client):
    c = w.register()
    login(client, w.lz)
    detail = reverse("gov:labor_complaint_detail", args=[c.pk])
    assert client.get(detail).status_code == 404
    assert client.post(detail, {"action": "accept"}).status_code == 404
    assert client.get(reverse("gov:labor_complaint_document", args=[c.pk])).status_code == 404
    page = client.get(reverse("gov:labor_complaint_list")).content.decode()
    assert c.no not in page
    rows = xlsx_rows(client.get(reverse("gov:labor_complaint_list"), {"export": "xlsx"}))
    assert all(c.no not in [str(v) for v in row] for row in rows)
    with pytest.raises(TransitionError, match="不在您的管辖范围内"):
        services.accept(c, w.lz)
    assert reload(c).status == "registered"
    # the city above sees it
    client.logout()
    login(client, w.city)
    assert client.get(detail).status_code == 200


# == list, export, Word =========================================================================================
def test_list_shows_supervisor_days_left_and_filters_overdue(w, client, monkeypatch):
    today = timezone.localdate()
    late = w.register(received_on=today - timezone.timedelta(days=30), supervisor=w.leader)
    fresh = w.register(complainant_name="欧阳娜娜")
    login(client, w.qx)
    response = client.get(reverse("gov:labor_complaint_list"))
    page = response.content.decode()
    left = working_days_between(today, fresh.accept_due)
    assert f'data-days-left="{left}"' in page and f"剩余{left}天" in page
    overdue = -working_days_between(late.accept_due, today)
    assert f'data-days-left="{overdue}"' in page and f"超期{-overdue}天" in page
    assert w.leader.display_name in page
    assert "欧***" in page and "欧阳娜娜" not in page
    assert response.context["overdue_count"] == 1
    page = client.get(reverse("gov:labor_complaint_list"), {"overdue": "overdue"}).content.decode()
    assert late.no in page and fresh.no not in page
    page = client.get(reverse("gov:labor_complaint_list"), {"supervisor": w.leader.pk}).content.decode()
    assert late.no in page and fresh.no not in page
    rows = xlsx_rows(client.get(reverse("gov:labor_complaint_list"), {"export": "xlsx", "overdue": "overdue"}))
    header, data = rows[0], rows[1:]
    assert "督办责任人" in header and "剩余/超期（工作日）" in header
    assert len(data) == 1 and data[0][0] == late.no
    assert data[0][header.index("投诉人")] == "张*"
    assert OperationLog.objects.filter(action="export", actor=w.qx).exists()


def test_word_registration_form_names_the_respondent(w, client):
    c = w.register(facts="拖欠工资\n共计18.6万元")
    login(client, w.qx)
    response = client.get(reverse("gov:labor_complaint_document", args=[c.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(cell.text for table in doc.tables for row in table.rows for cell in row.cells)
    assert w.unit.name in text and c.no in text and "18.6万元" in text
    assert valid_id() in text  # the case file carries the complainant in full
    assert doc.paragraphs[0].text == "劳动保障监察投诉举报登记表"
    log = OperationLog.objects.filter(action="download", actor=w.qx).latest("id")
    assert (log.detail["object"], log.detail["document"]) == (c.no, "投诉举报登记表")
    # no export permission, no document
    client.logout()
    login(client, w.owner)
    assert client.get(reverse("gov:labor_complaint_document", args=[c.pk])).status_code == 403


# == overdue prompting (labor_case_overdue) ======================================================================
def _levels(day):
    rule = definition(case_alerts.CODE).ensure_rule()
    return dict(definition(case_alerts.CODE).matches(rule, today=day).values_list("pk", "alert_level"))


def test_overdue_rule_levels_at_the_boundaries(w):
    # Thursday 9 October 2025: the third working day after it is Monday 13 October (Saturday 11 is a make-up day).
    today = D("2025-10-09")
    cases = {name: w.register() for name in ("today", "third", "fourth", "late", "filed_late", "accepted", "closed")}

    def set_(name, **fields):
        Complaint.objects.filter(pk=cases[name].pk).update(**fields)

    set_("today", accept_due=today)
    set_("third", accept_due=D("2025-10-13"))
    set_("fourth", accept_due=D("2025-10-14"))
    set_("late", accept_due=D("2025-09-26"))  # Friday: working days 28 (make-up Sunday), 29, 30 September lie between
    for name in ("filed_late", "accepted", "closed"):
        services.accept(cases[name], w.qx)
    services.file(cases["filed_late"], w.qx)
    services.file(cases["closed"], w.qx)
    services.close(cases["closed"], w.qx, "已办结")
    set_("filed_late", finish_due=D("2025-10-08"))
    set_("accepted", accept_due=D("2025-09-01"))  # accepted: the acceptance limit no longer governs
    set_("closed", finish_due=D("2025-09-01"))
    levels = _levels(today)
    assert levels[cases["today"].pk] == "yellow"
    assert levels[cases["third"].pk] == "yellow"
    assert levels[cases["fourth"].pk] is None
    assert levels[cases["late"].pk] == "red"
    assert levels[cases["filed_late"].pk] == "red"
    assert cases["accepted"].pk not in levels and cases["closed"].pk not in levels
    # the thresholds are data: yellow within 4 working days reaches the fourth; red only past 2 working days
    rule = definition(case_alerts.CODE).ensure_rule()
    rule.levels = [{"level": "yellow", "threshold": 4}, {"level": "red", "threshold": 2}]
    rule.save()
    levels = _levels(today)
    assert levels[cases["fourth"].pk] == "yellow"
    assert levels[cases["filed_late"].pk] == "yellow"  # past by one working day: not yet red
    assert levels[cases["late"].pk] == "red"  # past by four working days


def test_scan_prompts_the_supervisor_once_and_releases_when_accepted(w, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    late = w.register(received_on=today - timezone.timedelta(days=30), supervisor=w.leader)
    w.register()  # five working days ahead: no warning
    with django_capture_on_commit_callbacks(execute=True):
        stats = scanner.scan(case_alerts.CODE)
    assert (stats["matched"], stats["raised"]) == (1, 1)
    warning = Warning.objects.get(rule__code=case_alerts.CODE, subject_id=late.pk)
    assert (warning.level, warning.status, warning.rule.category) == ("red", "generated", "案件督办")
    assert warning.region == late.region and warning.organisation == w.unit
    assert warning.value == f"受理期限 {late.accept_due:%Y-%m-%d}"
    sms = SmsMessage.objects.get(template__code="labor_case_overdue")
    assert sms.phone == w.leader.phone and late.no in sms.content and "受理期限为" in sms.content
    assert "超期" in sms.content
    assert InAppMessage.objects.filter(recipient=w.leader, title__contains=late.no).exists()
    todo = Todo.objects.get(object_id=str(late.pk), key=services.SUPERVISE_KEY, status="open")
    assert todo.assignee == w.leader
    # a second scan neither duplicates the warning nor reminds again
    with django_capture_on_commit_callbacks(execute=True):
        assert scanner.scan(case_alerts.CODE)["raised"] == 0
    assert SmsMessage.objects.filter(template__code="labor_case_overdue").count() == 1
    assert Todo.objects.filter(object_id=str(late.pk), key=services.SUPERVISE_KEY).count() == 1
    # accepted: the condition is gone, the warning is released and the supervisor's to-do closed
    services.accept(late, w.qx)
    assert not Todo.objects.filter(object_id=str(late.pk), key=services.SUPERVISE_KEY, status="open").exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert scanner.scan(case_alerts.CODE)["released"] == 1
    assert Warning.objects.get(pk=warning.pk).status == "released"


def test_case_without_supervisor_prompts_its_handler(w, django_capture_on_commit_callbacks):
    c = w.register()
    services.accept(c, w.qx2)
    services.file(c, w.qx2)
    Complaint.objects.filter(pk=c.pk).update(finish_due=add_working_days(timezone.localdate(), 1))
    with django_capture_on_commit_callbacks(execute=True):
        scanner.scan(case_alerts.CODE)
    assert Warning.objects.get(rule__code=case_alerts.CODE, subject_id=c.pk).level == "yellow"
    sms = SmsMessage.objects.get(template__code="labor_case_overdue")
    assert sms.phone == w.qx2.phone and "办结期限为" in sms.content and "临近期限" in sms.content


# == demo ===========================================================================================================
def test_demo_cases_cover_every_state_with_overdue_ones_and_reseeding_adds_nothing():
    import io

    from django.db.models import Count

    from domains.labor.inspection import demo_cases
    from domains.labor.inspection.models import Grid
    from kernel.accounts.models import User
    from kernel.alerts.models import Territory
    from kernel.core.testing import make_agency, make_enterprise
    from kernel.org.demo import seed_towns

    seed_towns()
    for code in (QINGXIU, "450100"):
        make_agency(code, agency_type="hrss")
    for n in range(3):
        make_enterprise(QINGXIU, name=f"演示欠薪单位{n}有限公司")
    out = io.StringIO()
    summary = demo_cases.seed(1, out)
    assert "投诉举报案件11件" in summary and User.objects.filter(username="qx_labor").exists()
    states = dict(Complaint.objects.values_list("status").annotate(n=Count("pk")).order_by())
    assert states == {"registered": 2, "accepted": 1, "filed": 4, "extension": 1, "closed": 2, "rejected": 1}
    overdue = Complaint.objects.filter(services.overdue_q())
    assert overdue.count() == 2 and all(c.supervisor is not None for c in overdue)
    soon = Complaint.objects.filter(services.due_soon_q(3), status="filed").get()
    assert services.working_days_left(soon.finish_due) == 2
    extended = Complaint.objects.get(extended=True)
    assert working_days_between(extended.filed_on, extended.finish_due) == 90
    for c in Complaint.objects.exclude(status="registered"):
        assert c.accepted_on is None or c.accepted_on <= timezone.localdate()
    qx_grids = Grid.objects.filter(region__path__startswith=f"450000.450100.{QINGXIU}.")
    assert qx_grids.exists() and not qx_grids.filter(owner__isnull=True).exists()
    assert Territory.objects.filter(region__in=qx_grids.values("region"), user__username="qx_grid_owner").count() == \
        qx_grids.count()
    before = (Complaint.objects.count(), Grid.objects.count())
    assert demo_cases.seed(1, io.StringIO()) == "网格0个，投诉举报案件0件"
    assert (Complaint.objects.count(), Grid.objects.count()) == before


def test_cases_move_only_through_their_own_pages():
    """The generic workflow endpoint would skip the case services (supervision to-dos, extension reason)."""
    from django.test import Client

    w = World()
    complaint = w.register()
    client = Client()
    client.force_login(w.qx)
    response = client.post(f"/gov/workflow/labor_inspection.complaint/{complaint.pk}/accept/", {"comment": "受理"})
    assert response.status_code == 404
    assert Complaint.objects.get(pk=complaint.pk).status == "registered"
