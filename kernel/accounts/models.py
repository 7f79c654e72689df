"""Users, roles and data scopes.

One login model for every entrance (/gov/ agency staff, /ent/ enterprises and
technical institutions, /m/ citizens on mobile). Roles are data: a role grants
Django permissions (app.action_model) and carries a data scope in the RuoYi
sense (all / custom regions / region subtree / own region / own organisation / self).
"""
import secrets

from django.contrib.auth.models import AbstractUser, Permission, UserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from kernel.core.models import ScopedQuerySet
from kernel.org.models import Organisation, Region
from kernel.org.validators import validate_id_number


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):
    pass


class Role(models.Model):
    audit_enabled = True

    class DataScope(models.TextChoices):
        ALL = "all", "全部数据"
        CUSTOM = "custom", "自定义区划"
        REGION_TREE = "region_tree", "本区划及下级"
        REGION = "region", "仅本区划"
        ORGANISATION = "organisation", "本机构"
        SELF = "self", "仅本人"

    code = models.SlugField("角色编码", max_length=64, unique=True)
    name = models.CharField("角色名称", max_length=100)
    data_scope = models.CharField("数据范围", max_length=20, choices=DataScope.choices, default=DataScope.REGION_TREE)
    custom_regions = models.ManyToManyField(Region, verbose_name="自定义区划", blank=True, help_text="数据范围为“自定义区划”时生效，含下级")
    permissions = models.ManyToManyField(Permission, verbose_name="权限", blank=True)
    remark = models.CharField("备注", max_length=200, blank=True)
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "角色"
        ordering = ["code"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    audit_enabled = True
    audit_exclude = {"last_login", "password", "session_salt"}
    scope_fields = {"region": "organisation__region", "organisation": "organisation", "owner": "pk"}

    class Kind(models.TextChoices):
        STAFF = "staff", "机关工作人员"
        ENTERPRISE = "enterprise", "企业用户"
        INSTITUTION = "institution", "技术机构用户"
        CITIZEN = "citizen", "个人用户"

    kind = models.CharField("用户类别", max_length=20, choices=Kind.choices, default=Kind.STAFF, db_index=True)
    real_name = models.CharField("姓名", max_length=50, blank=True)
    organisation = models.ForeignKey(Organisation, verbose_name="所属机构", null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    roles = models.ManyToManyField(Role, verbose_name="角色", blank=True, related_name="users")
    phone = models.CharField("手机号", max_length=20, blank=True)
    id_type = models.CharField("证件类型", max_length=20, blank=True, default="01")
    id_number = models.CharField("证件号码", max_length=30, blank=True, db_index=True)
    must_change_password = models.BooleanField("首次登录须改密", default=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    failed_logins = models.PositiveSmallIntegerField("连续失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    session_salt = models.CharField(max_length=32, default="", blank=True, editable=False)
    preferences = models.JSONField("个人设置", default=dict, blank=True)

    objects = ScopedUserManager()

    class Meta:
        verbose_name = verbose_name_plural = "用户"
        ordering = ["username"]
        permissions = [("view_personal_data", "查看完整个人敏感信息（不脱敏）")]

    def __str__(self):
        return self.real_name or self.username

    @property
    def display_name(self):
        return self.real_name or self.username

    @property
    def region(self):
        return self.organisation.region if self.organisation_id else None

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        if self.kind == self.Kind.CITIZEN and self.id_type in ("", "01"):
            if not self.id_number:
                raise ValidationError({"id_number": "个人用户必须填写身份证号码"})
            validate_id_number(self.id_number)
            self.id_number = self.id_number.upper()
        if self.kind in (self.Kind.STAFF, self.Kind.ENTERPRISE, self.Kind.INSTITUTION) and not self.organisation_id and not self.is_superuser:
            raise ValidationError({"organisation": "机关、企业和技术机构用户必须属于一个机构"})

    def get_session_auth_hash(self):
        # The session hash covers the password hash and a per-user salt, so that
        # "logout everywhere" (a new salt) invalidates every session at once.
        return salted_hmac(
            "kernel.accounts.User.get_session_auth_hash",
            f"{self.password}|{self.session_salt}",
            algorithm="sha256",
        ).hexdigest()

    def rotate_session_salt(self):
        self.session_salt = secrets.token_hex(16)

    def is_locked(self, now=None):
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))


class SmsCode(models.Model):
    """A one-time SMS verification code (短信验证码) for a phone and a purpose (registration, login,
    phone change...). Only a keyed hash of the code is kept; the code itself lives in the SMS alone."""

    phone = models.CharField("手机号码", max_length=20)
    purpose = models.CharField("用途", max_length=40)
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField("发送时间", default=timezone.now)
    expires_at = models.DateTimeField("失效时间")
    attempts = models.PositiveSmallIntegerField("错误次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    ip = models.GenericIPAddressField("请求地址", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "短信验证码"
        ordering = ["-id"]
        indexes = [models.Index(fields=["phone", "purpose", "-created_at"], name="acc_smscode_phone")]

    @staticmethod
    def digest(phone, purpose, code):
        return salted_hmac("kernel.accounts.SmsCode", f"{phone}|{purpose}|{code}", algorithm="sha256").hexdigest()
