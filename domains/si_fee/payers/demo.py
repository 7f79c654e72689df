"""Demo of the user centre: the Nanning tax staff, two payers with accounts (a flexible-employment worker
and an urban-rural resident of 青秀区) and a few known only to the core system, their participation, the
current year's rules (copied from 2021, marked as demo), and three SSO channels. Idempotent.

Payers sign in at /m/si/login/ with their ID number, the demo password and an SMS code; without an
operator SMS platform the code is in the SMS simulator's outbox (/gov/notify/sms/) and, in development
mode, shown under the button."""
import datetime

from django.db import transaction
from django.utils import timezone

from domains.si_fee.rules.models import ContributionRule, InsuranceType, ResidentGrade
from domains.si_fee.rules.services import copy_year, prefecture_of
from kernel.accounts import services as accounts
from kernel.accounts.demo import DEMO_PASSWORD
from kernel.accounts.models import Role, User
from kernel.org.models import Organisation, Region
from kernel.org.validators import id_check_char

from . import services
from .models import Participation, Payer, SsoChannel

STAFF = [("nn_si_admin", "覃税管", ["si_tax_admin"], "13977106001", "450100"),
         ("nn_si_clerk", "莫经办", ["si_tax_clerk"], "13977106002", "450100")]
# (first 17 digits, name, person type, county, mobile, special category, with account, agency)
PAYERS = [
    ("45010319880315234", "韦秀梅", "flexible", "450103", "13907718801", "", True, "南宁市社会保险事业局"),
    ("45010319620708451", "蒙桂兰", "resident", "450103", "13907718802", "", True, "南宁市青秀区社会保险事业局"),
    ("45040319700120372", "黎国强", "flexible", "450403", "13907748803", "retirement_age", False, "梧州市社会保险事业局"),
    ("45030219900909182", "唐丽娜", "flexible", "450302", "13907738804", "", False, "桂林市社会保险事业局"),
]
CHANNELS = [("etax", "广西电子税务局"), ("gxzwfw", "广西数字政务一体化平台（政务服务网）"), ("bank_ceb", "光大银行城市服务")]
RESIDENT_GRADES = ["100", "200", "300", "400", "500", "600", "700", "800", "900", "1000", "1500", "2000", "3000"]


def _id(first17):
    return first17 + id_check_char(first17)


def seed_staff():
    made = 0
    for username, real_name, roles, phone, code in STAFF:
        if User.objects.filter(username=username).exists():
            continue
        org = Organisation.objects.filter(region__code=code, agency_type="tax").first()
        accounts.create_user(username=username, password=DEMO_PASSWORD, kind="staff", organisation=org,
                             roles=list(Role.objects.filter(code__in=roles)), real_name=real_name, phone=phone,
                             must_change_password=False)
        made += 1
    return made


def seed_payers():
    made = 0
    types = {t.code: t for t in InsuranceType.objects.all()}
    citizen = Role.objects.filter(code="citizen").first()
    for first17, name, person_type, county, mobile, special, account, agency in PAYERS:
        id_number = _id(first17)
        if Payer.all_objects.filter(id_number=id_number).exists():
            continue
        region = Region.objects.get(code=county)
        user = None
        if account:
            user = accounts.create_user(username=id_number, password=DEMO_PASSWORD, kind="citizen", real_name=name,
                                        phone=mobile, id_number=id_number, must_change_password=False,
                                        roles=[citizen] if citizen else ())
        payer = Payer.objects.create(
            user=user, person_type=person_type, name=name, id_number=id_number, mobile=mobile, region=region,
            prefecture=prefecture_of(region), special_category=special, agency=agency,
            registration_no=f"DJ{county}{made + 1:06d}", person_no=f"RY{county}{made + 1:08d}",
            tax_authority=Organisation.objects.filter(region=region, agency_type="tax").first(),
            address=f"{region.parent.name}{region.name}", registered_at=timezone.now() if account else None)
        codes = ["fe_pension", "fe_medical", "fe_serious"] if person_type == "flexible" else ["rr_pension", "rr_medical"]
        for code in codes:
            Participation.objects.create(payer=payer, insurance=types[code], agency=agency,
                                         started_on=datetime.date(2019, 1, 1))
        made += 1
    return made


def seed_rules():
    """The current year's rules: the 2021 table carried forward (demo), and resident grades."""
    year = timezone.localdate().year
    made = 0
    for y in range(2022, year + 1):
        made += len(copy_year(ContributionRule.objects.filter(year=y - 1), y, user=None))
    rr = list(InsuranceType.objects.filter(code__in=("rr_pension", "rr_medical")))
    for prefecture in Region.objects.filter(code__in={"450100", "450200", "450300"}):
        for insurance in rr:
            grades = RESIDENT_GRADES if insurance.code == "rr_pension" else ["350"]
            ResidentGrade.objects.get_or_create(prefecture=prefecture, year=year, insurance=insurance,
                                                defaults={"grades": grades, "default_grade": grades[0]})
    return made


def seed_channels():
    made = 0
    for code, name in CHANNELS:
        if not SsoChannel.objects.filter(code=code).exists():
            services.create_channel(code=code, name=name, secret=f"demo-{code}-secret")
            made += 1
    return made


def seed(scale, out):
    if not Region.objects.filter(code="450103").exists():
        return ""
    with transaction.atomic():
        staff, payers, rules, channels = seed_staff(), seed_payers(), seed_rules(), seed_channels()
    out.write(f"社保费掌上办演示账号（密码均为 {DEMO_PASSWORD}）：nn_si_admin nn_si_clerk；缴费人以身份证号登录："
              + " ".join(f"{_id(p[0])}（{p[1]}）" for p in PAYERS if p[6]) + "\n")
    return f"税务人员{staff}个，缴费人{payers}个，缴费规则{rules}条，单点登录渠道{channels}个"
