"""Demo inspections of the pension system (seed 004 §2.1.5): the daily, weekly and monthly checklists with the
seed's checks and thresholds (tablespace use over 90% -> red, expand at once; more than 5 services down behind
one load-balanced address -> the early-warning response), the probe targets (the platform's own PostgreSQL
database when it runs on PostgreSQL, the platform's own web address, the media root's disk) and one completed
run, probed for real at seed time and completed by the engineer gx_ops_eng. Idempotent."""
import os
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction

from kernel.core import context

from .models import Checklist, ChecklistItem, Target

D = Decimal
# (category, name, method, metric, operator, threshold, level, action, guidance)
CHECKLISTS = [
    ("日常巡检", "daily", "服务器监管制度要求的每日巡检：数据库、应用服务与存储。", [
        ("database", "核心用户表空间及索引表空间使用率", "probe", "pg_tablespace_pct", "gt", D("90"), "red", "立即扩容", ""),
        ("database", "长时间锁表", "probe", "pg_long_locks", "gt", D("0"), "orange", "查明阻塞会话，处理长时间锁表", ""),
        ("database", "活动会话数", "probe", "pg_active_sessions", "gt", None, "yellow", "", ""),
        ("database", "连接数占最大连接数比例", "probe", "pg_connections_pct", "gt", None, "yellow", "", ""),
        ("database", "数据库CPU使用率", "manual", "", "gt", None, "orange", "分析高负载会话",
         "登录数据库控制台，检查CPU使用率和活动会话数，记录CPU使用率"),
        ("application", "负载均衡地址下宕机服务数", "probe", "http_down", "gt", D("5"), "yellow", "启动预警响应措施", ""),
        ("application", "服务响应时间", "probe", "http_latency", "gt", None, "yellow", "", ""),
        ("host", "服务日志与存储空间（磁盘使用率）", "probe", "disk_used_pct", "gt", D("90"), "orange",
         "清理或扩容，保证磁盘不被占满", ""),
    ]),
    ("每周巡检", "weekly", "数据库归档与服务日志的定期检查。", [
        ("database", "数据库归档日志", "manual", "", "gt", None, "orange", "备份后清理归档日志",
         "检查数据库归档日志：先备份，再清理"),
        ("application", "服务日志", "manual", "", "gt", None, "yellow", "分析报错原因",
         "检查各应用服务日志有无异常报错、服务崩溃记录"),
        ("database", "数据库大小", "probe", "pg_db_size", "gt", None, "yellow", "", ""),
    ]),
    ("每月巡检", "monthly", "业务系统应用情况。", [
        ("business", "业务系统应用情况", "manual", "", "gt", None, "blue", "整理需求和建议",
         "定期走访各地市（州），了解系统运行情况，收集需求和建议，改进系统易用性"),
    ]),
]


def platform_url():
    """The platform's own web address (make run: 127.0.0.1:8000; ZW_PUBLIC_URL where it is served elsewhere)."""
    return (os.environ.get("ZW_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/") + "/gov/login/"


def seed(scale, out):
    from domains.ops.contracts.models import MaintainedSystem

    system = MaintainedSystem.objects.filter(code="pension").first()
    if system is None or Checklist.all_objects.filter(system=system).exists():
        return ""
    with transaction.atomic():
        checklists = []
        for name, frequency, description, items in CHECKLISTS:
            checklist = Checklist.objects.create(system=system, name=name, frequency=frequency,
                                                 description=description)
            for n, (category, item, method, metric, op, threshold, level, action, guidance) in enumerate(items, 1):
                ChecklistItem.objects.create(checklist=checklist, order=n * 10, category=category, name=item,
                                             method=method, metric=metric, operator=op, threshold=threshold,
                                             level=level, action=action, guidance=guidance)
            checklists.append(checklist)
        targets = seed_targets(system)
    run = seed_run(checklists[0])
    made = f"巡检清单{len(checklists)}个，巡检目标{len(targets)}个"
    if run is not None:
        made += f"，已完成巡检1次（{run.no}：正常{run.passed}，超限{run.breached}，无法探测{run.failed}）"
    return made


def seed_targets(system):
    targets = []
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        target = Target(system=system, kind="postgresql", name="养老系统数据库（平台自身数据库）",
                        host=db.get("HOST") or "127.0.0.1", port=int(db.get("PORT") or 5432), dbname=db["NAME"],
                        db_user=db.get("USER") or "postgres", lock_wait_seconds=30)
        target.set_password(db.get("PASSWORD") or "")
        target.save()
        targets.append(target)
    targets.append(Target.objects.create(system=system, kind="http", name="平台服务地址", url=platform_url(),
                                         timeout_seconds=3))
    media = str(settings.MEDIA_ROOT)
    os.makedirs(media, exist_ok=True)
    targets.append(Target.objects.create(system=system, kind="disk", name="媒体文件存储", paths=[media]))
    return targets


def seed_run(checklist):
    """Probe the daily checklist now and complete it as the engineer (the manual CPU check filled in)."""
    from kernel.accounts.models import User

    from . import services

    engineer = User.objects.filter(username="gx_ops_eng").first()
    if engineer is not None and not engineer.has_perm(services.PERFORM):
        engineer = None
    with context.bind(context.RequestContext(user=engineer)):
        run = services.run_inspection(checklist, engineer)
        manual = {r.pk: {"outcome": "pass", "value_text": "CPU使用率正常", "detail": ""}
                  for r in run.results.filter(outcome="pending")}
        if manual:
            services.fill_manual(run, engineer, manual)
            if engineer is not None:
                services.complete_run(run, engineer)
            else:
                services.RUN.apply(run, "complete", None, system=True)
    run.refresh_from_db()
    return run
