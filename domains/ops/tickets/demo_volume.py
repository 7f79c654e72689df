"""Benchmark volume of tickets (issue 8's 1,000,000-ticket benchmark): `seed_volume(n)` writes n tickets on the
demo contracts with COPY on PostgreSQL (bulk inserts elsewhere), and `scan_once()` runs the two SLA escalation
scans once and returns their counts and time.

State mix, per cycle of 1,000 tickets: 965 closed (two years of history), 3 cancelled, 6 resolved waiting for
confirmation, 3 waiting on the requester (an open pause row each), 12 in progress, 4 assigned, 3 accepted and
4 new. Kinds: 55 % faults (levels 1/2/3 at 10/40/50 %), 30 % consultations, 10 % data-maintenance requests,
5 % upgrades. Closed tickets answered and resolved mostly in time (about 5 % late; data requests reopened 1.5 %,
upgrades 8 %). Open tickets are recent, spread over up to 1.3 times their limit, so a share of them is near or
past a deadline: what the scan finds. Deadlines are those services.py would compute (7×24 faults by
arithmetic, consultations by the 15:00 rule on the business calendar; the open tickets through sla.refresh).
Left out: workflow transition logs, to-dos, audit rows and attachments. A volume ticket number starts with
"YV"; an interrupted run resumes after the tickets already written."""
import datetime
import random
import time

from django.db import transaction
from django.utils import timezone

from domains.ops.contracts.models import ServiceContract
from kernel.accounts.models import User
from kernel.calendar.services import is_working_day
from kernel.core.bulk import copy_rows, reset_sequences

from . import sla
from .models import Ticket, TicketPause

PREFIX = "YV"
BATCH = 20000
HISTORY_DAYS = 720
CYCLE = (["closed"] * 965 + ["cancelled"] * 3 + ["resolved"] * 6 + ["waiting"] * 3 + ["in_progress"] * 12
         + ["assigned"] * 4 + ["accepted"] * 3 + ["new"] * 4)
KINDS = ["fault"] * 55 + ["consultation"] * 30 + ["data"] * 10 + ["upgrade"] * 5
LEVELS = [1] * 10 + [2] * 40 + [3] * 50
CHANNELS = ["phone", "wechat", "qq", "email", "fax", "case", "self"]
TITLES = {
    "fault": ["待遇核定报错", "参保登记保存失败", "报表导出失败", "应用服务宕机", "查询响应缓慢", "接口推送中断"],
    "consultation": ["操作步骤咨询", "政策口径咨询", "统计数据查询", "转移接续办理咨询", "打印设置咨询"],
    "data": ["更正缴费基数", "更正视同缴费年限", "删除重复参保记录", "批量调整待遇"],
    "upgrade": ["政策参数调整", "功能优化", "缺陷修复", "新增报表需求"],
}
UPGRADE_TYPES = {"政策参数调整": "policy", "功能优化": "optimise", "缺陷修复": "bugfix", "新增报表需求": "new"}
COLUMNS = ["id", "created_at", "updated_at", "created_by_id", "is_deleted", "deleted_at", "number", "contract_id",
           "sla_term_id", "region_id", "organisation_id", "kind", "level", "channel", "title", "description",
           "requester_id", "requester_name", "contact_phone", "raised_at", "status", "handling_mode", "assignee_id",
           "root_cause", "solution", "upgrade_type", "requirement", "signed_off_by_id", "signed_off_at",
           "internal_test", "internal_test_note", "internal_tested_at", "user_test", "user_test_note",
           "user_tested_at", "planned_release_on", "released_at", "auth_department", "auth_document_no",
           "response_due", "response_warn_at", "resolution_due", "resolution_warn_at", "responded_at", "resolved_at",
           "closed_at", "response_breached", "resolution_breached", "reopen_count"]
PAUSE_COLUMNS = ["ticket_id", "reason", "note", "started_at", "ended_at"]
H = datetime.timedelta(hours=1)


