"""Excel import of equipment (/gov/exports/import/se_equipment/), registered when the app is ready.

Every row is validated before anything is saved (kernel.exports.importing): the user unit is given
by its USCC and must be an enterprise of the importer's jurisdiction, the region by its code inside
the jurisdiction; errors come back numbered by Excel row and nothing is imported while one remains."""
from kernel.exports.importing import ImportColumn, ImportSpec
from kernel.exports.registry import register_import
from kernel.org.forms import restrict_regions
from kernel.org.models import Organisation, Region

from . import services
from .filters import category_choices
from .models import Equipment


def _regions_in_scope(user):
    return restrict_regions(Region.objects.all(), user)


def _region_reference(user):
    return [(r.code, "　" * (r.level - 1) + r.name)
            for r in _regions_in_scope(user).order_by("path").only("code", "name", "level")]


def _validate_row(values, instance, user):
    """The service's own rules (eight categories, dates); jurisdiction is checked by the fk columns."""
    services.check_equipment_fields(instance)


EQUIPMENT_IMPORT = ImportSpec(
    title="特种设备",
    model=Equipment,
    key="code",
    validate_row=_validate_row,
    notes=["7. 设备种类仅限锅炉、压力容器、压力管道、电梯、起重机械、客运索道、大型游乐设施、场（厂）内专用机动车辆八大类。",
           "8. 使用单位须为您管辖范围内已登记的企业，按统一社会信用代码匹配；维保单位须已在系统中登记。"],
    columns=[
        ImportColumn("设备代码", "code", required=True, unique=True, width=24, example="31104501002019000001"),
        ImportColumn("设备种类", "category", "choice", required=True, choices=category_choices, width=22,
                     example="电梯"),
        ImportColumn("设备类别", "type_name", example="曳引与强制驱动电梯"),
        ImportColumn("设备品种", "variety", example="曳引驱动乘客电梯"),
        ImportColumn("设备名称", "name", example="1号客梯"),
        ImportColumn("型号规格", "model_no", example="GeN2-MR"),
        ImportColumn("使用登记证编号", "registration_no", width=22, example="梯11桂A00001(19)"),
        ImportColumn("所在区划代码", "region", "fk", required=True, fk_model=Region, fk_field="code",
                     fk_queryset=_regions_in_scope, reference=_region_reference,
                     help="填写6位行政区划代码，须在您的管辖范围内", example="450103"),
        ImportColumn("设备使用地点", "location", width=36, example="南宁市青秀区民族大道1号"),
        ImportColumn("使用单位统一社会信用代码", "user_unit", "fk", required=True, fk_model=Organisation,
                     fk_field="uscc", fk_queryset=services.units_in_scope, width=26,
                     help="须为您管辖范围内已登记的企业", example="91450103MA5KY1230Q"),
        ImportColumn("维保单位统一社会信用代码", "maintenance_unit", "fk", fk_model=Organisation, fk_field="uscc",
                     fk_queryset=lambda user: services.maintenance_units(), width=26,
                     help="须为系统中已登记的企业或技术机构"),
        ImportColumn("设备状态", "status", "choice", choices=Equipment.Status.choices, example="在用",
                     help="留空为“在用”"),
        ImportColumn("制造日期", "manufactured_on", "date", example="2019-05-01"),
        ImportColumn("投用日期", "commissioned_on", "date", example="2019-08-01"),
        ImportColumn("下次检验日期", "next_inspection_on", "date", example="2026-08-01"),
    ],
)

register_import("se_equipment", EQUIPMENT_IMPORT, "se_equipment.import_equipment",
                update_permission="se_equipment.change_equipment", back=("设备管理", "gov:se_equipment_list"))
