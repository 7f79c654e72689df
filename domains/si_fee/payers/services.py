"""The user centre's operations (seed 003 §2.2): real-name registration with an SMS code, login with
password plus SMS code, profile completion and contact maintenance, and single sign-on from the e-tax
bureau, the government-service network and bank channels. The only place that changes payers.

A session acts for one natural person: none of these functions switches a signed-in session to another
person; the person must log out first (§2.2.3)."""
import base64
import datetime
import json
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from domains.si_fee.rules.models import PersonType, SpecialCategory
from domains.si_fee.rules.services import prefecture_of
from kernel.accounts import otp
from kernel.accounts.models import User
from kernel.accounts.services import check_credentials
from kernel.audit.services import log_operation
from kernel.notify.services import PHONE
from kernel.org.validators import mask_phone, validate_id_number

from .models import IdType, Payer, SsoChannel, SsoNonce

REGISTER, LOGIN, MOBILE = "si_register", "si_login", "si_mobile"
ONE_PERSON = "当前已登录{name}，一次登录只能办理本人业务。如需办理他人业务，请先退出登录"


# == validation shared by the forms ==
def _clean_identity(data, errors):
    name = (data.get("name") or "").strip()
    id_type = data.get("id_type") or IdType.ID_CARD
    id_number = (data.get("id_number") or "").strip().upper()
    if not name:
        errors["name"] = "请填写姓名"
    elif len(name) > 50:
        errors["name"] = "姓名不能超过50个字"
    if id_type not in IdType.values:
        errors["id_type"] = "请选择证件类型"
    if not id_number:
        errors["id_number"] = "请填写证件号码"
    elif id_type == IdType.ID_CARD:
        try:
            validate_id_number(id_number)
        except ValidationError as exc:
            errors["id_number"] = exc.messages[0]
    elif not (5 <= len(id_number) <= 30 and id_number.isalnum()):
        errors["id_number"] = "证件号码应为5至30位字母或数字"
    return name, id_type, id_number


def _clean_mobile(value, errors, field="mobile"):
    mobile = (value or "").strip()
    if not PHONE.match(mobile):
        errors[field] = "请填写正确的11位手机号码"
    return mobile


def _clean_region(region, errors):
    from kernel.org.models import Region

    if region is None or region.level != Region.Level.COUNTY or not region.path.startswith("450000."):
        errors["region"] = "请选择参保地（县、市、区）"
        return None, None
    return region, prefecture_of(region)


def _raise(errors):
    if errors:
        raise ValidationError(errors)


def _one_person(request, user=None):
    current = getattr(request, "user", None)
    if current is not None and current.is_authenticated and (user is None or current.pk != user.pk):
        raise ValidationError(ONE_PERSON.format(name=current.display_name))


# == registration ==
def send_register_code(request, mobile):
    errors = {}
    mobile = _clean_mobile(mobile, errors)
    _raise(errors)
    return otp.send_code(mobile, REGISTER, ip=_ip(request))


