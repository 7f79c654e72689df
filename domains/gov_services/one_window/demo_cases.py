"""Demo cases of window acceptance (run by OneWindowConfig.seed_demo after the catalogue and appointments).

A few cases accepted at the 兴宁区 centre's windows through services.register_case as the demo window clerk
(xn_window unless a 综合受理窗口人员 of 兴宁区 exists), with their materials checked and digitised; some are
dated back (the services recompute their due dates from the earlier acceptance day) so that the first
e-supervision scan shows all three colours: one within 2 working days of its promise (yellow), one past its
promise (orange) and one past its statutory limit (red). Idempotent: nothing is added while the centre has
window cases. Also one 联合审批 project (seed_joint) waiting for the window's review. Returns "" when the
catalogue has no published matter there yet."""
import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from kernel.accounts.models import Role, User
from kernel.core import context
from kernel.org.models import Region

from . import services
from .alerts import working_days_before
from .models import Case, Matter

DEMO_PASSWORD = "Zw@demo2026"
XINGNING = "450102"
APPLICANTS = [("韦志强", "45010219850612123", "13907712101"), ("黄秀英", "45010219900301234", "13907712102"),
              ("覃海燕", "45010219780815345", "13907712103"), ("莫建国", "45010219691001456", "13907712104"),
              ("陆丽萍", "45010219950520567", "13907712105"), ("梁国庆", "45010219821001678", "13907712106")]


def _clerk(window):
    role = Role.objects.filter(code="gs_window_clerk").first()
    existing = (User.objects.filter(roles=role, organisation__region__code=XINGNING, is_active=True)
                .order_by("id").first()) if role else None
    if existing is not None:
        return existing
    user = User.objects.filter(username="xn_window").first()
    if user is not None:
        return user
    from kernel.accounts import services as accounts

    return accounts.create_user(username="xn_window", password=DEMO_PASSWORD, kind="staff", organisation=window.centre,
                                roles=[role] if role else [], real_name="兴宁综窗", phone="13907712100",
                                must_change_password=False)


def _scan(n, name):
    body = f"%PDF-1.4\n% demo {n} {name}\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"
    return SimpleUploadedFile(f"material{n}.pdf", body.encode(), content_type="application/pdf")


def _id(first17):
    from kernel.org.validators import id_check_char

    return first17 + id_check_char(first17)


def _at(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


JOINT_NOTICE = "SGZ-450102-DEMO-0001"
JOINT_MATTERS = ("450102-QY-002", "450102-QY-003")  # post-registration permits after a company registration


def seed_joint(region):
    """One 联合审批 project waiting at the window: the 双告知 of a 兴宁区 demo enterprise for two
    post-registration permits (the same path as the market regulator's signed push). Idempotent by the
    notice number."""
    from kernel.org.models import Organisation

    from . import joint

    if Case.all_objects.filter(form_data__joint__notice_no=JOINT_NOTICE).exists():
        return ""
    if Matter.objects.filter(code__in=JOINT_MATTERS, status="published").count() < len(JOINT_MATTERS):
        return ""
    org = (Organisation.objects.filter(kind="enterprise", region__path__startswith=region.path)
           .filter(uscc__isnull=False).exclude(uscc="").order_by("pk").first())
    if org is None:
        return ""
    if not org.contact_phone:
        org.contact_person, org.contact_phone = org.contact_person or "李经理", "13907712199"
        org.save(update_fields=["contact_person", "contact_phone"])
    gid, cases, _ = joint.start_joint_approval(org.uscc, list(JOINT_MATTERS), enterprise_name=org.name,
                                               notice_no=JOINT_NOTICE)
    return f"联合审批项目{gid}（{org.name}，{len(cases)}个后置审批事项待受理）"


def seed(scale, out):
    region = Region.objects.filter(code=XINGNING).first()
    if region is None:
        return ""
    joint_note = seed_joint(region)
    window_note = seed_window_cases(region)
    return "；".join(n for n in (window_note, joint_note) if n)


def seed_window_cases(region):
    from .models import Window

    windows = list(Window.objects.filter(region=region, active=True, is_deleted=False).select_related("centre"))
    matters = [m for m in Matter.objects.filter(region=region, status="published", is_deleted=False).order_by("code")
               if any(m.category in (w.categories or []) for w in windows)]
    if not matters:
        return ""
    if Case.objects.filter(region=region, channel__in=("window", "appointment")).exists():
        return ""
    clerk = _clerk(windows[0])
    today = timezone.localdate()
    # the matter whose statutory limit leaves room between "past the promise" and "past the statute"
    roomy = max(matters, key=lambda m: m.statutory_days - m.promised_days)
    plans = [(matters[0], today), (matters[-1], today),
             (roomy, working_days_before(today, max(roomy.promised_days - 1, 0))),  # yellow: due tomorrow
             (roomy, working_days_before(today, roomy.promised_days + 1)),  # orange: one day past the promise
             (matters[0], working_days_before(today, matters[0].statutory_days + 1)),  # red
             (matters[-1], working_days_before(today, 1))]
    n = 0
    with transaction.atomic(), context.acting_as(clerk):
        for i, (matter, day) in enumerate(plans):
            window = next(w for w in windows if matter.category in (w.categories or []))
            name, first17, phone = APPLICANTS[i % len(APPLICANTS)]
            materials = []
            for item in services.version_materials(matter):
                if item["required"]:
                    n += 1
                    materials.append({"key": item["key"], "checked": True, "original_seen": item["original"],
                                      "file": _scan(n, item["name"])})
            services.register_case(clerk, matter=matter, window=window, applicant_name=name,
                                   applicant_id_number=_id(first17), applicant_phone=phone, materials=materials,
                                   delivery="courier" if i % 3 == 2 else "pickup", accepted_at=_at(day))
    return f"窗口受理办件{len(plans)}件（含临近、超承诺、超法定期限各1件）"
