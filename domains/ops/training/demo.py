"""Demo training of the pension system (seed 004 §2.1.4): an approved quarterly plan with a centralised session
whose roster signed in, an open exam of four questions (pass mark 60) that the autonomous-region clerk can take
as gx_ops_clerk, and a draft plan for the next quarter. Idempotent."""
import datetime

from django.db import transaction
from django.utils import timezone

from domains.ops.contracts.models import MaintainedSystem
from kernel.accounts.models import User

from .models import Attendance, Exam, Question, TrainingPlan, TrainingSession

QUESTIONS = [
    ("single", "机关事业单位养老保险缴费基数调整后，应通过哪种方式优先处理？", ["修改程序", "系统参数配置", "直接改库", "重新安装"], [1], 25),
    ("multiple", "以下哪些属于一级故障？", ["数据库服务器故障导致系统瘫痪", "病毒破坏", "单个服务宕机", "人为破坏"], [0, 1, 3], 25),
    ("true_false", "15:00以后提出的一般问题，次一工作日解决。", ["正确", "错误"], [0], 25),
    ("true_false", "故障类问题只在工作日受理。", ["正确", "错误"], [1], 25),
]


def seed(scale, out):
    system = MaintainedSystem.objects.filter(code="pension").first()
    if system is None or TrainingPlan.all_objects.filter(system=system).exists():
        return ""
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    start = datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(9), tzinfo=tz)
    trainees = list(User.objects.filter(username__in=["gx_ops_clerk", "nn_ops_clerk"]).order_by("username"))
    with transaction.atomic():
        plan = TrainingPlan.objects.create(
            system=system, title=f"{today.year}年养老系统经办操作培训", year=today.year,
            quarter=(today.month - 1) // 3 + 1, mode=TrainingPlan.Mode.CENTRAL, audience="各市经办机构养老保险业务人员",
            topics="新政策参数调整后的业务操作\n退休待遇测算常见错误\n数据查询统计")
        session = TrainingSession.objects.create(
            plan=plan, topic="政策调整后的经办操作", starts_at=start, ends_at=start + datetime.timedelta(hours=3),
            place="自治区人社厅五楼培训室", trainer="梁工程师", mode=TrainingSession.Mode.ONSITE, capacity=30)
        plan.workflow.apply(plan, "approve", None, system=True, comment="演示数据")
        for user in trainees:
            a = Attendance.objects.create(session=session, user=user)
            a.workflow.apply(a, "sign_in", None, system=True, data={"at": (start + datetime.timedelta(minutes=5)).isoformat()})
        exam = Exam.objects.create(session=session, title="政策调整后的经办操作考试", pass_mark=60)
        for order, (kind, text, options, answer, points) in enumerate(QUESTIONS, start=1):
            Question.objects.create(exam=exam, order=order, kind=kind, text=text, options=options, answer=answer,
                                    points=points)
        exam.workflow.apply(exam, "open", None, system=True)
        nxt = TrainingPlan.objects.create(
            system=system, title=f"{today.year}年养老系统新入职人员培训", year=today.year, quarter=None,
            mode=TrainingPlan.Mode.SINGLE, audience="新入职经办人员", topics="系统基本操作\n业务流程规范")
        TrainingSession.objects.create(
            plan=nxt, topic="系统基本操作（线上）", starts_at=start + datetime.timedelta(days=30),
            ends_at=start + datetime.timedelta(days=30, hours=2), place="线上会议", trainer="梁工程师",
            mode=TrainingSession.Mode.ONLINE, capacity=50)
    return f"培训计划2个（学员{len(trainees)}人，试题{len(QUESTIONS)}道）"
