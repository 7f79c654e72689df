"""One demo user per role, in two cities and one county, so scope can be seen at once."""
from django.db import transaction

from kernel.org.models import Organisation, Region
from kernel.org.validators import id_check_char

from . import services
from .models import Role, User

DEMO_PASSWORD = "Zw@demo2026"

# username, real name, kind, organisation lookup, role codes, note
DEMO_USERS = [
    ("gx_admin", "韦平台", "staff", ("agency", "450000", "market"), ["platform_admin"], "自治区平台管理员，全区数据"),
    ("nn_admin", "黄南宁", "staff", ("agency", "450100", "market"), ["agency_admin"], "南宁市单位管理员"),
    ("nn_staff", "李经办", "staff", ("agency", "450100", "market"), ["agency_staff"], "南宁市业务人员"),
    ("lz_staff", "覃柳州", "staff", ("agency", "450200", "market"), ["agency_staff"], "柳州市业务人员"),
    ("qx_staff", "陆青秀", "staff", ("agency", "450103", "market"), ["agency_staff"], "南宁市青秀区业务人员"),
    ("nn_auditor", "莫审计", "staff", ("agency", "450100", "hrss"), ["auditor"], "南宁市安全审计员"),
    ("ent_demo", "蓝企业", "enterprise", ("enterprise", "450103", None), ["enterprise_user"], "青秀区一家企业"),
    ("inst_demo", "农检验", "institution", ("institution", "450100", "inspection"), ["institution_user"], "南宁市检验机构"),
    ("citizen_demo", "张三", "citizen", None, ["citizen"], "个人用户（身份证已校验）"),
]


def demo_id_number():
    first17 = "45010319900307123"
    return first17 + id_check_char(first17)


def _organisation(spec):
    if spec is None:
        return None
    kind, region_code, sub = spec
    region = Region.objects.get(code=region_code)
    qs = Organisation.objects.filter(kind=kind)
    if kind == "agency":
        return qs.get(region=region, agency_type=sub)
    if kind == "institution":
        return qs.filter(region__parent=region, institution_type=sub).order_by("id").first()
    return qs.filter(region=region).order_by("id").first()


@transaction.atomic
def seed(scale, out):
    made = 0
    if not User.objects.filter(username="admin").exists():
        services.create_user(username="admin", password=DEMO_PASSWORD, kind="staff", real_name="系统管理员",
                             is_superuser=True, must_change_password=False, validate=False)
        made += 1
    for username, real_name, kind, org_spec, role_codes, _note in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        services.create_user(
            username=username, password=DEMO_PASSWORD, kind=kind, organisation=_organisation(org_spec),
            roles=list(Role.objects.filter(code__in=role_codes)), real_name=real_name,
            phone="1377110" + f"{made:04d}", id_number=demo_id_number() if kind == "citizen" else "",
            must_change_password=False,
        )
        made += 1
    out.write("演示账号（密码均为 %s）：admin %s" % (DEMO_PASSWORD, " ".join(u[0] for u in DEMO_USERS)))
    return f"演示用户{made}个"
