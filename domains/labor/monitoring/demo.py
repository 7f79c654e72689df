"""Demo data of the supervision database (劳动监察监管数据库), with planted anomalies for every warning rule.

1. Volume: 10 projects and 250 migrant workers per scale unit (25 a project) with their units,
   labour contracts, daily attendance, monthly payroll, wage special account with labour-cost
   appropriations and wage flows, wage deposit (cash, or an insurance/bank guarantee). Scale 1 keeps two
   months of attendance (`make run` stays quick); a larger scale one month, so --scale 2000 gives the
   benchmark's 20,000 projects, 500,000 workers and 15,000,000 attendance rows. Rows go in with COPY on
   PostgreSQL (kernel.core.bulk.bulk_insert for business rows, a streamed COPY of plain tuples for the
   lean tables), a batch of projects at a time: nothing holds the whole volume in memory.
   The volume is clean against every rule (valid permits, attendance to yesterday, wages paid on the
   10th, payroll equal to the bank's wage flows, appropriations ahead of the agreed share, deposits in
   full, guarantees valid for months), except every 25th project from scale 2 up, which gets one of the
   anomalies of VOLUME_ANOMALIES so that statistics at scale have warnings to count.
2. Scenario: the projects of SCENARIOS, built by the same generator with one planted anomaly each (one of
   them two), in the demo users' counties (Nanning 青秀区 grids for the grid owner, other Nanning
   counties, Liuzhou), so the first scan raises a warning of every rule.

Dates are relative to the day of seeding. Wages of month M are paid on PAY_DAY of M+1 (before the
rules' default grace day 15); labour cost is appropriated on APPROPRIATION_DAY of every month."""
import calendar
import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kernel.core.bulk import bulk_insert, copy_rows
from kernel.org.demo import make_uscc, person_name
from kernel.org.models import Organisation, Region
from kernel.org.validators import id_check_char

from .models import (
    AccountFlow,
    Attendance,
    Contract,
    DepositFlow,
    Guarantee,
    Payroll,
    Project,
    WageAccount,
    WageDeposit,
    Worker,
)

PROJECTS_PER_SCALE = 10
WORKERS_PER_PROJECT = 25
PAY_DAY = 10
APPROPRIATION_DAY = 5
DURATION_MONTHS = 24  # the appropriation rule's default planned duration
LABOUR_SHARE = Decimal("20.00")
BATCH_PROJECTS = 200
VOLUME_PREFIX = "LXM"
SCENARIO_PREFIX = "LWDEMO"
ORG_SERIAL_BASE = 30_000_000
WORKER_BIRTH_BASE = datetime.date(1965, 1, 1)

PLACES = ["凤岭", "五象", "相思湖", "仙葫", "长湖", "琅东", "白沙", "亭洪", "那洪", "沙井", "石埠", "安吉", "明秀",
          "秀厢", "大沙田", "蒲庙", "龙岗", "滨江", "河西", "柳东", "官塘", "雒容", "洛维", "阳和", "鹧鸪江"]
WORKS = ["安置房项目", "保障性住房项目", "市政道路工程", "配套管网工程", "学校建设项目", "医院综合楼工程",
         "标准厂房项目", "污水处理厂工程", "商住楼项目", "老旧小区改造工程", "综合管廊工程", "桥梁工程"]
TRADES = ["宏建", "桂建", "华厦", "邕城", "柳建", "壮乡", "八桂", "鑫隆", "恒盛", "联建", "东盟", "中桂", "荣达"]
JOBS = ["钢筋工", "木工", "混凝土工", "砌筑工", "架子工", "电工", "焊工", "抹灰工", "普工", "防水工"]
BANKS = ["中国工商银行", "中国农业银行", "中国建设银行", "广西北部湾银行", "桂林银行", "广西农村信用社"]
INSURERS = ["中国人民财产保险股份有限公司广西分公司", "中国平安财产保险股份有限公司广西分公司",
            "太平财产保险有限公司广西分公司"]


