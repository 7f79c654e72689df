"""Training (issue 8 point 6): plan approval, roster and sign-in rules, attendance rate, exams with questions as
data, automatic grading against the pass mark, pass rate, results in Excel; jurisdiction scope, audit rows and
field-level errors on bad input."""
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from domains.ops.contracts.models import MaintainedSystem
from domains.ops.training import demo, services
from domains.ops.training.models import Attendance, Exam, ExamAttempt, Question, TrainingPlan, TrainingSession
from kernel.audit.models import ChangeLog
from kernel.core.testing import make_agency, make_staff
from kernel.workflow.engine import TransitionError

pytestmark = pytest.mark.django_db
TZ = timezone.get_fixed_timezone(8 * 60)
ORGANISE = ["ops_training.view_trainingplan", "ops_training.add_trainingplan", "ops_training.change_trainingplan",
            "ops_training.approve_trainingplan", "ops_training.view_trainingsession",
            "ops_training.add_trainingsession", "ops_training.change_trainingsession", "ops_training.view_attendance",
            "ops_training.add_attendance", "ops_training.change_attendance", "ops_training.view_exam",
            "ops_training.add_exam", "ops_training.change_exam", "ops_training.export_results",
            "ops_contracts.view_maintainedsystem"]


def at(d, hh, mm=0):
    return datetime.datetime(2026, 6, d, hh, mm, tzinfo=TZ)


@pytest.fixture
def manager():
    return make_staff("450100", ORGANISE, real_name="南宁培训管理员")


@pytest.fixture
def plan(manager):
    system = MaintainedSystem.objects.create(code="pension", name="养老系统", agency=make_agency("450100", "hrss"))
    return services.save_plan(TrainingPlan(system=system, title="养老系统操作培训", year=2026, quarter=2,
                                           audience="南宁各县区经办人员", topics="参数调整"), manager)


@pytest.fixture
def session(plan, manager):
    return services.add_session(plan, manager, topic="政策调整操作", starts_at=at(10, 9), ends_at=at(10, 12),
                                place="培训室", trainer="梁工", mode="onsite", capacity=4)


def trainees(n, region="450102"):
    return [make_staff(region, ["ops_training.attend_training"], real_name=f"学员{i}") for i in range(n)]


def approved(plan, manager):
    plan.workflow.apply(plan, "approve", manager)
    return plan


def exam_with(session, manager, questions, pass_mark=60):
    exam = services.create_exam(session, manager, title="考试", pass_mark=pass_mark)
    for kind, options, answer, points in questions:
        services.add_question(exam, manager, kind=kind, text=f"题目{kind}", options=options, answer=answer,
                              points=points)
    return exam


FOUR = [("single", ["甲", "乙", "丙"], [1], 25), ("multiple", ["甲", "乙", "丙", "丁"], [0, 2], 25),
        ("true_false", [], [0], 25), ("true_false", [], [1], 25)]


def answers(exam, picks):
    return {q.pk: p for q, p in zip(exam.questions.order_by("order"), picks, strict=True)}


# -- plan workflow ---------------------------------------------------------------------------------
def test_plan_needs_a_session_to_be_approved_and_ended_sessions_to_be_done(plan, manager):
    with pytest.raises(TransitionError, match="至少要安排一个培训场次"):
        plan.workflow.apply(plan, "approve", manager)
    services.add_session(plan, manager, topic="一", starts_at=at(10, 9), ends_at=at(10, 12), place="室",
                         trainer="梁工", mode="onsite", capacity=10)
    approved(plan, manager)
    with pytest.raises(TransitionError, match="未结束的培训场次"):
        plan.workflow.apply(plan, "complete", manager, data={"now": at(10, 11).isoformat()})
    plan.workflow.apply(plan, "complete", manager, data={"now": at(10, 12).isoformat()})
    assert plan.status == "done"
    with pytest.raises(ValidationError, match="不能再安排场次"):
        services.add_session(plan, manager, topic="二", starts_at=at(11, 9), ends_at=at(11, 12), place="室",
                             trainer="梁工", mode="onsite", capacity=10)


