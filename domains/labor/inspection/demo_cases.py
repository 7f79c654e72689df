"""Demo data of grids and case supervision (run by InspectionConfig.seed_demo after demo.py).

* Grids: a Grid row for every grid region (网格) the org demo laid out that has none yet, with a head, a
  contact and the county's HRSS bureau; the grids of 青秀区 get the demo grid owner (qx_grid_owner unless
  a 网格员 of 青秀区 exists already), so low-level warnings there are auto-assigned to them.
* Cases: a handful of complaint/report registrations of 青秀区 in every state of the workflow, registered
  and decided through the services as the demo inspector (audited), then dated back so that the list shows
  real limits: one waiting for acceptance past its 5 working days, one filed case near its 60 working days,
  one past it, one extended by 30, one asking for an extension, closed and rejected cases.

Idempotent: grids are only added where missing; cases are only seeded while there are none."""
import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kernel.accounts.models import Role, User
from kernel.calendar.services import add_working_days
from kernel.core import context
from kernel.org.models import Organisation, Region

from . import services
from .models import Complaint, Grid

DEMO_PASSWORD = "Zw@demo2026"
QINGXIU, NANNING = "450103", "450100"
HEADS = "韦黄覃莫陆梁蒙农蓝潘"
GIVEN = ("志强", "秀英", "海燕", "建国", "丽萍", "国庆", "春梅", "文军", "桂兰", "明辉")


def _staff(username, real_name, region_code, role_code, phone):
    """The first user of the role whose organisation is in the region, else a demo account."""
    role = Role.objects.filter(code=role_code).first()
    existing = (User.objects.filter(roles=role, organisation__region__code=region_code, is_active=True)
                .order_by("id").first()) if role else None
    if existing is not None:
        return existing
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    from kernel.accounts import services as accounts

    agency = (Organisation.objects.filter(kind="agency", agency_type="hrss", region__code=region_code).first()
              or Organisation.objects.filter(kind="agency", region__code=region_code).order_by("id").first())
    return accounts.create_user(username=username, password=DEMO_PASSWORD, kind="staff", organisation=agency,
                                roles=[role] if role else [], real_name=real_name, phone=phone,
                                must_change_password=False)


