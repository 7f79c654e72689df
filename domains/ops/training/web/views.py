"""Training pages (/gov/ops/training/...): plans, sessions with roster, sign-in and statistics, exams with
their questions, results in Excel; and for trainees 我的培训, the exam page and the result.

Organiser pages look records up through the kernel scope (404 outside the jurisdiction); trainee pages through
the trainee's own roster rows (404 for anyone else). Every write calls services."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from kernel.exports.excel import Sheet, ValueColumn, workbook_response
from kernel.files.models import Attachment
from kernel.files.services import download_response, record_download
from kernel.ui.forms import apply_errors
from kernel.ui.generic import EntranceMixin, ScopedDetailView, ScopedFormView, ScopedListView, ScopedObjectMixin
from kernel.ui.tables import Column
from kernel.workflow.engine import TransitionError
from kernel.workflow.views import panel_context

from .. import services
from ..models import Attendance, Exam, ExamAttempt, TrainingPlan, TrainingSession
from ..workflows import ATTENDANCE, PLAN
from .forms import ExamForm, PlanForm, QuestionForm, SessionForm, TraineesForm

SECTION = ("运维服务管理", None)
PLANS = ("培训计划", "/gov/ops/training/")
MINE = ("我的培训", "/gov/ops/training/mine/")
MATERIAL = "ops_training_material"
PLAN_COLOURS = {s.code: s.colour for s in PLAN.states}
BADGE = {"secondary": "#6c757d", "primary": "#0d6efd", "success": "#198754", "danger": "#dc3545", "dark": "#212529"}


PLAN_COLUMNS = [
    Column("title", "计划名称", link="gov:ops_training_plan", width=30),
    Column("system", "运维对象", accessor="system.name", order_by="system__name", width=24),
    Column("period", "年度/季度", sortable=False, width=16),
    Column("mode", "培训方式", choices=True, width=12),
    Column("audience", "培训对象", width=30),
    Column("status", "状态", choices=True, width=10, colour=lambda p: BADGE[PLAN_COLOURS[p.status]]),
]


class PlanListView(ScopedListView):
    model = TrainingPlan
    title = "培训计划"
    list_key = "ops_training_plans"
    permission_required = "ops_training.view_trainingplan"
    columns = PLAN_COLUMNS
    select_related = ("system",)
    breadcrumbs = [SECTION]
    create_url_name = "gov:ops_training_plan_new"
    create_permission = "ops_training.add_trainingplan"


class PlanFormView(ScopedFormView):
    model = TrainingPlan
    form_class = PlanForm
    permission_required = "ops_training.add_trainingplan"
    title = "新建培训计划"
    breadcrumbs = [SECTION, PLANS]
    success_message = "培训计划已保存"

    def save_form(self, form):
        return services.save_plan(form.instance, self.request.user)


class PlanEditView(ScopedObjectMixin, PlanFormView):
    permission_required = "ops_training.change_trainingplan"

    def get_title(self):
        return f"修改培训计划：{self.get_object()}"

    def get_instance(self):
        return self.get_object()


class PlanDetailView(ScopedDetailView):
    model = TrainingPlan
    template_name = "ops_training/plan.html"
    permission_required = "ops_training.view_trainingplan"
    select_related = ("system", "system__agency")
    breadcrumbs = [SECTION, PLANS]
    fields = PLAN_COLUMNS[:5] + [Column("topics", "培训内容")]
    edit_url_name = "gov:ops_training_plan_edit"
    edit_permission = "ops_training.change_trainingplan"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        plan, user = self.get_object(), self.request.user
        if plan.status != "draft":
            ctx["edit_url"] = None
        sessions = list(plan.sessions.all())
        ctx.update(panel_context(plan, user))
        ctx["sessions"] = [(s, services.session_stats(s)) for s in sessions]
        if plan.status != "done" and user.has_perm("ops_training.add_trainingsession"):
            ctx["session_form"] = kwargs.get("session_form") or SessionForm()
        return ctx

    def post(self, request, pk):
        plan = self.get_object()
        form = SessionForm(request.POST)
        if form.is_valid():
            try:
                session = services.add_session(plan, request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"已安排培训场次：{session.topic}")
                return redirect(plan.get_absolute_url())
        return self.render_to_response(self.get_context_data(session_form=form), status=400)


class SessionDetailView(ScopedDetailView):
    model = TrainingSession
    template_name = "ops_training/session.html"
    permission_required = "ops_training.view_trainingsession"
    select_related = ("plan", "plan__system", "plan__system__agency")
    breadcrumbs = [SECTION, PLANS]
    fields = [Column("plan", "培训计划", accessor="plan.title"), Column("topic", "培训主题"),
              Column("starts_at", "开始时间"), Column("ends_at", "结束时间"), Column("place", "地点或会议链接"),
              Column("trainer", "培训讲师"), Column("mode", "形式", choices=True), Column("capacity", "容纳人数")]

    def get_breadcrumbs(self):
        plan = self.get_object().plan
        return [SECTION, PLANS, (plan.title, plan.get_absolute_url()), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        session, user = self.get_object(), self.request.user
        rows = services.result_rows(session)
        can_mark = user.has_perm("ops_training.change_attendance") and session.plan.status != "done"
        for row in rows:
            a = row["attendance"]
            row["colour"] = ATTENDANCE.state(a.status).colour
            row["actions"] = [t for t in ATTENDANCE.transitions if t.leaves(a.status)] if can_mark else []
        ctx.update(rows=rows, stats=services.session_stats(session), material_purpose=MATERIAL,
                   exam=Exam.objects.filter(session=session).first(),
                   can_export=user.has_perm("ops_training.export_results"))
        if user.has_perm("ops_training.add_attendance") and session.plan.status != "done":
            taken = session.attendances.values("user_id")
            candidates = services.eligible_trainees(session).exclude(pk__in=taken).select_related("organisation")
            ctx["trainees_form"] = kwargs.get("trainees_form") or TraineesForm(candidates=candidates)
        if ctx["exam"] is None and user.has_perm("ops_training.add_exam"):
            ctx["exam_form"] = kwargs.get("exam_form") or ExamForm(initial={"title": f"{session.topic}考试"})
        return ctx

    def post(self, request, pk):
        session = self.get_object()
        if "trainees" in request.POST or request.POST.get("form") == "trainees":
            taken = session.attendances.values("user_id")
            form = TraineesForm(request.POST, candidates=services.eligible_trainees(session).exclude(pk__in=taken))
            if form.is_valid():
                try:
                    made = services.add_trainees(session, request.user, form.cleaned_data["trainees"])
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    messages.success(request, f"已加入培训名单{len(made)}人")
                    return redirect(session.get_absolute_url())
            return self.render_to_response(self.get_context_data(trainees_form=form), status=400)
        form = ExamForm(request.POST)
        if form.is_valid():
            try:
                exam = services.create_exam(session, request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "试卷已创建，请添加试题")
                return redirect(exam.get_absolute_url())
        return self.render_to_response(self.get_context_data(exam_form=form), status=400)


class AttendanceActionView(EntranceMixin, View):
    """POST: the organiser marks one trainee signed in or absent."""

    permission_required = "ops_training.change_attendance"

    def post(self, request, pk, name):
        attendance = Attendance.objects.visible_to(request.user).filter(pk=pk).select_related("session").first()
        if attendance is None:
            raise Http404("记录不存在或不在您的管辖范围内")
        try:
            services.mark(attendance, request.user, name)
        except (TransitionError, ValidationError) as exc:
            messages.error(request, f"操作未完成：{exc}")
        else:
            messages.success(request, f"{attendance.user.display_name}：{ATTENDANCE.state(attendance.status).label}")
        return redirect(attendance.session.get_absolute_url())


RESULT_COLUMNS = [ValueColumn("学员", "name", 14), ValueColumn("单位", "organisation", 30),
                  ValueColumn("签到情况", "status", 10), ValueColumn("签到时间", "signed_in_at", 18),
                  ValueColumn("得分", "score", 8), ValueColumn("总分", "total", 8),
                  ValueColumn("百分制得分", "percent", 10), ValueColumn("考试结果", "passed", 10)]


class ResultsExportView(ScopedObjectMixin, EntranceMixin, View):
    """培训成绩 in Excel: the roster with sign-in and results, and the session's figures."""

    model = TrainingSession
    permission_required = ("ops_training.view_trainingsession", "ops_training.export_results")

    def get(self, request, pk):
        session = self.get_object()
        s = services.session_stats(session)
        figures = [("培训名单人数", s.roster), ("已签到", s.signed_in), ("缺勤", s.absent), ("未签到", s.invited),
                   ("出勤率（%）", s.attendance_rate), ("参考人数", s.takers), ("及格人数", s.passed),
                   ("及格率（%）", s.pass_rate), ("平均分（百分制）", s.average)]
        return workbook_response(request, f"培训成绩_{session.topic}", [
            Sheet("培训成绩", RESULT_COLUMNS, services.result_rows(session)),
            Sheet("统计", [ValueColumn("指标", 0, 20), ValueColumn("数值", 1, 12)],
                  [(k, float(v) if v is not None and not isinstance(v, int) else v) for k, v in figures]),
        ])


