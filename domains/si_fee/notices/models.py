"""Notices and announcements (通知公告) with their audience and read state, and the operation manual
(操作手册) in versions (seed 003 §2.5)."""
from django.conf import settings
from django.db import models
from django.urls import reverse

from kernel.core.models import BusinessModel
from kernel.workflow.engine import State, Transition, Workflow, WorkflowModel

PUBLISH = "si_notice.publish_notice"


class Level(models.IntegerChoices):
    """分级: the smaller the number, the more important (sorting by level puts 非常重要 first)."""
    VERY_IMPORTANT = 1, "非常重要"
    IMPORTANT = 2, "重要"
    GENERAL = 3, "一般"


class Category(models.IntegerChoices):
    """分类."""
    POLICY = 1, "政策法规"
    BUSINESS = 2, "业务通知"
    ANNOUNCEMENT = 3, "公告公示"
    NEWS = 4, "新闻动态"


class PushFrequency(models.TextChoices):
    EVERY_LOGIN = "every_login", "每次登录推送"
    FIRST_LOGIN = "first_login", "首次登录推送"
    NONE = "none", "不推送"


class Audience(models.TextChoices):
    ALL = "all", "无差别推送"
    PERSONS = "persons", "按人推送"


LEVEL_COLOURS = {1: "danger", 2: "warning", 3: "secondary"}
STATUS_COLOURS = {"draft": "secondary", "published": "success", "withdrawn": "dark"}


def _set_published(obj, user, params):
    from django.utils import timezone

    obj.published_at = timezone.now()
    obj.published_by = user


def _set_withdrawn(obj, user, params):
    from django.utils import timezone

    obj.withdrawn_at = timezone.now()
    obj.withdrawn_by = user
    obj.withdraw_reason = params.get("comment", "")[:300]


def _has_audience(obj, user, params):
    if obj.audience == Audience.PERSONS and not obj.targets.exists():
        return "按人推送的通知须先设置推送名单"
    return None


def _not_expired(obj, user, params):
    from django.utils import timezone

    today = params.get("data", {}).get("today") or timezone.localdate()
    if obj.valid_until and obj.valid_until < today:
        return "有效期已过，不能发布"
    return None


NOTICE_WORKFLOW = Workflow("si_notice", states=[
    State("draft", "草稿", "secondary"),
    State("published", "已发布", "success"),
    State("withdrawn", "已撤回", "dark", final=True),
], transitions=[
    Transition("publish", "发布", sources=["draft"], target="published", perm=PUBLISH,
               guards=[_has_audience, _not_expired], prepare=[_set_published]),
    Transition("withdraw", "撤回", sources=["published"], target="withdrawn", perm=PUBLISH,
               requires=["comment"], prepare=[_set_withdrawn], style="danger"),
])