def test_session_times_and_capacity_are_validated_in_chinese(plan, manager):
    with pytest.raises(ValidationError) as exc:
        services.add_session(plan, manager, topic="一", starts_at=at(10, 12), ends_at=at(10, 9), place="室",
                             trainer="梁工", mode="onsite", capacity=0)
    assert exc.value.message_dict["ends_at"] == ["结束时间须晚于开始时间"]
    assert "capacity" in exc.value.message_dict
    assert not TrainingSession.objects.exists()


# -- roster, sign-in and attendance rate ----------------------------------------------------------------
def test_roster_refuses_outsiders_duplicates_and_overflow_whole(session, manager):
    inside = trainees(3)
    liuzhou = make_staff("450200", [], real_name="柳州人员")
    with pytest.raises(ValidationError) as exc:
        services.add_trainees(session, manager, inside + [liuzhou])
    assert exc.value.message_dict["trainees"] == ["不属于本系统服务范围的用户不能参加：柳州人员"]
    assert not Attendance.objects.exists()
    services.add_trainees(session, manager, inside)
    with pytest.raises(ValidationError) as exc:
        services.add_trainees(session, manager, inside[:1])
    assert exc.value.message_dict["trainees"] == ["已在培训名单中：学员0"]
    with pytest.raises(ValidationError) as exc:
        services.add_trainees(session, manager, trainees(2))
    assert exc.value.message_dict["trainees"] == ["超出场次容纳人数4人（已有3人）"]
    assert Attendance.objects.count() == 3


def test_attendance_rate_counts_signed_in_over_the_roster(session, manager, plan):
    approved(plan, manager)
    rows = services.add_trainees(session, manager, trainees(4))
    services.mark(rows[0], manager, "sign_in")
    services.mark(rows[1], manager, "sign_in")
    services.mark(rows[2], manager, "mark_absent")
    services.mark(rows[2], manager, "sign_in")  # 补签
    services.mark(rows[3], manager, "mark_absent")
    stats = services.session_stats(session)
    assert (stats.roster, stats.signed_in, stats.absent, stats.invited) == (4, 3, 1, 0)
    assert str(stats.attendance_rate) == "75.0"
    rows[2].refresh_from_db()
    assert rows[2].signed_in_at is not None


def test_trainee_signs_in_only_for_themselves_within_the_session_time(session, manager, plan):
    a, b = services.add_trainees(session, manager, trainees(2))
    with pytest.raises(ValidationError, match="尚未审批通过"):
        services.self_sign_in(a, a.user, now=at(10, 9))
    approved(plan, manager)
    with pytest.raises(PermissionDenied):
        services.self_sign_in(a, b.user, now=at(10, 9))
    with pytest.raises(ValidationError, match="签到时间为培训开始前30分钟至结束"):
        services.self_sign_in(a, a.user, now=at(10, 8, 29))
    with pytest.raises(ValidationError):
        services.self_sign_in(a, a.user, now=at(10, 12, 1))
    services.self_sign_in(a, a.user, now=at(10, 8, 30))
    a.refresh_from_db()
    assert a.status == "signed_in" and a.signed_in_at == at(10, 8, 30)
    with pytest.raises(ValidationError, match="您已签到"):
        services.self_sign_in(a, a.user, now=at(10, 9))


# -- exams and grading --------------------------------------------------------------------------
def test_questions_are_validated_and_only_editable_in_draft(session, manager, plan):
    exam = services.create_exam(session, manager, title="考试", pass_mark=60)
    cases = [
        (dict(kind="single", text="题", options=["甲"], answer=[0], points=10), "options", "选择题至少要有两个选项"),
        (dict(kind="single", text="题", options=["甲", "乙"], answer=[0, 1], points=10), "answer",
         "单选题和判断题只能有一个正确答案"),
        (dict(kind="multiple", text="题", options=["甲", "乙", "丙"], answer=[1], points=10), "answer",
         "多选题至少要有两个正确答案"),
        (dict(kind="single", text="题", options=["甲", "乙"], answer=[5], points=10), "answer", "请从选项中选择正确答案"),
        (dict(kind="single", text=" ", options=["甲", "乙"], answer=[0], points=10), "text", "请填写题干"),
        (dict(kind="single", text="题", options=["甲", "甲"], answer=[0], points=10), "options", "选项不能重复"),
    ]
    for kwargs, field, message in cases:
        with pytest.raises(ValidationError) as exc:
            services.add_question(exam, manager, **kwargs)
        assert exc.value.message_dict[field] == [message]
    assert not Question.objects.exists()
    q = services.add_question(exam, manager, kind="true_false", text="判断", options=["x"], answer=[1], points=10)
    assert q.options == ["正确", "错误"] and q.answer == [1] and q.answer_letters() == "B"
    with pytest.raises(TransitionError, match="审批通过后才能开放考试"):
        exam.workflow.apply(exam, "open", manager)
    approved(plan, manager)
    exam.workflow.apply(exam, "open", manager)
    with pytest.raises(ValidationError, match="不能再修改试题"):
        services.add_question(exam, manager, kind="true_false", text="判断", options=[], answer=[0], points=10)


