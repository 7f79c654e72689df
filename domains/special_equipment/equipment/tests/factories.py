"""Builders shared by the equipment tests: units, users with the standard roles, equipment, reports, hazards."""
import datetime
import itertools

from django.utils import timezone

from kernel.accounts.models import Role, User
from kernel.core.testing import PASSWORD, make_agency, make_enterprise, make_staff
from kernel.org.demo import make_uscc
from kernel.org.models import Organisation, Region

from ..models import Equipment, InspectionReport

_seq = itertools.count(1)
NANNING_COUNTY, NANNING, LIUZHOU_COUNTY, LIUZHOU = "450103", "450100", "450202", "450200"


def today():
    return timezone.localdate()


def days(n):
    return today() + datetime.timedelta(days=n)


def make_institution(region_code=NANNING, name=None):
    n = next(_seq)
    return Organisation.objects.create(name=name or f"测试检验院{n}分院", kind="institution",
                                       institution_type="inspection", region=Region.objects.get(code=region_code),
                                       uscc=make_uscc("12", region_code, 800_000 + n))


def role_user(org, role_code, username=None):
    kind = {"enterprise": "enterprise", "institution": "institution", "agency": "staff"}[org.kind]
    user = User.objects.create_user(username=username or f"{role_code}{next(_seq)}", password=PASSWORD, kind=kind,
                                    organisation=org, must_change_password=False)
    user.roles.add(Role.objects.get(code=role_code))
    return user


def regulator(region_code=NANNING, username=None):
    user = make_staff(region_code, username=username)
    user.roles.add(Role.objects.get(code="se_regulator"))
    return user


def make_equipment(region_code=NANNING_COUNTY, unit=None, **fields):
    n = next(_seq)
    unit = unit or make_enterprise(region_code)
    values = {"code": f"3110{region_code}{n:08d}", "category": "3000", "name": f"{n}号客梯",
              "region": Region.objects.get(code=region_code), "user_unit": unit, "location": "民族大道1号"}
    values.update(fields)
    return Equipment.objects.create(**values)


def make_report(equipment, agency=None, conclusion="qualified", **fields):
    n = next(_seq)
    values = {"report_no": f"BG{n:08d}", "equipment": equipment, "agency": agency or make_institution(),
              "inspected_on": days(-10), "conclusion": conclusion, "kind": "periodic"}
    values.update(fields)
    return InspectionReport.objects.create(**values)


def make_major_hazard(report=None, equipment=None, status="reported", **fields):
    """A major hazard row (the hazards app's own services are tested there)."""
    from domains.special_equipment.hazards.models import MajorHazard

    equipment = equipment or report.equipment
    values = {"no": f"YH{next(_seq):010d}", "source": "inspection", "equipment_category": equipment.category,
              "equipment": equipment, "report": report, "user_unit": equipment.user_unit,
              "managing_agency": make_agency(equipment.region.code[:4] + "00"),
              "reporter_org": report.agency if report else equipment.user_unit, "region": equipment.region,
              "description": "限速器失效"}
    values.update(fields)
    hazard = MajorHazard.objects.create(**values)
    if status != hazard.status:  # test data: placed in a state directly (the workflow is tested in hazards)
        MajorHazard.objects.filter(pk=hazard.pk).update(status=status)
        hazard.refresh_from_db()
    return hazard
