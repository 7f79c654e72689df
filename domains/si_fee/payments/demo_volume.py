"""Benchmark volume of the social-insurance-fee service (seed_demo --scale N > 1, run by PaymentsConfig.seed_demo
after the payers' demo and the rules exist): PAYERS_PER_SCALE flexible-employment payers and LINES_PER_SCALE
payment lines a scale unit (scale 2000: 1,000,000 payers, 20,000,000 lines), spread over Guangxi's counties.

Per payer (a cycle of 10 payers averages LINES_PER_PAYER = 20 lines):
* history: consecutive months of self-declared flexible-employment pension (fe_pension, the payer's
  prefecture's rate and one grade of its rule) in paid orders of 1-12 lines, each paid 1-20 days after its last
  period; the lines of the last three months 已上解未入库 (remitted), older ones 已入库 (stored), 2 % 已退费
  (refunded in full);
* one order of one line paid on the reconciliation day (RECON_DAY: the day before the first seeding), its line
  still 已缴费 (paid): 1,000,000 orders at scale 2000, what the night's reconciliation (bench/engines.py
  si_reconcile) reconciles. The payment simulator holds the same orders as paid (tips_pay SimOrder: its
  reconciliation file is built from them), 30 % of them 入库; one in 10,000 is dropped from the bank's file, one
  in 10,000 has another amount at the bank, and one in 10,000 extra line is in the file that we do not know.

Only the first BENCH_PAYERS payers (青秀区) have accounts (username = ID number, the demo password): the load
clients of bench/run.py si_pay. Each also has BENCH_PAYABLES pending assessed payables (核定应缴, flexible medical)
that the scenario pays one a request. No receipts (issued lazily when a receipt is first opened: receipts.py),
no participation rows, no per-row audit (one operation row for the load).

Rows go in with COPY on PostgreSQL (one transaction per batch of payers with all their rows), bulk_create
elsewhere. A volume payer's registration number starts with VOLUME_PREFIX; an interrupted run resumes after the
last committed batch, and a complete run adds nothing."""
import datetime
import json
import random
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from kernel.core.bulk import copy_rows, reset_sequences
from kernel.org.validators import id_check_char

