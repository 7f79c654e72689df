"""Builders shared by the enterprise-entrance tests (test_ent_*.py, test_general_*.py); no tests here.

A Nanning (青秀区 450103) user unit with two users, a Nanning inspection institution, the county
regulator, and a Liuzhou (城中区 450202) unit with its own user, for the scope checks."""
import datetime
import itertools

from django.utils import timezone

from domains.special_equipment.equipment.models import Equipment, InspectionReport
from domains.special_equipment.hazards import services
from domains.special_equipment.hazards.models import JudgementItem
from kernel.accounts.models import Role, User
from kernel.core import context
from kernel.core.testing import PASSWORD, make_agency, make_enterprise, make_staff
from kernel.org.models import Organisation, Region

_seq = itertools.count(1)
TODAY = timezone.localdate


def days(n):
    return TODAY() + datetime.timedelta(days=n)


def make_user(org, roles, username=None, kind=None, real_name=""):
    user = User.objects.create_user(username=username or f"u{next(_seq)}", password=PASSWORD,
                                    kind=kind or ("institution" if org.kind == "institution" else "enterprise"),
                                    organisation=org, must_change_password=False, real_name=real_name)
    user.roles.add(*Role.objects.filter(code__in=roles))
    return user


def make_institution(region_code="450103", name=None, institution_type="inspection"):
    return Organisation.objects.create(name=name or f"测试检验院{next(_seq)}", kind="institution",
                                       institution_type=institution_type, region=Region.objects.get(code=region_code))


def make_equipment(unit, category="3000", code=None, region_code=None):
    region = Region.objects.get(code=region_code) if region_code else unit.region
    return Equipment.objects.create(code=code or f"EQ{next(_seq):08d}", category=category, region=region,
                                    user_unit=unit, name="乘客电梯" if category == "3000" else "储气罐")


def make_report(equipment, agency, conclusion="nonconforming", no=None):
    return InspectionReport.objects.create(
        report_no=no or f"TJ{next(_seq):08d}", equipment=equipment, agency=agency, user_unit=equipment.user_unit,
        region=equipment.region, inspected_on=days(-2), conclusion=conclusion, problems="限速器动作速度超出规定范围")


def regulator(region_code="450103"):
    make_agency(region_code)
    user = make_staff(region_code, username=f"reg{next(_seq)}")
    user.roles.add(Role.objects.get(code="se_regulator"))
    return user


class World:
    """The people and things most tests need."""

    def __init__(self):
        make_agency("450103")
        make_agency("450202")
        self.unit = make_enterprise("450103", name=f"南宁青秀测试电梯使用单位{next(_seq)}")
        self.unit_user = make_user(self.unit, ["se_unit", "se_unit_safety"], real_name="黄安全")
        self.worker = make_user(self.unit, ["se_unit"], real_name="李维修")
        self.equipment = make_equipment(self.unit)
        self.institution = make_institution()
        self.inst_user = make_user(self.institution, ["se_institution"], real_name="陈检验")
        self.regulator = regulator("450103")
        self.other_unit = make_enterprise("450202", name=f"柳州城中测试单位{next(_seq)}")
        self.other_user = make_user(self.other_unit, ["se_unit", "se_unit_safety"])
        self.other_equipment = make_equipment(self.other_unit)
        self.items = list(JudgementItem.objects.filter(equipment_category="3000").order_by("order")[:2])

    def report(self, user=None, items=None, unit=None, equipment=None, **extra):
        user = user or self.unit_user
        unit = unit or self.unit
        equipment = equipment if equipment is not None else (self.equipment if unit == self.unit else None)
        items = items or self.items
        extra.setdefault("source", "inspection" if user.kind == "institution" else "unit")
        with context.acting_as(user):
            return services.report_major_hazard(
                user, user_unit=unit, equipment_category="3000", equipment=equipment,
                description="电梯安全保护装置失效", items=[{"judgement_item": j.pk, "description": j.text} for j in items],
                **extra)

    def dispatch(self, hazard, deadline_days=20):
        with context.acting_as(self.regulator):
            services.dispatch(hazard, self.regulator, directive="notice", deadline=days(deadline_days),
                              requirement="停梯整改", comment="请按期整改")
        hazard.refresh_from_db()
        return hazard

    def fed_back(self, hazard):
        """Dispatched and answered by the unit: waiting for review."""
        self.dispatch(hazard)
        with context.acting_as(self.unit_user):
            services.submit_feedback(hazard, self.unit_user, comment="已整改",
                                     feedback={str(i.pk): "已更换部件" for i in hazard.items.all()})
        hazard.refresh_from_db()
        return hazard
