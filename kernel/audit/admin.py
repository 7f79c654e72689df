from django.contrib import admin

from .models import ChangeLog, OperationLog


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChangeLog)
class ChangeLogAdmin(ReadOnlyAdmin):
    list_display = ["time", "actor_name", "action", "content_type", "object_repr", "ip"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "actor_name", "request_id"]


@admin.register(OperationLog)
class OperationLogAdmin(ReadOnlyAdmin):
    list_display = ["time", "username", "action", "success", "ip", "entrance"]
    list_filter = ["action", "success"]
    search_fields = ["username", "ip"]
