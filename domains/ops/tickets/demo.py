"""Demo tickets on the demo contracts (issue 8 point 1): three weeks of a maintenance team's work on the pension
system (seed 004), the labour-inspection platform (seed 000), the special-equipment platform (seed 001) and
the SI-fee mobile service (seed 003). Every ticket is raised and moved through services.py as people would;
the history is then set to the story's times (the clock columns and the transition log), so that the closed
tickets show realistic response and resolution times, a few late ones, a reopened data correction and a
reopened upgrade (the quality report's error rates). The open tickets are placed against the clock as of now:
some calm, two near their deadline, two past it; the SLA scan then raises their warnings. Idempotent."""
import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from domains.ops.contracts.models import ServiceContract
from kernel.accounts.models import User
from kernel.workflow.models import TransitionLog

from . import services, sla
from .models import Ticket

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)

# (system, kind, level, channel, title, description, extra)
CLOSED = [
    ("pension", "fault", 2, "phone", "待遇核定提示程序错误", "南宁市经办窗口核定退休待遇时提示“程序错误”，窗口业务积压。",
     dict(root_cause="2026年过渡性养老金参数表缺少新增的视同缴费指数", solution="补录参数并重算当日核定的23笔待遇",
          mode="remote", respond=3 * H, resolve=9 * H, days=20)),
    ("pension", "fault", 3, "wechat", "个人账户查询偶发超时", "柳州市个别经办人员查询个人账户时偶发超时。",
     dict(root_cause="负载均衡会话保持配置不当，个别节点连接池耗尽", solution="调整会话保持并扩大连接池", mode="remote",
          respond=6 * H, resolve=30 * H, days=19)),
    ("pension", "fault", 1, "phone", "养老系统全区无法登录", "全区经办机构无法登录养老系统，所有业务中断。",
     dict(root_cause="数据库归档日志写满磁盘导致实例挂起", solution="清理并备份归档日志，扩容归档盘，恢复实例",
          mode="onsite", respond=15 * H, resolve=18 * H, days=17)),  # answered after the 12-hour limit
    ("pension", "consultation", None, "phone", "如何办理跨省转移接续", "桂林市经办人员咨询跨省转入人员的系统操作步骤。",
     dict(solution="已电话讲解转移接续菜单及所需材料", mode="phone", respond=10 * M, resolve=2 * H, days=16, hour=9)),
    ("pension", "consultation", None, "qq", "缴费基数统计口径", "梧州市咨询年度缴费基数统计报表的取数口径。",
     dict(solution="已说明统计口径并发送取数说明", mode="phone", respond=20 * M, resolve=3 * H, days=13, hour=10)),
    ("pension", "consultation", None, "case", "退休人员待遇调整测算", "自治区社保局在CASE平台提出待遇调整测算协助需求。",
     dict(solution="协助完成测算并出具测算表", mode="remote", respond=H, resolve=24 * H, days=12, hour=16)),
    ("pension", "data", None, "case", "更正参保人员视同缴费年限", "玉林市申请更正3名参保人员的视同缴费年限。",
     dict(solution="按授权文件更正3人视同缴费年限并重算", mode="remote", respond=2 * H, resolve=20 * H, days=11,
          auth=("广西壮族自治区社会保险事业局", "桂社保函〔2026〕31号"))),
    ("pension", "data", None, "email", "批量调整退休人员基本养老金", "按2026年调整办法批量调整退休人员基本养老金。",
     dict(solution="批量调整并核对差额", mode="remote", respond=H, resolve=28 * H, days=9, reopen=True,
          auth=("广西壮族自治区人力资源和社会保障厅", "桂人社函〔2026〕102号"))),  # a data error: reopened once
    ("pension", "upgrade", None, "case", "新增待遇调整批量导入功能", "支持按文件批量导入待遇调整结果。",
     dict(upgrade="new", solution="完成开发，内测与用户测试通过后发布", mode="remote", respond=2 * H, resolve=6 * 24 * H,
          days=15, plan_days=7)),
    ("pension", "upgrade", None, "case", "过渡性养老金计算政策调整", "按新文件调整过渡性养老金计算参数。",
     dict(upgrade="policy", solution="通过参数配置完成调整，补丁已发布", mode="remote", respond=H, resolve=4 * 24 * H,
          days=10, plan_days=5, reopen=True)),  # a delivery error: reopened after release
    ("labor_platform", "fault", 1, "phone", "欠薪预警推送中断", "欠薪预警平台向劳动监察推送中断。",
     dict(root_cause="接口证书过期", solution="更新证书并补推中断期间的预警", mode="remote", respond=40 * M, resolve=5 * H,
          days=8)),
    ("se_platform", "fault", 1, "phone", "电梯应急处置平台告警延迟", "电梯困人告警在监管平台延迟约10分钟显示。",
     dict(root_cause="消息队列消费者线程阻塞", solution="重启消费者并增加积压监控", mode="onsite", respond=20 * M,
          resolve=4 * H, days=6)),  # resolved after the 3-hour limit
    ("si_fee_mobile", "fault", 1, "wechat", "掌上办缴费页面白屏", "部分用户进入缴费页面白屏。",
     dict(root_cause="CDN缓存了旧版本脚本", solution="刷新CDN缓存并加版本号", mode="remote", respond=20 * M,
          resolve=90 * M, days=4)),
    ("pension", "fault", 3, "phone", "单个应用服务宕机", "11台应用服务器中1台服务进程退出，负载均衡已切走。",
     dict(root_cause="应用服务器JVM内存溢出", solution="调整堆内存参数并重启，加入巡检项", mode="remote", respond=2 * H,
          resolve=20 * H, days=3)),
]

