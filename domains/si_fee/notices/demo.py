"""Demo content of the public service: the operation manual (V1.0 and the V1.1 release that added refunds
and entrusted-deduction agreements) and three notices of the tax authority, among them Nanning's 2021
flexible-employment pension notice (seed 003 §2.3.1 and §2.5). Created once; nothing is overwritten."""
import datetime

MANUAL_V1 = [
    ("概述", """社保费“掌上办”是国家税务总局广西壮族自治区税务局依托12366微信公众号提供的社会保险费缴费服务，面向灵活就业人员和城乡居民，可在手机上办理缴费申报、缴纳费用、查询缴费记录、打印缴费回单等业务。
本手册按功能说明操作步骤。各功能上线或调整时本手册同步更新，请以“公众服务—操作手册”中的现行版本为准。
服务时间：每日7:00至22:00（银行扣款以开户银行的服务时间为准）。咨询电话：12366。"""),
    ("注册与登录", """1. 关注“广西税务12366”微信公众号，点击菜单“社保费掌上办”进入服务首页。
2. 首次使用请点击“注册”，如实填写姓名、证件类型、证件号码和本人手机号码，点击“获取验证码”，输入短信验证码（5分钟内有效）后提交。系统将核验您的参保登记信息，核验通过即注册成功。
3. 再次使用时在登录页输入手机号码，点击“获取验证码”并输入收到的6位短信验证码即可登录。验证码连续输错5次将暂停发送10分钟。
4. 一个账号只能办理本人的业务。如需为家人办理，请退出后使用家人的账号登录。
5. 手机号码变更的，请在“用户中心—个人信息”中修改，修改时需验证新手机号码的短信验证码。
6. 已登录广西电子税务局、广西政务服务网或合作银行渠道的，可通过单点登录直接进入，无需再次输入验证码。"""),
    ("缴费申报", """适用于灵活就业人员基本养老保险的自主申报。
1. 在首页“涉费业务”中点击“缴费申报”。
2. 选择险种“灵活就业人员基本养老保险”，选择缴费所属期（可多选月份），在缴费基数档次中选择一档（不得低于当地当年最低缴费基数）。
3. 系统按“缴费基数×费率（20%）”计算每月应缴金额及合计金额，请核对无误后点击“确认申报”。
4. 所属期规则以当地政策为准。例如南宁市在2021年度新缴费基数公布前，只能缴纳至当月所属期，不能预缴全年；到龄退休人员、失地农民等由社保部门核定的人员不能自主申报，请按核定结果缴费。
5. 申报成功后请在24小时内完成缴费，逾期未缴的申报将自动作废，可重新申报。"""),
    ("待缴费用与缴费", """1. 在首页点击“待缴费用”，可看到已申报未缴纳的费用，以及社保部门核定、通过特殊渠道推送的待缴费用。
2. 勾选需要缴纳的费用，点击“去缴费”，选择微信支付或银行卡支付，按页面提示完成付款。
3. 支付成功后费用状态变为“已缴费”。如支付后状态未更新，请勿重复支付，可在10分钟后刷新或在“查询业务—缴费记录”中查看；确属重复缴费的，可申请退费。
4. 城乡居民养老保险、医疗保险按年度缴纳，请在当地规定的集中征收期内选择档次缴费。"""),
    ("缴费回单", """1. 在“查询业务”中点击“缴费回单”，选择缴费年度，可看到每一笔已缴费记录。
2. 点击记录可查看回单详情，点击“下载回单”可保存PDF格式的电子缴费回单，回单上有税务机关电子印章，可用于报销、个税专项附加扣除等证明。
3. 回单信息以金三社保费核心系统的缴费结果为准；缴费后次日方可开具的，请次日再试。"""),
    ("退费申请", """1. 因重复缴费、多缴费等原因需要退费的，在“涉费业务”中点击“退费申请”。
2. 选择需要退费的缴费记录，填写退费原因，填写本人名下的银行账户（开户银行、账号），上传相关证明材料（图片或PDF）后提交。
3. 退费申请须经社保经办机构核定、税务机关审核后办理，可在“退费申请”中查看办理进度；办结后款项退回您填写的银行账户。
4. 特殊人员（如已领取待遇人员）不能在线退费的，系统会给出提示，请到办税服务厅办理。"""),
    ("委托扣款协议", """1. 签订委托扣款协议后，可由银行按期从您的账户中扣缴社会保险费，无需每次手动缴费。
2. 在“涉费业务”中点击“委托扣款协议”，选择险种和扣款银行，填写本人银行账号并阅读协议条款，点击“签订协议”，按提示完成银行验证。
3. 签约成功后可在“查询业务—委托扣款协议查询”中查看协议状态；如需更换银行账户或终止扣款，可在协议详情中办理变更或解约。
4. 扣款前请确保账户余额充足；扣款失败的费用会出现在“待缴费用”中，可手动缴纳。"""),
    ("查询", """在“查询业务”中可办理：
1. 参保信息查询：查看参保的社保经办机构、征收项目、征收品目、参保状态和特殊人员类别。
2. 缴费记录查询：按年度查看每月缴费基数、金额、缴费时间和缴费渠道。
3. 申报结果查询：城乡居民可查看虚拟户自主申报的结果。
4. 待批扣清册查询：查看已签协议、等待银行批量扣款的费用。
5. 委托扣款协议查询：查看已签订的两方或三方协议。
查询不到本人信息时，请确认是否已办理社保缴费登记，或携带身份证件到办税服务厅咨询。"""),
    ("公众服务", """1. 通知公告：查看税务机关发布的社保费政策法规、业务通知和公告，可按时间、发文字号、分级、分类排序，红色“未读”标记表示尚未阅读，点击进入可查看全文和下载附件。重要通知会在登录时自动弹出提示。
2. 操作手册：即本手册，可在线阅读，也可下载PDF文件；下载的文件带有下载人和下载时间水印，仅供本人使用。"""),
]

