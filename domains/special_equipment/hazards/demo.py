"""Demo data of the hazard system.

1. Volume (100 major hazards per scale unit: 200,000 at scale 2000) in every state with deadlines
   spread across the warning colours, bulk-loaded for lists, statistics and the benchmark.
2. A scripted scenario for the demo accounts, run through the real services and workflow so that
   every step has its log, to-dos and SMS: a hazard awaiting dispatch (reported by inst_demo), one
   awaiting rectification, one awaiting review, one closed; a general hazard and a complaint."""
import datetime
import random

from django.db import transaction
from django.utils import timezone

from kernel.accounts.models import Role, User
from kernel.core import context
from kernel.core.bulk import bulk_insert
from kernel.org.models import Organisation

from . import services
from .models import Complaint, GeneralHazard, HazardItem, JudgementItem, MajorHazard, SupervisionLog
from .workflows import GENERAL, MAJOR

HAZARDS_PER_SCALE = 100
STATUS_MIX = [("reported", 10), ("rectifying", 35), ("extension", 3), ("feedback", 12), ("closed", 38), ("revoked", 2)]
SOURCE_MIX = [("inspection", 40), ("supervision", 25), ("self_testing", 10), ("maintenance", 10), ("unit", 10),
              ("complaint", 5)]
DEMO_ROLES = {"qx_staff": ["se_regulator"], "nn_staff": ["se_regulator"], "lz_staff": ["se_regulator"],
              "gx_admin": ["se_admin"], "ent_demo": ["se_unit", "se_unit_safety"], "inst_demo": ["se_institution"]}


def assign_demo_roles():
    for username, codes in DEMO_ROLES.items():
        user = User.objects.filter(username=username).first()
        if user is not None:
            user.roles.add(*Role.objects.filter(code__in=codes))