VOLUME_PREFIX = "SIV"  # registration_no of volume payers; history orders SIVH…, reconciliation-day orders SIVR…
PAYERS_PER_SCALE = 500
LINES_PER_SCALE = 10_000
LINE_CYCLE = [8, 32, 12, 28, 16, 24, 20, 20, 18, 22]  # lines per payer, by seq % 10: 20 on average
BATCH = 5000  # payers a transaction
BENCH_PAYERS = 100
BENCH_PAYABLES = 120
BENCH_COUNTY = "450103"  # 青秀区
DIFF_EVERY = 10_000  # one dropped / one other amount / one extra line per this many reconciliation-day orders
CHANNELS = ["光大银行城市服务", "广西税务微信", "支付宝城市服务", "中国银行手机银行"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐韦覃莫陆蒙农黎"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂志华建国海燕萍庆"
BIRTH_BASE = datetime.date(1971, 1, 1)
FALLBACK_GRADES = [Decimal("3154.00"), Decimal("3785.00"), Decimal("4416.00"), Decimal("5047.00")]


def lines_per_payer(seq):
    return LINE_CYCLE[seq % len(LINE_CYCLE)]


def id_number(seq, county_code):
    """A valid, unique resident ID number for volume payer `seq` (unique by seq alone: birth day and order code)."""
    birth = BIRTH_BASE + datetime.timedelta(days=seq // 1000)
    first17 = f"{county_code}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_check_char(first17)


def bench_usernames(n=BENCH_PAYERS):
    """The ID numbers (usernames) of the bench payers with accounts, in order."""
    return [id_number(seq, BENCH_COUNTY) for seq in range(min(n, BENCH_PAYERS))]


def add_months(day, n):
    m = day.year * 12 + day.month - 1 + n
    return datetime.date(m // 12, m % 12 + 1, 1)


def month_end(day):
    return add_months(day, 1) - datetime.timedelta(days=1)


def _next_id(model):
    return (model._base_manager.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


def _reserve(ids, count):
    """Move the id sequences past the ids a batch of `count` payers may use (PER_PAYER bounds), before the COPY:
    a row the application inserts meanwhile takes an id above them instead of colliding."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model, first, per in zip(MODELS(), ids, PER_PAYER, strict=True):
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                           [model._meta.db_table, first + per * count])


def MODELS():  # noqa: N802 - the written models, in the order of the id tuple
    from domains.si_fee.payers.models import Payer
    from integrations.tips_pay.models import SimOrder

    from .models import Payable, PaymentLine, PaymentOrder

    return [Payer, PaymentOrder, PaymentLine, Payable, SimOrder]


PER_PAYER = [1, max(LINE_CYCLE) + 1, max(LINE_CYCLE), BENCH_PAYABLES, 1]  # at most this many rows a payer, by model


class Volume:
    PAYER_COLUMNS = ["id", "created_at", "updated_at", "is_deleted", "deleted_at", "person_type", "name", "id_type",
                     "id_number", "nationality", "mobile", "address", "special_category", "registration_no",
                     "person_no", "agency", "registered_at", "created_by_id", "prefecture_id", "region_id",
                     "tax_authority_id", "user_id"]
    ORDER_COLUMNS = ["id", "created_at", "updated_at", "is_deleted", "deleted_at", "order_no", "kind", "total",
                     "status", "request_id", "channel", "bank_serial", "gateway_order_id", "cashier_url", "paid_at",
                     "expires_at", "closed_reason", "created_by_id", "payer_id"]
    LINE_COLUMNS = ["id", "created_at", "updated_at", "is_deleted", "deleted_at", "period_start", "period_end", "base",
                    "rate", "amount", "source", "status", "refunded_amount", "created_by_id", "insurance_id",
                    "payable_id", "payer_id", "order_id"]
    PAYABLE_COLUMNS = ["id", "created_at", "updated_at", "is_deleted", "deleted_at", "source_no", "period_start",
                       "period_end", "base", "amount", "agency", "remark", "status", "created_by_id", "insurance_id",
                       "payer_id"]
    SIM_COLUMNS = ["id", "merchant_id", "order_no", "token", "amount", "subject", "payer_name", "lines", "notify_url",
                   "return_url", "expire_at", "status", "channel", "bank_serial", "paid_at", "treasury_stored",
                   "notify_attempts", "last_notify_status", "created_at"]

    def __init__(self, seed=11):
        from django.conf import settings

        from domains.si_fee.rules.models import ContributionRule, InsuranceType
        from domains.si_fee.rules.services import prefecture_of
        from kernel.org.models import Organisation, Region

        self.seed = seed
        self.tz = timezone.get_current_timezone()
        self.recon_day = recon_day() or (timezone.localdate() - datetime.timedelta(days=1))
        self.recon_start = datetime.datetime.combine(self.recon_day, datetime.time.min, tzinfo=self.tz)
        self.recon_period = add_months(self.recon_day.replace(day=1), -1)  # the reconciliation day pays last month
        self.pension = InsuranceType.objects.get(code="fe_pension")
        self.medical = InsuranceType.objects.get(code="fe_medical")
        self.rate = self.pension.rate
        province = Region.objects.get(code="450000")
        counties = list(Region.objects.filter(level=Region.Level.COUNTY, path__startswith=province.path)
                        .order_by("code"))
        tax = dict(Organisation.objects.filter(region__in=counties, agency_type="tax").order_by("-id")
                   .values_list("region_id", "pk"))
        self.counties = []
        for county in counties:
            prefecture = prefecture_of(county) or province
            self.counties.append((county, prefecture, tax.get(county.pk), f"{prefecture.name}{county.name}"))
        self.bench_county = next(c for c in self.counties if c[0].code == BENCH_COUNTY)
        self.grades = {}
        for rule in ContributionRule.objects.filter(insurance=self.pension):
            self.grades[(rule.prefecture_id, rule.year)] = rule.grade_amounts or [rule.min_base]
        self.merchant = settings.PAY_MERCHANT_ID
        self.notify_url = "http://127.0.0.1/public/si/pay/callback/"
        self.counts = {"payers": 0, "orders": 0, "lines": 0, "recon_orders": 0, "sim_orders": 0, "payables": 0,
                       "accounts": 0}

    # -- the bench payers' accounts ---------------------------------------------------------------------
    def accounts(self, count):
        """{seq: user id} of the bench payers among the first `count` payers (created if missing)."""
        from kernel.accounts import services as accounts
        from kernel.accounts.demo import DEMO_PASSWORD
        from kernel.accounts.models import Role, User

        wanted = {seq: id_number(seq, BENCH_COUNTY) for seq in range(min(count, BENCH_PAYERS))}
        have = dict(User.objects.filter(username__in=wanted.values()).values_list("username", "pk"))
        citizen = Role.objects.filter(code="citizen").first()
        out = {}
        for seq, username in wanted.items():
            if username not in have:
                user = accounts.create_user(username=username, password=DEMO_PASSWORD, kind="citizen",
                                            real_name=self.name(random.Random(seq)), id_number=username,
                                            must_change_password=False, roles=[citizen] if citizen else ())
                have[username] = user.pk
                self.counts["accounts"] += 1
            out[seq] = have[username]
        return out

    def name(self, rng):
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))

    def grade(self, prefecture_id, year, pick):
        grades = self.grades.get((prefecture_id, year)) or self.grades.get((prefecture_id, 2021)) or FALLBACK_GRADES
        return grades[pick % len(grades)]

    # -- one batch of payers, generated deterministically from its first sequence number ------------------
    def generate(self, first, count, ids, users):
        from domains.si_fee.rules.services import money

        rng = random.Random(self.seed * 1_000_003 + first)
        now = timezone.now()
        payers, orders, lines, payables, sims = [], [], [], [], []
        payer_id, order_id, line_id, payable_id, sim_id = ids
        pension_id, medical_id, rate = self.pension.pk, self.medical.pk, self.rate
        stored_before = add_months(self.recon_period, -3)
        for seq in range(first, first + count):
            bench = seq < BENCH_PAYERS
            county, prefecture, tax_id, place = (self.bench_county if bench
                                                 else self.counties[(seq * 7919) % len(self.counties)])
            name = self.name(random.Random(seq)) if bench else self.name(rng)  # the account's real name
            registered = now if bench else None
            payers.append((payer_id, now, now, False, None, "flexible", name, "201", id_number(seq, county.code),
                           "中国", f"139{(seq * 7 + 10_000_000) % 10**8:08d}", place, "", f"{VOLUME_PREFIX}{seq:09d}",
                           f"RY{seq:010d}", f"{prefecture.name}社会保险事业局", registered, None, prefecture.pk,
                           county.pk, tax_id, users.get(seq)))
            pick = rng.randrange(8)
            n = lines_per_payer(seq)
            # history: the n - 1 months before the reconciliation day's period, oldest first, in orders of 1-12
            months = [add_months(self.recon_period, -k) for k in range(n - 1, 0, -1)]
            i = 0
            while i < len(months):
                size = rng.randint(1, 12)
                chunk = months[i:i + size]
                i += size
                paid = datetime.datetime.combine(month_end(chunk[-1]) + datetime.timedelta(days=rng.randint(1, 20)),
                                                 datetime.time(8 + rng.randrange(14), rng.randrange(60)), tzinfo=self.tz)
                if paid >= self.recon_start:
                    paid = self.recon_start - datetime.timedelta(hours=1 + rng.randrange(12))
                created = paid - datetime.timedelta(minutes=1 + rng.randrange(5))
                total = Decimal("0.00")
                for period in chunk:
                    base = self.grade(prefecture.pk, period.year, pick)
                    amount = money(base * rate)
                    refunded = rng.random() < 0.02
                    status = "refunded" if refunded else ("stored" if period < stored_before else "remitted")
                    lines.append((line_id, created, paid, False, None, period, month_end(period), base, rate, amount,
                                  "self", status, amount if refunded else Decimal("0.00"), None, pension_id, None,
                                  payer_id, order_id))
                    line_id += 1
                    total += amount
                no = f"{VOLUME_PREFIX}H{order_id:011d}"
                orders.append((order_id, created, paid, False, None, no, "self", total, "paid", f"v{no}",
                               CHANNELS[rng.randrange(len(CHANNELS))], f"CEB{paid:%Y%m%d}{order_id:012d}", "", "",
                               paid, created + datetime.timedelta(minutes=15), "", None, payer_id))
                order_id += 1
            # the reconciliation day's order: last month, one line, paid (not reconciled yet)
            period = self.recon_period
            base = self.grade(prefecture.pk, period.year, pick)
            amount = money(base * rate)
            paid = self.recon_start + datetime.timedelta(seconds=(seq * 7919) % 86_400)
            created = paid - datetime.timedelta(minutes=2)
            no = f"{VOLUME_PREFIX}R{self.recon_day:%Y%m%d}{seq:09d}"
            serial = f"CEB{self.recon_day:%Y%m%d}{seq:012d}"
            channel = CHANNELS[seq % len(CHANNELS)]
            lines.append((line_id, created, paid, False, None, period, month_end(period), base, rate, amount, "self",
                          "paid", Decimal("0.00"), None, pension_id, None, payer_id, order_id))
            line_id += 1
            orders.append((order_id, created, paid, False, None, no, "self", amount, "paid", f"v{no}", channel, serial,
                           f"SIM{sim_id:010d}", "", paid, created + datetime.timedelta(minutes=15), "", None, payer_id))
            order_id += 1
            self.counts["recon_orders"] += 1
            bank_amount = amount + Decimal("0.01") if seq % DIFF_EVERY == DIFF_EVERY // 2 else amount
            sim_line = json.dumps([{"item": self.pension.name, "period": f"{period:%Y-%m}～{period:%Y-%m}",
                                    "amount": f"{bank_amount}"}], ensure_ascii=False)
            sims.append((sim_id, self.merchant, no, f"v{no}", bank_amount, "社保费缴纳", name, sim_line,
                         self.notify_url, "", created + datetime.timedelta(minutes=15), "PAID", channel, serial, paid,
                         seq % 10 < 3, 1, 200, created))
            sim_id += 1
            if bench:  # pending assessed payables (flexible medical), paid one a request by the si_pay scenario
                for k in range(BENCH_PAYABLES):
                    p = add_months(self.recon_period, -k)
                    payables.append((payable_id, now, now, False, None, f"{VOLUME_PREFIX}P{seq:04d}{k:04d}", p,
                                     month_end(p), base, Decimal("380.00") + k, f"{prefecture.name}社会保险事业局",
                                     "基准测试核定", "pending", None, medical_id, payer_id))
                    payable_id += 1
            payer_id += 1
        return payers, orders, lines, payables, sims

    def write(self, batch):
        from domains.si_fee.payers.models import Payer
        from integrations.tips_pay.models import SimOrder

        from .models import Payable, PaymentLine, PaymentOrder

        payers, orders, lines, payables, sims = batch
        with transaction.atomic():
            self.counts["payers"] += copy_rows(Payer, self.PAYER_COLUMNS, payers, plain_text=True)
            self.counts["orders"] += copy_rows(PaymentOrder, self.ORDER_COLUMNS, orders, plain_text=True)
            self.counts["lines"] += copy_rows(PaymentLine, self.LINE_COLUMNS, lines, plain_text=True)
            self.counts["payables"] += copy_rows(Payable, self.PAYABLE_COLUMNS, payables, plain_text=True)
            self.counts["sim_orders"] += copy_rows(SimOrder, self.SIM_COLUMNS, sims, plain_text=True)

    def hooks(self):
        """The bank file's differences (test hooks of the simulator), once: one dropped order and one extra line
        per DIFF_EVERY reconciliation-day orders."""
        from integrations.tips_pay.models import SimReconciliationHook

        if SimReconciliationHook.objects.filter(date=self.recon_day).exists():
            return 0
        total = self.done()
        rows = []
        for k, seq in enumerate(range(0, total, DIFF_EVERY)):
            rows.append(SimReconciliationHook(date=self.recon_day,
                                              drop_order_no=f"{VOLUME_PREFIX}R{self.recon_day:%Y%m%d}{seq + 7:09d}"))
            paid = self.recon_start + datetime.timedelta(hours=10, seconds=k)
            rows.append(SimReconciliationHook(date=self.recon_day, add_line={
                "order_no": f"SIX{self.recon_day:%Y%m%d}{k:09d}", "bank_serial": f"CEBX{k:012d}", "amount": "630.80",
                "paid_at": paid.isoformat(), "status": "上解"}))
        SimReconciliationHook.objects.bulk_create(rows, batch_size=500)
        return len(rows)

    def done(self):
        from domains.si_fee.payers.models import Payer

        return Payer.all_objects.filter(registration_no__startswith=VOLUME_PREFIX).count()


def recon_day():
    """The reconciliation day of the volume (from its first reconciliation-day order), or None."""
    from .models import PaymentOrder

    no = (PaymentOrder.all_objects.filter(order_no__startswith=f"{VOLUME_PREFIX}R").order_by("pk")
          .values_list("order_no", flat=True).first())
    return datetime.datetime.strptime(no[4:12], "%Y%m%d").date() if no else None


def seeded(scale=None):
    """The volume is complete (its reconciliation hooks are written last), at least for `scale` if given."""
    from integrations.tips_pay.models import SimReconciliationHook

    day = recon_day()
    if day is None or not SimReconciliationHook.objects.filter(date=day).exists():
        return False
    if scale is None:
        return True
    from domains.si_fee.payers.models import Payer

    return Payer.all_objects.filter(registration_no__startswith=VOLUME_PREFIX).count() >= PAYERS_PER_SCALE * scale


def seed_volume(scale, out=None, batch=BATCH):
    """PAYERS_PER_SCALE x scale volume payers with their orders and lines (topped up to that number)."""
    from integrations.tips_pay.models import SimReconciliationHook

    volume = Volume()
    target = PAYERS_PER_SCALE * scale
    done = volume.done()
    volume.counts["existing"] = done
    users = volume.accounts(target) if done < target else {}
    seq = done
    models = MODELS()
    while seq < target:
        count = min(batch, target - seq)
        ids = tuple(_next_id(m) for m in models)
        _reserve(ids, count)
        volume.write(volume.generate(seq, count, ids, users))
        reset_sequences(*models)
        seq += count
        if out is not None and (seq // batch) % 20 == 0:
            out.write(f"    si_pay volume: {seq:,} / {target:,} payers, {volume.counts['lines']:,} lines this run\n")
    if volume.counts["payers"]:  # grown: the file's differences follow the number of reconciliation-day orders
        SimReconciliationHook.objects.filter(date=volume.recon_day).delete()
    volume.counts["hooks"] = volume.hooks()
    volume.counts["recon_day"] = volume.recon_day
    return volume.counts


def seed(scale, out=None):
    counts = seed_volume(scale, out)
    if not counts["payers"]:
        return f"批量缴费人已有{counts['existing']}个"
    return (f"批量缴费人{counts['payers']}个（其中基准测试账号{counts['accounts']}个）、缴费订单{counts['orders']}笔、"
            f"缴费明细{counts['lines']}条、核定应缴{counts['payables']}条；{counts['recon_day']:%Y-%m-%d}"
            f"已缴订单{counts['recon_orders']}笔及支付模拟器订单{counts['sim_orders']}笔、对账文件差异{counts['hooks']}条（批量）")
