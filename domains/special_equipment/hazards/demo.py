"""Demo data of the hazard system.

1. Volume (100 major hazards per scale unit: 200,000 at scale 2000) in every state with deadlines
   spread across the warning colours, bulk-loaded for lists, statistics and the benchmark.
   Every closed one has its supervision and review logs (销号 requires them).
2. A scripted scenario for the demo accounts (ent_demo's unit in 青秀区, qx_staff, inst_demo), run
   through the real services and workflow so that every step has its log, to-dos and SMS. Each
   major hazard hangs on the unit's device of its category (equipment/demo.py gives the unit an
   elevator, a boiler, a pressure vessel and a crane):
   待派单 (reported by inst_demo), 待整改 after an approved extension (yellow), 延期审批中 (orange),
   待整改 after the institution returned one item (blue, the item's history kept), 待整改 and
   overdue (red), 待复核, 已销号, 已撤销; general hazards 待整改 / 待验收 / 验收通过 / returned once,
   three of them under check plans (annual, quarterly); complaints 待审核 / 核查中 / 已办结 / 不予受理.
3. The deadline warning scan, so the warning list and the deadline SMS exist from the start."""
import datetime
import random

from django.utils import timezone

from kernel.accounts.models import Role, User
from kernel.core import context
from kernel.core.bulk import bulk_insert
from kernel.org.models import Organisation, Region

