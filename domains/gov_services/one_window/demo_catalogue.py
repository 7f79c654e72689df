"""Demo matters catalogue of the 兴宁区 (Nanning, 450102) government-service centre.

1. Organisations: the centre (南宁市兴宁区政务服务中心, agency_type gov_service) and the departments whose
   matters it accepts (market regulation, housing and real estate, the housing provident fund, public
   security, development and reform), made if missing.
2. Staff (password Zw@demo2026): xn_centre (centre administrator, gs_centre_admin) and xn_window (window
   clerk, gs_window_clerk), both of the centre.
3. Matters of the five categories with their limits, fees, conditions, legal basis, materials (ID card and
   business licence materials name their licence type, so they can come from the certificate library) and
   process steps, each published as version 1 by xn_centre.
4. Six windows of the centre covering the categories.

Idempotent: what exists (users by name, matters by code, windows by number) is left as it is."""
from django.db import transaction

from kernel.accounts import services as accounts
from kernel.accounts.demo import DEMO_PASSWORD
from kernel.accounts.models import Role, User
from kernel.core import context
from kernel.org.models import Organisation, Region

COUNTY = "450102"
CENTRE = ("南宁市兴宁区政务服务中心", "gov_service", "南宁市兴宁区长堽路二里6号兴宁区政务服务中心", "0771-5611234")
# key: (name, agency_type, address, phone). No agency_type exists yet for provident fund or development and
# reform: they use the nearest ones (housing, gov_service).
DEPARTMENTS = {
    "market": ("南宁市兴宁区市场监督管理局", "market", "南宁市兴宁区民生路82号", "0771-5612315"),
    "housing": ("南宁市兴宁区住房和城乡建设局", "housing", "南宁市兴宁区长堽路二里6号", "0771-5610123"),
    "fund": ("南宁住房公积金管理中心兴宁管理部", "provident_fund", "南宁市兴宁区长堽路二里6号政务服务中心三楼", "0771-12329"),
    "police": ("南宁市公安局兴宁分局", "public_security", "南宁市兴宁区民主路6号", "0771-2891110"),
    "reform": ("南宁市兴宁区发展和改革局", "development_reform", "南宁市兴宁区长堽路二里6号", "0771-5613456"),
}
# username, real name, roles, phone
DEMO_USERS = [
    ("xn_centre", "黄中心", ["gs_centre_admin"], "13771206001"),
    ("xn_window", "陆窗口", ["gs_window_clerk"], "13771206002"),
]
SUPERVISION = "0771-12345"
HALL = "南宁市兴宁区长堽路二里6号兴宁区政务服务中心一楼"

ID_CARD = ("申请人居民身份证", True, True, 1, "居民身份证", "原件核验后留存复印件")
LICENCE = ("营业执照", True, True, 1, "营业执照", "")


def M(name, required=True, original=False, copies=1, licence="", note=""):
    return (name, required, original, copies, licence, note)


