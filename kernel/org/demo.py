"""Demo data for organisations: towns and grids, agencies at every level, technical
institutions per city, and enterprises (500 x scale) spread over the counties."""
import random

from django.db import transaction

from kernel.core.bulk import bulk_insert

from .models import Organisation, Region
from .validators import USCC_CHARS, uscc_check_char

TOWN_ROOTS = ["城关", "新城", "东郊", "西郊", "南圩", "北山", "河口", "中和", "太平", "长安", "石埠", "大塘"]
TRADE = ["宏达", "鑫源", "桂通", "壮乡", "八桂", "绿城", "金桂", "邕江", "漓江", "红水河", "北部湾", "恒信",
         "华南", "瑞丰", "永安", "盛世", "天成", "汇通", "嘉禾", "富民", "弘泰", "中恒", "联发", "力拓",
         "长青", "南方", "东盟", "万象", "合众", "远航", "凯旋", "华信", "同德", "广源", "润泽", "荣昌"]
BY_INDUSTRY = {
    "C": ["机械制造", "糖业", "食品加工", "化工", "建材"], "E": ["建筑工程", "建设", "市政工程", "路桥工程"],
    "F": ["商贸", "百货", "医药连锁"], "G": ["物流", "运输", "仓储"], "H": ["酒店管理", "餐饮"],
    "K": ["房地产开发", "物业服务"], "D": ["燃气", "热力", "水务"], "I": ["信息技术", "软件"],
    "R": ["游乐园", "文化旅游"], "B": ["矿业"], "A": ["农业开发", "林业"], "L": ["商务服务"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁韦覃蓝莫陆农"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂华文斌宁海燕丹玲志红建国春梅"
AGENCIES = [
    ("market", "市场监督管理局"), ("hrss", "人力资源和社会保障局"), ("tax", "税务局"), ("gov_service", "政务服务中心"),
]


def person_name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def make_uscc(first_two: str, region_code: str, serial: int) -> str:
    body = ""
    n = serial
    for _ in range(9):
        n, r = divmod(n, 31)
        body = USCC_CHARS[r] + body
    code17 = first_two + region_code[:6] + body
    return code17 + uscc_check_char(code17)


def _agency_name(region, kind_label, kind):
    if kind == "tax":
        return f"国家税务总局{_full(region)}税务局"
    return f"{_full(region)}{kind_label}"


def _full(region):
    if region.level == Region.Level.COUNTY:
        return region.parent.name + region.name
    return region.name


@transaction.atomic
def seed_towns():
    created = 0
    for county in Region.objects.filter(level=Region.Level.COUNTY).select_related("parent"):
        for t in range(1, 3):
            root = TOWN_ROOTS[(int(county.code) + t) % len(TOWN_ROOTS)]
            suffix = "街道" if county.name.endswith("区") else "镇"
            town, made = Region.objects.get_or_create(
                code=f"{county.code}{t:03d}", defaults={"name": f"{root}{suffix}", "level": Region.Level.TOWN, "parent": county, "order": t})
            created += made
            for g in range(1, 3):
                _, made = Region.objects.get_or_create(
                    code=f"{town.code}{g:03d}", defaults={"name": f"{town.name}第{g}网格", "level": Region.Level.GRID, "parent": town, "order": g})
                created += made
    return created


def seed_agencies():
    rng = random.Random(45)
    existing = set(Organisation.all_objects.filter(kind=Organisation.Kind.AGENCY).values_list("region_id", "agency_type"))
    serial = Organisation.all_objects.count() + 1
    objs = []
    for region in Region.objects.filter(level__lte=Region.Level.COUNTY).select_related("parent"):
        for kind, label in AGENCIES:
            if (region.id, kind) in existing:
                continue
            serial += 1
            objs.append(Organisation(
                name=_agency_name(region, label, kind), kind=Organisation.Kind.AGENCY, region=region, agency_type=kind,
                uscc=make_uscc("11", region.code, 7_000_000 + serial), legal_representative=person_name(rng),
                contact_phone=f"0771-{rng.randint(2000000, 5999999)}", address=f"{_full(region)}行政中心",
            ))
    return bulk_insert(Organisation, objs)


def seed_institutions():
    rng = random.Random(46)
    objs = []
    if Organisation.all_objects.filter(kind=Organisation.Kind.INSTITUTION).exists():
        return 0
    serial = 8_000_000
    for city in Region.objects.filter(level=Region.Level.CITY):
        county = city.children.order_by("code").first()
        specs = [("inspection", f"{city.name}特种设备检验检测院"), ("inspection", f"广西{city.name[:-1]}锅炉压力容器检验所"),
                 ("maintenance", f"{city.name}安达电梯维保有限公司"), ("maintenance", f"{city.name}顺升电梯工程有限公司"),
                 ("maintenance", f"{city.name}广通机电设备维修有限公司")]
        for itype, name in specs:
            serial += 1
            objs.append(Organisation(
                name=name, kind=Organisation.Kind.INSTITUTION, region=county, institution_type=itype,
                industry="M" if itype == "inspection" else "O",
                uscc=make_uscc("12" if itype == "inspection" else "91", county.code, serial),
                legal_representative=person_name(rng), contact_person=person_name(rng),
                contact_phone=f"13{rng.randint(100000000, 999999999)}", address=f"{city.name}{county.name}科技路{rng.randint(1, 300)}号",
            ))
    return bulk_insert(Organisation, objs)


def seed_enterprises(count, seed=47, batch=20000):
    rng = random.Random(seed)
    counties = list(Region.objects.filter(level=Region.Level.COUNTY).select_related("parent"))
    industries = list(BY_INDUSTRY)
    serial = Organisation.all_objects.filter(kind=Organisation.Kind.ENTERPRISE).count()
    made = 0
    while made < count:
        objs = []
        for _ in range(min(batch, count - made)):
            serial += 1
            county = counties[serial % len(counties)]
            industry = rng.choice(industries)
            name = f"{county.parent.name[:-1]}{rng.choice(TRADE)}{rng.choice(BY_INDUSTRY[industry])}有限公司"
            objs.append(Organisation(
                name=name, kind=Organisation.Kind.ENTERPRISE, region=county, industry=industry,
                uscc=make_uscc("91", county.code, serial), legal_representative=person_name(rng),
                contact_person=person_name(rng), contact_phone=f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}",
                address=f"{county.parent.name}{county.name}{rng.choice(TRADE)}路{rng.randint(1, 999)}号",
            ))
        made += bulk_insert(Organisation, objs)
    return made


def seed(scale, out):
    towns = seed_towns()
    agencies = seed_agencies()
    institutions = seed_institutions()
    enterprises = seed_enterprises(500 * scale)
    return f"区划（乡镇/网格）{towns}，机关{agencies}，技术机构{institutions}，企业{enterprises}"