MANUAL_V11_EXTRA = ("常见问题", """1. 收不到短信验证码怎么办？请确认手机号码正确、未被拦截，60秒后可重新获取；仍收不到的，请拨打12366。
2. 缴费后多久可以查询到记录？一般即时可查，最迟次日可查。
3. 可以为家人缴费吗？可以，请退出后使用家人的账号登录办理，一个账号只能办理本人业务。""")

NOTICES = [
    dict(
        title="关于2021年度南宁市灵活就业人员基本养老保险费缴费有关事项的通知",
        document_no="南税发〔2021〕6号", level=1, category=1, issuer="国家税务总局南宁市税务局", region="450100",
        valid_from=datetime.date(2021, 2, 1), valid_until=None, push_frequency="first_login",
        content="""各灵活就业缴费人：

根据自治区人力资源和社会保障厅、国家税务总局广西壮族自治区税务局有关规定，现将2021年度南宁市灵活就业人员基本养老保险费缴费有关事项通知如下：

一、缴费时间。2021年1月份按最低缴费基数2955.1元缴纳2020年度灵活就业人员基本养老保险费，1月份只能缴纳2020年度的费款；自2021年2月起正常缴纳2021年度费款。

二、缴费基数。2021年度缴费基数公布前，按最低档3153.9元及以上档次申报缴纳，费率为20%。

三、缴费所属期。新缴费基数公布前（预计8月份），只能缴纳至当月所属期，不能预缴全年。

四、特殊人员。2021年1月到龄退休需缴费的人员，由社保部门核定特殊缴费，不能自主申报。

五、缴费渠道。缴费人可通过“广西税务12366”微信公众号“社保费掌上办”、广西电子税务局、合作银行渠道或办税服务厅缴费。

如有疑问，请拨打12366纳税缴费服务热线咨询。

特此通知。"""),
    dict(
        title="关于社保费“掌上办”新增退费申请和委托扣款协议功能的公告",
        document_no="桂税公告〔2021〕3号", level=2, category=2, issuer="国家税务总局广西壮族自治区税务局", region="450000",
        valid_from=datetime.date(2021, 3, 1), valid_until=None, push_frequency="every_login",
        content="""为进一步便利缴费人办理社会保险费业务，自2021年3月1日起，社保费“掌上办”新增以下功能：

一、退费申请。因重复缴费、多缴费需要退费的，缴费人可在线提交退费申请，经社保经办机构核定、税务机关审核后退回本人银行账户。

二、委托扣款协议。缴费人可在线签订委托银行扣款协议，由银行按期扣缴社会保险费。

操作方法详见“公众服务—操作手册”（V1.1）。

特此公告。"""),
    dict(
        title="2021年度城乡居民基本医疗保险集中征收期提醒",
        document_no="", level=3, category=3, issuer="国家税务总局南宁市税务局", region="450100",
        valid_from=datetime.date(2021, 9, 1), valid_until=datetime.date(2021, 12, 31), push_frequency="none",
        audience_person_type="resident",
        content="""2022年度城乡居民基本医疗保险费集中征收期为2021年9月1日至12月31日。

请城乡居民在集中征收期内通过社保费“掌上办”、合作银行渠道或村（社区）代办点按年度缴纳，以免影响2022年度医保待遇。"""),
]


def seed(scale, out):
    from django.db import transaction
    from django.utils import timezone

    from kernel.org.models import Region

    from . import services
    from .models import ManualVersion, Notice

    made_manual = made_notices = 0
    with transaction.atomic():
        if not ManualVersion.all_objects.filter(version="V1.0").exists():
            ManualVersion.objects.create(
                version="V1.0", released_on=datetime.date(2021, 1, 1), video_url="",
                changes="首次发布：注册与登录、缴费申报、待缴费用、缴费回单、查询、通知公告",
                sections=[{"title": t, "body": b} for t, b in MANUAL_V1 if t not in ("退费申请", "委托扣款协议")])
            made_manual += 1
        if not ManualVersion.all_objects.filter(version="V1.1").exists():
            ManualVersion.objects.create(
                version="V1.1", released_on=datetime.date(2021, 3, 1), video_url="",
                changes="新增退费申请功能\n新增委托扣款协议签订、变更和解约\n新增常见问题",
                sections=[{"title": t, "body": b} for t, b in [*MANUAL_V1, MANUAL_V11_EXTRA]])
            made_manual += 1
        regions = {r.code: r for r in Region.objects.filter(code__in={n["region"] for n in NOTICES})}
        for spec in NOTICES:
            spec = dict(spec)
            region = regions.get(spec.pop("region"))
            if region is None or Notice.all_objects.filter(title=spec["title"]).exists():
                continue
            notice = Notice.objects.create(region=region, **spec)
            notice.workflow.apply(notice, "publish", None, system=True)
            published = timezone.make_aware(datetime.datetime.combine(notice.valid_from, datetime.time(9, 0)))
            Notice.objects.filter(pk=notice.pk).update(published_at=published)
            made_notices += 1
    return f"操作手册{made_manual}版，通知公告{made_notices}条（{services.ATTACHMENT_PURPOSE}附件用途已注册）"
