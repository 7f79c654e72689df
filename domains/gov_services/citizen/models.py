"""The applicant's side of the one-window system: my proofs (我的证明), delivery addresses, consultations
and complaints, delivery of results (证照快递), satisfaction evaluations (好差评) and their rectifications."""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from kernel.core.models import BusinessModel
from kernel.org.validators import mask_phone


def mask_number(value):
    """"330102199001011234" -> "3301**********1234": the first and last four characters only."""
    value = value or ""
    if len(value) <= 8:
        return value[:1] + "*" * max(len(value) - 1, 0)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


class Proof(BusinessModel):
    """我的证明: a proof document a citizen keeps (the file is a kernel attachment, purpose gs_proof_file)."""

    class Kind(models.TextChoices):
        ID_CARD = "居民身份证", "居民身份证"
        HOUSEHOLD = "户口簿", "户口簿"
        LICENCE = "营业执照", "营业执照"
        PROPERTY = "不动产权证书", "不动产权证书"
        OTHER = "其他证明", "其他证明"

    scope_fields = {"region": None, "organisation": None, "owner": "owner"}
    scope_personal = True

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="持有人", on_delete=models.CASCADE,
                              related_name="gs_proofs")
    kind = models.CharField("证明类型", max_length=20, choices=Kind.choices)
    name = models.CharField("证明名称", max_length=100, blank=True)
    number = models.CharField("证件号码", max_length=40)
    issued_by = models.CharField("发证机关", max_length=100, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "我的证明"
        ordering = ["owner", "-id"]

    def __str__(self):
        return f"{self.name or self.kind} {self.masked_number}"

    @property
    def masked_number(self):
        return mask_number(self.number)


class Address(BusinessModel):
    """收件地址 of a citizen."""

    scope_fields = {"region": None, "organisation": None, "owner": "owner"}
    scope_personal = True

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE,
                              related_name="gs_addresses")
    recipient = models.CharField("收件人", max_length=50)
    phone = models.CharField("手机号码", max_length=11)
    address = models.CharField("详细地址", max_length=200)
    postcode = models.CharField("邮政编码", max_length=6)

    class Meta:
        verbose_name = verbose_name_plural = "收件地址"
        ordering = ["owner", "-id"]

    def __str__(self):
        return f"{self.recipient} {self.masked_phone} {self.address}"

    @property
    def masked_phone(self):
        return mask_phone(self.phone)


class Consultation(BusinessModel):
    """咨询投诉 of a citizen, answered by the centre of the region (of the matter, or the citizen's choice)."""

    class Kind(models.TextChoices):
        CONSULT = "consult", "咨询"
        COMPLAINT = "complaint", "投诉"

    class Status(models.TextChoices):
        OPEN = "open", "待答复"
        REPLIED = "replied", "已答复"

    scope_fields = {"region": "region", "organisation": None, "owner": "applicant"}

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.CASCADE,
                                  related_name="gs_consultations")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    matter = models.ForeignKey("gs_window.Matter", verbose_name="相关事项", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    region = models.ForeignKey("org.Region", verbose_name="受理区划", on_delete=models.PROTECT, related_name="+")
    subject = models.CharField("主题", max_length=100)
    content = models.TextField("内容", max_length=2000)
    reply = models.TextField("答复", blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="答复人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)

    class Meta:
        verbose_name = verbose_name_plural = "咨询投诉"
        ordering = ["-id"]
        permissions = [("reply_consultation", "答复咨询投诉")]

    def __str__(self):
        return self.subject


class Delivery(BusinessModel):
    """取件方式 of a case: window pickup or courier (证照快递), optionally door-to-door pickup of originals."""

    class Method(models.TextChoices):
        PICKUP = "pickup", "窗口自取"
        COURIER = "courier", "快递送达"

    class Status(models.TextChoices):
        PENDING = "pending", "待送达"
        SHIPPED = "shipped", "已寄出"
        DELIVERED = "delivered", "已签收"
        PICKED = "picked", "已领取"

    class Carrier(models.TextChoices):
        EMS = "ems", "中国邮政EMS"
        SF = "sf", "顺丰速运"
        JD = "jd", "京东物流"
        OTHER = "other", "其他快递"

    scope_fields = {"region": "case__region", "organisation": None, "owner": "case__applicant_user"}

    case = models.OneToOneField("gs_window.Case", verbose_name="办件", on_delete=models.CASCADE,
                                related_name="gs_delivery")
    method = models.CharField("取件方式", max_length=10, choices=Method.choices, default=Method.PICKUP)
    door_pickup = models.BooleanField("上门收取原件", default=False)
    pickup_address = models.CharField("上门收件地址", max_length=200, blank=True)
    recipient = models.CharField("收件人", max_length=50, blank=True)
    phone = models.CharField("手机号码", max_length=11, blank=True)
    address = models.CharField("详细地址", max_length=200, blank=True)
    postcode = models.CharField("邮政编码", max_length=6, blank=True)
    carrier = models.CharField("快递公司", max_length=10, choices=Carrier.choices, blank=True)
    tracking_no = models.CharField("快递单号", max_length=40, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    shipped_at = models.DateTimeField("寄出时间", null=True, blank=True)
    shipped_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="寄送登记人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    finished_at = models.DateTimeField("签收/领取时间", null=True, blank=True)
    finished_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签收/领取登记人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    originals_collected_at = models.DateTimeField("原件收取时间", null=True, blank=True)
    originals_collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="原件收取人", null=True,
                                               blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "证照送达"
        ordering = ["-id"]
        permissions = [("export_delivery", "导出证照送达")]

    def __str__(self):
        return f"{self.case.no} {self.get_method_display()}" if self.case_id else self.get_method_display()


class Evaluation(BusinessModel):
    """好差评: the applicant's one evaluation of a case (pictures/video are attachments, gs_evaluation_media)."""

    scope_fields = {"region": "region", "organisation": "department", "owner": "created_by"}

    case = models.OneToOneField("gs_window.Case", verbose_name="办件", on_delete=models.PROTECT,
                                related_name="gs_evaluation")
    matter = models.ForeignKey("gs_window.Matter", verbose_name="事项", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("org.Organisation", verbose_name="办理部门", on_delete=models.PROTECT,
                                   related_name="+")
    region = models.ForeignKey("org.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField("评分", validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField("评价内容", max_length=1000, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "满意度评价"
        ordering = ["-id"]
        permissions = [("export_evaluation", "导出评价统计")]
        constraints = [models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5),
                                              name="gs_evaluation_rating_range")]

    def __str__(self):
        return f"{self.case_id} {self.rating}星"

    @property
    def bad(self):
        return self.rating <= 2


class Rectification(BusinessModel):
    """差评整改: opened by a rating of 2 or less, answered and closed by the department."""

    class Status(models.TextChoices):
        OPEN = "open", "整改中"
        CLOSED = "closed", "已办结"

    scope_fields = {"region": "region", "organisation": "department", "owner": "evaluation__created_by"}

    evaluation = models.OneToOneField(Evaluation, verbose_name="评价", on_delete=models.PROTECT,
                                      related_name="rectification")
    department = models.ForeignKey("org.Organisation", verbose_name="整改部门", on_delete=models.PROTECT,
                                   related_name="+")
    region = models.ForeignKey("org.Region", verbose_name="区划", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    reply = models.TextField("整改情况", blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="办结人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "差评整改"
        ordering = ["-id"]
        permissions = [("handle_rectification", "办理差评整改")]

    def __str__(self):
        return f"差评整改 {self.evaluation.case}"
