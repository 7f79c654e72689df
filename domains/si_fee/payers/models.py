"""Payers (缴费人) and their participation (参保信息), and the single sign-on channels (单点集成)."""
from django.conf import settings
from django.db import models

from domains.si_fee.rules.models import PersonType, SpecialCategory
from kernel.core.models import BusinessModel
from kernel.org.validators import mask_id_number, mask_phone


class IdType(models.TextChoices):
    ID_CARD = "201", "居民身份证"
    HK_MACAO = "516", "港澳居民来往内地通行证"
    TAIWAN = "511", "台湾居民来往大陆通行证"
    FOREIGN_PR = "208", "外国人永久居留身份证"
    PASSPORT = "227", "外国护照"


class Payer(BusinessModel):
    """缴费人: one natural person (unique by ID type and number), linked to the account they registered.
    A payer known to the core system (登记序号) before registering exists without an account."""

    scope_fields = {"region": "region", "organisation": None, "owner": "user"}

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="账号", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="si_payer")
    person_type = models.CharField("人员类型", max_length=10, choices=PersonType.choices)
    name = models.CharField("姓名", max_length=50)
    id_type = models.CharField("证件类型", max_length=3, choices=IdType.choices, default=IdType.ID_CARD)
    id_number = models.CharField("证件号码", max_length=30)
    nationality = models.CharField("国籍（地区）", max_length=30, default="中国")
    mobile = models.CharField("手机号码", max_length=20)
    address = models.CharField("联系地址", max_length=200, blank=True)
    region = models.ForeignKey("org.Region", verbose_name="参保地（县区）", on_delete=models.PROTECT, related_name="+")
    prefecture = models.ForeignKey("org.Region", verbose_name="地市", on_delete=models.PROTECT, related_name="+",
                                   help_text="其缴费规则适用的设区市（或自治区本级）")
    special_category = models.CharField("特殊人员类别", max_length=20, choices=SpecialCategory.choices, blank=True)
    registration_no = models.CharField("登记序号", max_length=30, blank=True, db_index=True)
    person_no = models.CharField("人员编号", max_length=30, blank=True)
    agency = models.CharField("社保经办机构", max_length=100, blank=True)
    tax_authority = models.ForeignKey("org.Organisation", verbose_name="主管税务机关", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField("注册时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "缴费人"
        ordering = ["-id"]
        permissions = [("export_payer", "导出缴费人")]
        constraints = [models.UniqueConstraint(fields=["id_type", "id_number"], name="si_payer_id_unique")]
        indexes = [models.Index(fields=["region", "-id"], name="si_payer_region")]

    def __str__(self):
        return f"{self.name}（{self.masked_id}）"

    @property
    def masked_id(self):
        return mask_id_number(self.id_number)

    @property
    def masked_mobile(self):
        return mask_phone(self.mobile)


class Participation(models.Model):
    """参保信息 of a payer for one insurance type, as the core system (金三) holds it."""

    class Status(models.TextChoices):
        ACTIVE = "active", "参保缴费"
        SUSPENDED = "suspended", "暂停缴费"
        ENDED = "ended", "终止参保"

    payer = models.ForeignKey(Payer, verbose_name="缴费人", on_delete=models.CASCADE, related_name="participations")
    insurance = models.ForeignKey("si_rules.InsuranceType", verbose_name="险种", on_delete=models.PROTECT, related_name="+")
    agency = models.CharField("参保社保经办机构", max_length=100)
    status = models.CharField("参保状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_on = models.DateField("参保日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "参保信息"
        ordering = ["payer", "insurance__order"]
        constraints = [models.UniqueConstraint(fields=["payer", "insurance"], name="si_participation_unique")]

    def __str__(self):
        return f"{self.payer.name} {self.insurance.name}"


class SsoChannel(models.Model):
    """A channel that may sign its users into the service (电子税务局, 政务服务网, 银行渠道...): the key both
    sides sign the five identity fields with (HMAC-SM3), kept encrypted."""

    code = models.SlugField("渠道代码", max_length=30, unique=True)
    name = models.CharField("渠道名称", max_length=60)
    secret_encrypted = models.TextField("共享密钥（加密存储）", editable=False)
    active = models.BooleanField("启用", default=True)
    max_age = models.PositiveIntegerField("令牌有效期（秒）", default=300)

    class Meta:
        verbose_name = verbose_name_plural = "单点登录渠道"
        ordering = ["code"]

    def __str__(self):
        return self.name

    def set_secret(self, plain: str):
        from kernel.interfaces import crypto

        self.secret_encrypted = crypto.encrypt(plain, aad=f"si_sso:{self.code}")

    @property
    def secret(self) -> str:
        from kernel.interfaces import crypto

        return crypto.decrypt(self.secret_encrypted, aad=f"si_sso:{self.code}")


class SsoNonce(models.Model):
    """A token's nonce, kept until the token expires, so that each token signs in once."""

    channel = models.ForeignKey(SsoChannel, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "nonce"], name="si_sso_nonce_once")]