class Volume:
    def __init__(self, seed=11):
        self.contracts = list(ServiceContract.objects.select_related("system__agency").order_by("contract_no"))
        if not self.contracts:
            raise LookupError("没有运维服务合同：请先生成演示合同")
        self.terms = {}
        for c in self.contracts:
            for t in c.terms.select_related("schedule"):
                self.terms[(c.pk, t.kind, t.level)] = t
        self.pension = next((c for c in self.contracts if c.system.code == "pension"), self.contracts[0])
        users = {u.username: u for u in User.objects.filter(username__in=["gx_ops_eng", "gx_ops_clerk"])}
        self.engineer = users.get("gx_ops_eng")
        self.clerk = users.get("gx_ops_clerk")
        self.seed = seed
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.percents = (sla.warn_percent(sla.RESPONSE_RULE), sla.warn_percent(sla.RESOLUTION_RULE))
        first = self.today - datetime.timedelta(days=HISTORY_DAYS + 10)
        self.working = {first + datetime.timedelta(days=i): is_working_day(first + datetime.timedelta(days=i))
                        for i in range(HISTORY_DAYS + 40)}
        self.counts = {"tickets": 0, "pauses": 0}

    # -- deadlines: what sla.compute gives, by arithmetic for the 7×24 terms and a working-day table -------------
    def _next_working(self, day, include):
        d = day if include else day + datetime.timedelta(days=1)
        for _ in range(40):
            if self.working.get(d, d.weekday() < 5):
                return d
            d += datetime.timedelta(days=1)
        return d

    def fast_dues(self, contract, kind, level, raised, term):
        """(response_due, response_warn, resolution_due, resolution_warn) of a closed ticket (no pauses)."""
        pr, ps = self.percents
        response = resolution = rwarn = swarn = None
        if term is not None and term.schedule.code == "always":
            if term.response_hours:
                response = raised + H * float(term.response_hours)
                rwarn = raised + H * float(term.response_hours) * pr / 100
            if term.resolution_hours:
                resolution = raised + H * float(term.resolution_hours)
                swarn = raised + H * float(term.resolution_hours) * ps / 100
        if term is not None and term.cutoff is not None:
            local = timezone.localtime(raised, self.tz)
            day = self._next_working(local.date(), include=local.time() < term.cutoff)
            end = term.schedule.parsed_periods()[-1][1]
            resolution = datetime.datetime.combine(day, end, tzinfo=self.tz)
            swarn = resolution - (resolution - raised) * (1 - ps / 100)
        if kind == "data" and resolution is None:
            local = timezone.localtime(raised, self.tz).date()
            resolution = datetime.datetime.combine(local + datetime.timedelta(days=7 - local.weekday()),
                                                   datetime.time(0), tzinfo=self.tz)
            swarn = raised + (resolution - raised) * ps / 100
        return response, rwarn, resolution, swarn

    # -- one batch ---------------------------------------------------------------------------------------------
    def generate(self, first, count, next_id):
        rng = random.Random(self.seed * 1_000_003 + first)
        rows, pauses = [], []
        for seq in range(first, first + count):
            state = CYCLE[seq % len(CYCLE)]
            contract = self.pension if rng.random() < 0.7 else self.contracts[rng.randrange(len(self.contracts))]
            kind = KINDS[rng.randrange(len(KINDS))]
            level = LEVELS[rng.randrange(len(LEVELS))] if kind == "fault" else None
            term = self.terms.get((contract.pk, kind, level))
            if kind == "fault" and term is None:  # this contract has one level only
                level = next((lv for (c, k, lv) in self.terms if c == contract.pk and k == "fault"), None)
                term = self.terms.get((contract.pk, kind, level))
                if term is None:
                    contract, level = self.pension, 2
                    term = self.terms.get((contract.pk, kind, level))
            if kind == "consultation" and term is None:
                contract = self.pension
                term = self.terms.get((contract.pk, kind, None))
            title = rng.choice(TITLES[kind])
            ticket_id = next_id + (seq - first)
            agency = contract.system.agency
            if state in ("closed", "cancelled"):
                raised = self.now - datetime.timedelta(days=rng.randint(3, HISTORY_DAYS), minutes=rng.randrange(1440))
            else:  # recent, up to 1.3 times the limit ago (some near, some past their deadline)
                limit = float((term.response_hours or term.resolution_hours or 24) if term else 72)
                raised = self.now - H * (limit * rng.uniform(0.05, 1.3) if state == "new" else
                                         limit * rng.uniform(0.5, 3.0))
            raised = raised.replace(microsecond=0)
            t = dict(id=ticket_id, created_at=raised, updated_at=raised, created_by_id=getattr(self.clerk, "pk", None),
                     is_deleted=False, deleted_at=None, number=f"{PREFIX}{timezone.localtime(raised):%Y%m%d}{seq:08d}",
                     contract_id=contract.pk, sla_term_id=getattr(term, "pk", None), region_id=agency.region_id,
                     organisation_id=agency.pk, kind=kind, level=level,
                     channel=CHANNELS[rng.randrange(len(CHANNELS))] if kind == "consultation" else "",
                     title=title, description=f"{title}（批量演示数据）", requester_id=getattr(self.clerk, "pk", None),
                     requester_name="韦业务", contact_phone=f"137{rng.randrange(10 ** 8):08d}", raised_at=raised,
                     status=state, handling_mode="", assignee_id=None, root_cause="", solution="",
                     upgrade_type=UPGRADE_TYPES[title] if kind == "upgrade" else "", requirement="",
                     signed_off_by_id=None, signed_off_at=None, internal_test="", internal_test_note="",
                     internal_tested_at=None, user_test="", user_test_note="", user_tested_at=None,
                     planned_release_on=None, released_at=None,
                     auth_department="自治区社会保险事业局" if kind == "data" else "",
                     auth_document_no=f"桂社保函〔{raised.year}〕{seq % 500 + 1}号" if kind == "data" else "",
                     responded_at=None, resolved_at=None, closed_at=None, response_breached=False,
                     resolution_breached=False, reopen_count=0)
            if kind == "upgrade":
                plan = (timezone.localtime(raised).date() + datetime.timedelta(days=rng.randint(3, 20)))
                t.update(requirement=f"{title}需求确认稿", signed_off_by_id=getattr(self.clerk, "pk", None),
                         signed_off_at=raised + H, planned_release_on=plan)
            self._clocks(t, term, contract, rng, state)
            if state == "waiting":
                started = min(t["responded_at"] + H * rng.uniform(0.5, 4), self.now)
                pauses.append((ticket_id, "waiting", "请提供报错截图", started, None))
            rows.append(tuple(t[c] for c in COLUMNS))
        return rows, pauses

    def _clocks(self, t, term, contract, rng, state):
        raised = t["raised_at"]
        if state in ("closed", "cancelled"):
            response, rwarn, resolution, swarn = self.fast_dues(contract, t["kind"], t["level"], raised, term)
            if t["kind"] == "upgrade":
                resolution = datetime.datetime.combine(t["planned_release_on"] + datetime.timedelta(days=1),
                                                       datetime.time(0), tzinfo=self.tz)
                swarn = raised + (resolution - raised) * self.percents[1] / 100
            t.update(response_due=response, response_warn_at=rwarn, resolution_due=resolution,
                     resolution_warn_at=swarn)
            if state == "cancelled":
                t.update(response_warn_at=None, resolution_warn_at=None)
                return
            late = rng.random() < 0.05
            span = (response - raised) if response else ((resolution - raised) if resolution else 4 * H)
            responded = raised + span * (rng.uniform(1.05, 1.5) if late and response else rng.uniform(0.02, 0.6))
            rspan = (resolution - raised) if resolution else 24 * H
            resolved = max(responded + H * 0.2, raised + rspan * (rng.uniform(1.05, 1.6) if late and resolution
                                                                 else rng.uniform(0.1, 0.9)))
            reopened = {"data": 0.015, "upgrade": 0.08}.get(t["kind"], 0.01) > rng.random()
            t.update(responded_at=responded, resolved_at=resolved, closed_at=resolved + H * rng.uniform(1, 30),
                     response_breached=bool(response and responded > response),
                     resolution_breached=bool(resolution and resolved > resolution),
                     reopen_count=1 if reopened else 0, assignee_id=getattr(self.engineer, "pk", None),
                     handling_mode=rng.choice(["onsite", "remote", "phone"]),
                     solution="已处理", root_cause="程序缺陷" if t["kind"] == "fault" else "")
            if t["kind"] == "upgrade":
                t.update(internal_test="passed", user_test="passed", internal_tested_at=resolved - 2 * H,
                         user_tested_at=resolved - H, released_at=resolved)
            return
        # open tickets: exactly what the services compute
        ticket = Ticket(raised_at=raised, kind=t["kind"], level=t["level"], sla_term=term,
                        planned_release_on=t["planned_release_on"])
        sla.refresh(ticket, pauses=[], percents=self.percents)
        t.update(response_due=ticket.response_due, response_warn_at=ticket.response_warn_at,
                 resolution_due=ticket.resolution_due, resolution_warn_at=ticket.resolution_warn_at)
        if state == "new":
            return
        span = (ticket.response_due - raised) if ticket.response_due else H
        t.update(responded_at=raised + span * rng.uniform(0.05, 0.7),
                 assignee_id=getattr(self.engineer, "pk", None) if state != "accepted" else None)
        if state in ("in_progress", "waiting", "resolved"):
            t["handling_mode"] = rng.choice(["onsite", "remote", "phone"])
        if t["kind"] == "upgrade" and state in ("in_progress", "resolved"):
            t.update(internal_test="passed", internal_tested_at=raised + 2 * H)
        if state == "waiting":
            t.update(resolution_due=None, resolution_warn_at=None)
        if state == "resolved":
            t.update(resolved_at=min(self.now, t["responded_at"] + H), solution="已处理", root_cause="配置问题")
            t["resolution_breached"] = bool(t["resolution_due"] and t["resolved_at"] > t["resolution_due"])
            if t["kind"] == "upgrade":
                t.update(user_test="passed", user_tested_at=t["resolved_at"] - H * 0.5, released_at=t["resolved_at"])

    def write(self, rows, pauses):
        with transaction.atomic():
            self.counts["tickets"] += copy_rows(Ticket, COLUMNS, rows, plain_text=True)
            self.counts["pauses"] += copy_rows(TicketPause, PAUSE_COLUMNS, pauses)


