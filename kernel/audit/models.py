"""Audit trail: a change row per write of an audited record, an operation row per
login, failed login, logout, export and other security-relevant action. Insert-only."""
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from kernel.core.models import ScopedQuerySet


class AuditQuerySet(ScopedQuerySet):
    def delete(self):
        raise PermissionError("审计日志不可删除")


class InsertOnlyModel(models.Model):
    """Audit rows are written once and never changed or deleted by the application."""

    objects = AuditQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk:
            raise PermissionError("审计日志不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计日志不可删除")


class ChangeLog(InsertOnlyModel):
    scope_fields = {"region": "region", "organisation": "organisation", "owner": "actor"}

    class Action(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"

    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    organisation = models.ForeignKey("org.Organisation", verbose_name="操作人机构", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    region = models.ForeignKey("org.Region", verbose_name="操作人区划", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    ip = models.GenericIPAddressField("IP地址", null=True, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True, db_index=True)
    content_type = models.ForeignKey(ContentType, verbose_name="对象类型", on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField("对象编号", max_length=64, db_index=True)
    object_repr = models.CharField("对象", max_length=200)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    changed_fields = models.JSONField("变更字段", default=list)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "数据变更日志"
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-time"], name="changelog_object")]
        default_permissions = ("view",)
        permissions = [("export_changelog", "导出数据变更日志")]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"

    def diff_rows(self):
        """(field label, old, new) for a person to read: verbose names, choice labels, local times."""
        before, after = self.before or {}, self.after or {}
        names = self.changed_fields or sorted(set(before) | set(after))
        model = ContentType.objects.get_for_id(self.content_type_id).model_class()
        rows = []
        for name in names:
            field = _field(model, name)
            label = str(field.verbose_name) if field is not None else name
            rows.append((label, _readable(field, before.get(name)), _readable(field, after.get(name))))
        return rows


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:  # a field since removed, or a name stored by hand
        return None


def _readable(field, value):
    """A stored JSON value as the detail page shows it."""
    import datetime

    from django.utils import timezone

    if value is None or value == "" or field is None:
        return value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(field, models.BooleanField):
        return "是" if value else "否"
    if isinstance(field, models.ForeignKey):  # the related record's name, not its id
        obj = field.related_model._base_manager.filter(pk=value).first()
        if obj is None:
            return f"{value}（已删除）"
        return getattr(obj, "display_name", None) or str(obj)
    return value


ACTION_MAX = 40  # an operation's code; log_operation() refuses longer ones on every database


class OperationLog(InsertOnlyModel):
    scope_fields = {"region": "region", "organisation": "organisation", "owner": "actor"}

    class Action(models.TextChoices):
        LOGIN = "login", "登录"
        LOGIN_FAILED = "login_failed", "登录失败"
        LOCKED = "locked", "账号锁定"
        LOGOUT = "logout", "退出"
        LOGOUT_ALL = "logout_all", "全部设备退出"
        PASSWORD_CHANGE = "password_change", "修改密码"
        EXPORT = "export", "导出"
        IMPORT = "import", "导入"
        DOWNLOAD = "download", "下载附件"
        API_AUTH_FAILED = "api_auth_failed", "接口签名校验失败"
        API_SECRET_ISSUE = "api_secret_issue", "签发接口密钥"
        INBOUND_REPROCESS = "inbound_reprocess", "重新处理接口报文"

    time = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    username = models.CharField("登录名", max_length=150, blank=True, db_index=True)
    organisation = models.ForeignKey("org.Organisation", verbose_name="机构", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    region = models.ForeignKey("org.Region", verbose_name="区划", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    action = models.CharField("操作", max_length=ACTION_MAX, choices=Action.choices, db_index=True)
    success = models.BooleanField("成功", default=True)
    ip = models.GenericIPAddressField("IP地址", null=True, blank=True)
    request_id = models.CharField("请求编号", max_length=64, blank=True)
    user_agent = models.CharField("客户端", max_length=300, blank=True)
    entrance = models.CharField("入口", max_length=20, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "操作日志"
        ordering = ["-time", "-id"]
        default_permissions = ("view",)
        permissions = [("export_operationlog", "导出操作日志")]

    def __str__(self):
        return f"{self.username} {self.get_action_display()}"