def register(request, *, person_type, name, id_type, id_number, mobile, code, password, password2, region,
             address="") -> Payer:
    """用户实名注册: the natural person's identity, mobile proven by an SMS code, a password; creates the
    account (username = the ID number) and the payer, or links the payer the core system already knows
    (same ID, same name). Signs the new account in."""
    _one_person(request)
    errors = {}
    data = {"name": name, "id_type": id_type, "id_number": id_number}
    name, id_type, id_number = _clean_identity(data, errors)
    if person_type not in PersonType.values:
        errors["person_type"] = "请选择用户类型（灵活就业人员或城乡居民）"
    mobile = _clean_mobile(mobile, errors)
    region, prefecture = _clean_region(region, errors)
    address = (address or "").strip()
    if len(address) > 200:
        errors["address"] = "联系地址不能超过200个字"
    if not password:
        errors["password"] = "请设置登录密码"
    elif password != password2:
        errors["password2"] = "两次输入的密码不一致"
    else:
        try:
            password_validation.validate_password(password, User(username=id_number, real_name=name))
        except ValidationError as exc:
            errors["password"] = "；".join(exc.messages)
    _raise(errors)
    if User.objects.filter(username=id_number).exists() or User.objects.filter(id_number=id_number).exists():
        raise ValidationError({"id_number": "该证件号码已注册，请直接登录"})
    known = Payer.objects.filter(id_type=id_type, id_number=id_number).first()
    if known is not None:
        if known.user_id:
            raise ValidationError({"id_number": "该证件号码已注册，请直接登录"})
        if known.name != name:
            raise ValidationError({"name": "姓名与社保登记信息不一致，请核对"})
        if known.person_type != person_type:
            raise ValidationError({"person_type": f"该证件号码在社保系统登记为{known.get_person_type_display()}，请选择正确的用户类型"})
    otp.check_code(mobile, REGISTER, code)  # spends the code (outside the transaction: a wrong try counts)
    now = timezone.now()
    try:
        with transaction.atomic():
            user = User(username=id_number, kind=User.Kind.CITIZEN, real_name=name, phone=mobile, id_number=id_number,
                        id_type="01" if id_type == IdType.ID_CARD else id_type, must_change_password=False)
            user.set_password(password)
            user.save()
            from kernel.accounts.models import Role

            role = Role.objects.filter(code="citizen").first()
            if role is not None:
                user.roles.add(role)
            payer = known or Payer(person_type=person_type, name=name, id_type=id_type, id_number=id_number)
            payer.user, payer.mobile, payer.region, payer.prefecture = user, mobile, region, prefecture
            payer.address = address or payer.address
            payer.registered_at = now
            payer.save()
            log_operation("si_register", user=user, payer=payer.pk, person_type=person_type, linked=known is not None)
    except IntegrityError as exc:  # the same person registering twice at once
        raise ValidationError({"id_number": "该证件号码已注册，请直接登录"}) from exc
    _sign_in(request, user)
    return payer


# == login ==
def _account(id_number):
    id_number = (id_number or "").strip().upper()
    if not id_number:
        return None
    payer = Payer.objects.filter(id_number=id_number, user__isnull=False).select_related("user").first()
    if payer is not None:
        return payer.user
    return (User.objects.filter(username=id_number).first()
            or User.objects.filter(id_number=id_number, kind=User.Kind.CITIZEN).first())


def _credentials(request, id_number, password):
    errors = {}
    if not (id_number or "").strip():
        errors["id_number"] = "请填写证件号码"
    if not password:
        errors["password"] = "请填写登录密码"
    _raise(errors)
    account = _account(id_number)
    result = check_credentials(request, account.username if account else (id_number or "").strip().upper(),
                               password, "m")
    if result.user is None:
        raise ValidationError({"password": result.error})
    if not result.user.phone or not PHONE.match(result.user.phone):
        raise ValidationError({"id_number": "该账号未登记手机号码，不能接收验证码，请联系主管税务机关"})
    return result.user


def send_login_code(request, id_number, password):
    """Step 1 of 自然人登录: the password is right → a code goes to the registered mobile (masked in the
    answer, returned with the code's row). Wrong passwords count towards the lockout like any login."""
    _one_person(request)
    user = _credentials(request, id_number, password)
    row = otp.send_code(user.phone, LOGIN, ip=_ip(request))
    return mask_phone(user.phone), row


def login(request, id_number, password, code):
    """Step 2: password and SMS code → the session of this natural person."""
    account = _account(id_number)
    _one_person(request, account if account is not None and request.user.is_authenticated else None)
    if request.user.is_authenticated:
        return request.user  # the same person again: nothing to do
    user = _credentials(request, id_number, password)
    otp.check_code(user.phone, LOGIN, code)
    _sign_in(request, user)
    return user


def _sign_in(request, user, via="password_sms", **detail):
    with transaction.atomic():
        auth_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        request.session["entrance"] = "m"
        log_operation("login", user=user, username=user.username, entrance="m", via=via, **detail)


def _ip(request):
    return (request.META.get("REMOTE_ADDR") or None) if request is not None else None