@dataclass
class Plan:
    """One project to generate. The defaults give a project every rule leaves quiet; the knobs plant anomalies."""

    code: str
    name: str
    region: Region
    workers: int = WORKERS_PER_PROJECT
    start_days_ago: int = 300
    attendance_days: int = 30
    stale_days: int = 1  # the last attendance is this many days ago (1: yesterday)
    absence: float = 0.0  # share of worker-days without attendance
    permit_days_left: int | None = 400  # None: no permit
    qualification_days_left: int | None = 500  # None: no qualification certificate
    unpaid_due_month: bool = False  # the latest due month's wages not paid (and no wage flows)
    underpaid_lines: int = 0  # payroll lines of the latest due month payable and paid at half the contract wage
    flow_shortfall: float = 0.0  # the bank's wage flows of the latest due month this share below the payroll sheet
    opener: str = "contractor"  # contractor / subcontractor / construction_unit / unrelated
    appropriation_share: float = 1.0  # share of the monthly appropriations actually booked
    balance_factor: float | None = None  # the account balance as a multiple of the monthly payroll (None: computed)
    deposit_form: str = WageDeposit.Form.CASH
    deposit_stored_share: float = 1.0  # a cash deposit's stored share (0: nothing stored)
    transfer_days_ago: int | None = None  # a transfer (划拨) of transfer_share, not topped up since
    transfer_share: float = 0.4
    guarantee_until: datetime.date | None = None  # a guarantee deposit's expiry (None: a year and more)
    extra: dict = field(default_factory=dict)


def add_months(day, months):
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def month_of(day):
    return day.replace(day=1)


def latest_due_month(today, grace_day=15):
    """The newest wage month whose payment is due by now (the rules' default grace day)."""
    return add_months(month_of(today), -1 if today.day > grace_day else -2)


def county_code(region):
    return region.code[:6]