# code, name, category, department key, statutory, promised, fee standard, fee basis, window, conditions,
# legal basis, steps, materials, online, bookable
MATTERS = [
    ("450102-QY-001", "企业设立登记（有限责任公司）", "enterprise", "market", 15, 1, "不收费", "",
     "企业开办专区", "1. 有符合公司章程规定的全体股东认缴的出资额；\n2. 有公司名称，建立符合有限责任公司要求的组织机构；\n3. 有公司住所；\n4. 股东人数在50人以下。",
     "《中华人民共和国公司法》第二十九条、第三十条\n《中华人民共和国市场主体登记管理条例》第十九条",
     ["申请人通过广西数字政务一体化平台或窗口提交材料", "窗口一次性收件核验", "登记机关审查", "准予登记，核发营业执照（可选邮寄）"],
     [M("公司登记（备案）申请书", original=True), M("公司章程", original=True, note="全体股东签署"),
      M("股东的主体资格文件或自然人身份证明", licence="居民身份证", original=True),
      M("法定代表人、董事、监事和经理的任职文件", original=True), M("住所使用相关文件", note="产权证明或租赁合同")],
     True, True),
    ("450102-QY-002", "食品经营许可（新办）", "enterprise", "market", 20, 7, "不收费", "",
     "企业开办专区", "1. 具有与经营的食品品种、数量相适应的经营场所；\n2. 具有与经营的食品品种、数量相适应的经营设备或者设施；\n3. 有专职或者兼职的食品安全管理人员和保证食品安全的规章制度；\n4. 具有合理的设备布局和工艺流程。",
     "《中华人民共和国食品安全法》第三十五条\n《食品经营许可和备案管理办法》",
     ["提交申请", "受理", "材料审查与现场核查", "作出许可决定", "颁发食品经营许可证"],
     [M("食品经营许可申请书", original=True), LICENCE, ID_CARD,
      M("与食品经营相适应的主要设备设施、经营布局、操作流程等文件"), M("食品安全自查、从业人员健康管理等制度")],
     True, True),
    ("450102-QY-003", "公共场所卫生许可", "enterprise", "market", 20, 5, "不收费", "",
     "企业开办专区", "1. 经营场所选址、设计、装修符合卫生要求；\n2. 配备必要的卫生设施设备；\n3. 从业人员取得有效健康合格证明。",
     "《公共场所卫生管理条例》第八条\n《公共场所卫生管理条例实施细则》第二十二条",
     ["提交申请", "受理", "审查（告知承诺制免于现场核查）", "发证"],
     [M("公共场所卫生许可申请表", original=True), LICENCE, ID_CARD, M("卫生检测或评价报告", required=False),
      M("从业人员健康合格证明")],
     True, True),
    ("450102-QY-004", "个体工商户登记", "enterprise", "market", 15, 1, "不收费", "",
     "企业开办专区", "有经营能力的公民，经营场所符合规定。",
     "《促进个体工商户发展条例》\n《中华人民共和国市场主体登记管理条例》",
     ["提交申请", "窗口审核", "当场核发营业执照"],
     [M("个体工商户登记（备案）申请书", original=True), ID_CARD, M("经营场所使用相关文件")],
     True, True),
    ("450102-FW-001", "存量房买卖转移登记", "housing", "housing", 30, 5,
     "住宅80元/件，非住宅550元/件", "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
     "不动产交易专区", "1. 不动产已办理首次登记或转移登记，权属清楚、无查封；\n2. 买卖双方签订存量房买卖合同并完成网签备案；\n3. 已缴纳相关税费。",
     "《中华人民共和国民法典》第二百零九条、第二百一十四条\n《不动产登记暂行条例》第十四条",
     ["交易、税务、登记一窗受理", "网签备案与计税核税", "缴纳税费与登记费", "登记审核与登簿", "缮证发证"],
     [M("不动产登记申请书", original=True), M("买卖双方居民身份证", original=True, licence="居民身份证"),
      M("不动产权证书", original=True, licence="不动产权证书"), M("存量房买卖合同（网签备案）", original=True),
      M("完税凭证"), M("婚姻状况证明", required=False, note="已婚的提供结婚证")],
     True, True),
    ("450102-FW-002", "不动产抵押登记（首次登记）", "housing", "housing", 30, 3,
     "住宅80元/件，非住宅550元/件（小微企业免收）", "发改价格规〔2016〕2559号；财税〔2019〕45号",
     "不动产交易专区", "1. 抵押物已取得不动产权证书，权属清楚；\n2. 抵押双方已签订主债权合同和抵押合同。",
     "《中华人民共和国民法典》第四百零二条\n《不动产登记暂行条例实施细则》第六十五条",
     ["抵押双方共同申请（银行可网上申请）", "受理", "审核登簿", "核发不动产登记证明"],
     [M("不动产登记申请书", original=True), ID_CARD, M("不动产权证书", original=True, licence="不动产权证书"),
      M("主债权合同", original=True), M("抵押合同", original=True)],
     True, True),
    ("450102-FW-003", "商品房预售合同备案", "housing", "housing", 7, 1, "不收费", "",
     "不动产交易专区", "已取得商品房预售许可证，买卖双方签订商品房预售合同。",
     "《城市商品房预售管理办法》第十条",
     ["开发企业网上签约", "提交备案", "审核备案"],
     [M("商品房预售合同", original=True), ID_CARD, M("开发企业营业执照", licence="营业执照")],
     True, False),
    ("450102-GJJ-001", "住房公积金提取（购买自住住房）", "fund", "fund", 5, 1, "不收费", "",
     "住房公积金专区", "职工购买自住住房，且提取前连续正常缴存住房公积金。",
     "《住房公积金管理条例》第二十四条\n《南宁住房公积金提取管理办法》",
     ["提交申请（可通过手机公积金APP）", "审核", "资金划转至本人银行账户"],
     [M("职工居民身份证", original=True, licence="居民身份证"), M("购房合同及购房发票", original=True),
      M("本人银行借记卡", original=True)],
     True, True),
    ("450102-GJJ-002", "住房公积金提取（租赁住房）", "fund", "fund", 5, 1, "不收费", "",
     "住房公积金专区", "职工及配偶在南宁市无自有住房且租赁住房。",
     "《住房公积金管理条例》第二十四条",
     ["提交申请", "审核", "资金划转"],
     [M("职工居民身份证", original=True, licence="居民身份证"), M("无房声明"), M("本人银行借记卡", original=True)],
     True, True),
    ("450102-GJJ-003", "住房公积金个人住房贷款", "fund", "fund", 15, 10, "不收费", "",
     "住房公积金专区", "1. 连续足额缴存住房公积金6个月以上；\n2. 具有稳定收入和偿还贷款本息的能力；\n3. 购买、建造、翻建、大修自住住房。",
     "《住房公积金管理条例》第二十六条\n《南宁住房公积金个人住房贷款管理办法》",
     ["贷款申请", "受理审查", "审批", "签订借款合同并办理抵押登记", "放款"],
     [M("借款人及配偶居民身份证", original=True, licence="居民身份证"), M("婚姻状况证明", original=True),
      M("购房合同", original=True), M("首付款证明"), M("收入证明")],
     False, True),
    ("450102-GA-001", "居民身份证换领", "police", "police", 60, 20, "20元/证", "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》（发改价格〔2003〕2322号）",
     "公安服务专区", "居民身份证有效期满、证件损坏或登记项目变更的本市户籍居民。",
     "《中华人民共和国居民身份证法》第十一条",
     ["窗口申请，现场采集人像和指纹", "缴费", "制证", "领证（可选邮寄）"],
     [M("原居民身份证", original=True, licence="居民身份证"), M("居民户口簿", original=True)],
     False, True),
    ("450102-GA-002", "户口迁移（市内迁移）", "police", "police", 20, 5, "不收费", "",
     "公安服务专区", "在本市内合法稳定住所迁移的居民。",
     "《中华人民共和国户口登记条例》第十条\n《南宁市户籍管理规定》",
     ["提交申请", "受理审核", "办理迁移", "领取新户口簿"],
     [M("申请人居民身份证", original=True, licence="居民身份证"), M("居民户口簿", original=True),
      M("合法稳定住所证明", original=True, note="不动产权证书或租赁登记备案证明")],
     False, True),
    ("450102-GA-003", "出生登记", "police", "police", 10, 1, "不收费", "",
     "公安服务专区", "新生儿父母一方为本市户籍。",
     "《中华人民共和国户口登记条例》第七条",
     ["提交申请", "审核", "当场办结"],
     [M("出生医学证明", original=True), M("父母居民身份证", original=True, licence="居民身份证"),
      M("居民户口簿", original=True), M("结婚证", required=False)],
     True, True),
    ("450102-TZ-001", "企业投资项目备案", "investment", "reform", 5, 1, "不收费", "",
     "投资项目审批专区", "企业在本区投资建设的不涉及国家安全、重大生产力布局等的固定资产投资项目。",
     "《企业投资项目核准和备案管理条例》第十三条\n《企业投资项目核准和备案管理办法》",
     ["通过在线审批监管平台填报项目信息", "备案机关核对", "出具备案证明"],
     [M("项目备案信息表", original=True), LICENCE, M("项目单位承诺书", original=True)],
     True, False),
    ("450102-TZ-002", "建设工程规划许可", "investment", "housing", 20, 10, "不收费", "",
     "投资项目审批专区", "1. 取得建设用地使用权；\n2. 建设工程设计方案符合控制性详细规划和规划条件。",
     "《中华人民共和国城乡规划法》第四十条\n《广西壮族自治区实施〈中华人民共和国城乡规划法〉办法》",
     ["提交申请", "受理", "方案审查与公示", "核发建设工程规划许可证"],
     [M("建设工程规划许可申请表", original=True), LICENCE, M("不动产权证书（土地）", original=True, licence="不动产权证书"),
      M("建设工程设计方案总平面图及效果图")],
     True, True),
    ("450102-TZ-003", "建筑工程施工许可", "investment", "housing", 7, 3, "不收费", "",
     "投资项目审批专区", "1. 已办理建筑工程用地批准手续；\n2. 已取得建设工程规划许可证；\n3. 施工图设计文件已按规定审查合格；\n4. 已确定施工企业，建设资金已落实。",
     "《中华人民共和国建筑法》第七条、第八条\n《建筑工程施工许可管理办法》",
     ["网上申请", "受理", "审查", "核发施工许可证（电子证照）"],
     [M("建筑工程施工许可证申请表", original=True), LICENCE, M("建设工程规划许可证"), M("中标通知书或直接发包文件"),
      M("建设资金已落实承诺书", original=True)],
     True, True),
]
WINDOWS = [
    ("1", "企业开办综合窗口", ["enterprise"]),
    ("2", "企业开办综合窗口", ["enterprise", "other"]),
    ("3", "投资项目审批窗口", ["investment"]),
    ("4", "不动产交易登记窗口", ["housing"]),
    ("5", "住房公积金窗口", ["fund"]),
    ("6", "公安服务窗口", ["police"]),
]


