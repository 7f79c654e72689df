"""Set-up of the entrusted-deduction tests: reference data (rules, payments, ours), Nanning's 2021 resident
grades, payers with accounts, and the service clock set to 10 February 2021."""
import datetime
import itertools

from kernel.accounts.models import User
from kernel.org.models import Region
from kernel.org.validators import id_check_char

_seq = itertools.count(1)
FEB_10_2021 = datetime.date(2021, 2, 10)
ACCOUNT = "6222021234567890123"


def valid_id(n):
    first = f"45010219800101{n % 1000:03d}"
    return first + id_check_char(first)


def load_reference():
    from domains.si_fee.agreements.reference import load as load_agree
    from domains.si_fee.payments.reference import load as load_pay
    from domains.si_fee.rules.models import InsuranceType, ResidentGrade
    from domains.si_fee.rules.reference import load as load_rules

    load_rules()
    load_pay()
    load_agree()
    nanning = Region.objects.get(code="450100")
    ResidentGrade.objects.get_or_create(prefecture=nanning, year=2021, insurance=InsuranceType.objects.get(code="rr_pension"),
                                        defaults=dict(grades=["100", "200", "300", "500"], default_grade="200"))
    ResidentGrade.objects.get_or_create(prefecture=nanning, year=2021, insurance=InsuranceType.objects.get(code="rr_medical"),
                                        defaults=dict(grades=["320"], default_grade="320"))


def make_payer(person_type="resident", name="韦小红", county="450102", city="450100"):
    from domains.si_fee.payers.models import Payer

    n = next(_seq)
    user = User.objects.create_user(username=f"agreepayer{n}", password="Test@pass2026", kind="citizen",
                                    must_change_password=False)
    return Payer.objects.create(user=user, person_type=person_type, name=name, id_number=valid_id(n),
                                mobile=f"1390771{n:04d}", region=Region.objects.get(code=county),
                                prefecture=Region.objects.get(code=city))


def form(payer=None, **over):
    data = {"bank_code": "105", "account_no": ACCOUNT, "account_name": payer.name if payer else "", "confirmed": "1"}
    data.update(over)
    return data
