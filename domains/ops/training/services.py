"""Training operations: the only place that writes plans, sessions, rosters, exams and attempts.

Every function validates first and raises ValidationError (Chinese, by field) with nothing written; state
changes go through the workflows; writes are audited by the kernel (BusinessModel / audit_enabled)."""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from kernel.org.scope import subtree_ids

from .models import Attendance, Exam, ExamAttempt, Question, TrainingSession

TRUE_FALSE_OPTIONS = ["正确", "错误"]
SIGN_IN_EARLY = timezone.timedelta(minutes=30)  # a trainee may sign in from 30 minutes before the start


def _require(user, perm):
    if not user.has_perm(perm):
        raise PermissionDenied("您没有此操作的权限")


def _full_clean(obj):
    obj.full_clean()
    obj.save()
    return obj


# -- plans and sessions ------------------------------------------------------------------------
def save_plan(plan, user):
    """Create or edit a plan (edits only while it is a draft); the system must be in the user's jurisdiction."""
    from domains.ops.contracts.models import MaintainedSystem

    _require(user, "ops_training.change_trainingplan" if plan.pk else "ops_training.add_trainingplan")
    if plan.pk and plan.status != "draft":
        raise ValidationError("只有草稿状态的培训计划可以修改")
    if plan.system_id and not MaintainedSystem.objects.visible_to(user).filter(pk=plan.system_id).exists():
        raise ValidationError({"system": "请选择您管辖范围内的运维对象"})
    if plan.pk is None:
        plan.created_by = user
    with transaction.atomic():
        return _full_clean(plan)


def add_session(plan, user, **fields):
    """Schedule a session of a plan that is not done."""
    _require(user, "ops_training.add_trainingsession")
    if plan.status == "done":
        raise ValidationError("培训计划已完成，不能再安排场次")
    session = TrainingSession(plan=plan, created_by=user, **fields)
    with transaction.atomic():
        return _full_clean(session)


def eligible_trainees(session):
    """Staff users who may be put on a session's roster: active agency users of the system's agency region
    and below (the handling staff of every city the maintained system serves)."""
    region = session.plan.system.agency.region
    return get_user_model().objects.filter(kind="staff", is_active=True,
                                           organisation__region_id__in=subtree_ids(region.path))


def add_trainees(session, user, trainees):
    """Put users on the roster (invited). Refused whole when one of them may not attend, is already on it,
    or the session's capacity would be exceeded."""
    _require(user, "ops_training.add_attendance")
    if session.plan.status == "done":
        raise ValidationError({"trainees": ["培训计划已完成，不能再调整名单"]})
    trainees = list(dict.fromkeys(trainees))
    if not trainees:
        raise ValidationError({"trainees": ["请选择学员"]})
    allowed = set(eligible_trainees(session).filter(pk__in=[u.pk for u in trainees]).values_list("pk", flat=True))
    outside = [u.display_name for u in trainees if u.pk not in allowed]
    if outside:
        raise ValidationError({"trainees": [f"不属于本系统服务范围的用户不能参加：{'、'.join(outside)}"]})
    present = set(session.attendances.values_list("user_id", flat=True))
    again = [u.display_name for u in trainees if u.pk in present]
    if again:
        raise ValidationError({"trainees": [f"已在培训名单中：{'、'.join(again)}"]})
    if len(present) + len(trainees) > session.capacity:
        raise ValidationError({"trainees": [f"超出场次容纳人数{session.capacity}人（已有{len(present)}人）"]})
    with transaction.atomic():
        return [Attendance.objects.create(session=session, user=u) for u in trainees]


def mark(attendance, user, action):
    """The organiser records a trainee as signed in (签到/补签) or absent (缺勤)."""
    if action not in ("sign_in", "mark_absent"):
        raise ValidationError("未知的签到操作")
    attendance.workflow.apply(attendance, action, user)
    return attendance