def test_grading_is_exact_per_question_and_the_pass_mark_is_on_a_scale_of_100(session, manager):
    exam = exam_with(session, manager, FOUR, pass_mark=75)
    full = services.grade(exam, answers(exam, [[1], [0, 2], [0], [1]]))
    assert (full.score, full.total, full.passed) == (100, 100, True)
    partial = services.grade(exam, answers(exam, [[1], [0], [0], [0]]))  # multiple choice half right: no points
    assert (partial.score, partial.passed) == (50, False)
    extra = services.grade(exam, answers(exam, [[1], [0, 1, 2], [0], [1]]))  # a wrong option too: no points
    assert (extra.score, extra.passed) == (75, True)  # exactly the pass mark passes
    exam.pass_mark = 76
    assert services.grade(exam, answers(exam, [[1], [0, 1, 2], [0], [1]])).passed is False


def test_pass_mark_compares_in_integers_when_the_total_is_not_100(session, manager):
    exam = exam_with(session, manager, [("true_false", [], [0], 10)] * 3, pass_mark=70)
    two = services.grade(exam, answers(exam, [[0], [0], [1]]))
    assert (two.score, two.total, two.passed) == (20, 30, False)  # 66.7 < 70
    exam.pass_mark = 66
    assert services.grade(exam, answers(exam, [[0], [0], [1]])).passed is True


def test_submitting_an_exam_grades_it_once_and_bad_answers_change_nothing(session, manager, plan):
    approved(plan, manager)
    exam = exam_with(session, manager, FOUR)
    exam.workflow.apply(exam, "open", manager)
    a, b, c = services.add_trainees(session, manager, trainees(3))
    services.mark(c, manager, "mark_absent")
    with pytest.raises(ValidationError) as exc:
        services.submit_attempt(exam, a.user, answers(exam, [[1], [], [0], [1]]))
    q2 = exam.questions.get(order=2)
    assert exc.value.message_dict[f"q{q2.pk}"] == ["第2题未作答"]
    with pytest.raises(ValidationError) as exc:
        services.submit_attempt(exam, a.user, answers(exam, [[7], [0, 2], [0], [1]]))
    assert exc.value.message_dict[f"q{exam.questions.get(order=1).pk}"] == ["第1题的答案不是该题的选项"]
    with pytest.raises(ValidationError) as exc:
        services.submit_attempt(exam, a.user, answers(exam, [[0, 1], [0, 2], [0], [1]]))
    assert exc.value.message_dict[f"q{exam.questions.get(order=1).pk}"] == ["第1题只能选一个答案"]
    assert not ExamAttempt.objects.exists()
    with pytest.raises(PermissionDenied):
        services.submit_attempt(exam, c.user, answers(exam, [[1], [0, 2], [0], [1]]))  # absent
    attempt = services.submit_attempt(exam, a.user, answers(exam, [[1], [0, 2], [0], [0]]))
    assert (attempt.score, attempt.total, attempt.passed, attempt.percent) == (75, 100, True, 75.0)
    assert ChangeLog.objects.filter(object_id=str(attempt.pk), action="create",
                                    content_type__model="examattempt").exists()
    with pytest.raises(ValidationError, match="不能重复作答"):
        services.submit_attempt(exam, a.user, answers(exam, [[1], [0, 2], [0], [1]]))
    services.submit_attempt(exam, b.user, answers(exam, [[0], [0], [0], [0]]))  # 25: fails
    exam.workflow.apply(exam, "close", manager)
    stats = services.session_stats(session)
    assert (stats.takers, stats.passed, str(stats.pass_rate), str(stats.average)) == (2, 1, "50.0", "50.0")
    with pytest.raises(ValidationError, match="考试未开放或已结束"):
        services.submit_attempt(exam, b.user, answers(exam, [[1], [0, 2], [0], [1]]))