# open tickets, placed against the clock as of now: (system, kind, level, channel, title, description, ago, state)
OPEN = [
    ("pension", "fault", 2, "phone", "参保登记保存报错", "百色市参保登记保存时报主键冲突，窗口积压。", 2 * H, "new"),
    ("labor_platform", "fault", 1, "phone", "欠薪预警大屏数据不刷新", "监察大队大屏数据停留在昨日。", 50 * M, "new"),  # near
    ("si_fee_mobile", "fault", 1, "wechat", "缴费结果通知未发送", "缴费成功后用户未收到通知。", 45 * M, "new"),  # breached
    ("pension", "consultation", None, "phone", "退休待遇测算表打印格式", "来电咨询待遇测算表的打印设置。", 30 * M, "new"),
    ("pension", "fault", 3, "qq", "报表导出偶发失败", "月报导出偶发失败，重试可成功。", 5 * H, "assigned"),
    ("pension", "consultation", None, "email", "新参保单位开户流程", "来信咨询新参保单位开户的系统流程。", 3 * H, "accepted"),
    ("labor_platform", "fault", 1, "phone", "监察执法文书生成失败", "执法文书生成时提示模板缺失。", 7 * H, "in_progress"),  # near
    ("se_platform", "fault", 1, "phone", "气瓶充装追溯查询慢", "气瓶追溯查询超过30秒。", 4 * H, "in_progress"),  # breached
    ("pension", "fault", 2, "wechat", "待遇发放明细与银行回盘不符", "河池市发放明细与银行回盘金额不一致。", 6 * H, "waiting"),
    ("pension", "consultation", None, "case", "视同缴费指数计算依据", "CASE平台咨询视同缴费指数的计算依据。", 26 * H, "resolved"),
    ("pension", "fault", 3, "phone", "打印控件安装失败", "新装电脑无法安装打印控件。", 30 * H, "resolved"),
    ("pension", "upgrade", None, "case", "缴费基数下限政策调整", "按2026年社平工资调整缴费基数下限。", 28 * H, "in_progress"),
    ("pension", "data", None, "case", "删除重复参保记录", "钦州市申请删除2条重复参保记录。", 4 * H, "new_authorised"),
    ("pension", "data", None, "phone", "更正出生日期", "来电申请更正1名参保人员出生日期（授权文件待补）。", H, "new"),
    ("pension", "fault", 3, "phone", "重复提交的工单", "误操作重复提交。", 20 * M, "cancelled"),
]


