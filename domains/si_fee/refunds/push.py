"""虚拟户申报推送: the core system (金三) pushes a virtual account's declarations for residents through the signed
inbound endpoint "si.virtual_declaration_push" (kernel.interfaces). One message names one virtual account and up
to MAX_ITEMS declarations, validated whole: one bad item rejects the message with its field errors
(items.<n>.<field>, Chinese) and stores nothing. Declarations are keyed by the core's declaration number: the same
number again changes nothing, except that a declared one may become paid (with its tax receipt); other changes
under a known number are refused, and a refunded declaration never changes.

    {"virtual_account": {"identification_no": "XN450103000001", "name": "…村民委员会", "prefecture_code": "450100",
                         "region_code": "450103"},
     "items": [{"declaration_no", "id_number", "name", "insurance_code" (rr_pension / rr_medical),
                "period_start": "2021-01", "period_end": "2021-12", "base": null, "amount": "300.00",
                "receipt_no": "", "declared_on": "2021-01-15", "paid_on": null, "status": "declared"|"paid"}]}"""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import serializers

from domains.si_fee.payments.push import MoneyField, MonthField, _messages
from kernel.audit.services import log_operation

ENDPOINT = "si.virtual_declaration_push"
PUSH_PERMISSIONS = ("si_refund.add_virtualdeclaration",)
MAX_ITEMS = 500


