"""The insert-only log of every workflow transition."""
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from kernel.audit.models import InsertOnlyModel


class TransitionLog(InsertOnlyModel):
    scope_fields = {"region": "region", "organisation": "organisation", "owner": "actor"}

    content_type = models.ForeignKey(ContentType, verbose_name="对象类型", on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField("对象编号", max_length=64)
    workflow = models.CharField("流程", max_length=64)
    transition = models.CharField("操作", max_length=64)
    transition_label = models.CharField("操作名称", max_length=64)
    from_state = models.CharField("原状态", max_length=32)
    to_state = models.CharField("新状态", max_length=32)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    organisation = models.ForeignKey("org.Organisation", verbose_name="操作人机构", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    region = models.ForeignKey("org.Region", verbose_name="操作人区划", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    comment = models.TextField("意见", blank=True)
    attachments = models.JSONField("附件", default=list, blank=True)
    data = models.JSONField("表单数据", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "流程日志"
        ordering = ["time", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "time"], name="transitionlog_object")]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.transition_label}：{self.from_state} → {self.to_state}"