# == profile ==
def complete_profile(user, *, person_type, region, special_category="", address="") -> Payer:
    """An account made elsewhere on the platform (same person) becomes a payer: person type and county."""
    errors = {}
    if person_type not in PersonType.values:
        errors["person_type"] = "请选择用户类型（灵活就业人员或城乡居民）"
    region, prefecture = _clean_region(region, errors)
    if special_category and special_category not in SpecialCategory.values:
        errors["special_category"] = "特殊人员类别不正确"
    if not user.id_number:
        errors["id_number"] = "账号未登记证件号码，请先在个人信息中补充"
    if not user.phone or not PHONE.match(user.phone):
        errors["mobile"] = "账号未登记手机号码"
    _raise(errors)
    if Payer.objects.filter(user=user).exists():
        raise ValidationError("已是缴费人，无需重复补充")
    known = Payer.objects.filter(id_number=user.id_number.upper()).first()
    if known is not None and known.user_id:
        raise ValidationError({"id_number": "该证件号码已由其他账号注册"})
    if known is not None and known.name != user.real_name:
        raise ValidationError({"id_number": "账号姓名与社保登记信息不一致，请联系主管税务机关"})
    payer = known or Payer(person_type=person_type, name=user.real_name or user.username,
                           id_number=user.id_number.upper(), special_category=special_category)
    payer.user, payer.mobile, payer.region, payer.prefecture = user, user.phone, region, prefecture
    payer.address = (address or "").strip() or payer.address
    payer.registered_at = timezone.now()
    try:
        with transaction.atomic():
            payer.save()
            log_operation("si_register", user=user, payer=payer.pk, person_type=payer.person_type, completed=True)
    except IntegrityError as exc:  # the same form sent twice at once
        raise ValidationError("已是缴费人，无需重复补充") from exc
    return payer


def send_mobile_code(request, payer, mobile):
    errors = {}
    mobile = _clean_mobile(mobile, errors)
    if not errors and mobile == payer.mobile:
        errors["mobile"] = "新手机号码与原号码相同"
    _raise(errors)
    return otp.send_code(mobile, MOBILE, ip=_ip(request))


def update_contact(payer, user, *, address, mobile="", code="") -> Payer:
    """信息维护: the contact address, and the mobile number once the new number has received its code."""
    errors = {}
    address = (address or "").strip()
    if len(address) > 200:
        errors["address"] = "联系地址不能超过200个字"
    mobile = (mobile or "").strip()
    if mobile and mobile != payer.mobile:
        _clean_mobile(mobile, errors)
    _raise(errors)
    changed_mobile = bool(mobile and mobile != payer.mobile)
    if changed_mobile:
        otp.check_code(mobile, MOBILE, code)  # outside the transaction: a wrong try counts
    with transaction.atomic():
        if changed_mobile:
            payer.mobile = mobile
            account = User.objects.get(pk=payer.user_id)
            account.phone = mobile
            account.save(update_fields=["phone"])  # the number login codes go to
        payer.address = address
        payer.save()
        log_operation("si_contact_changed", user=user, payer=payer.pk, mobile_changed=changed_mobile,
                      mobile=mask_phone(payer.mobile))
    return payer


# == single sign-on (单点集成) ==
# A channel signs the five identity fields of the seed (登录人姓名, 证件类型, 证件号码, 国籍（地区）, 手机号码)
# with issue and expiry times, a nonce and the target function into a token: SM4-GCM under a key derived
# from the channel's secret (HKDF-SM3), the channel code as associated data. So the identity is both
# unreadable in transit and unforgeable; each token signs in once and expires after the channel's max age.
SSO_FIELDS = ("name", "id_type", "id_number", "nationality", "mobile")
SSO_SKEW = 60


def _sso_key(channel):
    return HKDF(algorithm=hashes.SM3(), length=16, salt=b"zhengwu.si.sso.v1",
                info=channel.code.encode()).derive(channel.secret.encode("utf-8"))