def seed_grids(owner):
    """Grid rows for the grid regions without one; the owner for the grids of 青秀区."""
    have = set(Grid.all_objects.values_list("region_id", flat=True))
    regions = list(Region.objects.filter(level=Region.Level.GRID).exclude(pk__in=have)
                   .select_related("parent", "parent__parent").order_by("path"))
    if not regions:
        return 0
    agencies = {}
    for org in Organisation.objects.filter(kind="agency", agency_type="hrss", region__level=Region.Level.COUNTY):
        agencies.setdefault(org.region_id, org)
    made = 0
    for n, region in enumerate(regions):
        county = region.parent if region.parent.level == Region.Level.COUNTY else region.parent.parent
        head = HEADS[n % len(HEADS)] + GIVEN[(n // len(HEADS)) % len(GIVEN)]
        grid = Grid(region=region, head=head, contact_person=HEADS[(n + 3) % len(HEADS)] + GIVEN[n % len(GIVEN)],
                    phone=f"139{77130000 + n:08d}", address=f"{region.parent.name}{region.name}服务站",
                    organisation=agencies.get(county.pk) if county else None,
                    owner=owner if county is not None and county.code == QINGXIU else None)
        grid.save()
        services.sync_territory(grid)
        made += 1
    return made


# (key, channel, days ago received, workers, amount, facts, final state)
CASES = [
    ("fresh", "phone", 1, 6, "38600", "来电反映：长湖路工地6名钢筋工10月工资未发放，共计3.86万元。", "registered"),
    ("late_accept", "visit", 12, 15, "126000", "来访反映：凤岭北保障房项目劳务班组15人拖欠两个月工资12.6万元。", "registered"),
    ("accepted", "hotline", 3, 4, "21000", "12345热线转办：仙葫学校项目4名木工工资被克扣2.1万元。", "accepted"),
    ("filed", "online", 20, 22, "315000", "网上投诉：东盟商务区写字楼项目22名农民工拖欠工资31.5万元。", "filed"),
    ("filed_soon", "grid", 95, 9, "64000", "网格员上报：民族大道某装修工地9名工人结算款6.4万元未付。", "filed"),
    ("filed_late", "transfer", 110, 30, "520000", "上级交办：青秀区某安置房项目30名农民工集体讨薪，涉及52万元。", "filed"),
    ("extended", "visit", 100, 18, "233000", "来访反映：某市政道路工程劳务分包单位拖欠18人工资23.3万元。", "extended"),
    ("extension", "phone", 70, 11, "97000", "来电反映：某商住楼项目11名水电工工资拖欠9.7万元，涉及多级分包。", "extension"),
    ("closed", "online", 40, 8, "56000", "网上投诉：某物流园项目8名搬运工工资拖欠5.6万元。", "closed"),
    ("closed_warning", "hotline", 30, 5, "30000", "12345热线转办：某小区外墙改造工程5名工人工资3万元未发。", "closed"),
    ("rejected", "phone", 8, 1, "0", "来电咨询与公司的劳动合同解除补偿争议。", "rejected"),
]


def _complainant(n):
    from kernel.org.validators import id_check_char

    first17 = f"4501031985{(n % 12) + 1:02d}{(n % 27) + 1:02d}{n:03d}"
    return HEADS[n % len(HEADS)] + GIVEN[(n + 5) % len(GIVEN)], first17 + id_check_char(first17), f"1397710{n:04d}"


def _backdate(complaint, *, received, filed=None, extend=False):
    """Dates as if the case had been handled over the past weeks (the workflow stamps today)."""
    fields = {"received_on": received, "accept_due": add_working_days(received, 5)}
    if complaint.accepted_on:
        fields["accepted_on"] = min(add_working_days(received, 2), timezone.localdate())
    if filed is not None:
        finish = add_working_days(filed, 60)
        fields.update(filed_on=filed, finish_due=add_working_days(finish, 30) if extend else finish)
    Complaint.objects.filter(pk=complaint.pk).update(**fields)


@transaction.atomic
def seed_cases(inspector, leader, leader2):
    region = Region.objects.get(code=QINGXIU)
    units = list(Organisation.objects.filter(kind="enterprise", region=region).order_by("id")[:len(CASES)])
    if not units:
        return 0
    today = timezone.localdate()
    for n, (key, channel, ago, workers, amount, facts, final) in enumerate(CASES):
        unit = units[n % len(units)]
        name, id_number, phone = _complainant(n + 1)
        received = today - datetime.timedelta(days=ago)
        supervised = key in ("late_accept", "filed_soon", "filed_late", "extension")
        with context.acting_as(inspector):
            c = services.register_complaint(
                inspector, channel=channel, received_on=received, region=region, complainant_name=name,
                complainant_id_number=id_number, complainant_phone=phone, respondent=unit, respondent_name=unit.name,
                respondent_address=unit.address, respondent_contact=unit.legal_representative,
                workers_involved=workers, amount_owed=Decimal(amount), facts=facts,
                demands="要求用人单位支付拖欠的工资" if workers > 1 else "",
                supervisor=leader if supervised else None)
            if final == "registered":
                _backdate(c, received=received)
                continue
            if final == "rejected":
                services.reject(c, inspector, "属劳动争议，已告知向劳动人事争议仲裁委员会申请仲裁")
                _backdate(c, received=received)
                continue
            services.accept(c, inspector, "属于劳动保障监察管辖范围")
            if final == "accepted":
                _backdate(c, received=received)
                continue
            services.file(c, inspector, "立案调查")
        filed = {"filed": today - datetime.timedelta(days=ago - 3)}.get(key)
        if key == "filed_soon":  # two working days left on the 60
            filed = _filed_for(today, days_left=2)
        elif key == "filed_late":  # four working days past
            filed = _filed_for(today, days_left=-4)
        elif key in ("extended", "extension", "closed", "closed_warning"):
            filed = received + datetime.timedelta(days=3)
        if final == "extended":
            with context.acting_as(inspector):
                services.request_extension(c, inspector, "涉及多级劳务分包，需调取银行代发流水，案情复杂")
            with context.acting_as(leader2):
                services.approve_extension(c, leader2, "同意延期30个工作日")
            _backdate(c, received=received, filed=filed, extend=True)
            continue
        if final == "extension":
            with context.acting_as(inspector):
                services.request_extension(c, inspector, "被投诉单位负责人下落不明，需协查")
        if final == "closed":
            with context.acting_as(inspector):
                services.close(c, inspector, f"已责令限期支付，{workers}名农民工工资共计{amount}元已全部支付到位")
        _backdate(c, received=received, filed=filed or received)
    return len(CASES)


def _filed_for(today, days_left):
    """A filing date whose 60-working-day limit lies `days_left` working days from today."""
    from .services import working_days_left

    filed = today - datetime.timedelta(days=84)
    for _ in range(60):
        left = working_days_left(add_working_days(filed, 60), today)
        if left == days_left:
            return filed
        filed += datetime.timedelta(days=1 if left < days_left else -1)
    return filed


def seed(scale, out):
    if not Region.objects.filter(code=QINGXIU).exists():
        return ""
    owner = _staff("qx_grid_owner", "潘网格", QINGXIU, "labor_grid_owner", "13977120001")
    inspector = _staff("qx_labor", "韦监察", QINGXIU, "labor_inspector", "13977120002")
    leader = _staff("nn_labor_leader", "李领导", NANNING, "labor_leader", "13977120003")
    leader2 = _staff("qx_labor_leader", "陆领导", QINGXIU, "labor_leader", "13977120004")
    grids = seed_grids(owner)
    # the story's cases are the Qingxiu inspector's (the warning demo registers complaints of its own)
    cases = 0 if Complaint.all_objects.filter(created_by=inspector).exists() else seed_cases(inspector, leader, leader2)
    return f"网格{grids}个，投诉举报案件{cases}件"