# -- pages: trainee exam, results export, scope, audit, bad input ----------------------------------
def test_trainee_takes_the_exam_through_the_page(client, session, manager, plan):
    approved(plan, manager)
    exam = exam_with(session, manager, FOUR)
    exam.workflow.apply(exam, "open", manager)
    (a,) = services.add_trainees(session, manager, trainees(1))
    outsider = trainees(1)[0]
    client.force_login(outsider)
    assert client.get(f"/gov/ops/training/exams/{exam.pk}/take/").status_code == 404
    client.force_login(a.user)
    page = client.get("/gov/ops/training/mine/").content.decode()
    assert "政策调整操作" in page and "参加考试" in page
    qs = list(exam.questions.order_by("order"))
    response = client.post(f"/gov/ops/training/exams/{exam.pk}/take/", {f"q{qs[0].pk}": "1"})
    assert response.status_code == 400 and "第2题未作答" in response.content.decode()
    assert not ExamAttempt.objects.exists()
    response = client.post(f"/gov/ops/training/exams/{exam.pk}/take/", {
        f"q{qs[0].pk}": "1", f"q{qs[1].pk}": ["0", "2"], f"q{qs[2].pk}": "1", f"q{qs[3].pk}": "1"})
    assert response.status_code == 302
    attempt = ExamAttempt.objects.get()
    assert (attempt.score, attempt.passed) == (75, True)
    result = client.get(response["Location"]).content.decode()
    assert "75" in result and "及格" in result
    assert client.get(f"/gov/ops/training/exams/{exam.pk}/take/").status_code == 302  # handed in: to the result


