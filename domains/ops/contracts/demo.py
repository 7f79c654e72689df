"""Demo contracts with the SLA figures of the seeds: the pension system (seed 004: faults of level 1/2/3
answered within 12/24/48 hours on a 7×24 clock; consultations before 15:00 solved the same working day),
the labour-inspection platform (seed 000: ≤1 h response, ≤8 h resolution), special equipment (seed 001:
0.5 h / 3 h) and the SI-fee mobile service (seed 003: 30 min / 2 h). Idempotent."""
import datetime
from decimal import Decimal

from django.db import transaction

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
     [("fault", 1, D("1"), D("8"), "always", None)]),
    ("se_platform", "特种设备安全监管平台", "market", [["应用服务器", 6], ["数据库实例", 2]],
     "GXZC2021-001", "广西某数字科技有限公司", "", "seed 001 售后服务承诺",
     [("fault", 1, D("0.5"), D("3"), "always", None)]),
    ("si_fee_mobile", "微信12366社保费“掌上办”", "tax", [["应用服务器", 4]],
     "GXYZ-G3-2021-000109", "众企数字科技（广东）有限公司", "工作日5×8小时驻场", "seed 003 售后服务承诺（30分钟响应、2小时解决）",
     [("fault", 1, D("0.5"), D("2"), "always", None)]),
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
    return f"运维对象与服务合同{made}个" if made else ""
