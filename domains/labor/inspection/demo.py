"""Demo accounts, grids and the first warning scan of the labour-inspection system.

1. Users (password Zw@demo2026 like every demo account): a Nanning labour inspector nn_labor, a Nanning
   leader nn_labor_leader (approves red warnings, dispatches), the grid owner qx_grid of the 青秀区 grids,
   a Liuzhou inspector lz_labor and the region's business administrator gx_labor_admin (rules, grids).
   Each belongs to the human-resources bureau (人力资源和社会保障局) of their region.
2. Grids: the 网格 regions under 青秀区 (Nanning) and 城中区 (Liuzhou) get their Grid rows (head, contact,
   phone, address, bureau); the 青秀区 grids are owned by qx_grid, mirrored into an alert Territory
   (services.sync_territory), so low-level warnings of projects there are assigned to them automatically.
3. Complaints against the general contractor of the unpaid-wages demo project: one 40 days ago, five in
   the last 25 days, registered through the services, so the complaints-rising rule has its case.
4. A full scan of the labour rules and the guarantee-expiry reminder job, so the first `make run` shows
   warnings of every rule (yellow/orange ones in 青秀区 already with the grid owner, red ones waiting for
   review and leadership approval) and the reminder library its first row. The SMS these send are
   recorded as demo history (sent two days ago), as the special-equipment demo does, so they neither
   reach the simulator now nor use up the demo phones' daily limits."""
import datetime

from django.db import transaction
from django.utils import timezone

from kernel.accounts import services as accounts
from kernel.accounts.demo import DEMO_PASSWORD
from kernel.accounts.models import Role, User
from kernel.core import context
from kernel.org.models import Organisation, Region

# username, real name, region of the bureau, roles, phone
DEMO_USERS = [
    ("nn_labor", "韦监察", "450100", ["labor_inspector"], "13771200001"),
    ("nn_labor_leader", "梁大队", "450100", ["labor_leader"], "13771200002"),
    ("qx_labor", "黄监察", "450103", ["labor_inspector"], "13771200006"),
    ("qx_labor_leader", "陆领导", "450103", ["labor_leader"], "13771200007"),
    ("qx_grid", "陆网格", "450103", ["labor_grid_owner"], "13771200003"),
    ("lz_labor", "覃监察", "450200", ["labor_inspector"], "13771200004"),
    ("gx_labor_admin", "蓝管理", "450000", ["labor_admin"], "13771200005"),
]
GRID_COUNTIES = {"450103": "qx_grid", "450202": None}  # county: the owner of its grids
COMPLAINTS_BEFORE = [40]  # days ago: the previous 30-day window
COMPLAINTS_RECENT = [25, 18, 11, 6, 2]  # the last 30 days: five against one, orange


def bureau(region_code):
    """The region's human-resources and social-security bureau (seeded by kernel.org.demo; made if missing)."""
    region = Region.objects.get(code=region_code)
    org = Organisation.objects.filter(kind="agency", agency_type="hrss", region=region).first()
    if org is None:
        name = ("广西壮族自治区" if region.level == Region.Level.PROVINCE else "") + region.name
        org = Organisation.objects.create(name=f"{name}人力资源和社会保障局", kind="agency", agency_type="hrss",
                                          region=region)
    return org


@transaction.atomic
def seed_users():
    made = 0
    for username, real_name, region_code, roles, phone in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            accounts.create_user(username=username, password=DEMO_PASSWORD, kind="staff",
                                 organisation=bureau(region_code), roles=list(Role.objects.filter(code__in=roles)),
                                 real_name=real_name, phone=phone, must_change_password=False)
            made += 1
    return made


def _grid_regions(county_code):
    county = Region.objects.get(code=county_code)
    return list(Region.objects.filter(path__startswith=county.path, level=Region.Level.GRID).order_by("code"))


@transaction.atomic
def seed_grids():
    from . import services
    from .models import Grid

    admin = User.objects.get(username="gx_labor_admin")
    made = 0
    with context.acting_as(admin):
        for county_code, owner_name in GRID_COUNTIES.items():
            owner = User.objects.filter(username=owner_name).first() if owner_name else None
            office = bureau(county_code)
            for n, region in enumerate(_grid_regions(county_code), start=1):
                if Grid.all_objects.filter(region=region).exists():
                    continue
                town = region.parent.name if region.parent else ""
                grid = Grid(region=region, head=f"{town}网格长{n}", contact_person=owner.display_name if owner else "",
                            phone=owner.phone if owner else f"0772-{2800000 + n}",
                            address=f"{town}社区服务中心{n}楼", organisation=office, owner=owner, created_by=admin)
                grid.full_clean()
                grid.save()
                services.sync_territory(grid)
                made += 1
    return made


def seed_complaints(today=None):
    """The complaints-rising case: against the general contractor of the unpaid-wages demo project."""
    from domains.labor.monitoring.demo import COMPLAINT_SCENARIO, scenario_code
    from domains.labor.monitoring.models import Project

    from . import services
    from .models import Complaint

    today = today or timezone.localdate()
    project = Project.objects.filter(code=scenario_code(COMPLAINT_SCENARIO)).select_related(
        "general_contractor", "region").first()
    inspector = User.objects.filter(username="nn_labor").first()
    if project is None or inspector is None:
        return 0
    unit = project.general_contractor
    if Complaint.all_objects.filter(respondent=unit).exists():
        return 0
    county = services.case_region(project.region)
    made = 0
    with context.acting_as(inspector):
        for n, days in enumerate(COMPLAINTS_BEFORE + COMPLAINTS_RECENT, start=1):
            complaint = services.register_complaint(
                inspector, channel="phone" if n % 2 else "hotline", received_on=today - datetime.timedelta(days=days),
                region=county, complainant_name=f"务工人员{n}", complainant_phone=f"1397710{n:04d}",
                respondent=unit, respondent_name=unit.name, respondent_address=unit.address,
                project=project, workers_involved=n + 2, amount_owed=8000 * (n + 2),
                facts=f"在{project.name}务工，{n + 2}人上月工资至今未发", demands="请求责令支付拖欠工资")
            if days in COMPLAINTS_BEFORE:  # the earlier one has been handled
                services.accept(complaint, inspector, comment="属于受理范围")
                services.file(complaint, inspector, comment="立案调查")
                services.close(complaint, inspector, result="经调查，施工单位已足额支付拖欠工资，结案")
            made += 1
    return made


def scan():
    """The labour rules, as the scheduler scans them, then the guarantee reminder job."""
    from domains.labor.monitoring import jobs
    from kernel.alerts import scanner

    from .alerts import LABOUR_CODES

    raised = sum(scanner.scan(code).get("raised", 0) for code in LABOUR_CODES)
    return raised, jobs.guarantee_reminders()


def seed(scale, out):
    users = seed_users()
    grids = seed_grids()
    complaints = seed_complaints()
    raised, reminders = scan()
    out.write(f"劳动监察演示账号（密码均为 {DEMO_PASSWORD}）：" + " ".join(u[0] for u in DEMO_USERS))
    return (f"劳动监察用户{users}个，网格{grids}个，投诉{complaints}件；欠薪预警扫描新增{raised}条，"
            f"保函到期提醒{reminders['reminded']}条")
