"""SMS verification codes: sent through the outbox, valid 5 minutes and once, 60 s between sends, 10 a day,
5 wrong entries spend the code, only a hash stored."""
import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kernel.accounts import otp
from kernel.accounts.models import SmsCode
from kernel.notify.models import SmsMessage, SmsTemplate
from kernel.notify.reference import TEMPLATES

pytestmark = pytest.mark.django_db
PHONE = "13907716601"


@pytest.fixture(autouse=True)
def template():
    code, name, text = next(t for t in TEMPLATES if t[0] == "verify_code")
    SmsTemplate.objects.get_or_create(code=code, defaults={"name": name, "content": text})


def sent_code(phone=PHONE):
    message = SmsMessage.objects.filter(phone=phone, template__code="verify_code").order_by("-id").first()
    return re.search(r"验证码为(\d{6})", message.content).group(1)


def test_code_is_sent_hashed_and_checks_once():
    row = otp.send_code(PHONE, "register")
    code = sent_code()
    assert "5分钟内有效" in SmsMessage.objects.get(phone=PHONE).content
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert otp.check_code(PHONE, "register", code).used_at is not None
    with pytest.raises(ValidationError) as exc:
        otp.check_code(PHONE, "register", code)  # spent
    assert exc.value.message_dict == {"code": ["请先获取短信验证码"]}


def test_code_of_another_purpose_or_phone_does_not_count():
    otp.send_code(PHONE, "register")
    code = sent_code()
    with pytest.raises(ValidationError):
        otp.check_code(PHONE, "login", code)
    with pytest.raises(ValidationError):
        otp.check_code("13907716602", "register", code)
    assert otp.check_code(PHONE, "register", code)


def test_code_expires_after_five_minutes():
    now = timezone.now()
    otp.send_code(PHONE, "login", now=now)
    code = sent_code()
    with pytest.raises(ValidationError) as exc:
        otp.check_code(PHONE, "login", code, now=now + datetime.timedelta(seconds=300))
    assert exc.value.message_dict == {"code": ["验证码已过期，请重新获取"]}
    assert otp.check_code(PHONE, "login", code, now=now + datetime.timedelta(seconds=299))


def test_resend_waits_sixty_seconds_and_ten_a_day():
    now = timezone.now()
    otp.send_code(PHONE, "login", now=now)
    with pytest.raises(ValidationError) as exc:
        otp.send_code(PHONE, "login", now=now + datetime.timedelta(seconds=59))
    assert exc.value.message_dict == {"phone": ["验证码已发送，请1秒后再获取"]}
    for i in range(1, 10):
        otp.send_code(PHONE, "login", now=now + datetime.timedelta(seconds=60 * i))
    with pytest.raises(ValidationError) as exc:
        otp.send_code(PHONE, "login", now=now + datetime.timedelta(seconds=600))
    assert exc.value.message_dict == {"phone": ["该手机号今日获取验证码已达10次，请明天再试"]}
    assert SmsCode.objects.filter(phone=PHONE).count() == 10


def test_five_wrong_entries_spend_the_code():
    otp.send_code(PHONE, "login")
    code = sent_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationError) as exc:
            otp.check_code(PHONE, "login", wrong)
        assert exc.value.message_dict == {"code": [f"验证码错误，还可输入{left}次"]}
    with pytest.raises(ValidationError) as exc:
        otp.check_code(PHONE, "login", wrong)
    assert exc.value.message_dict == {"code": ["验证码错误次数过多，请重新获取"]}
    with pytest.raises(ValidationError) as exc:
        otp.check_code(PHONE, "login", code)  # even the right one: ask for a new code
    assert exc.value.message_dict == {"code": ["验证码错误次数过多，请重新获取"]}
    assert SmsCode.objects.get().attempts == 5


def test_bad_phone_and_empty_code_are_field_errors():
    with pytest.raises(ValidationError) as exc:
        otp.send_code("1390771", "login")
    assert exc.value.message_dict == {"phone": ["请填写正确的11位手机号码"]}
    with pytest.raises(ValidationError) as exc:
        otp.check_code(PHONE, "login", " ")
    assert exc.value.message_dict == {"code": ["请填写短信验证码"]}
    assert SmsCode.objects.count() == 0 and SmsMessage.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_for_one_phone_get_one_code():
    from kernel.core.testing import race
    from kernel.notify.reference import load as load_templates

    load_templates()
    results, unexpected = race(6, lambda i: otp.send_code(PHONE, "login"))
    assert unexpected == []
    sent = [r for r in results if isinstance(r, SmsCode)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(sent) == 1 and len(refused) == 5 and SmsCode.objects.count() == 1
