"""Demo contracts with the SLA figures of the seeds: the pension system (seed 004: faults of level 1/2/3
answered within 12/24/48 hours on a 7×24 clock; consultations before 15:00 solved the same working day),
the labour-inspection platform (seed 000: ≤1 h response, ≤8 h resolution), special equipment (seed 001:
0.5 h / 3 h) and the SI-fee mobile service (seed 003: 30 min / 2 h); those three seeds set one limit for every
fault, so their contracts carry it for levels 1, 2 and 3 alike. Idempotent.

Demo users (password Zw@demo2026), all of the autonomous-region HRSS department that owns the pension system:
gx_ops (运维服务管理员), gx_ops_eng (运维工程师), gx_ops_clerk (运维服务申请人); nn_ops_clerk is a Nanning
clerk (sees only Nanning's systems), xn_ops the engineer of 兴宁区's O&M monitoring node."""
import datetime
from decimal import Decimal

from django.db import transaction

from kernel.accounts import services as accounts
from kernel.accounts.demo import DEMO_PASSWORD
from kernel.accounts.models import Role, User
from kernel.calendar.models import Schedule
from kernel.org.models import Organisation

from .models import MaintainedSystem, ServiceContract, SlaTerm

D = Decimal
# code, name, agency type, components, contract no, supplier, onsite, source, [(kind, level, response, resolution, schedule, cutoff)]
SYSTEMS = [
    ("pension", "广西社会保险养老系统", "hrss", [["数据库实例", 1], ["数据库核心用户", 8], ["应用服务器", 11]],
     "GXZC2021-004", "广西某信息技术有限公司", "工作日5×8小时驻场，故障7×24小时响应", "seed 004 运维服务要求",
     [("fault", 1, D("12"), None, "always", None), ("fault", 2, D("24"), None, "always", None),
      ("fault", 3, D("48"), None, "always", None), ("consultation", None, None, None, "office", datetime.time(15))]),
    ("labor_platform", "劳动保障监察欠薪预警平台", "hrss", [["应用服务器", 4], ["数据库实例", 1]],
     "GXZC2021-000", "广西某软件股份有限公司", "", "seed 000 售后服务承诺",
     [("fault", level, D("1"), D("8"), "always", None) for level in (1, 2, 3)]),
    ("se_platform", "特种设备安全监管平台", "market", [["应用服务器", 6], ["数据库实例", 2]],
     "GXZC2021-001", "广西某数字科技有限公司", "", "seed 001 售后服务承诺",
     [("fault", level, D("0.5"), D("3"), "always", None) for level in (1, 2, 3)]),
    ("si_fee_mobile", "微信12366社保费“掌上办”", "tax", [["应用服务器", 4]],
     "GXYZ-G3-2021-000109", "众企数字科技（广东）有限公司", "工作日5×8小时驻场", "seed 003 售后服务承诺（30分钟响应、2小时解决）",
     [("fault", level, D("0.5"), D("2"), "always", None) for level in (1, 2, 3)]),
]


def seed(scale, out):
    made = 0
    schedules = {s.code: s for s in Schedule.objects.all()}
    with transaction.atomic():
        for code, name, agency_type, components, no, supplier, onsite, source, terms in SYSTEMS:
            if MaintainedSystem.all_objects.filter(code=code).exists():
                continue
            agency = Organisation.objects.filter(agency_type=agency_type, region__code="450000").first()
            if agency is None or not schedules:
                continue
            system = MaintainedSystem.objects.create(code=code, name=name, agency=agency, components=components)
            contract = ServiceContract.objects.create(system=system, contract_no=no, name=f"{name}运维服务",
                                                      supplier=supplier, starts_on=datetime.date(2026, 1, 1),
                                                      ends_on=datetime.date(2026, 12, 31), onsite=onsite, source=source)
            for kind, level, response, resolution, sched, cutoff in terms:
                SlaTerm.objects.create(contract=contract, kind=kind, level=level, response_hours=response,
                                       resolution_hours=resolution, schedule=schedules[sched], cutoff=cutoff)
            made += 1
    users = seed_users()
    parts = [f"运维对象与服务合同{made}个" if made else "", f"运维演示用户{users}个" if users else ""]
    return "，".join(p for p in parts if p)


# username, real name, (region code, agency type) or None for the organisation of xn_centre, roles, phone
USERS = [
    ("gx_ops", "黄运维", ("450000", "hrss"), ["ops_manager"], "13771208001"),
    ("gx_ops_eng", "梁工程师", ("450000", "hrss"), ["ops_engineer"], "13771208002"),
    ("gx_ops_clerk", "韦业务", ("450000", "hrss"), ["ops_requester"], "13771208003"),
    ("nn_ops_clerk", "陈南宁", ("450100", "hrss"), ["ops_requester"], "13771208004"),
    ("xn_ops", "蒙兴宁", None, ["ops_manager", "ops_engineer"], "13771208005"),
]


def seed_users():
    made = 0
    centre = User.objects.filter(username="xn_centre").values_list("organisation", flat=True).first()
    for username, real_name, org, roles, phone in USERS:
        if User.objects.filter(username=username).exists():
            continue
        if org is None:
            organisation = Organisation.objects.filter(pk=centre).first()
        else:
            organisation = Organisation.objects.filter(agency_type=org[1], region__code=org[0]).first()
        if organisation is None:
            continue
        accounts.create_user(username=username, password=DEMO_PASSWORD, kind="staff", organisation=organisation,
                             roles=list(Role.objects.filter(code__in=roles)), real_name=real_name, phone=phone,
                             must_change_password=False)
        made += 1
    return made
