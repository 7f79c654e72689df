"""Demo of refunds: a virtual account of 青秀区 (a village committee collecting residents' fees) with its 2021
declarations for the demo resident 蒙桂兰 and two neighbours, and two entries of the no-refund list. Idempotent:
keyed by the virtual account's number, the declaration numbers and the listed ID numbers."""
import datetime
from decimal import Decimal

from django.db import transaction

from kernel.org.models import Region
from kernel.org.validators import id_check_char

ACCOUNT = ("XN45010300000001", "南宁市青秀区长塘镇那莲村民委员会", "450100", "450103")
# declaration no, first 17 digits of the resident's ID, name, insurance, year, amount, receipt no (paid) or ""
DECLARATIONS = [
    ("XNSB2021000001", "45010319620708451", "蒙桂兰", "rr_pension", 2021, "300.00", "345012021000000101"),
    ("XNSB2021000002", "45010319620708451", "蒙桂兰", "rr_medical", 2021, "280.00", "345012021000000102"),
    ("XNSB2021000003", "45010319581122302", "黄金凤", "rr_pension", 2021, "200.00", "345012021000000103"),
    ("XNSB2021000004", "45010319581122302", "黄金凤", "rr_medical", 2021, "280.00", ""),
]
NO_REFUND = [("45010319500101223", "陆老四", "450100", "已领取城乡居民基本养老保险待遇，不能退费"),
             ("45030219480808115", "陈有福", "450000", "已办理养老保险待遇领取，全区不予退费")]


def _id(first17):
    return first17 + id_check_char(first17)


@transaction.atomic
def seed(scale, out):
    from domains.si_fee.rules.models import InsuranceType

    from .models import NoRefundPerson, VirtualAccount, VirtualDeclaration

    number, name, city, county = ACCOUNT
    if not Region.objects.filter(code=county).exists():
        return ""
    account, _ = VirtualAccount.objects.get_or_create(identification_no=number, defaults=dict(
        name=name, prefecture=Region.objects.get(code=city), region=Region.objects.get(code=county)))
    types = {t.code: t for t in InsuranceType.objects.filter(person_type="resident")}
    made = 0
    for no, first17, person, code, year, amount, receipt in DECLARATIONS:
        if code not in types or VirtualDeclaration.all_objects.filter(declaration_no=no).exists():
            continue
        VirtualDeclaration.objects.create(
            declaration_no=no, virtual_account=account, id_number=_id(first17), name=person, insurance=types[code],
            period_start=datetime.date(year, 1, 1), period_end=datetime.date(year, 12, 31), amount=Decimal(amount),
            receipt_no=receipt, declared_on=datetime.date(year, 1, 15),
            paid_on=datetime.date(year, 1, 20) if receipt else None, status="paid" if receipt else "declared")
        made += 1
    listed = 0
    for first17, person, city_code, reason in NO_REFUND:
        _, created = NoRefundPerson.objects.get_or_create(
            id_number=_id(first17), prefecture=Region.objects.get(code=city_code),
            defaults=dict(name=person, reason=reason))
        listed += created
    return f"虚拟户1个，虚拟户申报新增{made}条，不能退费名单新增{listed}人"
