"""Demo and benchmark equipment: 500 devices and 100 inspection reports per scale unit
(scale 2000 = 1,000,000 devices), spread over the seeded enterprises, bulk-loaded; and the demo
enterprise's own devices (one of each category its scripted hazards are about)."""
import datetime
import random

from django.utils import timezone

from kernel.core.bulk import bulk_insert
from kernel.org.models import Organisation, Region

from .models import Equipment, InspectionReport

DEVICES_PER_SCALE = 500
REPORTS_PER_SCALE = 100
# category code, weight, (类别, 品种) choices, name
CATEGORY_MIX = [
    ("3000", 45, [("曳引与强制驱动电梯", "曳引驱动乘客电梯"), ("自动扶梯与自动人行道", "自动扶梯")], "电梯"),
    ("2000", 25, [("固定式压力容器", "储气罐"), ("固定式压力容器", "换热器")], "压力容器"),
    ("4000", 10, [("桥式起重机", "通用桥式起重机"), ("门式起重机", "通用门式起重机")], "起重机"),
    ("1000", 5, [("承压蒸汽锅炉", "蒸汽锅炉"), ("承压热水锅炉", "热水锅炉")], "锅炉"),
    ("8000", 5, [("工业管道", "工艺管道"), ("公用管道", "燃气管道")], "压力管道"),
    ("5000", 7, [("机动工业车辆", "叉车"), ("非公路用旅游观光车辆", "观光车")], "叉车"),
    ("6000", 2, [("观览车类", "摩天轮"), ("滑行车类", "过山车")], "游乐设施"),
    ("9000", 1, [("客运架空索道", "单线循环脱挂抱索器")], "索道"),
]
WEIGHTS = [c[1] for c in CATEGORY_MIX]


