"""Equipment registry operations: the only place that writes equipment and inspection reports.

Every write is a BusinessModel save, so each leaves a change row in the audit trail; every
query that reaches a person goes through visible_to(user)."""
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, CharField, Exists, OuterRef, Q, Value, When
from django.utils import timezone

from kernel.org.forms import restrict_regions
from kernel.org.models import Organisation, Region
from kernel.org.scope import can_see

from .models import CATEGORIES, Equipment, InspectionReport

REPORTED, UNREPORTED = "已上报", "未上报"


# -- what a person may see -------------------------------------------------------------------
def visible_equipment(user):
    """Equipment a user may open. Agencies: their region's subtree; user and maintenance units: their own
    (visible_to). A technical institution also sees the equipment it has issued reports on."""
    qs = Equipment.objects.visible_to(user)
    if getattr(user, "kind", "") == "institution" and user.organisation_id:
        inspected = InspectionReport.objects.visible_to(user).filter(agency_id=user.organisation_id)
        qs = Equipment.objects.filter(Q(pk__in=qs.values("pk")) | Q(pk__in=inspected.values("equipment_id")))
    return qs


def units_in_scope(user):
    """User units (enterprises) a person may register equipment for."""
    return Organisation.objects.visible_to(user).filter(kind=Organisation.Kind.ENTERPRISE)


def maintenance_units():
    """Maintenance units may be registered anywhere (a company serves several cities)."""
    return Organisation.objects.filter(kind__in=(Organisation.Kind.ENTERPRISE, Organisation.Kind.INSTITUTION))


# -- the non-conforming reports without a major hazard (4.3.2) --------------------------------
def _live_hazards():
    """Major hazards that count as 'reported': not deleted, not revoked."""
    return apps.get_model("se_hazards", "MajorHazard").objects.exclude(status="revoked")


def with_hazard_flag(reports):
    """Annotates hazard_reported (bool) and hazard_state (已上报 / 未上报 for negative reports, else '')."""
    return reports.annotate(
        hazard_reported=Exists(_live_hazards().filter(report=OuterRef("pk"))),
    ).annotate(hazard_state=Case(
        When(Q(conclusion__in=InspectionReport.NEGATIVE) & Q(hazard_reported=True), then=Value(REPORTED)),
        When(conclusion__in=InspectionReport.NEGATIVE, then=Value(UNREPORTED)),
        default=Value(""), output_field=CharField()))


def unreported_negative(reports):
    """Reports concluded 不符合要求 / 不合格 for which no live major hazard references the report."""
    return with_hazard_flag(reports).filter(conclusion__in=InspectionReport.NEGATIVE, hazard_reported=False)


# -- equipment ----------------------------------------------------------------------------------
def check_equipment_fields(equipment):
    """Rules of the record itself beyond the model's: the eight categories and the dates."""
    errors = {}
    if equipment.category and equipment.category not in CATEGORIES:
        errors["category"] = "本系统只登记八大类特种设备（气瓶在气瓶追溯系统中管理）"
    today = timezone.localdate()
    if equipment.manufactured_on and equipment.manufactured_on > today:
        errors["manufactured_on"] = "制造日期不能晚于今天"
    if equipment.commissioned_on and equipment.manufactured_on and equipment.commissioned_on < equipment.manufactured_on:
        errors["commissioned_on"] = "投用日期不能早于制造日期"
    if errors:
        raise ValidationError(errors)


def validate_equipment(user, equipment):
    """check_equipment_fields, and the region and the units inside the user's jurisdiction."""
    errors = {}
    try:
        check_equipment_fields(equipment)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if equipment.region_id and not restrict_regions(Region.objects.filter(pk=equipment.region_id), user).exists():
        errors["region"] = "该区划不在您的管辖范围内"
    stored = Equipment.all_objects.filter(pk=equipment.pk).values_list("user_unit_id", flat=True).first() \
        if equipment.pk else None
    if equipment.user_unit_id and equipment.user_unit_id != stored \
            and not units_in_scope(user).filter(pk=equipment.user_unit_id).exists():
        errors["user_unit"] = "该使用单位不存在或不在您的管辖范围内"
    if equipment.maintenance_unit_id and not maintenance_units().filter(pk=equipment.maintenance_unit_id).exists():
        errors["maintenance_unit"] = "维保单位须为已登记的企业或技术机构"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_equipment(user, equipment):
    """Create or update one piece of equipment (audited through its save)."""
    if not user.has_perm("se_equipment.change_equipment" if equipment.pk else "se_equipment.add_equipment"):
        raise PermissionDenied("您没有登记或修改特种设备的权限")
    if equipment.pk and not Equipment.objects.visible_to(user).filter(pk=equipment.pk).exists():
        raise PermissionDenied("该设备不存在或不在您的管辖范围内")
    validate_equipment(user, equipment)
    equipment.full_clean()
    equipment.save()
    return equipment


