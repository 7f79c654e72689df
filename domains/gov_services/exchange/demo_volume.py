"""Benchmark volume of the department exchange (seed_demo --scale N > 1, run by ExchangeConfig.seed_demo
after the demo systems exist): CASES_PER_SCALE window cases per scale unit with their shadow rows,
five a case on average (scale 2000: 1,000,000 cases, 5,000,000 shadow rows), the matching rows of the
departments' front-end databases and the callback log.

Every case is one of the published matters of the 兴宁区 centre whose department has a department system;
40 % are accepted in 兴宁区 (the window clerk xn_window's list), the rest in the other Nanning counties. A
cycle of 20 cases sets the states and their history, exactly as services.dispatch / apply_callback would
have left them (shadow rows, front_case / front_callback rows, CallbackLog "applied" rows):

* 14 completed after one correction round: out v1, in correction v1, out v2, in accept v2, in complete v2
  (5 shadow rows);
* 4 completed after two correction rounds (7 shadow rows);
* 1 waiting for the applicant's correction (补正补齐): out v1, in correction v1 (2 rows);
* 1 accepted at the window and not dispatched yet (0 rows): bench/engines.py gs_dispatch dispatches these.

20 cases, 100 shadow rows. Rows go in with COPY on PostgreSQL (the cases, shadow rows and callback log in
one transaction a batch through Django's connection; the front-end rows through the front-end database's
own connection, first), bulk inserts elsewhere. What is left out: per-case workflow transition logs,
materials, SMS and result files (the callbacks carry no files). A volume case number starts with "SBV".
An interrupted run is resumed: the cases already there are kept, front-end rows of an uncommitted batch
are removed, and the seeding goes on from the next case."""
import bisect
import datetime
import json
import random

from django.db import connection, transaction
from django.utils import timezone

from domains.gov_services.one_window.models import Case, Matter, Window
from kernel.calendar.services import add_working_days, is_working_day
from kernel.core.bulk import copy_rows, reset_sequences
from kernel.org.models import Region
from kernel.org.validators import id_check_char

from .frontdb import FrontDB
from .models import CallbackLog, DepartmentSystem, ShadowRecord

VOLUME_PREFIX = "SBV"
CASES_PER_SCALE = 500
BATCH = 5000
COUNTY = "450102"
OTHER_COUNTIES = ["450103", "450105", "450107", "450108", "450109", "450110"]  # 青秀 江南 西乡塘 良庆 邕宁 武鸣
HOME_SHARE = 0.4
HISTORY_DAYS = 720
# position in the cycle of 20 -> (final state, correction rounds)
PLAN = [("completed", 1)] * 14 + [("completed", 2)] * 4 + [("correction", 1), ("accepted", 0)]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韦覃莫陆蒙农黎"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英志华建国海燕丽萍国庆"
OPINIONS = {"correction": "请补充提交申请人身份证明复印件", "accept": "材料齐全，予以受理", "complete": "准予许可，已办结"}


def shadow_rows_per_case():
    return sum(2 * rounds + (3 if state == "completed" else 0) for state, rounds in PLAN) / len(PLAN)