class Notice(WorkflowModel, BusinessModel):
    """通知公告 of a tax authority to the payers of its region: everyone there (optionally one person type or
    one prefecture), or a list of payers chosen by ID number."""

    scope_fields = {"region": "region", "organisation": None, "owner": None}
    workflow = NOTICE_WORKFLOW
    generic_transitions = False  # published and withdrawn through services (they check the audience)

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已撤回"

    title = models.CharField("标题", max_length=150)
    document_no = models.CharField("发文字号", max_length=60, blank=True,
                                   help_text="如：南税发〔2021〕12号；新闻动态等可不填")
    level = models.PositiveSmallIntegerField("分级", choices=Level.choices, default=Level.GENERAL)
    category = models.PositiveSmallIntegerField("分类", choices=Category.choices, default=Category.BUSINESS)
    issuer = models.CharField("发布单位", max_length=100, help_text="如：国家税务总局南宁市税务局")
    content = models.TextField("正文", help_text="纯文本，空行分段")
    region = models.ForeignKey("org.Region", verbose_name="发布辖区", on_delete=models.PROTECT, related_name="+",
                               help_text="向该辖区（含下级）的缴费人发布")
    valid_from = models.DateField("有效期起")
    valid_until = models.DateField("有效期止", null=True, blank=True, help_text="留空为长期有效")
    push_frequency = models.CharField("推送频率", max_length=12, choices=PushFrequency.choices,
                                      default=PushFrequency.FIRST_LOGIN)
    audience = models.CharField("推送范围", max_length=10, choices=Audience.choices, default=Audience.ALL)
    audience_person_type = models.CharField("人员类型", max_length=10, blank=True,
                                            choices=[("flexible", "灵活就业人员"), ("resident", "城乡居民")],
                                            help_text="无差别推送时可限定人员类型；留空为全部")
    audience_prefecture = models.ForeignKey("org.Region", verbose_name="限定地市", null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="+",
                                            help_text="无差别推送时可限定发布辖区内的一个地市（县区）")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发布人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="撤回人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    withdraw_reason = models.CharField("撤回原因", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "通知公告"
        ordering = ["-published_at", "-id"]
        permissions = [("publish_notice", "发布、撤回通知公告")]
        indexes = [models.Index(fields=["status", "region"], name="si_notice_status_region")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("gov:si_notice_detail", args=[self.pk])

    @property
    def level_colour(self):
        return LEVEL_COLOURS.get(self.level, "secondary")

    @property
    def status_colour(self):
        return STATUS_COLOURS.get(self.status, "secondary")

    @property
    def paragraphs(self):
        return [p.strip() for p in self.content.replace("\r\n", "\n").split("\n\n") if p.strip()]


class NoticeTarget(models.Model):
    """One payer on the push list (推送名单) of a notice sent by person. Changes of the list are audited
    as one operation row each (services.set_audience)."""

    notice = models.ForeignKey(Notice, verbose_name="通知公告", on_delete=models.CASCADE, related_name="targets")
    payer = models.ForeignKey("si_payers.Payer", verbose_name="缴费人", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "推送名单"
        constraints = [models.UniqueConstraint(fields=["notice", "payer"], name="si_notice_target_unique")]
        indexes = [models.Index(fields=["payer", "notice"], name="si_notice_target_payer")]


class NoticeRead(BusinessModel):
    """阅读记录: the first time a payer read a notice."""

    scope_fields = {"region": "payer__region", "organisation": None, "owner": "payer__user"}

    notice = models.ForeignKey(Notice, verbose_name="通知公告", on_delete=models.CASCADE, related_name="reads")
    payer = models.ForeignKey("si_payers.Payer", verbose_name="缴费人", on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField("首次阅读时间")

    class Meta:
        verbose_name = verbose_name_plural = "通知阅读记录"
        ordering = ["-read_at"]
        constraints = [models.UniqueConstraint(fields=["notice", "payer"], name="si_notice_read_once")]
        indexes = [models.Index(fields=["payer", "notice"], name="si_notice_read_payer")]

    def __str__(self):
        return f"{self.payer_id}→{self.notice_id}"


class ManualVersion(BusinessModel):
    """操作手册 version: one per function release (the seed asks to update the manual with every release).
    The manual is one public document for the whole service, so it has no region: every user sees it."""

    scope_fields = {"region": None, "organisation": None, "owner": None}

    version = models.CharField("版本号", max_length=20, unique=True, help_text="如：V1.2 或 V1.2.1")
    released_on = models.DateField("发布日期")
    changes = models.TextField("本次更新的功能", help_text="每行一项")
    sections = models.JSONField("正文章节", default=list, help_text="[{title, body}]")
    video_url = models.URLField("视频版地址", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "操作手册版本"
        ordering = ["-released_on", "-id"]

    def __str__(self):
        return f"操作手册 {self.version}"

    def get_absolute_url(self):
        return reverse("gov:si_notice_manual_detail", args=[self.pk])

    @property
    def change_lines(self):
        return [line.strip() for line in self.changes.splitlines() if line.strip()]

    @property
    def section_items(self):
        """[(number, title, [paragraphs])] for templates."""
        out = []
        for i, s in enumerate(self.sections or [], 1):
            body = (s.get("body") or "").replace("\r\n", "\n")
            out.append((i, s.get("title", ""), [p.strip() for p in body.split("\n") if p.strip()]))
        return out