def create_equipment(user, **fields):
    return save_equipment(user, Equipment(**fields))


def update_equipment(equipment, user, **fields):
    for name, value in fields.items():
        setattr(equipment, name, value)
    return save_equipment(user, equipment)


# -- inspection reports ---------------------------------------------------------------------------
def equipment_for_report(user, code):
    """The equipment a report is entered for, by exact 设备代码.

    An inspection agency inspects whatever it is asked to and reads the code off the device, so an
    institution finds any registered equipment by its exact code (nothing is listed or searched);
    agency staff find equipment of their jurisdiction only."""
    code = (code or "").strip()
    if not code:
        raise ValidationError({"equipment": "请填写设备代码"})
    if getattr(user, "kind", "") == "institution":
        equipment = Equipment.objects.filter(code=code).first()
    else:
        equipment = Equipment.objects.visible_to(user).filter(code=code).first()
    if equipment is None:
        raise ValidationError({"equipment": f"设备代码“{code}”不存在，请核对设备铭牌或使用登记证上的设备代码"})
    if equipment.status == Equipment.Status.SCRAPPED:
        raise ValidationError({"equipment": "该设备已报废，不能录入检验报告"})
    return equipment


def check_report(user, report):
    """Rules of a new report beyond the model's own; raises ValidationError keyed by field."""
    if getattr(user, "kind", "") != "institution" or user.organisation_id is None \
            or user.organisation.kind != Organisation.Kind.INSTITUTION:
        raise PermissionDenied("检验报告由检验检测等技术机构录入")
    errors = {}
    today = timezone.localdate()
    if report.inspected_on and report.inspected_on > today:
        errors["inspected_on"] = "检验日期不能晚于今天"
    if report.next_inspection_on and report.inspected_on and report.next_inspection_on <= report.inspected_on:
        errors["next_inspection_on"] = "下次检验日期须晚于检验日期"
    if report.conclusion in InspectionReport.NEGATIVE and not (report.problems or "").strip():
        errors["problems"] = "检验结论为不符合要求或不合格时，须填写主要问题"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_report(user, *, equipment, report_no, conclusion, inspected_on, kind=InspectionReport.Kind.PERIODIC,
                  next_inspection_on=None, problems="", inspector=""):
    """An institution enters an inspection report; the newest report sets the equipment's next inspection date."""
    if not user.has_perm("se_equipment.add_inspectionreport"):
        raise PermissionDenied("您没有录入检验报告的权限")
    report = InspectionReport(
        report_no=(report_no or "").strip(), equipment=equipment, agency_id=user.organisation_id,
        user_unit_id=equipment.user_unit_id, region_id=equipment.region_id, kind=kind, inspected_on=inspected_on,
        conclusion=conclusion, next_inspection_on=next_inspection_on, problems=(problems or "").strip(),
        inspector=(inspector or "").strip())
    check_report(user, report)
    report.full_clean()
    report.save()
    _sync_next_inspection(report)
    if not can_see(user, report):  # the agency is the user's own organisation: never expected
        raise PermissionDenied("检验报告不在您的可见范围内")
    return report


def _sync_next_inspection(report):
    """The newest report of a device sets the device's next inspection date."""
    equipment = report.equipment
    newer = equipment.reports.exclude(pk=report.pk).filter(inspected_on__gt=report.inspected_on).exists()
    if report.next_inspection_on and not newer and equipment.next_inspection_on != report.next_inspection_on:
        equipment.next_inspection_on = report.next_inspection_on
        equipment.save(update_fields=["next_inspection_on", "updated_at"])


REPORT_FIELDS = ("kind", "inspected_on", "conclusion", "next_inspection_on", "problems", "inspector")


def report_update_refusal(user, report):
    """Why the user may not correct the report now (None if they may): only the issuing agency, and only
    while no live major hazard hangs on the report (the hazard was reported on what the report said)."""
    if getattr(user, "organisation_id", None) is None or report.agency_id != user.organisation_id:
        return "只能修改本机构出具的检验报告"
    hazard = _live_hazards().filter(report=report).order_by("id").first()
    if hazard is not None:
        return f"该报告已上报重大事故隐患（{hazard.no}），不能再修改"
    return None


@transaction.atomic
def update_report(report, user, **fields):
    """The issuing institution corrects its report (the device and the report number stay)."""
    if not user.has_perm("se_equipment.add_inspectionreport"):
        raise PermissionDenied("您没有录入检验报告的权限")
    refusal = report_update_refusal(user, report)
    if refusal is not None:
        if report.agency_id != getattr(user, "organisation_id", None):
            raise PermissionDenied(refusal)
        raise ValidationError(refusal)
    for name, value in fields.items():
        if name not in REPORT_FIELDS:
            raise ValueError(name)
        setattr(report, name, (value or "").strip() if name in ("problems", "inspector") else value)
    check_report(user, report)
    report.full_clean()
    report.save()
    _sync_next_inspection(report)
    return report