class Builder:
    """Generates projects from plans, a batch at a time, every table consistent with the others."""

    def __init__(self, today=None, seed=97):
        self.today = today or timezone.localdate()
        self.now = timezone.now()
        self.rng = random.Random(seed)
        self.org_serial = ORG_SERIAL_BASE + Project.all_objects.count() * 5  # at most 5 units a project
        self.worker_serial = Worker.all_objects.count() + 1
        self.counts = {"projects": 0, "workers": 0, "attendance": 0, "payroll": 0, "flows": 0}

    # -- units ---------------------------------------------------------------------------------------
    def _org(self, region, name, industry):
        self.org_serial += 1
        rng = self.rng
        return Organisation(
            name=name, kind=Organisation.Kind.ENTERPRISE, region=region, industry=industry,
            uscc=make_uscc("91", county_code(region), self.org_serial), legal_representative=person_name(rng),
            contact_person=person_name(rng), contact_phone=f"139{rng.randint(10000000, 99999999)}",
            address=f"{region.name}{rng.choice(PLACES)}路{rng.randint(1, 400)}号")

    def _units(self, plan, county):
        rng = self.rng
        city = county.parent.name[:-1] if county.parent else ""

        def name(kind):
            return f"{rng.choice(['广西', city])}{rng.choice(TRADES)}{rng.choice(PLACES)}{kind}有限公司"

        units = {"contractor": self._org(county, name("建设工程"), "E"),
                 "construction_unit": self._org(county, name("房地产开发"), "K"),
                 "supervisor": self._org(county, name("工程监理"), "M"),
                 "subcontractor": self._org(county, name("劳务"), "E")}
        if plan.opener == "unrelated":
            units["unrelated"] = self._org(county, name("商贸"), "F")
        return units

    # -- one batch -----------------------------------------------------------------------------------
    @transaction.atomic
    def build(self, plans):
        """Generate the plans' projects; returns {code: project id}."""
        today, rng = self.today, self.rng
        counties = {}
        units = {}
        for plan in plans:
            code = county_code(plan.region)
            if code not in counties:
                counties[code] = Region.objects.select_related("parent").get(code=code)
            units[plan.code] = self._units(plan, counties[code])
        orgs = [o for u in units.values() for o in u.values()]
        bulk_insert(Organisation, orgs)
        org_ids = dict(Organisation.all_objects.filter(uscc__in=[o.uscc for o in orgs]).values_list("uscc", "pk"))
        for u in units.values():
            for o in u.values():
                o.pk = org_ids[o.uscc]

        # workers and their contracts' wages first: the contract price follows the payroll
        people = {}
        for plan in plans:
            crew = []
            for _ in range(plan.workers):
                crew.append(self._worker(plan))
            people[plan.code] = crew
        projects = []
        for plan in plans:
            u = units[plan.code]
            monthly = sum(w["wage"] for w in people[plan.code]) * 30
            budget = monthly * 2 * DURATION_MONTHS  # appropriations of twice the monthly payroll
            price = (budget / (LABOUR_SHARE / 100) / 10000).quantize(Decimal("1"))
            start = today - datetime.timedelta(days=plan.start_days_ago)
            plan.extra.update(monthly=monthly, budget=budget, start=start)
            projects.append(Project(
                code=plan.code, name=plan.name, region=plan.region, address=f"{plan.region.name}{rng.choice(PLACES)}片区",
                construction_unit_id=u["construction_unit"].pk, general_contractor_id=u["contractor"].pk,
                supervising_unit_id=u["supervisor"].pk, project_type=rng.choice(Project.Type.values[:5]),
                funding_source=rng.choice(Project.Funding.values), industry_authority="住房和城乡建设局",
                supervising_department="人力资源和社会保障局", start_date=start, contract_price=price,
                labour_cost_share=LABOUR_SHARE, status=Project.Status.BUILDING,
                permit_no="" if plan.permit_days_left is None else f"{county_code(plan.region)}{start:%Y%m%d}{rng.randint(100, 999)}",
                permit_valid_until=None if plan.permit_days_left is None else today + datetime.timedelta(days=plan.permit_days_left),
                contractor_qualification_no="" if plan.qualification_days_left is None else f"D{rng.randint(100000000, 999999999)}",
                contractor_qualification_valid_until=None if plan.qualification_days_left is None
                else today + datetime.timedelta(days=plan.qualification_days_left),
                project_manager=person_name(rng), project_manager_phone=f"138{rng.randint(10000000, 99999999)}",
                project_lead=person_name(rng), wage_officer=person_name(rng),
                wage_officer_phone=f"137{rng.randint(10000000, 99999999)}", created_at=self.now))
        bulk_insert(Project, projects)
        ids = dict(Project.all_objects.filter(code__in=[p.code for p in plans]).values_list("code", "pk"))
        through = Project.subcontractors.through
        bulk_insert(through, [through(project_id=ids[p.code], organisation_id=units[p.code]["subcontractor"].pk)
                              for p in plans])

        for plan in plans:
            for w in people[plan.code]:
                w["obj"].employer_id = units[plan.code]["contractor"].pk
        workers = [w["obj"] for p in plans for w in people[p.code]]
        bulk_insert(Worker, workers)
        worker_ids = dict(Worker.all_objects.filter(id_number__in=[w.id_number for w in workers])
                          .values_list("id_number", "pk"))
        contracts = []
        for plan in plans:
            first_day = self._first_day(plan)
            for w in people[plan.code]:
                w["id"] = worker_ids[w["obj"].id_number]
                on_sub = rng.random() < 0.3
                entry = max(plan.extra["start"], first_day - datetime.timedelta(days=rng.randint(0, 60)))
                contracts.append(Contract(
                    worker_id=w["id"], project_id=ids[plan.code],
                    employer_id=units[plan.code]["subcontractor" if on_sub else "contractor"].pk,
                    team=f"{w['job']}班组", job_type=w["job"], signed_on=entry, start_on=entry,
                    end_on=add_months(entry, 24), daily_wage=w["wage"], created_at=self.now))
        bulk_insert(Contract, contracts)

        days_by_worker = self._attendance(plans, people, ids)
        self._payroll_and_accounts(plans, people, ids, units, days_by_worker)
        self._deposits(plans, ids, units)
        self.counts["projects"] += len(plans)
        self.counts["workers"] += len(workers)
        return ids

    def _worker(self, plan):
        rng = self.rng
        n = self.worker_serial
        self.worker_serial += 1
        born = WORKER_BIRTH_BASE + datetime.timedelta(days=(n // 1000) * 13)
        home = rng.choice(HOMETOWN_CODES)
        first17 = f"{home}{born:%Y%m%d}{n % 1000:03d}"
        id_number = first17 + id_check_char(first17)
        name = person_name(rng)
        obj = Worker(name=name, id_number=id_number, gender="男" if int(first17[16]) % 2 else "女",
                     phone=f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}",
                     bank_card=f"6217{rng.randint(10 ** 14, 10 ** 15 - 1)}", bank_name=rng.choice(BANKS),
                     hometown=HOMETOWNS[home], region=plan.region, registered_on=self.today - datetime.timedelta(days=90),
                     created_at=self.now)
        return {"obj": obj, "wage": Decimal(rng.randrange(200, 401, 10)), "job": rng.choice(JOBS)}

    def _first_day(self, plan):
        last = self.today - datetime.timedelta(days=max(plan.stale_days, 1))
        return last - datetime.timedelta(days=plan.attendance_days - 1)

    def _attendance(self, plans, people, ids):
        """Stream the attendance rows; returns {(project id, worker id): {month: days}}."""
        days_by_worker = {}
        rng, now = self.rng, self.now
        hours = Decimal("8.0")

        def rows():
            for plan in plans:
                pid = ids[plan.code]
                first = self._first_day(plan)
                days = [first + datetime.timedelta(days=i) for i in range(plan.attendance_days)]
                for w in people[plan.code]:
                    tally = days_by_worker.setdefault((pid, w["id"]), {})
                    for day in days:
                        if plan.absence and rng.random() < plan.absence:
                            continue
                        month = day.replace(day=1)
                        tally[month] = tally.get(month, 0) + 1
                        yield (pid, w["id"], day, hours, "import", now)

        self.counts["attendance"] += copy_rows(Attendance, ["project_id", "worker_id", "work_date", "hours", "source",
                                                            "received_at"], rows())
        return days_by_worker

    def _payroll_and_accounts(self, plans, people, ids, units, days_by_worker):
        today, now, rng = self.today, self.now, self.rng
        this_month = month_of(today)
        due = latest_due_month(today)
        payroll, wage_flows, accounts, appropriations = [], [], [], []
        for plan in plans:
            pid = ids[plan.code]
            u = units[plan.code]
            account_no = f"{rng.randint(10 ** 15, 10 ** 16 - 1)}{pid % 10000:04d}"
            paid_total = Decimal("0")
            estimate = {}
            underpaid = plan.underpaid_lines
            short = Decimal(str(1 - plan.flow_shortfall))
            for w in people[plan.code]:
                for month, days in sorted(days_by_worker.get((pid, w["id"]), {}).items()):
                    if month >= this_month:
                        continue  # the current month's payroll is made next month
                    payable = days * w["wage"]
                    pay_date = add_months(month, 1).replace(day=PAY_DAY)
                    if month == due and underpaid > 0:
                        payable = (payable / 2).quantize(Decimal("0.01"))
                        underpaid -= 1
                    paid = pay_date <= today and not (plan.unpaid_due_month and month == due)
                    payroll.append((pid, w["id"], month, days, payable, payable if paid else Decimal("0"),
                                    pay_date if paid else None, now))
                    estimate[month] = estimate.get(month, Decimal("0")) + payable
                    if paid:
                        paid_total += payable
                        amount = (payable * short).quantize(Decimal("0.01")) if month == due else payable
                        wage_flows.append((account_no, f"W{month:%Y%m}{w['id']:09d}", amount, w, month, pay_date))
            monthly = estimate[max(estimate)] if estimate else plan.extra["monthly"]
            per_month = (plan.extra["budget"] / DURATION_MONTHS).quantize(Decimal("0.01"))
            booked, month = [], month_of(plan.extra["start"])
            while True:
                day = month.replace(day=APPROPRIATION_DAY)
                if day > today:
                    break
                if day >= plan.extra["start"]:
                    booked.append(day)
                month = add_months(month, 1)
            keep = len(booked) if plan.appropriation_share >= 1 else int(len(booked) * plan.appropriation_share)
            appropriated = per_month * keep
            for day in booked[:keep]:
                appropriations.append((account_no, f"A{day:%Y%m%d}{pid:09d}", per_month, day))
            balance = appropriated - paid_total
            if plan.balance_factor is not None:
                balance = (monthly * Decimal(str(plan.balance_factor))).quantize(Decimal("0.01"))
            opener = u[plan.opener] if plan.opener != "contractor" else u["contractor"]
            accounts.append(WageAccount(
                project_id=pid, account_no=account_no, account_name=f"{u['contractor'].name}农民工工资专用账户",
                bank=rng.choice(BANKS), opener_id=opener.pk, opened_on=plan.extra["start"], balance=balance,
                created_at=now))
        bulk_insert(WageAccount, accounts)
        account_ids = dict(WageAccount.all_objects.filter(account_no__in=[a.account_no for a in accounts])
                           .values_list("account_no", "pk"))
        self.counts["payroll"] += copy_rows(
            Payroll, ["project_id", "worker_id", "month", "days_worked", "amount_payable", "amount_paid", "paid_on",
                      "received_at"], payroll)
        tz = timezone.get_current_timezone()

        def flows():
            for account_no, serial, amount, w, month, day in wage_flows:
                yield (account_ids[account_no], serial, datetime.datetime.combine(day, datetime.time(10), tz),
                       AccountFlow.Kind.WAGE, amount, w["obj"].name, w["obj"].bank_card, w["id"], month, None, now)
            for account_no, serial, amount, day in appropriations:
                yield (account_ids[account_no], serial, datetime.datetime.combine(day, datetime.time(9), tz),
                       AccountFlow.Kind.APPROPRIATION, amount, "建设单位人工费用拨付", "", None, None, None, now)

        self.counts["flows"] += copy_rows(
            AccountFlow, ["account_id", "serial_no", "booked_at", "kind", "amount", "counterparty",
                          "counterparty_account", "worker_id", "wage_month", "balance_after", "received_at"], flows())

    def _deposits(self, plans, ids, units):
        today, now, rng = self.today, self.now, self.rng
        tz = timezone.get_current_timezone()
        deposits, guarantees = [], []
        for plan in plans:
            pid = ids[plan.code]
            contractor = units[plan.code]["contractor"]
            start = plan.extra["start"]
            price = (plan.extra["budget"] / (LABOUR_SHARE / 100))
            # 1 % of the contract price in whole thousands, at least 10,000 and at most 3,000,000 yuan
            required = min(max((price / 100000).quantize(Decimal("1")) * 1000, Decimal("10000")), Decimal("3000000"))
            cash = plan.deposit_form == WageDeposit.Form.CASH
            stored = (required * Decimal(str(plan.deposit_stored_share))).quantize(Decimal("0.01")) if cash else Decimal("0")
            balance = stored
            if cash and plan.transfer_days_ago is not None:
                balance = stored - (required * Decimal(str(plan.transfer_share))).quantize(Decimal("0.01"))
            plan.extra.update(required=required, stored=stored)
            deposits.append(WageDeposit(
                enterprise_id=contractor.pk, project_id=pid, region=plan.region, form=plan.deposit_form,
                required_amount=required, balance=balance, bank=rng.choice(BANKS) if cash else "",
                account_no=f"BZJ{pid:010d}" if cash else "", due_on=start + datetime.timedelta(days=30),
                created_at=now))
            if not cash:
                until = plan.guarantee_until or today + datetime.timedelta(days=rng.randint(120, 700))
                insurance = plan.deposit_form == WageDeposit.Form.INSURANCE_GUARANTEE
                guarantees.append(Guarantee(
                    kind=Guarantee.Kind.INSURANCE if insurance else Guarantee.Kind.BANK,
                    guarantee_no=f"{'BH' if insurance else 'YH'}{start:%Y}{pid:010d}", enterprise_id=contractor.pk,
                    project_id=pid, region=plan.region, issuer=rng.choice(INSURERS) if insurance else rng.choice(BANKS),
                    amount=required, valid_from=min(start, until - datetime.timedelta(days=365)), valid_until=until,
                    contact_person=contractor.contact_person, contact_phone=contractor.contact_phone, created_at=now))
        bulk_insert(WageDeposit, deposits)
        bulk_insert(Guarantee, guarantees)
        deposit_ids = dict(WageDeposit.all_objects.filter(project_id__in=ids.values()).values_list("project_id", "pk"))
        flows = []
        for plan in plans:
            if plan.deposit_form != WageDeposit.Form.CASH:
                continue
            did = deposit_ids[ids[plan.code]]
            if plan.extra["stored"] > 0:
                day = plan.extra["start"] + datetime.timedelta(days=10)
                flows.append(DepositFlow(deposit_id=did, serial_no=f"S{did:010d}", kind=DepositFlow.Kind.STORE,
                                         booked_at=datetime.datetime.combine(day, datetime.time(11), tz),
                                         amount=plan.extra["stored"], note="工资保证金存储", received_at=now))
            if plan.transfer_days_ago is not None:
                day = today - datetime.timedelta(days=plan.transfer_days_ago)
                flows.append(DepositFlow(
                    deposit_id=did, serial_no=f"T{did:010d}", kind=DepositFlow.Kind.TRANSFER,
                    booked_at=datetime.datetime.combine(day, datetime.time(15), tz),
                    amount=(plan.extra["required"] * Decimal(str(plan.transfer_share))).quantize(Decimal("0.01")),
                    note="划拨支付拖欠农民工工资", received_at=now))
        bulk_insert(DepositFlow, flows)


HOMETOWNS = {"450122": "广西武鸣", "450126": "广西宾阳", "450221": "广西柳江", "450323": "广西灵川",
             "450422": "广西藤县", "450521": "广西合浦", "450721": "广西灵山", "450821": "广西平南",
             "450921": "广西容县", "451022": "广西田东", "452122": "广西上林", "431121": "湖南祁阳",
             "522631": "贵州黎平", "530326": "云南会泽"}
HOMETOWN_CODES = sorted(HOMETOWNS)


# == where the projects go =============================================================================
def _regions(county_codes):
    """Grid regions (网格) under the counties, else the counties themselves, in a stable order."""
    out = []
    for code in county_codes:
        county = Region.objects.filter(code=code).first()
        if county is None:
            continue
        grids = list(Region.objects.filter(path__startswith=county.path, level=Region.Level.GRID).order_by("code"))
        out.append(grids or [county])
    return out


def volume_regions():
    """Every county's grids: Nanning's and Liuzhou's first (what the demo users see), then the rest."""
    first = ["450103", "450102", "450105", "450107", "450202", "450203", "450204"]
    rest = list(Region.objects.filter(level=Region.Level.COUNTY).exclude(code__in=first)
                .order_by("code").values_list("code", flat=True))
    regions = []
    for group in _regions(first + rest):
        regions.extend(group)
    return regions


VOLUME_ANOMALIES = [
    ("permit", {"permit_days_left": -45}),  # permit lapsed 45 days ago: orange
    ("stale", {"stale_days": 10}),  # no attendance for 10 days: yellow
    ("opener", {"opener": "construction_unit"}),  # account opened by the construction unit: orange
    ("balance", {"balance_factor": 0.4}),  # balance covers 40 % of a month's payroll: orange
    ("guarantee", {"deposit_form": WageDeposit.Form.INSURANCE_GUARANTEE}),  # expiring in 20 days: orange
]


def volume_plans(count, attendance_days, start_index=0, seed=98):
    rng = random.Random(seed + start_index)
    regions = volume_regions()
    county_names = dict(Region.objects.filter(level=Region.Level.COUNTY).values_list("code", "name"))
    today = timezone.localdate()
    for i in range(start_index, start_index + count):
        region = regions[i % len(regions)]
        plan = Plan(code=f"{VOLUME_PREFIX}{i + 1:08d}", name=f"{county_names.get(county_code(region), '')}"
                    f"{rng.choice(PLACES)}{rng.choice(WORKS)}", region=region, start_days_ago=rng.randint(120, 600),
                    attendance_days=attendance_days, absence=0.1 if attendance_days > 30 else 0.0,
                    deposit_form=rng.choice([WageDeposit.Form.CASH, WageDeposit.Form.CASH,
                                             WageDeposit.Form.BANK_GUARANTEE, WageDeposit.Form.INSURANCE_GUARANTEE]))
        if i % 25 == 24 and count >= 20:
            kind, knobs = VOLUME_ANOMALIES[(i // 25) % len(VOLUME_ANOMALIES)]
            for key, value in knobs.items():
                setattr(plan, key, value)
            if kind == "guarantee":
                plan.guarantee_until = today + datetime.timedelta(days=20)
        yield plan


def seed_volume(scale):
    count = PROJECTS_PER_SCALE * scale
    attendance_days = 60 if scale == 1 else 30
    builder = Builder(seed=97 + scale)
    batch = []
    for plan in volume_plans(count, attendance_days):
        batch.append(plan)
        if len(batch) >= BATCH_PROJECTS:
            builder.build(batch)
            batch = []
    if batch:
        builder.build(batch)
    return builder.counts


# == the planted scenario ==============================================================================
# code suffix, name, county, knobs, what the first scan raises
SCENARIOS = [
    ("01", "青秀区凤岭北保障性住房项目", "450103", {"permit_days_left": -40}, "施工许可证过期40天：橙色"),
    ("02", "柳州市城中区滨江棚户区改造项目", "450202", {"qualification_days_left": None, "start_days_ago": 200},
     "总包单位无资质证书：红色"),
    ("03", "青秀区长湖路市政道路改造工程", "450103", {"stale_days": 10}, "10天没有考勤：黄色"),
    ("04", "西乡塘区安吉大道配套管网工程", "450107", {"stale_days": 35}, "35天没有考勤：红色"),
    ("05", "青秀区仙葫学校建设项目", "450103", {"unpaid_due_month": True}, "最近到期的工资月份未发工资：黄色"),
    ("06", "江南区白沙大道商住楼项目", "450105", {"underpaid_lines": 6}, "6条工资记录低于约定日工资：橙色"),
    ("07", "兴宁区昆仑大道小学改扩建工程", "450102", {"flow_shortfall": 0.4},
     "代发流水比工资表少40%：橙色"),
    ("08", "柳州市鱼峰区职业技术学校实训楼", "450203", {"opener": "subcontractor"}, "劳务分包单位开户：黄色"),
    ("09", "良庆区五象新区安置小区项目", "450108", {"opener": "unrelated"}, "无关单位开户：红色"),
    ("10", "青秀区东盟商务区写字楼项目", "450103", {"appropriation_share": 0.34, "balance_factor": 0.3},
     "人工费拨付缺口约三分之二：橙色；余额只够三成月工资：橙色"),
    ("11", "邕宁区蒲庙镇污水处理厂工程", "450109", {"balance_factor": -0.05}, "专用账户余额为负：红色"),
    ("12", "青秀区南湖公园提升改造工程", "450103", {"deposit_stored_share": 0.0}, "保证金分文未存：红色"),
    ("13", "柳州市柳南区河西高新区标准厂房", "450204", {"transfer_days_ago": 40, "transfer_share": 0.4},
     "保证金划拨40%后40天未补足：黄色"),
    ("14", "青秀区青山路片区老旧小区改造工程", "450103",
     {"deposit_form": WageDeposit.Form.INSURANCE_GUARANTEE, "guarantee_days": 20}, "保险保函20天后到期：橙色"),
    ("15", "西乡塘区大学路地下综合管廊工程", "450107",
     {"deposit_form": WageDeposit.Form.BANK_GUARANTEE, "guarantee_days": -5},
     "银行保函已过期5天：红色；保证金因此不足：红色"),
    ("16", "兴宁区三塘镇产业园道路工程", "450102",
     {"deposit_form": WageDeposit.Form.INSURANCE_GUARANTEE, "guarantee_months": 1},
     "保险保函恰好1个月后到期：黄色，并发到期提醒短信"),
]
COMPLAINT_SCENARIO = "05"  # its general contractor gets the rising complaints (inspection/demo.py)


def scenario_code(suffix):
    return f"{SCENARIO_PREFIX}{suffix}"


def scenario_plans(today=None):
    today = today or timezone.localdate()
    regions = {code: group for code, group in zip(
        sorted({s[2] for s in SCENARIOS}), _regions(sorted({s[2] for s in SCENARIOS})), strict=True)}
    used = {}
    for suffix, name, county, knobs, _note in SCENARIOS:
        group = regions[county]
        region = group[used.get(county, 0) % len(group)]
        used[county] = used.get(county, 0) + 1
        knobs = dict(knobs)
        plan = Plan(code=scenario_code(suffix), name=name, region=region, workers=12, attendance_days=60,
                    start_days_ago=knobs.pop("start_days_ago", 300))
        days, months = knobs.pop("guarantee_days", None), knobs.pop("guarantee_months", None)
        if days is not None:
            plan.guarantee_until = today + datetime.timedelta(days=days)
        if months is not None:
            plan.guarantee_until = add_months(today, months)
        for key, value in knobs.items():
            setattr(plan, key, value)
        yield plan


def seed_scenario():
    existing = set(Project.all_objects.filter(code__startswith=SCENARIO_PREFIX).values_list("code", flat=True))
    plans = [p for p in scenario_plans() if p.code not in existing]
    if not plans:
        return 0
    Builder(seed=211).build(plans)
    return len(plans)


def seed(scale, out):
    counts = {}
    if not Project.all_objects.filter(code__startswith=VOLUME_PREFIX).exists():
        counts = seed_volume(scale)
    planted = seed_scenario()
    volume = (f"项目{counts['projects']}个、农民工{counts['workers']}人、考勤{counts['attendance']}条、工资记录"
              f"{counts['payroll']}条、账户流水{counts['flows']}条（批量）；") if counts else ""
    return f"{volume}预警演示项目新增{planted}个"
