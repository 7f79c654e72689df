"""National identifier checks: unified social credit code (GB 32100-2015) and
resident ID number (GB 11643-1999). Messages are in Chinese for forms and imports."""
import datetime

from django.core.exceptions import ValidationError

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError("统一社会信用代码应为18位，当前为%(n)d位", code="uscc_length", params={"n": len(code)})
    bad = [c for c in code if c not in USCC_CHARS]
    if bad:
        raise ValidationError("统一社会信用代码含非法字符“%(c)s”（不使用I、O、Z、S、V）", code="uscc_chars", params={"c": bad[0]})
    if not code[2:8].isdigit():
        raise ValidationError("统一社会信用代码第3至8位应为行政区划代码（数字）", code="uscc_region")
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError("统一社会信用代码校验位错误", code="uscc_checksum")


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def validate_id_number(value: str) -> None:
    number = (value or "").strip().upper()
    if len(number) != 18:
        raise ValidationError("身份证号码应为18位，当前为%(n)d位", code="id_length", params={"n": len(number)})
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError("身份证号码前17位应为数字，末位为数字或X", code="id_chars")
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError("身份证号码中的出生日期无效", code="id_birth") from None
    if born.year < 1900 or born > datetime.date.today():
        raise ValidationError("身份证号码中的出生日期无效", code="id_birth")
    if id_check_char(number[:17]) != number[17]:
        raise ValidationError("身份证号码校验位错误", code="id_checksum")


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return value[:6] + "********" + value[-4:] if len(value) >= 10 else "****"


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) >= 7 else "****"
