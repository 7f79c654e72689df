import pytest
from django.core.exceptions import ValidationError

from kernel.org.validators import (
    id_check_char,
    mask_id_number,
    mask_phone,
    uscc_check_char,
    validate_id_number,
    validate_uscc,
)

# Codes of real registered enterprises (public register), whose check characters are known.
KNOWN_USCC = ["91350100M000100Y43", "91110000600037341L", "914403001922038216"]


@pytest.mark.parametrize("code", KNOWN_USCC)
def test_known_uscc_pass(code):
    validate_uscc(code)
    validate_uscc(code.lower())  # input is normalised to upper case


def test_uscc_check_character_is_computed_mod_31():
    assert uscc_check_char("91350100M000100Y4") == "3"


@pytest.mark.parametrize("code,message", [
    ("91350100M000100Y44", "校验位错误"),
    ("91350100M000100Y4", "应为18位"),
    ("91350100M000100Y433", "应为18位"),
    ("91350100M00O100Y43", "非法字符"),
    ("91ABCDEFM000100Y43", "行政区划代码"),
    ("", "应为18位"),
])
def test_bad_uscc_rejected_in_chinese(code, message):
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code)
    assert message in exc.value.messages[0]


def test_known_id_numbers_pass():
    # GB 11643 example number and one ending in X
    validate_id_number("11010519491231002X")
    body = "45010319900307123"
    validate_id_number(body + id_check_char(body))


@pytest.mark.parametrize("number,message", [
    ("110105194912310021", "校验位错误"),
    ("11010519491231002", "应为18位"),
    ("1101051949123100211", "应为18位"),
    ("11010519491331002X", "出生日期无效"),
    ("11010529991231002X", "出生日期无效"),
    ("1101051949123100A1", "前17位应为数字"),
])
def test_bad_id_numbers_rejected_in_chinese(number, message):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(number)
    assert message in exc.value.messages[0]


def test_masking():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13771100001") == "137****0001"
    assert mask_phone("") == ""