def seed_volume(count, seed=71):
    from domains.special_equipment.equipment.models import Equipment

    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    market = dict(Organisation.all_objects.filter(kind="agency", agency_type="market").values_list("region_id", "pk"))
    inspectors = list(Organisation.all_objects.filter(kind="institution", institution_type="inspection")
                      .values_list("pk", flat=True))
    items_by_cat = {}
    for pk, cat, text in JudgementItem.objects.values_list("pk", "equipment_category", "text"):
        items_by_cat.setdefault(cat, []).append((pk, text))
    statuses, sw = zip(*STATUS_MIX, strict=True)
    sources, srcw = zip(*SOURCE_MIX, strict=True)
    serial = MajorHazard.all_objects.count()
    made, step = 0, max(1, Equipment.all_objects.count() // max(count, 1))
    devices = (Equipment.all_objects.order_by("pk").values_list("pk", "region_id", "user_unit_id", "category")
               .iterator(chunk_size=5000))
    batch = []

    def flush(batch):
        created = bulk_insert(MajorHazard, [h for h, _ in batch])
        nos = [h.no for h, _ in batch]
        ids = dict(MajorHazard.all_objects.filter(no__in=nos).values_list("no", "pk"))
        items, logs = [], []
        for hazard, (judgement, text) in batch:
            hid = ids[hazard.no]
            closed = hazard.status == "closed"
            items.append(HazardItem(hazard_id=hid, judgement_item_id=judgement, description=text,
                                    status="closed" if closed else "fed_back" if hazard.status == "feedback" else "open",
                                    feedback="已整改" if hazard.status in ("feedback", "closed") else ""))
            if closed or hazard.status == "feedback":
                logs.append(SupervisionLog(hazard_id=hid, kind="supervision", date=hazard.found_on,
                                           inspectors="执法人员", content="现场检查，督促整改", created_at=now))
        bulk_insert(HazardItem, items)
        bulk_insert(SupervisionLog, logs)
        return created

    for index, (pk, region_id, unit_id, category) in enumerate(devices):
        if made >= count:
            break
        if index % step:
            continue
        serial += 1
        status = rng.choices(statuses, weights=sw)[0]
        source = rng.choices(sources, weights=srcw)[0]
        created = now - datetime.timedelta(days=rng.randint(0, 540), minutes=rng.randint(0, 1440))
        dispatched = status not in ("reported", "revoked")
        deadline = (today + datetime.timedelta(days=rng.randint(-25, 75))) if dispatched else None
        judgement = rng.choice(items_by_cat.get(category) or items_by_cat[""])
        reporter = rng.choice(inspectors) if source == "inspection" and inspectors else (
            unit_id if source == "unit" else market.get(region_id))
        hazard = MajorHazard(
            no=f"YHD{serial:09d}", source=source, equipment_category=category, equipment_id=pk, user_unit_id=unit_id,
            managing_agency_id=market.get(region_id), reporter_org_id=reporter or market.get(region_id),
            region_id=region_id, description=judgement[1], found_on=created.date(), requirement="按判定项建议措施整改",
            deadline=deadline, status=status, directive=rng.choice(["notice", "letter"]) if dispatched else "",
            dispatched_at=created + datetime.timedelta(days=2) if dispatched else None,
            closed_at=created + datetime.timedelta(days=rng.randint(10, 60)) if status == "closed" else None,
            created_at=created,
        )
        batch.append((hazard, judgement))
        if len(batch) >= 10000:
            made += flush(batch)
            batch = []
    if batch:
        made += flush(batch)
    return made


def _user(username):
    return User.objects.filter(username=username).select_related("organisation").first()


@transaction.atomic
def seed_scenario():
    """The click-through story for the demo accounts (runs once)."""
    from domains.special_equipment.equipment.models import Equipment, InspectionReport

    unit_user, regulator, inspector = _user("ent_demo"), _user("qx_staff"), _user("inst_demo")
    if not (unit_user and regulator and inspector) or MajorHazard.all_objects.filter(
            user_unit=unit_user.organisation, source__in=("inspection", "supervision"), no__startswith="YH2").exists():
        return 0
    unit = unit_user.organisation
    devices = list(Equipment.objects.filter(user_unit=unit).order_by("pk")[:3])
    if not devices:
        return 0
    today = timezone.localdate()
    elevator_items = list(JudgementItem.objects.filter(equipment_category=devices[0].category)[:2]) or list(
        JudgementItem.objects.filter(equipment_category="")[:2])
    report = InspectionReport.objects.create(
        report_no=f"TJDEMO{today:%Y%m%d}01", equipment=devices[0], agency=inspector.organisation, user_unit=unit,
        region=devices[0].region, inspected_on=today - datetime.timedelta(days=3), conclusion="nonconforming",
        problems="限速器动作速度超出规定范围；层门门锁电气安全装置失效", inspector=inspector.display_name)

    def report_hazard(user, source, description, items, **extra):
        with context.acting_as(user):
            return services.report_major_hazard(
                user, user_unit=unit, source=source, equipment_category=devices[0].category, equipment=devices[0],
                description=description, items=[{"judgement_item": j.pk, "description": j.text} for j in items],
                **extra)

    def as_(user, fn, *args, **kwargs):
        with context.acting_as(user):
            return fn(*args, **kwargs)

    # 1. reported by the inspection agency, waiting for the county regulator to dispatch
    report_hazard(inspector, "inspection", "定期检验发现限速器、门锁装置失效", elevator_items, report=report,
                  requirement="立即停梯整改，整改完成后申请复检", deadline=today + datetime.timedelta(days=25))
    # 2. dispatched with a rectification notice, waiting for the unit
    h2 = report_hazard(regulator, "supervision", "监督检查发现安全保护装置失效仍在使用", elevator_items[:1])
    as_(regulator, services.dispatch, h2, regulator, directive="notice", deadline=today + datetime.timedelta(days=15),
        requirement="停止使用，修复后报检", comment="请于期限内整改完毕")
    # 3. the unit fed back; waiting for review
    h3 = report_hazard(regulator, "supervision", "起重机械限位器失效", elevator_items[:1])
    as_(regulator, services.dispatch, h3, regulator, directive="letter", deadline=today + datetime.timedelta(days=30),
        requirement="更换限位器", comment="督办")
    as_(regulator, services.add_log, h3, regulator, kind="supervision", date=today, inspectors="陆青秀、黄明",
        content="现场检查，确认隐患属实，已下达督处函")
    as_(unit_user, services.submit_feedback, h3, unit_user,
        feedback={str(i.pk): "已更换限位器并经维保单位调试" for i in h3.items.all()}, comment="已完成整改，申请销号")
    # 4. the whole loop, closed
    h4 = report_hazard(regulator, "supervision", "锅炉水位表失效", elevator_items[:1])
    as_(regulator, services.dispatch, h4, regulator, directive="notice", deadline=today + datetime.timedelta(days=20),
        comment="下达整改通知书")
    as_(regulator, services.add_log, h4, regulator, kind="supervision", date=today, inspectors="陆青秀",
        content="现场检查，下达整改通知书")
    as_(unit_user, services.submit_feedback, h4, unit_user, feedback={str(i.pk): "已更换水位表" for i in h4.items.all()},
        comment="整改完成")
    for item in h4.items.all():
        as_(regulator, services.review_item, item, regulator, passed=True, comment="复核合格")
    as_(regulator, services.add_log, h4, regulator, kind="review", date=today, inspectors="陆青秀",
        content="复查确认整改到位")
    as_(regulator, MAJOR.apply, h4, "close", regulator, comment="复核销号")
    # 5. a general hazard from a daily check, and a public complaint
    with context.acting_as(unit_user):
        general = services.register_general_hazard(
            unit_user, check_type="daily", category="安全附件", count=1, level="general", problem="压力表超过校验有效期",
            deadline=today + datetime.timedelta(days=7), hazard_source="储气罐", investigating_unit=unit.name,
            responsible=unit_user)
    services.submit_complaint(region=unit.region, location=f"{unit.address}小区3号楼电梯", equipment_category="3000",
                              description="电梯经常突然停顿，门关不严", phone="13977100001", name="王先生")
    assert general.status == GENERAL.initial
    return 6


def seed(scale, out):
    assign_demo_roles()
    volume = 0
    if not MajorHazard.all_objects.filter(no__startswith="YHD").exists():
        volume = seed_volume(HAZARDS_PER_SCALE * scale)
    scenario = seed_scenario()
    return f"重大事故隐患{volume}条（批量），演示流程隐患{scenario}条；投诉{Complaint.objects.count()}条，一般隐患{GeneralHazard.objects.count()}条"
