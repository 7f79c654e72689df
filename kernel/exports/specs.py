"""The kernel's own import specs, registered when the app is ready.

Organisations (enterprises): the first user of the import framework.
"""
from kernel.org.forms import restrict_regions
from kernel.org.models import Organisation, Region

from .importing import ImportColumn, ImportSpec
from .registry import register_import


def _regions_in_scope(user):
    return restrict_regions(Region.objects.all(), user)


def _region_reference(user):
    return [(r.code, "　" * (r.level - 1) + r.name)
            for r in _regions_in_scope(user).order_by("path").only("code", "name", "level")]


def _enterprises_in_scope(user):
    return Organisation.objects.visible_to(user).filter(kind=Organisation.Kind.ENTERPRISE)


ORGANISATION_IMPORT = ImportSpec(
    title="企业信息",
    model=Organisation,
    defaults={"kind": Organisation.Kind.ENTERPRISE},
    key="uscc",
    updatable=_enterprises_in_scope,
    columns=[
        ImportColumn("企业名称", "name", required=True, width=36, example="南宁市某某建设有限公司"),
        ImportColumn("统一社会信用代码", "uscc", "uscc", required=True, unique=True, width=24,
                     example="91450103MA5KY1230Q"),
        ImportColumn("所属区划代码", "region", "fk", required=True, fk_model=Region, fk_field="code",
                     fk_queryset=_regions_in_scope, reference=_region_reference,
                     help="填写6位行政区划代码（乡镇、网格可填更长的代码），须在您的管辖范围内", example="450103"),
        ImportColumn("所属行业", "industry", "dict", required=True, dict_type="industry", width=30, example="建筑业"),
        ImportColumn("法定代表人", "legal_representative", example="张三"),
        ImportColumn("联系人", "contact_person", example="李四"),
        ImportColumn("联系电话", "contact_phone", "phone", example="13800138000"),
        ImportColumn("地址", "address", width=40, example="南宁市青秀区民族大道1号"),
    ],
)

register_import("organisations", ORGANISATION_IMPORT, "org.add_organisation",
                update_permission="org.change_organisation", back=("机构管理", "gov:org_list"))