def _org(region, name, agency_type, address, phone, parent=None):
    org = Organisation.objects.filter(region=region, kind="agency", name=name).first()
    if org is None:
        org = Organisation(name=name, kind="agency", agency_type=agency_type, region=region, address=address,
                           contact_phone=phone, parent=parent)
        org.full_clean()
        org.save()
    return org


def seed_organisations():
    region = Region.objects.get(code=COUNTY)
    centre = _org(region, *CENTRE)
    return centre, {key: _org(region, *spec) for key, spec in DEPARTMENTS.items()}


def seed_users(centre):
    made = 0
    for username, real_name, roles, phone in DEMO_USERS:
        if not User.objects.filter(username=username).exists():
            accounts.create_user(username=username, password=DEMO_PASSWORD, kind="staff", organisation=centre,
                                 roles=list(Role.objects.filter(code__in=roles)), real_name=real_name, phone=phone,
                                 must_change_password=False)
            made += 1
    return made


def seed_matters(centre, departments, admin):
    from . import services
    from .models import Matter, MatterMaterial

    made = 0
    for (code, name, category, dept, statutory, promised, fee, fee_basis, zone, conditions, legal, steps,
         materials, online, bookable) in MATTERS:
        if Matter.all_objects.filter(code=code).exists():
            continue
        department = departments[dept]
        matter = Matter(code=code, name=name, category=category, department=department, region=centre.region,
                        statutory_days=statutory, promised_days=promised, contact_phone=department.contact_phone,
                        supervision_phone=SUPERVISION, fee_standard=fee, fee_basis=fee_basis,
                        location=f"{HALL}{zone}", conditions=conditions, legal_basis=legal, process_steps=steps,
                        online=online, bookable=bookable, created_by=admin)
        matter.full_clean()
        matter.save()
        MatterMaterial.objects.bulk_create([
            MatterMaterial(matter=matter, name=m[0], required=m[1], original=m[2], copies=m[3], licence_type=m[4],
                           note=m[5], order=n) for n, m in enumerate(materials, start=1)])
        services.publish_matter(matter, admin, "首次发布")
        made += 1
    return made


def seed_windows(centre, admin):
    from .models import Window

    made = 0
    for number, name, categories in WINDOWS:
        if Window.all_objects.filter(centre=centre, number=number).exists():
            continue
        window = Window(region=centre.region, centre=centre, name=name, number=number, categories=categories,
                        created_by=admin)
        window.full_clean()
        window.save()
        made += 1
    return made


@transaction.atomic
def seed(scale, out):
    centre, departments = seed_organisations()
    users = seed_users(centre)
    admin = User.objects.get(username="xn_centre")
    with context.acting_as(admin):
        matters = seed_matters(centre, departments, admin)
        windows = seed_windows(centre, admin)
    out.write(f"一窗受理演示账号（密码均为 {DEMO_PASSWORD}）：" + " ".join(u[0] for u in DEMO_USERS))
    return f"兴宁区政务服务中心：用户{users}个，事项{matters}项（已发布），窗口{windows}个"