class ExamDetailView(ScopedDetailView):
    model = Exam
    template_name = "ops_training/exam.html"
    permission_required = "ops_training.view_exam"
    select_related = ("session", "session__plan")
    fields = [Column("session", "培训场次", accessor="session"), Column("pass_mark", "及格分（百分制）"),
              Column("total_points", "总分", sortable=False), Column("status", "状态", choices=True)]

    def get_breadcrumbs(self):
        session = self.get_object().session
        return [SECTION, PLANS, (session.plan.title, session.plan.get_absolute_url()),
                (str(session), session.get_absolute_url()), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        exam, user = self.get_object(), self.request.user
        ctx.update(panel_context(exam, user))
        ctx["questions"] = list(exam.questions.all())
        if exam.status == "draft" and user.has_perm("ops_training.change_exam"):
            ctx["question_form"] = kwargs.get("question_form") or QuestionForm()
        return ctx

    def post(self, request, pk):
        exam = self.get_object()
        form = QuestionForm(request.POST)
        if form.is_valid():
            answer = form.answer_indices()
            if answer is None:
                form.add_error("answer", "正确答案应为选项字母（判断题填“对”或“错”）")
            else:
                try:
                    services.add_question(exam, request.user, kind=form.cleaned_data["kind"],
                                          text=form.cleaned_data["text"], options=form.option_list(),
                                          answer=answer, points=form.cleaned_data["points"])
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    messages.success(request, "试题已添加")
                    return redirect(exam.get_absolute_url())
        return self.render_to_response(self.get_context_data(question_form=form), status=400)


# -- trainees ------------------------------------------------------------------------------------
class TraineeMixin(EntranceMixin):
    """Pages of a trainee: the user's own roster row (404 for anyone else's)."""

    permission_required = ()

    def attendance(self):
        if not hasattr(self, "_attendance"):
            a = services.my_attendances(self.request.user).filter(pk=self.kwargs["pk"]).first()
            if a is None:
                raise Http404("培训记录不存在")
            self._attendance = a
        return self._attendance


class MyTrainingView(EntranceMixin, TemplateView):
    template_name = "ops_training/mine.html"
    permission_required = "ops_training.attend_training"
    title = "我的培训"
    breadcrumbs = [SECTION]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        rows = []
        exams = {e.session_id: e for e in Exam.objects.filter(
            session__in=[a.session_id for a in services.my_attendances(user)]).exclude(status="draft")}
        attempts = {a.exam_id: a for a in ExamAttempt.objects.filter(user=user, exam__in=exams.values())}
        for a in services.my_attendances(user):
            exam = exams.get(a.session_id)
            rows.append({"a": a, "state": ATTENDANCE.state(a.status), "exam": exam,
                         "attempt": attempts.get(exam.pk) if exam else None})
        ctx["rows"] = rows
        return ctx


class MySessionView(TraineeMixin, TemplateView):
    template_name = "ops_training/my_session.html"
    breadcrumbs = [SECTION, MINE]

    def get_title(self):
        return self.attendance().session.topic

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        a = self.attendance()
        ctx.update(a=a, session=a.session, state=ATTENDANCE.state(a.status),
                   materials=Attachment.objects.for_owner(a.session).filter(purpose=MATERIAL).order_by("id"),
                   exam=Exam.objects.filter(session=a.session).exclude(status="draft").first())
        return ctx

    def post(self, request, pk):
        a = self.attendance()
        try:
            services.self_sign_in(a, request.user)
        except (ValidationError, TransitionError) as exc:
            text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(request, f"签到未完成：{text}")
        else:
            messages.success(request, "签到成功")
        return redirect(reverse("gov:ops_training_my_session", args=[a.pk]))


class MyMaterialView(TraineeMixin, View):
    """A trainee downloads a material of their session (logged like every download)."""

    def get(self, request, pk, attachment):
        a = self.attendance()
        item = Attachment.objects.for_owner(a.session).filter(purpose=MATERIAL, pk=attachment).first()
        if item is None:
            raise Http404("资料不存在")
        record_download(item, request.user)
        return download_response(item, inline=request.GET.get("download") != "1")


class TakeExamView(EntranceMixin, TemplateView):
    """The exam page of a trainee on the session's roster: answer and hand in; graded at once."""

    template_name = "ops_training/take.html"
    breadcrumbs = [SECTION, MINE]

    def exam(self):
        if not hasattr(self, "_exam"):
            exam = Exam.objects.filter(pk=self.kwargs["pk"]).select_related("session").first()
            if exam is None or exam.status == "draft" or services.may_take(exam, self.request.user) is None:
                raise Http404("考试不存在或您不在考试名单中")
            self._exam = exam
        return self._exam

    def get_title(self):
        return self.exam().title

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            done = ExamAttempt.objects.filter(exam_id=kwargs["pk"], user=request.user).exists()
            if done and request.method == "GET":
                return redirect(reverse("gov:ops_training_result", args=[kwargs["pk"]]))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        exam = self.exam()
        chosen = kwargs.get("chosen", {})
        errors = kwargs.get("errors", {})
        ctx.update(exam=exam, questions=[
            {"q": q, "input": "checkbox" if q.kind == "multiple" else "radio",
             "options": [(i, chr(65 + i), text, i in chosen.get(q.pk, [])) for i, text in enumerate(q.options)],
             "errors": errors.get(f"q{q.pk}", [])} for q in exam.questions.all()],
            form_errors=errors.get("__all__", []))
        return ctx

    def post(self, request, pk):
        exam = self.exam()
        chosen = {}
        for q in exam.questions.all():
            values = request.POST.getlist(f"q{q.pk}")
            try:
                chosen[q.pk] = [int(v) for v in values]
            except ValueError:
                chosen[q.pk] = [-1]
        try:
            attempt = services.submit_attempt(exam, request.user, chosen)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(chosen=chosen, errors=exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}),
                                           status=400)
        except PermissionDenied:
            raise Http404("您不在考试名单中") from None
        messages.success(request, f"已交卷：得分{attempt.score}/{attempt.total}，{'及格' if attempt.passed else '不及格'}")
        return redirect(reverse("gov:ops_training_result", args=[exam.pk]))


class ResultView(EntranceMixin, TemplateView):
    template_name = "ops_training/result.html"
    breadcrumbs = [SECTION, MINE]
    title = "考试成绩"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        attempt = ExamAttempt.objects.filter(exam_id=self.kwargs["pk"], user=self.request.user).select_related(
            "exam", "exam__session").first()
        if attempt is None:
            raise Http404("没有您的考试成绩")
        answers = {int(k): v for k, v in attempt.answers.items()}
        rows = []
        for q in attempt.exam.questions.all():
            mine = answers.get(q.pk, [])
            rows.append({"q": q, "mine": "".join(chr(65 + i) for i in mine),
                         "ok": sorted(mine) == sorted(q.answer)})
        ctx.update(attempt=attempt, rows=rows, title=f"考试成绩：{attempt.exam.title}")
        return ctx
