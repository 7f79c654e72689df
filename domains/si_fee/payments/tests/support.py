"""Shared set-up of the payment tests: the rules' reference data, a Nanning flexible-employment payer with an
account, and the clock of the pages set to a day (services.today)."""
import datetime
import itertools

from kernel.accounts.models import User
from kernel.org.models import Region
from kernel.org.validators import id_check_char

_seq = itertools.count(1)
FEB_10_2021 = datetime.date(2021, 2, 10)


def valid_id(n=None):
    n = n if n is not None else next(_seq)
    first = f"45010219850612{n % 1000:03d}"
    return first + id_check_char(first)


def load_reference():
    from domains.si_fee.payments.reference import load as load_pay
    from domains.si_fee.rules.reference import load as load_rules

    load_rules()
    load_pay()


def make_payer(county="450102", city="450100", person_type="flexible", name="韦小红", mobile="13907711234"):
    from domains.si_fee.payers.models import Payer

    n = next(_seq)
    user = User.objects.create_user(username=f"payer{n}", password="Test@pass2026", kind="citizen",
                                    must_change_password=False)
    return Payer.objects.create(user=user, person_type=person_type, name=name, id_number=valid_id(n), mobile=mobile,
                                region=Region.objects.get(code=county), prefecture=Region.objects.get(code=city))


def fe_pension():
    from domains.si_fee.rules.models import InsuranceType

    return InsuranceType.objects.get(code="fe_pension")