def _units(batch=20000):
    """(id, region_id) of enterprises, in id order, streamed."""
    last = 0
    while True:
        rows = list(Organisation.all_objects.filter(kind="enterprise", pk__gt=last).order_by("pk")
                    .values_list("pk", "region_id")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def seed_equipment(count, seed=61):
    rng = random.Random(seed)
    today = timezone.localdate()
    codes = dict(Region.objects.values_list("pk", "code"))
    maintainers = {}
    for pk, region_id in Organisation.all_objects.filter(kind="institution", institution_type="maintenance").values_list(
            "pk", "region__parent_id"):
        maintainers.setdefault(region_id, []).append(pk)
    parents = dict(Region.objects.filter(level=Region.Level.COUNTY).values_list("pk", "parent_id"))
    serial = Equipment.all_objects.count()
    made, objs = 0, []
    units = _units()
    while made + len(objs) < count:
        try:
            unit_id, region_id = next(units)
        except StopIteration:
            units = _units()
            continue
        serial += 1
        code, _w, kinds, label = rng.choices(CATEGORY_MIX, weights=WEIGHTS)[0]
        type_name, variety = rng.choice(kinds)
        commissioned = today - datetime.timedelta(days=rng.randint(200, 6000))
        objs.append(Equipment(
            code=f"{code[:2]}{codes.get(region_id, '450000')}{commissioned.year}{serial:07d}", category=code,
            type_name=type_name, variety=variety, registration_no=f"{label[:1]}{codes.get(region_id, '')[:4]}{serial:08d}",
            name=f"{variety}{serial % 97 + 1}号", region_id=region_id, location=f"{rng.randint(1, 30)}号楼",
            user_unit_id=unit_id,
            maintenance_unit_id=rng.choice(maintainers.get(parents.get(region_id), [None])) if code == "3000" else None,
            status=rng.choices(["in_use", "stopped", "scrapped"], weights=[92, 6, 2])[0],
            manufactured_on=commissioned - datetime.timedelta(days=rng.randint(30, 400)), commissioned_on=commissioned,
            next_inspection_on=today + datetime.timedelta(days=rng.randint(-60, 365)),
        ))
        if len(objs) >= 20000:
            made += bulk_insert(Equipment, objs)
            objs = []
    made += bulk_insert(Equipment, objs)
    return made


def seed_reports(count, seed=62):
    """Reports on the first `count` devices, about one in eight negative."""
    rng = random.Random(seed)
    today = timezone.localdate()
    agencies = {}
    for pk, city in Organisation.all_objects.filter(kind="institution", institution_type="inspection").values_list(
            "pk", "region__parent_id"):
        agencies.setdefault(city, []).append(pk)
    parents = dict(Region.objects.filter(level=Region.Level.COUNTY).values_list("pk", "parent_id"))
    serial = InspectionReport.all_objects.count()
    made, objs = 0, []
    devices = Equipment.all_objects.order_by("pk").values_list("pk", "region_id", "user_unit_id", "category")
    for pk, region_id, unit_id, category in devices.iterator(chunk_size=5000):
        if made + len(objs) >= count:
            break
        choices = agencies.get(parents.get(region_id))
        if not choices:
            continue
        serial += 1
        negative = rng.random() < 0.12
        inspected = today - datetime.timedelta(days=rng.randint(1, 300))
        objs.append(InspectionReport(
            report_no=f"TJ{inspected:%Y}{serial:08d}", equipment_id=pk, agency_id=rng.choice(choices), user_unit_id=unit_id,
            region_id=region_id, kind="self_test" if category == "3000" and rng.random() < 0.3 else "periodic",
            inspected_on=inspected, conclusion=(rng.choice(["nonconforming", "unqualified"]) if negative
                                                else rng.choice(["qualified", "qualified", "conforming", "requalified"])),
            next_inspection_on=inspected + datetime.timedelta(days=365),
            problems="安全保护装置动作异常，需整改" if negative else "", inspector="检验员",
        ))
        if len(objs) >= 20000:
            made += bulk_insert(InspectionReport, objs)
            objs = []
    made += bulk_insert(InspectionReport, objs)
    return made


# The demo enterprise (ent_demo) gets one device of each category its scripted hazards hang on
# (hazards/demo.py): category, 类别, 品种, name, location.
DEMO_UNIT_DEVICES = [
    ("3000", "曳引与强制驱动电梯", "曳引驱动乘客电梯", "1号客梯", "办公楼1单元"),
    ("1000", "承压蒸汽锅炉", "蒸汽锅炉", "1号蒸汽锅炉", "锅炉房"),
    ("2000", "固定式压力容器", "储气罐", "空压站储气罐", "空压站"),
    ("4000", "桥式起重机", "通用桥式起重机", "10t桥式起重机", "生产车间"),
]


def seed_demo_unit_devices():
    """Give ent_demo's unit an in-use device of each DEMO_UNIT_DEVICES category it lacks (audited saves,
    made as the county regulator who registers them). Idempotent: a category already there is skipped."""
    from kernel.accounts.models import User
    from kernel.core import context

    owner = User.objects.filter(username="ent_demo").select_related("organisation__region").first()
    unit = owner.organisation if owner else None
    if unit is None:
        return 0
    registrar = User.objects.filter(username="qx_staff").first()
    have = set(Equipment.all_objects.filter(user_unit=unit, status="in_use").values_list("category", flat=True))
    today = timezone.localdate()
    code = unit.region.code
    made = 0
    with context.acting_as(registrar):
        for category, type_name, variety, name, location in DEMO_UNIT_DEVICES:
            if category in have:
                continue
            serial = Equipment.all_objects.count() + 1
            commissioned = today - datetime.timedelta(days=1500 + 200 * made)
            device = Equipment(
                code=f"{category[:2]}{code}{commissioned.year}D{serial:06d}", category=category, type_name=type_name,
                variety=variety, registration_no=f"演{code[:4]}{serial:08d}", name=name, region=unit.region,
                location=f"{unit.address or unit.name}{location}", user_unit=unit, status="in_use",
                manufactured_on=commissioned - datetime.timedelta(days=120), commissioned_on=commissioned,
                next_inspection_on=today + datetime.timedelta(days=90 + 30 * made))
            device.full_clean()
            device.save()
            made += 1
    return made


def seed(scale, out):
    if Equipment.all_objects.exists():
        summary = "特种设备已存在，跳过"
    else:
        devices = seed_equipment(DEVICES_PER_SCALE * scale)
        reports = seed_reports(REPORTS_PER_SCALE * scale)
        summary = f"特种设备{devices}台，检验报告{reports}份"
    own = seed_demo_unit_devices()
    return f"{summary}；演示企业新增设备{own}台" if own else summary
