"""Demo problems, changes and notices of the pension system's O&M (idempotent): a problem under analysis linked
to the demo fault tickets, a change approved for tonight's window, a published announcement addressed to the
O&M roles (delivered to the demo clerks) and a change notice waiting for the manager's approval (log in as
gx_ops to approve it). Written through the services as gx_ops_eng (author) and gx_ops (approver)."""
import datetime

from django.db import transaction
from django.utils import timezone

from domains.ops.contracts.models import MaintainedSystem
from kernel.accounts.models import Role, User
from kernel.core import context

from . import services
from .models import Change, Notice, Problem


def seed(scale, out):
    system = MaintainedSystem.objects.filter(code="pension").first()
    engineer = User.objects.filter(username="gx_ops_eng").first()
    manager = User.objects.filter(username="gx_ops").first()
    if system is None or engineer is None or manager is None or Notice.all_objects.exists():
        return ""
    from domains.ops.tickets.models import Ticket

    faults = list(Ticket.objects.filter(contract__system=system, kind="fault").order_by("raised_at")[:3])
    tz = timezone.get_current_timezone()
    tonight = datetime.datetime.combine(timezone.localdate(), datetime.time(22), tzinfo=tz)
    ops_roles = list(Role.objects.filter(code__in=["ops_requester", "ops_engineer", "ops_manager"]))
    with transaction.atomic(), context.bind(context.RequestContext(user=engineer)):
        problem = services.save_problem(Problem(
            system=system, title="养老待遇测算服务频繁超时", description="近期多次出现待遇测算请求超时，柜台业务积压。",
            root_cause="测算存储过程在月初批量时段锁表。"), engineer, faults)
        services.act(problem, "analyse", engineer, comment="已收集数据库锁等待日志")
        change = services.save_change(Change(
            system=system, title="优化待遇测算存储过程并增加索引", reason="解决测算超时问题", problem=problem,
            plan="1. 备份存储过程\n2. 发布新版存储过程\n3. 增加复合索引\n4. 回归测试", risk_level=Change.Risk.MEDIUM,
            risk="索引创建期间写入变慢", impact="实施期间待遇测算暂停约30分钟",
            window_start=tonight, window_end=tonight + datetime.timedelta(hours=2),
            rollback_plan="恢复备份的存储过程并删除新增索引"), engineer, faults[:1])
        services.act(change, "submit", engineer)
        with context.bind(context.RequestContext(user=manager)):
            services.act(change, "approve", manager, comment="同意在窗口内实施")
        announcement = services.save_notice(Notice(
            kind=Notice.Kind.ANNOUNCEMENT, title="养老系统今晚22:00-24:00维护升级",
            body="为解决待遇测算超时问题，今晚22:00至24:00进行数据库优化，期间待遇测算功能暂停使用。"),
            engineer, roles=ops_roles, organisations=[], regions=[])
        services.act(announcement, "submit", engineer)
        with context.bind(context.RequestContext(user=manager)):
            services.act(announcement, "publish", manager, comment="同意发布")
        pending = services.save_notice(Notice(
            kind=Notice.Kind.CHANGE, title="待遇测算存储过程变更通知", change=change,
            body="变更实施后，待遇测算响应时间预计缩短至3秒以内。"), engineer, roles=ops_roles, organisations=[], regions=[])
        services.act(pending, "submit", engineer)
    readers = announcement.receipts.count()
    return f"运维问题1个、变更1个、公告2条（已发布1条，送达{readers}人）"