def _file(name):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _raise(contract, kind, level, channel, title, description, raised_at, clerk, engineer, extra=None):
    extra = extra or {}
    kwargs = dict(contract=contract, kind=kind, level=level, channel=channel, title=title, description=description,
                  contact_phone=clerk.phone or "13771208003", requester=clerk, requester_name=clerk.display_name,
                  raised_at=raised_at)
    if kind == "upgrade":
        kwargs["upgrade_type"] = extra.get("upgrade", "optimise")
    if kind == "data" and extra.get("auth"):
        kwargs.update(auth_department=extra["auth"][0], auth_document_no=extra["auth"][1],
                      auth_file=_file("主管部门授权函.pdf"))
    return services.create_ticket(engineer, **kwargs)


def _solve(ticket, engineer, clerk, extra, release_on=None):
    services.accept(ticket, engineer, assignee=engineer)
    services.start(ticket, engineer, handling_mode=extra.get("mode", "remote"))
    if ticket.kind == "upgrade":
        services.sign_off(ticket, clerk, requirement=ticket.description,
                          planned_release_on=release_on or timezone.localdate())
        services.record_test(ticket, engineer, stage="internal", result="passed", note="多轮内测通过")
        services.record_test(ticket, clerk, stage="user", result="passed", note="用户测试通过")
    services.resolve(ticket, engineer, solution=extra.get("solution", "已处理"), root_cause=extra.get("root_cause", ""))


def _retime(ticket, moments):
    """Set the story's times: the clock columns and, in order, the transition log."""
    logs = list(TransitionLog.objects.filter(content_type__app_label="ops_tickets", object_id=str(ticket.pk))
                .order_by("time", "id"))
    times = {}
    for log, moment in zip(logs, moments, strict=False):
        TransitionLog.objects.filter(pk=log.pk).update(time=moment)
        times.setdefault(log.transition, moment)
        times[f"last_{log.transition}"] = moment
    t = Ticket.all_objects.get(pk=ticket.pk)
    fields = {}
    if "accept" in times:
        fields["responded_at"] = times["accept"]
        fields["response_breached"] = bool(t.response_due and times["accept"] > t.response_due)
    if "last_resolve" in times and t.resolved_at:
        fields["resolved_at"] = times["last_resolve"]
        fields["resolution_breached"] = bool(t.resolution_due and times["last_resolve"] > t.resolution_due)
        if t.kind == "upgrade":
            fields["released_at"] = times["last_resolve"]
    if "close" in times:
        fields["closed_at"] = times["close"]
    Ticket.all_objects.filter(pk=ticket.pk).update(**fields)
    if "last_wait" in times:  # the open pause began with the story's wait
        t.pauses.filter(ended_at__isnull=True).update(started_at=times["last_wait"])


