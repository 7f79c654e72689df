"""Builders shared by the agency-entrance tests (test_gov_*.py, test_workflow_rules.py); no tests here.

Nanning: the city bureau (南宁市 450100) and two county bureaus (青秀区 450103, 兴宁区 450102), each with
a regulator; a 青秀区 user unit with a safety manager and a lift; a 兴宁区 unit; a Liuzhou (柳州 450200)
regulator for the scope checks."""
import datetime
import itertools

from django.utils import timezone

from domains.special_equipment.equipment.models import Equipment
from domains.special_equipment.hazards import services
from domains.special_equipment.hazards.models import HazardItem, JudgementItem, MajorHazard
from kernel.accounts.models import Role, User
from kernel.core import context
from kernel.core.testing import PASSWORD, make_agency, make_enterprise, make_staff
from kernel.org.models import Region

_seq = itertools.count(1)
QINGXIU, XINGNING, NANNING, LIUZHOU, GUANGXI = "450103", "450102", "450100", "450200", "450000"


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def with_role(user, code):
    user.roles.add(Role.objects.get(code=code))
    return user


def regulator(region_code, role="se_regulator", **extra):
    make_agency(region_code)
    return with_role(make_staff(region_code, username=f"gov{next(_seq)}", **extra), role)


def unit_user(unit, roles=("se_unit", "se_unit_safety")):
    user = User.objects.create_user(username=f"ent{next(_seq)}", password=PASSWORD, kind="enterprise",
                                    organisation=unit, must_change_password=False, real_name="黄安全")
    user.roles.add(*Role.objects.filter(code__in=roles))
    return user


def lift(unit, category="3000", **fields):
    values = {"code": f"3110GOV{next(_seq):08d}", "category": category, "region": unit.region, "user_unit": unit,
              "name": "1号客梯", "location": "民族大道100号"}
    values.update(fields)
    return Equipment.objects.create(**values)


class World:
    def __init__(self):
        self.city_agency = make_agency(NANNING)
        self.qx_agency = make_agency(QINGXIU)
        self.xn_agency = make_agency(XINGNING)
        self.lz_agency = make_agency(LIUZHOU)
        self.qx = regulator(QINGXIU, real_name="韦监察")
        self.xn = regulator(XINGNING)
        self.city = regulator(NANNING)
        self.lz = regulator(LIUZHOU)
        self.admin = regulator(NANNING, role="se_admin")
        self.unit = make_enterprise(QINGXIU, name=f"南宁青秀督办测试电梯使用单位{next(_seq)}")
        self.unit.address = "南宁市青秀区民族大道100号"
        self.unit.save()
        self.unit_user = unit_user(self.unit)
        self.lift = lift(self.unit)
        self.xn_unit = make_enterprise(XINGNING, name=f"南宁兴宁测试单位{next(_seq)}")
        self.items = list(JudgementItem.objects.filter(equipment_category="3000").order_by("order")[:2])

    def report(self, by=None, unit=None, equipment=None, items=None, source="supervision", **extra):
        by = by or self.qx
        unit = unit or self.unit
        if equipment is None and unit == self.unit:
            equipment = self.lift
        with context.acting_as(by):
            return services.report_major_hazard(
                by, user_unit=unit, source=source, equipment_category="3000", equipment=equipment,
                description="电梯安全保护装置失效", items=[{"judgement_item": j.pk, "description": j.text}
                                                          for j in (items or self.items)], **extra)

    def dispatch(self, hazard, directive="notice", deadline_days=20, by=None):
        by = by or self.qx
        with context.acting_as(by):
            services.dispatch(hazard, by, directive=directive, deadline=days(deadline_days),
                              requirement="立即停梯整改，更换失效部件", comment="请按期整改")
        hazard.refresh_from_db()
        return hazard

    def feed_back(self, hazard, text="已更换部件并经自行检测合格"):
        with context.acting_as(self.unit_user):
            services.submit_feedback(hazard, self.unit_user, comment="已整改，申请销号",
                                     feedback={str(i.pk): text for i in hazard.items.filter(
                                         status__in=("open", "returned"))})
        hazard.refresh_from_db()
        return hazard

    def log(self, hazard, kind="supervision", by=None):
        by = by or self.qx
        with context.acting_as(by):
            return services.add_log(hazard, by, kind=kind, date=timezone.localdate(), inspectors="韦监察、李执法",
                                    content="现场检查，限速器已更换" if kind == "supervision" else "复核：整改到位")

    def review_all(self, hazard, passed=True, by=None):
        by = by or self.qx
        with context.acting_as(by):
            for item in hazard.items.filter(status="fed_back"):
                services.review_item(item, by, passed=passed, comment="" if passed else "未整改到位")
        hazard.refresh_from_db()
        return hazard

    def hazard_in(self, region_code, by=None):
        """A reported hazard of a new unit in another region."""
        unit = make_enterprise(region_code)
        return self.report(by=by or regulator(region_code), unit=unit, equipment=None)


def item_states(hazard):
    return sorted(HazardItem.objects.filter(hazard=hazard).values_list("status", flat=True))


def region(code):
    return Region.objects.get(code=code)


__all__ = ["World", "MajorHazard", "days", "item_states", "region", "regulator", "unit_user", "lift", "PASSWORD",
           "QINGXIU", "XINGNING", "NANNING", "LIUZHOU", "GUANGXI"]