from . import services
from .models import CheckPlan, Complaint, GeneralHazard, HazardItem, JudgementItem, MajorHazard, SupervisionLog
from .workflows import COMPLAINT, GENERAL, MAJOR

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
    # an inspection institution reports in its own city (inst_demo, a Nanning institution, sees Nanning's)
    parent = dict(Region.objects.values_list("pk", "parent_id"))
    level = dict(Region.objects.values_list("pk", "level"))

    def city_of(region_id):
        while region_id is not None and level.get(region_id) not in (Region.Level.CITY, Region.Level.PROVINCE):
            region_id = parent.get(region_id)
        return region_id

    inspectors = {}
    for pk, region_id in Organisation.all_objects.filter(kind="institution", institution_type="inspection") \
            .values_list("pk", "region_id"):
        inspectors.setdefault(city_of(region_id), []).append(pk)
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
            if closed:  # 销号 needs a review log (always after a notice): every closed one has it
                logs.append(SupervisionLog(hazard_id=hid, kind="review", date=timezone.localdate(hazard.closed_at),
                                           inspectors="执法人员", content="复查确认整改到位，同意销号", created_at=now))
        bulk_insert(HazardItem, items)
        bulk_insert(SupervisionLog, logs)
        return created

    for index, (pk, region_id, unit_id, category) in enumerate(devices):
        if made + len(batch) >= count:
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
        local = inspectors.get(city_of(region_id))
        reporter = rng.choice(local) if source == "inspection" and local else (
            unit_id if source == "unit" else market.get(region_id))
        hazard = MajorHazard(
            no=f"YHD{serial:09d}", source=source, equipment_category=category, equipment_id=pk, user_unit_id=unit_id,
            managing_agency_id=market.get(region_id), reporter_org_id=reporter or market.get(region_id),
            region_id=region_id, description=judgement[1], found_on=created.date(), requirement="按判定项建议措施整改",
            deadline=deadline, status=status, directive=rng.choice(["notice", "letter"]) if dispatched else "",
            dispatched_at=created + datetime.timedelta(days=2) if dispatched else None,
            feedback_at=min(created + datetime.timedelta(days=8), now) if status in ("feedback", "closed") else None,
            closed_at=min(created + datetime.timedelta(days=rng.randint(10, 60)), now) if status == "closed" else None,
            requested_deadline=deadline + datetime.timedelta(days=30) if status == "extension" else None,
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


def _as(user, fn, *args, **kwargs):
    with context.acting_as(user):
        return fn(*args, **kwargs)


def _iso(days):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


class _Story:
    """The demo unit's scripted records. Each record is looked up by its text before it is made, so a
    second run (or a database seeded by an earlier version of this scenario) adds only what is missing.
    Steps run outside one big transaction: each service call and transition commits on its own, so the
    SMS and messages sent after commit carry the values of that step (a dispatch SMS its own deadline)."""

    def __init__(self, unit_user, regulator, inspector):
        from domains.special_equipment.equipment.models import Equipment

        self.unit_user, self.regulator, self.inspector = unit_user, regulator, inspector
        self.unit = unit_user.organisation
        self.today = timezone.localdate()
        self.devices = {}
        for device in Equipment.objects.filter(user_unit=self.unit, status="in_use").order_by("pk"):
            self.devices.setdefault(device.category, device)
        self.made = 0

    # -- lookups ------------------------------------------------------------------------------------
    def device(self, category):
        return self.devices.get(category) or next(iter(self.devices.values()))

    def criteria(self, category, count):
        items = list(JudgementItem.objects.filter(equipment_category=category, enabled=True).order_by("order", "code")
                     [:count])
        return items or list(JudgementItem.objects.filter(equipment_category="", enabled=True)[:count])

    def hazard_exists(self, description):
        return MajorHazard.all_objects.filter(user_unit=self.unit, description=description,
                                              no__startswith="YH2").exists()

    # -- steps through the services and the workflow ---------------------------------------------------
    def report(self, user, source, category, description, count=1, **extra):
        device = self.device(category)
        items = [{"judgement_item": j.pk, "description": j.text} for j in self.criteria(device.category, count)]
        hazard = _as(user, services.report_major_hazard, user, user_unit=self.unit, source=source,
                     equipment_category=device.category, equipment=device, description=description, items=items,
                     **extra)
        self.made += 1
        return hazard

    def dispatch(self, hazard, directive, days, requirement="", comment="请于期限内整改完毕"):
        _as(self.regulator, services.dispatch, hazard, self.regulator, directive=directive, deadline=_iso(days),
            requirement=requirement, comment=comment)

    def log(self, hazard, kind, content, inspectors="陆青秀、黄明"):
        _as(self.regulator, services.add_log, hazard, self.regulator, kind=kind, date=self.today,
            inspectors=inspectors, content=content)

    def feedback(self, hazard, text, comment="已完成整改，申请销号"):
        _as(self.unit_user, services.submit_feedback, hazard, self.unit_user,
            feedback={str(i.pk): text for i in hazard.items.filter(status__in=("open", "returned"))}, comment=comment)

    def transition(self, user, workflow, obj, name, comment="", data=None):
        return _as(user, workflow.apply, obj, name, user, comment=comment, data=data)


def _major_hazards(story):
    s, today = story, story.today
    # 1. reported by the inspection institution with its report, waiting for the county regulator (待派单)
    text = "定期检验发现限速器、门锁装置失效"
    if not s.hazard_exists(text):
        from domains.special_equipment.equipment.models import InspectionReport

        elevator = s.device("3000")
        report = _as(s.inspector, InspectionReport.objects.create,
                     report_no=f"TJDEMO{today:%Y%m%d}01", equipment=elevator, agency=s.inspector.organisation,
                     user_unit=s.unit, region=elevator.region, inspected_on=today - datetime.timedelta(days=3),
                     conclusion="nonconforming", problems="限速器动作速度超出规定范围；层门门锁电气安全装置失效",
                     inspector=s.inspector.display_name)
        s.report(s.inspector, "inspection", "3000", text, count=2, report=report,
                 requirement="立即停梯整改，整改完成后申请复检", deadline=today + datetime.timedelta(days=25))
    # 2. dispatched with a notice; the unit asked for more time and got it (待整改, extended: yellow)
    text = "监督检查发现安全保护装置失效仍在使用"
    if not s.hazard_exists(text):
        h = s.report(s.regulator, "supervision", "3000", text)
        s.dispatch(h, "notice", 8, requirement="停止使用，修复后报检")
        s.transition(s.unit_user, MAJOR, h, "request_extension", comment="安全保护装置需原厂配件，到货需两周",
                     data={"requested_deadline": _iso(15)})
        s.transition(s.regulator, MAJOR, h, "approve_extension", comment="同意延期，期间须停止使用")
    # 3. the unit asks for an extension, waiting for the regulator (延期审批中; 6 days left: orange)
    text = "压力容器安全阀超过校验有效期仍在使用"
    if not s.hazard_exists(text):
        h = s.report(s.regulator, "supervision", "2000", text)
        s.dispatch(h, "notice", 6, requirement="停用储气罐，安全阀校验合格后方可使用")
        s.transition(s.unit_user, MAJOR, h, "request_extension", comment="安全阀送检排期较长，申请延期整改",
                     data={"requested_deadline": _iso(30)})
    # 4. reported by the institution, fed back, one item returned by it (待整改 again; 25 days left: blue)
    text = "定期检验发现锅炉水位表、安全阀失效，曾严重缺水运行"
    if not s.hazard_exists(text):
        h = s.report(s.inspector, "inspection", "1000", text, count=2, requirement="停炉整改，整改完成后申请复检")
        s.dispatch(h, "notice", 25, requirement="停炉更换安全附件，修复受压元件", comment="下达整改通知书")
        s.log(h, "supervision", "现场检查，确认锅炉停炉整改", inspectors="陆青秀")
        s.feedback(h, "已停炉检查，更换水位表和安全阀，完善水位监控和司炉值班制度", comment="整改完成，申请复核")
        first, *rest = list(h.items.order_by("pk"))
        _as(s.inspector, services.review_item, first, s.inspector, passed=True, comment="现场复检合格")
        for item in rest:
            _as(s.inspector, services.review_item, item, s.inspector, passed=False,
                comment="更换的安全阀未提供校验报告，请校验合格后重新反馈")
        h.refresh_from_db()
        s.transition(s.inspector, MAJOR, h, "return", comment="安全阀未提供校验报告，退回继续整改")
    # 5. dispatched and left unanswered past its deadline (待整改, overdue: red)
    text = "桥式起重机起重量限制器失效仍在使用"
    if not s.hazard_exists(text):
        h = s.report(s.regulator, "supervision", "4000", text)
        s.dispatch(h, "letter", 10, requirement="停止使用，修复起重量限制器", comment="下达督处函")
        s.log(h, "supervision", "现场检查，起重机械仍在使用，已责令停用", inspectors="陆青秀")
        # Time passes (as the alert tests do): the letter was issued 13 days ago, its deadline is 3 days past.
        back = datetime.timedelta(days=13)
        MajorHazard.objects.filter(pk=h.pk).update(
            found_on=h.found_on - back, dispatched_at=h.dispatched_at - back, deadline=h.deadline - back)
    # 6. fed back, waiting for review by the regulator (待复核)
    text = "起重机械限位器失效"
    if not s.hazard_exists(text):
        h = s.report(s.regulator, "supervision", "4000", text)
        s.dispatch(h, "letter", 30, requirement="更换限位器", comment="督办")
        s.log(h, "supervision", "现场检查，确认隐患属实，已下达督处函")
        s.feedback(h, "已更换限位器并经维保单位调试")
    # 7. the whole loop, closed (已销号)
    text = "锅炉水位表失效"
    if not s.hazard_exists(text):
        h = s.report(s.regulator, "supervision", "1000", text)
        s.dispatch(h, "notice", 20, comment="下达整改通知书")
        s.log(h, "supervision", "现场检查，下达整改通知书", inspectors="陆青秀")
        s.feedback(h, "已更换水位表", comment="整改完成")
        for item in h.items.all():
            _as(s.regulator, services.review_item, item, s.regulator, passed=True, comment="复核合格")
        s.log(h, "review", "复查确认整改到位", inspectors="陆青秀")
        s.transition(s.regulator, MAJOR, h, "close", comment="复核销号")
    # 8. reported in error and withdrawn before dispatch (已撤销)
    text = "电梯运行中异常停梯困人"
    if not s.hazard_exists(text):
        h = s.report(s.regulator, "supervision", "3000", text)
        s.transition(s.regulator, MAJOR, h, "revoke",
                     comment="经现场核实为停电导致，不属于重大事故隐患，撤销；已督促单位做好应急救援演练")


PLANS = [("annual", None, "年度特种设备隐患排查计划", "全部在用特种设备的安全附件、保护装置和使用管理每年全面排查一次"),
         ("quarterly", None, "季度锅炉与压力容器专项排查", "锅炉、压力容器安全附件校验有效期和运行记录")]


def _general_hazards(story):
    s, today = story, story.today
    user = s.unit_user
    plans = {}
    for period, number, title, content in PLANS:
        plan = CheckPlan.objects.filter(unit=s.unit, title=title).first()
        if plan is None:
            number = number or ((today.month - 1) // 3 + 1 if period == "quarterly" else None)
            plan = _as(user, CheckPlan.objects.create, unit=s.unit, period=period, year=today.year, number=number,
                       title=title, content=content)
        plans[period] = plan

    def register(problem, category, days, **extra):
        hazard = GeneralHazard.objects.filter(unit=s.unit, problem=problem).first()
        if hazard is not None:
            return None
        s.made += 1
        return _as(user, services.register_general_hazard, user, category=category, count=1, level="general",
                   problem=problem, deadline=today + datetime.timedelta(days=days), investigating_unit=s.unit.name,
                   responsible=user, **extra)

    def rectify(hazard, result):
        s.transition(user, GENERAL, hazard, "rectify", data={
            "handled_on": today.isoformat(), "handler": user.display_name, "handling_result": result, "remarks": ""})

    vessel, boiler = s.device("2000"), s.device("1000")
    # 待整改
    register("压力表超过校验有效期", "安全附件", 7, check_type="daily", hazard_source="储气罐", equipment=vessel)
    # 待验收 (from the quarterly plan)
    h = register("锅炉水位计玻璃板结垢，水位显示不清", "安全附件", 10, check_type="plan", plan=plans["quarterly"],
                 hazard_source="蒸汽锅炉", equipment=boiler)
    if h is not None:
        rectify(h, "已清洗水位计玻璃板，冲洗后水位显示清晰")
    # 验收通过 (from the annual plan)
    h = register("电梯机房未配备灭火器", "使用管理", 5, check_type="plan", plan=plans["annual"], hazard_source="电梯机房",
                 equipment=s.device("3000"))
    if h is not None:
        rectify(h, "已在机房配置2具二氧化碳灭火器")
        s.transition(user, GENERAL, h, "accept", comment="现场查看已配置到位，验收通过")
    # returned once: back to 待整改 with the acceptance opinion (from the annual plan)
    h = register("起重机钢丝绳润滑不良，局部锈蚀", "本体缺陷", 14, check_type="plan", plan=plans["annual"],
                 hazard_source="桥式起重机", equipment=s.device("4000"))
    if h is not None:
        rectify(h, "已对钢丝绳进行润滑保养")
        s.transition(user, GENERAL, h, "reject", comment="锈蚀部位未除锈，润滑前须先除锈并检查断丝情况，退回继续整改")


COMPLAINTS = [
    # description, equipment category, phone, name, steps: (transition, comment)
    ("电梯经常突然停顿，门关不严", "3000", "13977100001", "王先生", []),
    ("小区地下车库的电梯按钮失灵，多次困人", "3000", "13977100002", "李女士", [("accept", "")]),
    ("商场自动扶梯运行时有异响，扶手带速度不一致", "3000", "13977100003", "", [
        ("accept", ""), ("conclude", "经现场核查，扶梯驱动链条磨损，已责令使用单位停梯更换，复检合格后恢复运行。")]),
    ("隔壁饭店使用的液化气瓶摆放在门口", "", "13977100004", "赵先生", [
        ("reject", "液化气瓶属气瓶充装和使用环节，不在本平台受理范围，已转燃气主管部门处理。")]),
]


def _complaints(story):
    s = story
    for description, category, phone, name, steps in COMPLAINTS:
        if Complaint.all_objects.filter(region=s.unit.region, description=description).exists():
            continue
        complaint = services.submit_complaint(
            region=s.unit.region, location=f"{s.unit.address or s.unit.name}附近",
            equipment_category=category, description=description, phone=phone, name=name)
        for transition, comment in steps:
            s.transition(s.regulator, COMPLAINT, complaint, transition, comment=comment)
        s.made += 1


def seed_scenario():
    """The click-through story for the demo accounts; adds only the records that are missing."""
    unit_user, regulator, inspector = _user("ent_demo"), _user("qx_staff"), _user("inst_demo")
    if not (unit_user and regulator and inspector and unit_user.organisation):
        return 0
    story = _Story(unit_user, regulator, inspector)
    if not story.devices:
        return 0
    _major_hazards(story)
    _pending_report(story)
    _general_hazards(story)
    _complaints(story)
    return story.made


def _pending_report(story):
    """A non-conforming report of inst_demo with no hazard yet: the README's first step (上报隐患)."""
    from domains.special_equipment.equipment.models import InspectionReport

    s, today = story, story.today
    report_no = f"TJDEMO{today:%Y%m%d}09"
    if InspectionReport.all_objects.filter(report_no__startswith="TJDEMO", report_no__endswith="09").exists():
        return
    crane = s.device("4000")
    _as(s.inspector, InspectionReport.objects.create,
        report_no=report_no, equipment=crane, agency=s.inspector.organisation, user_unit=s.unit, region=crane.region,
        inspected_on=today - datetime.timedelta(days=1), conclusion="unqualified",
        problems="起升高度限位器失效；主梁焊缝开裂", inspector=s.inspector.display_name)
    s.made += 1


def scan_deadlines():
    """Run the deadline warning scan once, as the scheduler would (warnings, their to-dos and SMS)."""
    from kernel.alerts import scanner

    from .alerts import RectificationDeadline

    return scanner.scan(RectificationDeadline.code)


def seed(scale, out):
    assign_demo_roles()
    volume = 0
    if not MajorHazard.all_objects.filter(no__startswith="YHD").exists():
        volume = seed_volume(HAZARDS_PER_SCALE * scale)
    scenario = seed_scenario()
    scanned = ""
    if volume or scenario:
        stats = scan_deadlines()
        scanned = f"；期限预警扫描新增{stats.get('raised', 0)}条"
    return (f"重大事故隐患{volume}条（批量），演示流程新增{scenario}条；投诉{Complaint.objects.count()}条，"
            f"一般隐患{GeneralHazard.objects.count()}条{scanned}")