class Volume:
    def __init__(self, clerk=None, seed=7):
        self.home = Region.objects.get(code=COUNTY)
        self.others = list(Region.objects.filter(code__in=OTHER_COUNTIES).order_by("code")) or [self.home]
        systems = {s.department_id: s for s in DepartmentSystem.objects.filter(active=True)}
        self.matters = [m for m in Matter.objects.filter(region=self.home, status="published", is_deleted=False)
                        .order_by("code") if m.department_id in systems]
        if not self.matters:
            raise LookupError("兴宁区没有已接入部门业务系统的已发布事项")
        self.system = {m.pk: systems[m.department_id] for m in self.matters}
        windows = list(Window.objects.filter(region=self.home, active=True, is_deleted=False).order_by("number"))
        self.window = {m.pk: next((w.pk for w in windows if m.category in (w.categories or [])), None)
                       for m in self.matters}
        if clerk is None:
            from kernel.accounts.models import User

            clerk = User.objects.filter(username="xn_window").first()
        self.clerk_id = getattr(clerk, "pk", None)
        self.clerk_name = (str(clerk) if clerk is not None else "窗口人员")[:100]
        self.seed = seed
        self.now = timezone.now()
        self.today = timezone.localdate()
        self._due, self._working = {}, []
        self.counts = {"cases": 0, "shadow": 0, "front_case": 0, "front_callback": 0, "callback_log": 0}

    def due(self, day, n):
        """add_working_days(day, n) on a list of the working days computed once (the calendar lookups are a
        cache round trip each: a million cases would spend minutes there)."""
        key = (day, n)
        if key not in self._due:
            if not self._working:
                first = self.today - datetime.timedelta(days=HISTORY_DAYS + 10)
                self._working = [d for d in (first + datetime.timedelta(days=i) for i in range(HISTORY_DAYS + 400))
                                 if is_working_day(d)]
            index = bisect.bisect_left(self._working, day) if n == 0 else bisect.bisect_right(self._working, day) + n - 1
            if 0 <= index < len(self._working) - 1 and self._working[0] <= day:
                self._due[key] = self._working[index]
            else:  # outside the precomputed range
                self._due[key] = add_working_days(day, n)
        return self._due[key]

    # -- one batch of cases, generated deterministically from its first sequence number ------------
    def generate(self, first, count, next_id):
        rng = random.Random(self.seed * 1_000_003 + first)
        cases, shadows, logs, front_cases, front_callbacks = [], [], [], {}, {}
        tz = timezone.get_current_timezone()
        for seq in range(first, first + count):
            state, rounds = PLAN[seq % len(PLAN)]
            matter = self.matters[rng.randrange(len(self.matters))]
            system = self.system[matter.pk]
            home = rng.random() < HOME_SHARE
            region = self.home if home else self.others[rng.randrange(len(self.others))]
            if state == "completed":
                day = self.today - datetime.timedelta(days=rng.randint(matter.statutory_days + 10, HISTORY_DAYS))
            else:  # the open cases are recent: some near or past their promised date (e-supervision colours)
                day = self.today - datetime.timedelta(days=rng.randint(0, max(matter.promised_days + 3, 4)))
            accepted = datetime.datetime.combine(day, datetime.time(8 + rng.randrange(9), rng.randrange(60)),
                                                 tzinfo=tz)
            channel = "window" if rng.random() < 0.7 else "online"
            window_id = self.window[matter.pk] if home and channel == "window" else None
            no = f"{VOLUME_PREFIX}{day:%Y%m%d}{seq:08d}"
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
            first17 = f"{region.code}{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" \
                      f"{rng.randrange(1000):03d}"
            phone = f"139{rng.randrange(10 ** 8):08d}"
            case_id = next_id + (seq - first)
            # history: dispatch 10 minutes after acceptance, each correction round answered in a day and the
            # supplemented case sent again the next day; accept and complete a day apart
            events = []  # (time, direction, stage, version)
            t = accepted + datetime.timedelta(minutes=10)
            version = 1
            for r in range(rounds):
                events.append((t, "out", "dispatch", version))
                t += datetime.timedelta(days=1, minutes=rng.randrange(120))
                events.append((t, "in", "correction", version))
                if state == "completed" or r < rounds - 1:
                    t += datetime.timedelta(days=1, minutes=rng.randrange(120))
                    version += 1
            completed_at = None
            if state == "completed":
                events.append((t, "out", "dispatch", version))
                t += datetime.timedelta(hours=4 + rng.randrange(20))
                events.append((t, "in", "accept", version))
                t += datetime.timedelta(days=1, hours=rng.randrange(8))
                events.append((t, "in", "complete", version))
                completed_at = t
            cases.append((case_id, accepted, completed_at or (events[-1][0] if events else accepted), self.clerk_id,
                          False, None, no, matter.pk, matter.version, region.pk, window_id, channel, state, name,
                          first17 + id_check_char(first17), phone, "{}", accepted, self.clerk_id,
                          self.due(day, matter.promised_days), self.due(day, matter.statutory_days), completed_at,
                          "pickup" if rng.random() < 0.8 else "courier"))
            fc, fcb = front_cases.setdefault(system.code, []), front_callbacks.setdefault(system.code, [])
            for when, direction, stage, v in events:
                if direction == "out":
                    shadows.append((no, v, when, self.clerk_name, self.clerk_id, "out", stage, system.pk, case_id,
                                    "notify", when + datetime.timedelta(seconds=1)))
                    payload = {"sbh": no, "version": v, "matter_code": matter.code, "matter_name": matter.name,
                               "region": region.code, "channel": channel,
                               "applicant": {"name": name, "phone": phone}, "accepted_at": accepted.isoformat(),
                               "promised_due": self.due(day, matter.promised_days).isoformat()}
                    fc.append((no, v, matter.code, json.dumps(payload, ensure_ascii=False), "received",
                               when.astimezone(datetime.UTC).isoformat()))
                else:
                    operator = f"{system.code}审批员"
                    shadows.append((no, v, when, operator, None, "in", stage, system.pk, case_id, "notify", when))
                    logs.append((when, system.pk, system.code, no, v, stage, "notify", "applied", "", "127.0.0.1"))
                    fcb.append((no, v, stage, json.dumps({"opinion": OPINIONS[stage], "operator": operator},
                                                         ensure_ascii=False), "[]",
                                 when.astimezone(datetime.UTC).isoformat()))
        return cases, shadows, logs, front_cases, front_callbacks

    # -- writing -------------------------------------------------------------------------------------
    CASE_COLUMNS = ["id", "created_at", "updated_at", "created_by_id", "is_deleted", "deleted_at", "no", "matter_id",
                    "matter_version", "region_id", "window_id", "channel", "status", "applicant_name",
                    "applicant_id_number", "applicant_phone", "form_data", "accepted_at", "accepted_by_id",
                    "promised_due", "statutory_due", "completed_at", "delivery"]
    SHADOW_COLUMNS = ["sbh", "version", "fetched_at", "operator", "operator_user_id", "direction", "stage",
                      "system_id", "case_id", "source", "acknowledged_at"]
    LOG_COLUMNS = ["received_at", "system_id", "key_id", "sbh", "version", "stage", "source", "outcome", "reason",
                   "remote_addr"]

    def write(self, batch):
        cases, shadows, logs, front_cases, front_callbacks = batch
        # the front-end rows first, through the front-end database's own connection (committed on their own):
        # a batch whose cases did not commit leaves orphans that resume() removes
        for code, rows in front_cases.items():
            self.counts["front_case"] += FrontDB(code).copy_rows(
                "front_case", ["sbh", "version", "matter_code", "payload", "status", "written_at"], rows)
        for code, rows in front_callbacks.items():
            self.counts["front_callback"] += FrontDB(code).copy_rows(
                "front_callback", ["sbh", "version", "stage", "payload", "files", "written_at"], rows)
        with transaction.atomic():
            self.counts["cases"] += copy_rows(Case, self.CASE_COLUMNS, cases)
            self.counts["shadow"] += copy_rows(ShadowRecord, self.SHADOW_COLUMNS, shadows)
            self.counts["callback_log"] += copy_rows(CallbackLog, self.LOG_COLUMNS, logs)

    def resume(self):
        """The volume cases already seeded (an earlier, interrupted run); front-end rows of volume cases that
        never committed are removed so that the batch can be written again."""
        done = Case.all_objects.filter(no__startswith=VOLUME_PREFIX).count()
        known = set(Case.all_objects.filter(no__startswith=VOLUME_PREFIX).values_list("no", flat=True)) \
            if connection.vendor != "postgresql" else None
        for code in {s.code for s in self.system.values()}:
            FrontDB(code).remove_orphans(VOLUME_PREFIX, known)
        return done


def seed_volume(scale, out=None, clerk=None):
    """CASES_PER_SCALE x scale volume cases (topped up to that number); returns the counts written."""
    volume = Volume(clerk=clerk)
    target = CASES_PER_SCALE * scale
    done = volume.resume()
    next_id = (Case.all_objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    seq = done
    while seq < target:
        count = min(BATCH, target - seq)
        volume.write(volume.generate(seq, count, next_id))
        next_id += count
        seq += count
        if out is not None and (seq // BATCH) % 20 == 0:
            out.write(f"    gs_exchange volume: {seq:,} / {target:,} cases")
    reset_sequences(Case)
    volume.counts["existing"] = done
    return volume.counts


def seed(scale, out=None):
    counts = seed_volume(scale, out)
    if not counts["cases"]:
        return f"批量办件已有{counts['existing']}件"
    return (f"批量办件{counts['cases']}件、影子表{counts['shadow']}条、前置库办件{counts['front_case']}条、"
            f"前置库回调{counts['front_callback']}条、回调记录{counts['callback_log']}条（批量）")