def seed_volume(n, out=None):
    """Top the volume tickets up to n; returns the counts written."""
    volume = Volume()
    done = Ticket.all_objects.filter(number__startswith=PREFIX).count()
    next_id = (Ticket.all_objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    seq = done
    started = time.monotonic()
    while seq < n:
        count = min(BATCH, n - seq)
        volume.write(*volume.generate(seq, count, next_id))
        next_id += count
        seq += count
        if out is not None and (seq // BATCH) % 10 == 0:
            out.write(f"    ops_tickets volume: {seq:,} / {n:,} tickets")
    reset_sequences(Ticket, TicketPause)
    volume.counts.update(existing=done, seconds=round(time.monotonic() - started, 1))
    return volume.counts


def scan_once():
    """Run both SLA escalation scans once (what the scheduled scan does): counts and seconds."""
    from .alerts import run_sla_scan

    started = time.monotonic()
    stats = run_sla_scan()
    return {"seconds": round(time.monotonic() - started, 3), **stats}


def seed(scale, out=None):
    counts = seed_volume(500 * scale, out)
    if not counts["tickets"]:
        return f"批量运维工单已有{counts['existing']}个"
    return f"批量运维工单{counts['tickets']}个、暂停计时{counts['pauses']}条（{counts['seconds']}秒）"
