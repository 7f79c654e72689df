"""System training (系统培训, seed 004 §2.1.4): plans per maintained system, sessions with a roster and
sign-in, materials (manuals, short videos), exams with questions as data, and the trainees' graded attempts."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from kernel.core.models import BusinessModel
from kernel.workflow.engine import WorkflowModel

from .workflows import ATTENDANCE, EXAM, PLAN

SYSTEM_REGION = "system__agency__region"


class TrainingPlan(WorkflowModel, BusinessModel):
    """A training plan (培训计划) of a maintained system for a year (and quarter): who is trained, on what, how."""

    scope_fields = {"region": SYSTEM_REGION, "organisation": "system__agency", "owner": None}
    workflow = PLAN

    class Mode(models.TextChoices):
        CENTRAL = "central", "集中培训"
        FOCUSED = "focused", "重点指定培训"
        SINGLE = "single", "单一培训"

    system = models.ForeignKey("ops_contracts.MaintainedSystem", verbose_name="运维对象", on_delete=models.PROTECT,
                               related_name="+")
    title = models.CharField("计划名称", max_length=150)
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    quarter = models.PositiveSmallIntegerField("季度", null=True, blank=True,
                                               validators=[MinValueValidator(1), MaxValueValidator(4)],
                                               help_text="1-4；全年计划留空")
    mode = models.CharField("培训方式", max_length=10, choices=Mode.choices, default=Mode.CENTRAL)
    audience = models.CharField("培训对象", max_length=200, help_text="如：各市经办机构养老保险业务人员")
    topics = models.TextField("培训内容", help_text="内容、重点与注意事项，一行一项")
    status = models.CharField("状态", max_length=12, choices=PLAN.choices(), default="draft", editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "培训计划"
        ordering = ["-year", "-quarter", "-id"]
        permissions = [("approve_trainingplan", "审批培训计划")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("gov:ops_training_plan", args=[self.pk])

    @property
    def period(self):
        return f"{self.year}年" + (f"第{self.quarter}季度" if self.quarter else "全年")


class TrainingSession(BusinessModel):
    """One session (培训场次) of a plan: when, where, by whom, on-site or online, for how many."""

    scope_fields = {"region": f"plan__{SYSTEM_REGION}", "organisation": "plan__system__agency", "owner": None}

    class Mode(models.TextChoices):
        ONSITE = "onsite", "现场"
        ONLINE = "online", "线上"

    plan = models.ForeignKey(TrainingPlan, verbose_name="培训计划", on_delete=models.PROTECT, related_name="sessions")
    topic = models.CharField("培训主题", max_length=150)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    place = models.CharField("地点或会议链接", max_length=200)
    trainer = models.CharField("培训讲师", max_length=50)
    mode = models.CharField("形式", max_length=10, choices=Mode.choices, default=Mode.ONSITE)
    capacity = models.PositiveIntegerField("容纳人数", validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = verbose_name_plural = "培训场次"
        ordering = ["starts_at", "id"]
        permissions = [("export_results", "导出培训成绩")]

    def __str__(self):
        return f"{self.topic}（{self.starts_at:%Y-%m-%d}）" if self.starts_at else self.topic

    def get_absolute_url(self):
        return reverse("gov:ops_training_session", args=[self.pk])

    def clean(self):
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "结束时间须晚于开始时间"})


class Attendance(WorkflowModel, BusinessModel):
    """A trainee on a session's roster (培训名单) and whether they came: invited → signed in or absent."""

    scope_fields = {"region": f"session__plan__{SYSTEM_REGION}", "organisation": "session__plan__system__agency",
                    "owner": "user"}
    workflow = ATTENDANCE
    generic_transitions = False  # sign-in goes through services (the trainee signs in for themselves)

    session = models.ForeignKey(TrainingSession, verbose_name="培训场次", on_delete=models.CASCADE,
                                related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="学员", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("签到情况", max_length=12, choices=ATTENDANCE.choices(), default="invited",
                              editable=False)
    signed_in_at = models.DateTimeField("签到时间", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "培训签到"
        ordering = ["session", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="ops_training_attendance_once")]
        permissions = [("attend_training", "参加培训与考试")]

    def __str__(self):
        return f"{self.user.display_name} · {self.session.topic}"


class Exam(WorkflowModel, BusinessModel):
    """The exam (培训考试) of a session: questions as data and a pass mark out of 100."""

    scope_fields = {"region": f"session__plan__{SYSTEM_REGION}", "organisation": "session__plan__system__agency",
                    "owner": None}
    workflow = EXAM

    session = models.OneToOneField(TrainingSession, verbose_name="培训场次", on_delete=models.PROTECT,
                                   related_name="exam")
    title = models.CharField("试卷名称", max_length=150)
    pass_mark = models.PositiveSmallIntegerField("及格分（百分制）", default=60,
                                                 validators=[MinValueValidator(1), MaxValueValidator(100)])
    status = models.CharField("状态", max_length=12, choices=EXAM.choices(), default="draft", editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "培训考试"
        ordering = ["-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("gov:ops_training_exam", args=[self.pk])

    @property
    def total_points(self):
        return sum(q.points for q in self.questions.all())


class Question(models.Model):
    """One question of an exam: single choice, multiple choice or true/false, with its options and answer
    (indices into the options) and its points. True/false questions have the options 正确 and 错误."""

    audit_enabled = True

    class Kind(models.TextChoices):
        SINGLE = "single", "单选题"
        MULTIPLE = "multiple", "多选题"
        TRUE_FALSE = "true_false", "判断题"

    exam = models.ForeignKey(Exam, verbose_name="试卷", on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField("题号", default=0)
    kind = models.CharField("题型", max_length=12, choices=Kind.choices)
    text = models.TextField("题干")
    options = models.JSONField("选项", default=list)
    answer = models.JSONField("正确答案", default=list, help_text="选项序号（从0开始）的列表")
    points = models.PositiveSmallIntegerField("分值", default=10, validators=[MinValueValidator(1), MaxValueValidator(100)])

    class Meta:
        verbose_name = verbose_name_plural = "试题"
        ordering = ["exam", "order", "id"]

    def __str__(self):
        return f"{self.order}. {self.text[:30]}"

    def lettered_options(self):
        return [(chr(65 + i), text) for i, text in enumerate(self.options)]

    def answer_letters(self):
        return "".join(chr(65 + i) for i in self.answer)


class ExamAttempt(models.Model):
    """A trainee's submitted answers, graded on submission: points scored of the exam's total, passed or not."""

    audit_enabled = True

    exam = models.ForeignKey(Exam, verbose_name="试卷", on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="学员", on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField("作答", default=dict)
    score = models.PositiveIntegerField("得分")
    total = models.PositiveIntegerField("总分")
    passed = models.BooleanField("是否及格")
    submitted_at = models.DateTimeField("交卷时间")

    class Meta:
        verbose_name = verbose_name_plural = "考试成绩"
        ordering = ["exam", "-score", "id"]
        constraints = [models.UniqueConstraint(fields=["exam", "user"], name="ops_training_attempt_once")]

    def __str__(self):
        return f"{self.exam} · {self.score}/{self.total}"

    @property
    def percent(self):
        """The score on a scale of 100 (one decimal)."""
        return round(self.score * 100 / self.total, 1) if self.total else 0