def self_sign_in(attendance, user, now=None):
    """A trainee signs in for themselves, from 30 minutes before the session starts until it ends."""
    now = now or timezone.now()
    if attendance.user_id != user.pk:
        raise PermissionDenied("只能为本人签到")
    session = attendance.session
    if session.plan.status != "approved":
        raise ValidationError("培训计划尚未审批通过或已完成，不能签到")
    if attendance.status == "signed_in":
        raise ValidationError("您已签到")
    if not (session.starts_at - SIGN_IN_EARLY <= now <= session.ends_at):
        raise ValidationError(f"签到时间为培训开始前30分钟至结束（{timezone.localtime(session.starts_at):%m-%d %H:%M}"
                              f"—{timezone.localtime(session.ends_at):%H:%M}）")
    attendance.workflow.apply(attendance, "sign_in", None, system=True, data={"at": now.isoformat()})
    return attendance


def my_attendances(user):
    """The trainee's own roster rows (a person's own records, whatever the region of the system)."""
    return (Attendance.objects.filter(user=user, session__is_deleted=False, session__plan__is_deleted=False)
            .exclude(session__plan__status="draft")
            .select_related("session", "session__plan", "session__plan__system").order_by("-session__starts_at"))


# -- exams ---------------------------------------------------------------------------------------
def create_exam(session, user, *, title, pass_mark):
    _require(user, "ops_training.add_exam")
    if Exam.all_objects.filter(session=session).exists():
        raise ValidationError({"title": ["该场次已有试卷"]})
    with transaction.atomic():
        return _full_clean(Exam(session=session, title=title, pass_mark=pass_mark, created_by=user))


def parse_letters(text, n_options):
    """"A", "a,c", "AC" -> [0] / [0, 2]; ValueError on a letter beyond the options."""
    letters = [c for c in (text or "").upper() if c.isalpha()]
    out = sorted({ord(c) - 65 for c in letters})
    if any(i < 0 or i >= n_options for i in out):
        raise ValueError
    return out


