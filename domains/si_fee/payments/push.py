"""核定应缴推送 (seed 003 §2.3.1 "社保核定，特殊渠道推送缴费"): social security's system pushes assessed amounts
through the signed inbound endpoint "si.assessed_push" (kernel.interfaces). One message carries up to
MAX_ITEMS payables and is validated whole: one bad item rejects the message with its field errors
(items.<n>.<field>, Chinese) and stores nothing. Each payable is keyed by social security's own number
(source_no): the same number again changes nothing; a different amount under the same number is refused;
"cancel": true voids a pending payable that no open order holds."""
import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from rest_framework import serializers

from kernel.audit.services import log_operation

ENDPOINT = "si.assessed_push"
PUSH_PERMISSIONS = ("si_pay.add_payable",)
PUSHER_ROLE = "si_ss_pusher"
MAX_ITEMS = 500


def _messages(label):
    return {"required": f"请填写{label}", "blank": f"请填写{label}", "null": f"请填写{label}",
            "max_length": f"{label}过长", "invalid": f"{label}格式错误"}


class MonthField(serializers.CharField):
    """A period month "2021-01" -> date(2021, 1, 1)."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data).strip()
        try:
            return datetime.datetime.strptime(text, "%Y-%m").date()
        except ValueError:
            raise serializers.ValidationError(f"{self.label}应为“年-月”格式，如2021-01") from None


class MoneyField(serializers.Field):
    """An amount as a decimal string ("630.78"): a JSON number is refused (no float ever touches money)."""

    def __init__(self, *, positive=True, **kw):
        self.positive = positive
        super().__init__(**kw)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(f"{self.label}应为字符串形式的金额，如\"630.78\"")
        try:
            value = Decimal(data.strip())
        except InvalidOperation:
            raise serializers.ValidationError(f"{self.label}格式错误") from None
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            raise serializers.ValidationError(f"{self.label}最多两位小数")
        if self.positive and value <= 0:
            raise serializers.ValidationError(f"{self.label}须大于0")
        if value >= Decimal("1e12"):
            raise serializers.ValidationError(f"{self.label}过大")
        return value

    def to_representation(self, value):
        return f"{value:.2f}"


class PayableItemSerializer(serializers.Serializer):
    source_no = serializers.CharField(label="核定单号", max_length=40, error_messages=_messages("核定单号"))
    id_type = serializers.CharField(label="证件类型", max_length=3, required=False, default="201",
                                    error_messages=_messages("证件类型"))
    id_number = serializers.CharField(label="证件号码", max_length=30, error_messages=_messages("证件号码"))
    name = serializers.CharField(label="姓名", max_length=50, error_messages=_messages("姓名"))
    insurance_code = serializers.CharField(label="险种代码", max_length=30, error_messages=_messages("险种代码"))
    period_start = MonthField(label="所属期起", error_messages=_messages("所属期起"))
    period_end = MonthField(label="所属期止", error_messages=_messages("所属期止"))
    base = MoneyField(label="缴费基数", required=False, allow_null=True, default=None)
    amount = MoneyField(label="应缴金额", error_messages=_messages("应缴金额"))
    agency = serializers.CharField(label="核定机构", max_length=100, required=False, allow_blank=True, default="")
    remark = serializers.CharField(label="说明", max_length=200, required=False, allow_blank=True, default="")
    cancel = serializers.BooleanField(label="作废", required=False, default=False)

    def validate(self, attrs):
        from domains.si_fee.payers.models import Payer
        from domains.si_fee.rules.models import InsuranceType

        from .models import Payable

        errors = {}
        attrs["id_number"] = attrs["id_number"].strip().upper()
        payer = Payer.objects.filter(id_type=attrs["id_type"], id_number=attrs["id_number"]).first()
        if payer is None:
            errors["id_number"] = ["未找到该证件号码的缴费人"]
        elif payer.name != attrs["name"].strip():
            errors["name"] = ["姓名与证件号码不符"]
        insurance = InsuranceType.objects.filter(code=attrs["insurance_code"]).first()
        if insurance is None:
            errors["insurance_code"] = [f"险种代码“{attrs['insurance_code']}”不存在"]
        elif payer is not None and insurance.person_type != payer.person_type:
            errors["insurance_code"] = [f"该缴费人不能缴纳{insurance.name}"]
        if attrs["period_end"] < attrs["period_start"]:
            errors["period_end"] = ["所属期止不能早于所属期起"]
        existing = Payable.all_objects.filter(source_no=attrs["source_no"]).first()
        if existing is not None and not attrs["cancel"] and (
                existing.amount != attrs["amount"] or (payer is not None and existing.payer_id != payer.pk)):
            errors["source_no"] = ["该核定单号已推送且内容不同，请使用新的核定单号"]
        if attrs["cancel"] and existing is None:
            errors["source_no"] = ["要作废的核定单号不存在"]
        if errors:
            raise serializers.ValidationError(errors)
        attrs["payer"], attrs["insurance"], attrs["existing"] = payer, insurance, existing
        return attrs


class AssessedPushSerializer(serializers.Serializer):
    items = serializers.ListField(child=PayableItemSerializer(), label="核定应缴明细", allow_empty=False,
                                  max_length=MAX_ITEMS,
                                  error_messages={"required": "请提供核定应缴明细", "empty": "核定应缴明细不能为空",
                                                  "not_a_list": "核定应缴明细应为数组",
                                                  "max_length": f"核定应缴明细一次最多{MAX_ITEMS}条"})

    def validate_items(self, items):
        seen, errors = {}, {}
        for i, item in enumerate(items):
            if item["source_no"] in seen:
                errors[str(i)] = {"source_no": [f"与第{seen[item['source_no']] + 1}条的核定单号重复"]}
            seen.setdefault(item["source_no"], i)
        if errors:
            raise serializers.ValidationError(errors)
        return items


def ingest(items, user=None):
    """Store validated items (one transaction). Returns counts: created / unchanged / cancelled."""
    from domains.si_fee.rules.services import money

    from .models import HOLDING, Payable, month_end

    counts = {"created": 0, "unchanged": 0, "cancelled": 0}
    refused = {}
    with transaction.atomic():
        for i, item in enumerate(items):
            existing = item["existing"]
            if item["cancel"]:
                locked = Payable.all_objects.select_for_update().get(pk=existing.pk)
                if locked.status == Payable.Status.CANCELLED:
                    counts["unchanged"] += 1
                elif locked.status == Payable.Status.PAID or locked.lines.filter(status__in=HOLDING).exists():
                    refused[str(i)] = {"source_no": ["该核定应缴已缴费或正在缴费，不能作废"]}
                else:
                    locked.status = Payable.Status.CANCELLED
                    locked.save(update_fields=["status", "updated_at"])
                    counts["cancelled"] += 1
                continue
            if existing is not None:
                counts["unchanged"] += 1
                continue
            _, created = Payable.objects.get_or_create(source_no=item["source_no"], defaults=dict(
                payer=item["payer"], insurance=item["insurance"], period_start=item["period_start"],
                period_end=month_end(item["period_end"]), base=money(item["base"]) if item["base"] is not None else None,
                amount=money(item["amount"]), agency=item["agency"], remark=item["remark"], created_by=user))
            counts["created" if created else "unchanged"] += 1
        if refused:
            from django.core.exceptions import ValidationError

            raise ValidationError({"items": [str(refused)]})
        log_operation("si_pay_assessed_push", user=user, entrance="api", **counts)
    return counts


def assessed_push(message, data, user):
    return ingest(data["items"], user=user)


def register():
    from kernel.interfaces.registry import register_inbound

    register_inbound(ENDPOINT, assessed_push, AssessedPushSerializer, PUSH_PERMISSIONS,
                     label="社保核定应缴费用推送（特殊缴费渠道）")