def sign_sso_token(channel, *, target="", now=None, nonce=None, **identity) -> str:
    """What the channel does (its SDK; used by the channel simulator and the tests)."""
    now = int((now or timezone.now()).timestamp())
    payload = {k: identity.get(k, "") for k in SSO_FIELDS}
    payload.update(iat=now, exp=now + channel.max_age, nonce=nonce or secrets.token_hex(16), target=target)
    iv = os.urandom(12)
    enc = Cipher(algorithms.SM4(_sso_key(channel)), modes.GCM(iv)).encryptor()
    enc.authenticate_additional_data(channel.code.encode())
    body = enc.update(json.dumps(payload, ensure_ascii=False).encode("utf-8")) + enc.finalize()
    return base64.urlsafe_b64encode(iv + body + enc.tag).decode("ascii").rstrip("=")


def _open_token(channel, token):
    try:
        raw = base64.urlsafe_b64decode((token or "") + "=" * (-len(token or "") % 4))
        iv, body, tag = raw[:12], raw[12:-16], raw[-16:]
        if len(raw) < 29:
            raise ValueError("short")
        dec = Cipher(algorithms.SM4(_sso_key(channel)), modes.GCM(iv, tag)).decryptor()
        dec.authenticate_additional_data(channel.code.encode())
        return json.loads((dec.update(body) + dec.finalize()).decode("utf-8"))
    except (ValueError, InvalidTag, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError("单点登录令牌无效或已被篡改") from exc


def sso_login(request, channel_code, token, now=None):
    """Verify a channel's token and open (or confirm) the session of that natural person. Returns
    (user, target). Every refusal is logged."""
    now = now or timezone.now()
    channel = SsoChannel.objects.filter(code=channel_code, active=True).first()
    try:
        if channel is None:
            raise ValidationError("单点登录渠道不存在或已停用")
        data = _open_token(channel, token)
        stamp = now.timestamp()
        if not isinstance(data.get("iat"), int) or not isinstance(data.get("exp"), int) \
                or data["iat"] > stamp + SSO_SKEW or data["exp"] - data["iat"] > channel.max_age:
            raise ValidationError("单点登录令牌无效或已被篡改")
        if data["exp"] <= stamp:
            raise ValidationError("单点登录令牌已过期，请从原渠道重新进入")
        payer = (Payer.objects.filter(id_type=data.get("id_type"), id_number=str(data.get("id_number", "")).upper())
                 .select_related("user").first())
        if payer is None or payer.user is None:
            raise ValidationError("您尚未在本服务实名注册，请先注册")
        if not payer.user.is_active or payer.user.is_locked(now):
            raise ValidationError("账号已停用或已锁定，请联系主管税务机关")
        if payer.name != data.get("name"):
            raise ValidationError("登录人身份信息与注册信息不一致")
        _one_person(request, payer.user)
        try:
            with transaction.atomic():
                SsoNonce.objects.create(channel=channel, nonce=str(data.get("nonce"))[:64],
                                        expires_at=datetime.datetime.fromtimestamp(data["exp"], tz=datetime.UTC))
        except IntegrityError as exc:
            raise ValidationError("单点登录令牌已使用，请从原渠道重新进入") from exc
    except ValidationError as exc:
        log_operation("si_sso_refused", success=False, channel=channel_code, reason="；".join(exc.messages))
        raise
    if not request.user.is_authenticated:
        _sign_in(request, payer.user, via="sso", channel=channel.code)
    else:
        log_operation("si_sso_verified", user=payer.user, channel=channel.code, target=data.get("target", ""))
    request.session["si_sso"] = {"channel": channel.code, "at": now.isoformat()}
    SsoNonce.objects.filter(expires_at__lt=now).delete()
    return payer.user, data.get("target", "")


def create_channel(*, code, name, secret, max_age=300) -> SsoChannel:
    channel = SsoChannel(code=code, name=name, max_age=max_age)
    channel.set_secret(secret)
    channel.full_clean(exclude=["secret_encrypted"])
    channel.save()
    log_operation("si_sso_channel", channel=code)
    return channel
