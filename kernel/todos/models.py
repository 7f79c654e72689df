"""To-dos (待办): work waiting for a person, or for whoever holds a role in a region.

Fed by workflows (entering a state that someone must act on) and warnings (assignment);
closed automatically when the underlying transition happens."""
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from kernel.core.models import ScopedQuerySet


class Todo(models.Model):
    audit_enabled = False  # derived data: every change follows a transition that is itself logged
    scope_fields = {"region": "region", "organisation": None, "owner": "assignee"}

    class Status(models.TextChoices):
        OPEN = "open", "待办"
        DONE = "done", "已办"
        CANCELLED = "cancelled", "已撤销"

    title = models.CharField("事项", max_length=200)
    url = models.CharField("办理地址", max_length=300, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="办理人", null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="todos", db_index=False)
    role_code = models.CharField("办理角色", max_length=64, blank=True, help_text="无指定办理人时，由该角色在本区划的人员办理")
    region = models.ForeignKey("org.Region", verbose_name="区划", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", db_index=False)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+", db_index=False)
    object_id = models.CharField(max_length=64)
    key = models.CharField("来源", max_length=100, help_text="如 workflow:submitted、alert:assigned")
    due_at = models.DateTimeField("办理期限", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="完成人", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+", db_index=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "待办"
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["assignee", "status"], name="todo_assignee_status"),
            models.Index(fields=["role_code", "region", "status"], name="todo_role_region_status"),
            models.Index(fields=["content_type", "object_id", "status"], name="todo_object_status"),
        ]

    def __str__(self):
        return self.title

    @property
    def overdue(self):
        return self.status == self.Status.OPEN and self.due_at is not None and self.due_at < timezone.now()