class AccountSerializer(serializers.Serializer):
    identification_no = serializers.RegexField(r"^[0-9A-Za-z]{6,30}$", label="虚拟户识别号", max_length=30,
                                               error_messages={**_messages("虚拟户识别号"),
                                                               "invalid": "虚拟户识别号应为6至30位字母或数字"})
    name = serializers.CharField(label="虚拟户名称", max_length=100, error_messages=_messages("虚拟户名称"))
    prefecture_code = serializers.CharField(label="地市代码", max_length=12, error_messages=_messages("地市代码"))
    region_code = serializers.CharField(label="县区代码", max_length=12, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        from kernel.org.models import Region

        errors = {}
        attrs["prefecture"] = Region.objects.filter(code=attrs["prefecture_code"], level__lte=2).first()
        if attrs["prefecture"] is None:
            errors["prefecture_code"] = [f"地市代码“{attrs['prefecture_code']}”不存在"]
        attrs["region"] = None
        if attrs["region_code"]:
            attrs["region"] = Region.objects.filter(code=attrs["region_code"]).first()
            if attrs["region"] is None or (attrs["prefecture"] is not None
                                           and not attrs["region"].path.startswith(attrs["prefecture"].path)):
                errors["region_code"] = ["县区代码不存在或不属于该地市"]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class DeclarationItemSerializer(serializers.Serializer):
    declaration_no = serializers.CharField(label="申报序号", max_length=40, error_messages=_messages("申报序号"))
    id_number = serializers.CharField(label="居民证件号码", max_length=30, error_messages=_messages("居民证件号码"))
    name = serializers.CharField(label="居民姓名", max_length=50, error_messages=_messages("居民姓名"))
    insurance_code = serializers.CharField(label="险种代码", max_length=30, error_messages=_messages("险种代码"))
    period_start = MonthField(label="所属期起", error_messages=_messages("所属期起"))
    period_end = MonthField(label="所属期止", error_messages=_messages("所属期止"))
    base = MoneyField(label="缴费基数", required=False, allow_null=True, default=None)
    amount = MoneyField(label="申报金额", error_messages=_messages("申报金额"))
    receipt_no = serializers.CharField(label="税票号码", max_length=40, required=False, allow_blank=True, default="")
    declared_on = serializers.DateField(label="申报日期", error_messages={**_messages("申报日期"),
                                                                       "invalid": "申报日期应为“年-月-日”格式"})
    paid_on = serializers.DateField(label="缴费日期", required=False, allow_null=True, default=None,
                                    error_messages={"invalid": "缴费日期应为“年-月-日”格式"})
    status = serializers.ChoiceField(label="状态", choices=[("declared", "已申报未缴费"), ("paid", "已缴费")],
                                     error_messages={**_messages("状态"),
                                                     "invalid_choice": "状态应为declared（已申报未缴费）或paid（已缴费）"})

    def validate(self, attrs):
        from domains.si_fee.rules.models import InsuranceType
        from kernel.org.validators import validate_id_number

        from .models import VirtualDeclaration

        errors = {}
        attrs["id_number"] = attrs["id_number"].strip().upper()
        try:
            validate_id_number(attrs["id_number"])
        except DjangoValidationError as exc:
            errors["id_number"] = exc.messages
        insurance = InsuranceType.objects.filter(code=attrs["insurance_code"]).first()
        if insurance is None:
            errors["insurance_code"] = [f"险种代码“{attrs['insurance_code']}”不存在"]
        elif insurance.person_type != "resident":
            errors["insurance_code"] = ["虚拟户只能申报城乡居民险种"]
        if attrs["period_end"] < attrs["period_start"]:
            errors["period_end"] = ["所属期止不能早于所属期起"]
        if attrs["status"] == "paid":
            if not attrs["receipt_no"].strip():
                errors["receipt_no"] = ["已缴费的申报应有税票号码"]
            if attrs["paid_on"] is None:
                errors["paid_on"] = ["已缴费的申报应有缴费日期"]
        existing = VirtualDeclaration.all_objects.filter(declaration_no=attrs["declaration_no"]).first()
        if existing is not None:
            same = (existing.id_number == attrs["id_number"] and existing.amount == attrs["amount"]
                    and existing.insurance.code == attrs["insurance_code"]
                    and existing.period_start == attrs["period_start"])
            if not same:
                errors["declaration_no"] = ["该申报序号已推送且内容不同，请使用新的申报序号"]
            elif existing.status == VirtualDeclaration.Status.REFUNDED:
                errors.setdefault("declaration_no", []).append("该申报已退费，不能再变更")
            elif existing.status == VirtualDeclaration.Status.PAID and attrs["status"] == "declared":
                errors["status"] = ["已缴费的申报不能改回未缴费"]
        if errors:
            raise serializers.ValidationError(errors)
        attrs["insurance"], attrs["existing"] = insurance, existing
        return attrs


class VirtualDeclarationPushSerializer(serializers.Serializer):
    virtual_account = AccountSerializer(label="虚拟户", error_messages={"required": "请提供虚拟户信息",
                                                                      "null": "请提供虚拟户信息"})
    items = serializers.ListField(child=DeclarationItemSerializer(), label="申报明细", allow_empty=False,
                                  max_length=MAX_ITEMS,
                                  error_messages={"required": "请提供申报明细", "empty": "申报明细不能为空",
                                                  "not_a_list": "申报明细应为数组",
                                                  "max_length": f"申报明细一次最多{MAX_ITEMS}条"})

    def validate(self, attrs):
        from .models import VirtualAccount

        account = attrs["virtual_account"]
        errors = {}
        seen = {}
        for i, item in enumerate(attrs["items"]):
            if item["declaration_no"] in seen:
                errors[f"items.{i}.declaration_no"] = [f"与第{seen[item['declaration_no']] + 1}条的申报序号重复"]
            seen.setdefault(item["declaration_no"], i)
            existing = item["existing"]
            if existing is not None and existing.virtual_account.identification_no != account["identification_no"]:
                errors[f"items.{i}.declaration_no"] = ["该申报序号属于其他虚拟户"]
        known = VirtualAccount.all_objects.filter(identification_no=account["identification_no"]).first()
        if known is not None and account["prefecture"] is not None and known.prefecture_id != account["prefecture"].pk:
            errors["virtual_account.prefecture_code"] = ["该虚拟户已登记在其他地市"]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def ingest(data, user=None):
    """Store a validated message (one transaction). Returns counts: created / paid / unchanged."""
    from domains.si_fee.payments.models import month_end
    from domains.si_fee.rules.services import money

    from .models import VirtualAccount, VirtualDeclaration

    a = data["virtual_account"]
    counts = {"created": 0, "paid": 0, "unchanged": 0}
    with transaction.atomic():
        account, _ = VirtualAccount.objects.get_or_create(identification_no=a["identification_no"], defaults=dict(
            name=a["name"], prefecture=a["prefecture"], region=a["region"], created_by=user))
        if account.name != a["name"]:
            account.name = a["name"]
            account.save(update_fields=["name", "updated_at"])
        for item in data["items"]:
            existing = item["existing"]
            if existing is None:
                VirtualDeclaration.objects.create(
                    declaration_no=item["declaration_no"], virtual_account=account, id_number=item["id_number"],
                    name=item["name"].strip(), insurance=item["insurance"], period_start=item["period_start"],
                    period_end=month_end(item["period_end"]),
                    base=money(item["base"]) if item["base"] is not None else None, amount=money(item["amount"]),
                    receipt_no=item["receipt_no"].strip(), declared_on=item["declared_on"], paid_on=item["paid_on"],
                    status=item["status"], created_by=user)
                counts["created"] += 1
                continue
            locked = VirtualDeclaration.all_objects.select_for_update().get(pk=existing.pk)
            if locked.status == VirtualDeclaration.Status.DECLARED and item["status"] == "paid":
                locked.status, locked.receipt_no, locked.paid_on = "paid", item["receipt_no"].strip(), item["paid_on"]
                locked.save(update_fields=["status", "receipt_no", "paid_on", "updated_at"])
                counts["paid"] += 1
            else:
                counts["unchanged"] += 1
        log_operation("si_refund_virtual_push", user=user, entrance="api", account=account.identification_no,
                      **counts)
    return counts


def virtual_declaration_push(message, data, user):
    return ingest(data, user=user)


def register():
    from kernel.interfaces.registry import register_inbound

    register_inbound(ENDPOINT, virtual_declaration_push, VirtualDeclarationPushSerializer, PUSH_PERMISSIONS,
                     label="城乡居民虚拟户申报信息推送")