def add_question(exam, user, *, kind, text, options, answer, points):
    """Add a question to an exam that is still being edited. `options`: list of texts (ignored for true/false,
    whose options are 正确/错误); `answer`: list of option indices."""
    _require(user, "ops_training.change_exam")
    if exam.status != "draft":
        raise ValidationError("试卷已开放作答，不能再修改试题")
    errors = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = ["请填写题干"]
    if kind == Question.Kind.TRUE_FALSE:
        options = list(TRUE_FALSE_OPTIONS)
    else:
        options = [o.strip() for o in options if o and o.strip()]
        if len(options) < 2:
            errors["options"] = ["选择题至少要有两个选项"]
        elif len(set(options)) != len(options):
            errors["options"] = ["选项不能重复"]
    answer = sorted(set(answer))
    if kind not in Question.Kind.values:
        errors["kind"] = ["请选择题型"]
    elif "options" not in errors:
        if any(i < 0 or i >= len(options) for i in answer) or not answer:
            errors["answer"] = ["请从选项中选择正确答案"]
        elif kind in (Question.Kind.SINGLE, Question.Kind.TRUE_FALSE) and len(answer) != 1:
            errors["answer"] = ["单选题和判断题只能有一个正确答案"]
        elif kind == Question.Kind.MULTIPLE and len(answer) < 2:
            errors["answer"] = ["多选题至少要有两个正确答案"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        order = (exam.questions.order_by("-order").values_list("order", flat=True).first() or 0) + 1
        return _full_clean(Question(exam=exam, order=order, kind=kind, text=text, options=options,
                                    answer=answer, points=points))


def change_exam_state(exam, user, action):
    exam.workflow.apply(exam, action, user)
    return exam


@dataclass(frozen=True)
class Grade:
    score: int
    total: int
    correct: dict  # question id -> bool
    passed: bool


def grade(exam, answers) -> Grade:
    """Automatic grading: a question scores its points when the chosen options are exactly its answer
    (multiple choice: all correct options and no wrong one; no partial credit). Passed when the score reaches
    the pass mark on a scale of 100 (score × 100 ≥ pass mark × total, in integers)."""
    score = total = 0
    correct = {}
    for q in exam.questions.all():
        total += q.points
        ok = sorted(set(answers.get(q.pk, []))) == sorted(q.answer)
        correct[q.pk] = ok
        if ok:
            score += q.points
    return Grade(score, total, correct, total > 0 and score * 100 >= exam.pass_mark * total)


def may_take(exam, user):
    """The trainee's roster row for the exam's session (not absent), or None."""
    return Attendance.objects.filter(session=exam.session_id, user=user).exclude(status="absent").first()


def submit_attempt(exam, user, answers, now=None):
    """A trainee hands in an exam: every question answered with options of that question; graded at once.
    `answers`: {question id: [option indices]}. One attempt per trainee."""
    if may_take(exam, user) is None:
        raise PermissionDenied("您不在本场培训的考试名单中")
    if exam.status != "open":
        raise ValidationError("考试未开放或已结束")
    if ExamAttempt.objects.filter(exam=exam, user=user).exists():
        raise ValidationError("您已交卷，不能重复作答")
    errors = {}
    clean = {}
    for q in exam.questions.all():
        chosen = sorted(set(answers.get(q.pk, [])))
        if not chosen:
            errors[f"q{q.pk}"] = [f"第{q.order}题未作答"]
        elif any(i < 0 or i >= len(q.options) for i in chosen):
            errors[f"q{q.pk}"] = [f"第{q.order}题的答案不是该题的选项"]
        elif q.kind != Question.Kind.MULTIPLE and len(chosen) > 1:
            errors[f"q{q.pk}"] = [f"第{q.order}题只能选一个答案"]
        clean[q.pk] = chosen
    if errors:
        raise ValidationError(errors)
    result = grade(exam, clean)
    with transaction.atomic():
        return ExamAttempt.objects.create(exam=exam, user=user, answers={str(k): v for k, v in clean.items()},
                                          score=result.score, total=result.total, passed=result.passed,
                                          submitted_at=now or timezone.now())


# -- statistics and results ----------------------------------------------------------------------
def _rate(part, whole):
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SessionStats:
    roster: int
    signed_in: int
    absent: int
    invited: int
    attendance_rate: Decimal | None  # signed in / roster, %
    takers: int
    passed: int
    pass_rate: Decimal | None  # passed / takers, %
    average: Decimal | None  # mean score on a scale of 100


def session_stats(session) -> SessionStats:
    counts = {"invited": 0, "signed_in": 0, "absent": 0}
    for status in session.attendances.values_list("status", flat=True):
        counts[status] += 1
    roster = sum(counts.values())
    attempts = list(ExamAttempt.objects.filter(exam__session=session).values_list("score", "total", "passed"))
    takers = len(attempts)
    passed = sum(1 for _, _, p in attempts if p)
    average = None
    if takers:
        average = (sum(Decimal(s) * 100 / Decimal(t) for s, t, _ in attempts if t) / takers).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)
    return SessionStats(roster, counts["signed_in"], counts["absent"], counts["invited"],
                        _rate(counts["signed_in"], roster), takers, passed, _rate(passed, takers), average)


def result_rows(session):
    """One row per trainee on the roster: who, where from, sign-in, and the exam result if any."""
    attempts = {a.user_id: a for a in ExamAttempt.objects.filter(exam__session=session)}
    rows = []
    for a in session.attendances.select_related("user", "user__organisation").order_by("id"):
        attempt = attempts.get(a.user_id)
        rows.append({
            "attendance": a, "name": a.user.display_name, "organisation": getattr(a.user.organisation, "name", ""),
            "status": a.workflow.state(a.status).label, "status_code": a.status,
            "signed_in_at": timezone.localtime(a.signed_in_at).replace(tzinfo=None) if a.signed_in_at else None,
            "score": attempt.score if attempt else None, "total": attempt.total if attempt else None,
            "percent": attempt.percent if attempt else None,
            "passed": ("及格" if attempt.passed else "不及格") if attempt else "未参考",
        })
    return rows


def visible_session(user, pk):
    """A session in the user's jurisdiction or None (for pages that look one up outside the generic views)."""
    return TrainingSession.objects.visible_to(user).filter(pk=pk).select_related("plan", "plan__system").first()

