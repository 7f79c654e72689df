"""Demo of the department exchange (runs after gs_window's demo): a department system (the in-process
simulator: empty notify URL) for each department of the 兴宁区 demo matters, their front-end databases,
and one demo case dispatched and accepted by its department (部门已受理). Idempotent."""
import secrets

from domains.gov_services.one_window.models import Case, Matter
from kernel.org.models import Region

from . import services
from .frontdb import FrontDB
from .models import DepartmentSystem, ShadowRecord

COUNTY = "450102"


def _code(department):
    agency_type = str(getattr(department, "agency_type", "") or "")
    code = f"xn_{agency_type}"[:31]
    if not agency_type or DepartmentSystem.objects.filter(code=code).exclude(department=department).exists():
        code = f"xn_dept{department.pk}"
    return code


def seed_systems(region):
    made = 0
    departments = {m.department for m in Matter.objects.filter(region=region, is_deleted=False)
                   .select_related("department")}
    for department in sorted(departments, key=lambda d: d.pk):
        system = DepartmentSystem.objects.filter(department=department).first()
        if system is None:
            system = services.create_system(code=_code(department), name=f"{department.name}业务系统",
                                            department=department, secret=secrets.token_urlsafe(24))
            made += 1
        FrontDB(system.code).ensure()  # the front-end database exists (e.g. after the files were removed)
    return made, len(departments)


def seed_dispatch(region):
    from django.contrib.auth import get_user_model

    from integrations.department_sim.simulator import Department

    if ShadowRecord.objects.filter(case__region=region).exists():
        return ""
    with_system = DepartmentSystem.objects.filter(active=True).values("department")
    case = (Case.objects.filter(region=region, status="accepted", matter__department__in=with_system)
            .select_related("matter").order_by("accepted_at", "pk").first())
    if case is None:
        return ""
    clerk = get_user_model().objects.filter(username="xn_window").first() or case.accepted_by
    shadow = services.dispatch(case, clerk)
    status, answer = Department(shadow.system.code).progress(case.no, "accept", opinion="材料齐全，予以受理")
    if status != 200:
        return f"办件{case.no}已分发（部门受理回调失败：{answer}）"
    return f"办件{case.no}已分发并由部门受理"


def seed(scale, out):
    region = Region.objects.filter(code=COUNTY).first()
    if region is None:
        return ""
    made, total = seed_systems(region)
    parts = [f"部门业务系统{total}个（新建{made}个，本地部门模拟器）"]
    dispatched = seed_dispatch(region)
    if dispatched:
        parts.append(dispatched)
    return "，".join(parts)
