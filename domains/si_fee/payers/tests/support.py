"""Helpers for the SI-fee tests: reference data, payers with accounts, SMS codes from the outbox."""
import itertools
import re

from domains.si_fee.payers.models import Payer
from domains.si_fee.rules import reference as rules_reference
from kernel.accounts.models import User
from kernel.core.testing import PASSWORD
from kernel.notify.models import SmsMessage
from kernel.org.models import Region
from kernel.org.validators import id_check_char

_seq = itertools.count(1)
QINGXIU, LIUBEI = "450103", "450205"  # a county of Nanning, a county of Liuzhou


def load_reference():
    from kernel.accounts.reference import load_roles
    from kernel.notify import reference as notify_reference

    from .. import reference

    notify_reference.load()
    load_roles()
    rules_reference.load()
    reference.load()


def valid_id(first17=None):
    first17 = first17 or f"45010319880101{next(_seq) % 1000:03d}"
    return first17 + id_check_char(first17)


def make_payer(county=QINGXIU, *, person_type="flexible", name=None, account=True, special_category="", mobile=None):
    from domains.si_fee.rules.services import prefecture_of

    n = next(_seq)
    region = Region.objects.get(code=county)
    id_number = valid_id(f"{county}1985{n % 12 + 1:02d}01{n % 1000:03d}")
    mobile = mobile or f"1390771{n:04d}"
    name = name or f"缴费人{n}"
    user = None
    if account:
        user = User.objects.create_user(username=id_number, password=PASSWORD, kind="citizen", real_name=name,
                                        phone=mobile, id_number=id_number, must_change_password=False)
    return Payer.objects.create(user=user, person_type=person_type, name=name, id_number=id_number, mobile=mobile,
                                region=region, prefecture=prefecture_of(region), special_category=special_category)


def last_code(phone):
    message = SmsMessage.objects.filter(phone=phone, template__code="verify_code").order_by("-id").first()
    assert message is not None, f"no code sent to {phone}"
    return re.search(r"验证码为(\d{6})", message.content).group(1)
