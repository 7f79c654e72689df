"""Excel import of the no-refund list (不能退费的特殊人群名单) at /gov/exports/import/si_no_refund/: every row
validated first (ID number checksum, prefecture inside the importer's jurisdiction, no duplicate in the file or
among the live entries), nothing written while an error remains; rows saved through the model (audited)."""
from django.core.exceptions import ValidationError

from kernel.exports.importing import ImportColumn, ImportSpec
from kernel.exports.registry import register_import
from kernel.org.models import Region

KEY = "si_no_refund"


def _prefectures(user):
    from kernel.org.forms import restrict_regions

    return restrict_regions(Region.objects.filter(level__lte=2), user)


def _validate(values, instance, user):
    from .models import NoRefundPerson

    prefecture = values.get("prefecture")
    if prefecture is not None and NoRefundPerson.objects.filter(id_number=values.get("id_number", ""),
                                                                prefecture=prefecture).exists():
        raise ValidationError({"id_number": "该人员已在本地市的不能退费名单中"})


def spec():
    from .models import NoRefundPerson

    return ImportSpec(
        title="不能退费人员名单", model=NoRefundPerson, validate_row=_validate,
        columns=[
            ImportColumn("证件号码", "id_number", "id_number", required=True),
            ImportColumn("姓名", "name", required=True, max_length=50),
            ImportColumn("地市代码", "prefecture", "fk", required=True, fk_model=Region, fk_field="code",
                         fk_queryset=_prefectures, example="450100", help="自治区本级填450000，对全区生效"),
            ImportColumn("不能退费原因", "reason", required=True, max_length=200, example="已领取养老保险待遇"),
        ],
        notes=["同一人员在同一地市只能登记一次", "名单由管理子系统提供，导入后即用于退费申请校验"],
    )


SPEC = None


def register():
    global SPEC
    if SPEC is None:
        SPEC = spec()
    register_import(KEY, SPEC, "si_refund.add_norefundperson", back=("不能退费人员名单", "gov:si_no_refund"))