def seed(scale, out):
    contracts = {c.system.code: c for c in ServiceContract.objects.select_related("system")}
    users = {u.username: u for u in User.objects.filter(username__in=["gx_ops", "gx_ops_eng", "gx_ops_clerk"])}
    if "pension" not in contracts or len(users) < 3:
        return ""
    if Ticket.all_objects.filter(contract__in=contracts.values()).exists():
        return ""
    engineer, clerk = users["gx_ops_eng"], users["gx_ops_clerk"]
    now = timezone.now().replace(microsecond=0)
    made = 0
    with transaction.atomic():
        for code, kind, level, channel, title, description, extra in CLOSED:
            if code not in contracts:
                continue
            hour = extra.get("hour", 9 + made % 7)
            day = timezone.localdate() - datetime.timedelta(days=extra["days"])
            if kind == "data":  # raised early in the week: done within the week it was raised
                day -= datetime.timedelta(days=day.weekday())
            raised = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 17 * (made % 3))))
            ticket = _raise(contracts[code], kind, level, channel, title, description, raised, clerk, engineer, extra)
            release_on = day + datetime.timedelta(days=extra["plan_days"]) if extra.get("plan_days") else None
            # signed off in the story on the day of raising: the plan may lie in the past now (set below)
            _solve(ticket, engineer, clerk, extra, release_on=max(release_on, timezone.localdate()) if release_on else None)
            responded, resolved = raised + extra["respond"], raised + extra["resolve"]
            moments = [responded, responded + M, responded + 2 * M]
            if kind == "upgrade":
                Ticket.all_objects.filter(pk=ticket.pk).update(
                    planned_release_on=release_on, signed_off_at=raised + extra["respond"] + H,
                    internal_tested_at=resolved - 2 * H, user_tested_at=resolved - H)
                t = Ticket.all_objects.select_related("sla_term", "sla_term__schedule").get(pk=ticket.pk)
                t.responded_at = t.resolved_at = None
                sla.refresh(t)
                Ticket.all_objects.filter(pk=ticket.pk).update(resolution_due=t.resolution_due,
                                                               resolution_warn_at=t.resolution_warn_at)
            moments.append(resolved)
            if extra.get("reopen"):
                services.reopen(Ticket.objects.get(pk=ticket.pk), clerk, "核对发现仍有差错，请重新处理")
                services.restart(Ticket.objects.get(pk=ticket.pk), engineer)
                services.resolve(Ticket.objects.get(pk=ticket.pk), engineer, solution=extra["solution"] + "；已复核差错",
                                 root_cause=extra.get("root_cause", ""))
                resolved_again = resolved + 20 * H
                moments += [resolved + 6 * H, resolved + 7 * H, resolved_again]
                resolved = resolved_again
            services.close(Ticket.objects.get(pk=ticket.pk), clerk, "确认已解决")
            moments.append(resolved + 2 * H)
            _retime(ticket, moments)
            made += 1

        for code, kind, level, channel, title, description, ago, state in OPEN:
            if code not in contracts:
                continue
            extra = {"auth": ("广西壮族自治区社会保险事业局", "桂社保函〔2026〕45号")} if state == "new_authorised" else {}
            if kind == "upgrade":
                extra["upgrade"] = "policy"
            ticket = _raise(contracts[code], kind, level, channel, title, description, now - ago, clerk, engineer,
                            extra)
            if state in ("accepted", "assigned", "in_progress", "waiting", "resolved"):
                services.accept(ticket, engineer, assignee=engineer if state != "accepted" else None)
            if state in ("in_progress", "waiting", "resolved"):
                services.start(ticket, engineer, handling_mode="remote")
            if kind == "upgrade" and state == "in_progress":
                services.sign_off(ticket, clerk, requirement=description,
                                  planned_release_on=timezone.localdate() + datetime.timedelta(days=5))
                services.record_test(ticket, engineer, stage="internal", result="passed", note="内测通过")
            if state == "waiting":
                services.wait(ticket, engineer, "请提供不一致的发放批次号和银行回盘文件")
            if state == "resolved":
                services.resolve(ticket, engineer, solution="已远程协助处理", root_cause="客户端环境配置问题")
            if state == "cancelled":
                services.cancel(ticket, clerk, "重复提交，撤销")
            if state != "new":
                ticket.refresh_from_db()
                first = ticket.raised_at + min(ago / 4, 20 * M)
                steps = TransitionLog.objects.filter(content_type__app_label="ops_tickets",
                                                     object_id=str(ticket.pk)).count()
                _retime(ticket, [first + i * M for i in range(steps)])
            made += 1
    from .alerts import run_sla_scan

    stats = run_sla_scan()
    warned = sum(s.get("raised", 0) for s in stats.values())
    return f"运维工单{made}个（时限预警{warned}条）"