def test_results_export_carries_the_rows_and_the_figures(client, session, manager, plan):
    approved(plan, manager)
    exam = exam_with(session, manager, FOUR)
    exam.workflow.apply(exam, "open", manager)
    rows = services.add_trainees(session, manager, trainees(4))
    for r in rows[:3]:
        services.mark(r, manager, "sign_in")
    services.mark(rows[3], manager, "mark_absent")
    services.submit_attempt(exam, rows[0].user, answers(exam, [[1], [0, 2], [0], [1]]))
    services.submit_attempt(exam, rows[1].user, answers(exam, [[0], [0], [1], [0]]))
    client.force_login(manager)
    response = client.get(f"/gov/ops/training/sessions/{session.pk}/results.xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    table = [list(r) for r in book["培训成绩"].iter_rows(values_only=True)]
    assert table[0] == ["学员", "单位", "签到情况", "签到时间", "得分", "总分", "百分制得分", "考试结果"]
    assert table[1][0] == "学员0" and table[1][2] == "已签到" and table[1][4:] == [100, 100, 100, "及格"]
    assert table[2][4:] == [0, 100, 0, "不及格"]
    assert table[4][2] == "缺勤" and table[4][7] == "未参考"
    figures = dict(book["统计"].iter_rows(min_row=2, values_only=True))
    assert figures["出勤率（%）"] == 75.0 and figures["及格率（%）"] == 50.0 and figures["参考人数"] == 2


def test_another_city_gets_404_on_plans_sessions_exams_and_exports(client, session, manager, plan):
    exam = services.create_exam(session, manager, title="考试", pass_mark=60)
    client.force_login(manager)
    assert "养老系统操作培训" in client.get("/gov/ops/training/").content.decode()
    assert client.get(f"/gov/ops/training/sessions/{session.pk}/").status_code == 200
    liuzhou = make_staff("450200", ORGANISE)
    client.force_login(liuzhou)
    assert "养老系统操作培训" not in client.get("/gov/ops/training/").content.decode()
    for url in (f"/gov/ops/training/{plan.pk}/", f"/gov/ops/training/sessions/{session.pk}/",
                f"/gov/ops/training/exams/{exam.pk}/", f"/gov/ops/training/sessions/{session.pk}/results.xlsx"):
        assert client.get(url).status_code == 404, url
    (a,) = services.add_trainees(session, manager, trainees(1))
    response = client.post(f"/gov/ops/training/attendance/{a.pk}/sign_in/")
    assert response.status_code == 404
    client.force_login(make_staff("450100", ["ops_training.attend_training"]))
    assert client.get(f"/gov/ops/training/mine/{a.pk}/").status_code == 404


def test_pages_write_through_services_with_audit_rows_and_field_errors(client, plan, manager):
    client.force_login(manager)
    response = client.post(f"/gov/ops/training/{plan.pk}/", {
        "topic": "", "starts_at": "2026-06-10T12:00", "ends_at": "2026-06-10T09:00", "place": "室",
        "trainer": "梁工", "mode": "onsite", "capacity": "10"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请填写培训主题" in body and "结束时间须晚于开始时间" in body
    assert not TrainingSession.objects.exists()
    response = client.post(f"/gov/ops/training/{plan.pk}/", {
        "topic": "政策调整", "starts_at": "2026-06-10T09:00", "ends_at": "2026-06-10T12:00", "place": "室",
        "trainer": "梁工", "mode": "onsite", "capacity": "10"})
    assert response.status_code == 302
    session = TrainingSession.objects.get()
    assert ChangeLog.objects.filter(content_type__model="trainingsession", object_id=str(session.pk),
                                    action="create", actor=manager).exists()
    response = client.post("/gov/ops/training/new/", {"system": plan.system_id, "title": "", "year": "1999",
                                                      "mode": "central", "audience": "x", "topics": "y"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请填写计划名称" in body
    assert TrainingPlan.objects.count() == 1
    exam_page = client.post(f"/gov/ops/training/sessions/{session.pk}/", {"form": "exam", "title": "考试",
                                                                           "pass_mark": "120"})
    assert exam_page.status_code == 400 and "及格分应在1到100之间" in exam_page.content.decode()
    assert not Exam.objects.exists()


def test_demo_seeds_an_open_exam_of_four_questions_with_pass_mark_60():
    from domains.ops.contracts import demo as contracts_demo

    for kind in ("hrss", "market", "tax"):
        make_agency("450000", kind)
    make_agency("450100", "hrss")
    contracts_demo.seed(1, io.StringIO())
    assert demo.seed(1, io.StringIO()) == "培训计划2个（学员2人，试题4道）"
    assert demo.seed(1, io.StringIO()) == ""
    exam = Exam.objects.get()
    assert (exam.status, exam.pass_mark, exam.total_points, exam.questions.count()) == ("open", 60, 100, 4)
    stats = services.session_stats(exam.session)
    assert (stats.roster, str(stats.attendance_rate)) == (2, "100.0")


def test_materials_are_validated_uploads_that_roster_members_download(client, session, manager, plan):
    from kernel.audit.models import OperationLog
    from kernel.files.models import Attachment
    from kernel.files.services import store
    from kernel.files.tests.samples import pdf_bytes, upload

    approved(plan, manager)
    with pytest.raises(ValidationError):  # a script renamed .pdf is refused by content
        store(session, upload("操作手册.pdf", b"#!/bin/sh\nrm -rf /\n"), "ops_training_material", manager)
    manual = store(session, upload("操作手册.pdf", pdf_bytes()), "ops_training_material", manager)
    assert Attachment.objects.count() == 1
    (a,) = services.add_trainees(session, manager, trainees(1))
    client.force_login(a.user)
    page = client.get(f"/gov/ops/training/mine/{a.pk}/").content.decode()
    assert "操作手册.pdf" in page
    response = client.get(f"/gov/ops/training/mine/{a.pk}/materials/{manual.pk}/?download=1")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF-")
    assert OperationLog.objects.filter(action="download", actor=a.user).exists()
    client.force_login(trainees(1)[0])  # not on the roster
    assert client.get(f"/gov/ops/training/mine/{a.pk}/materials/{manual.pk}/").status_code == 404
