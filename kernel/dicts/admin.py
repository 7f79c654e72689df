from django.contrib import admin

from .models import DictItem, DictType


class DictItemInline(admin.TabularInline):
    model = DictItem
    extra = 1
    fields = ["value", "label", "order", "colour", "enabled", "remark"]


@admin.register(DictType)
class DictTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_system"]
    search_fields = ["code", "name"]
    inlines = [DictItemInline]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_system:
            return False
        return super().has_delete_permission(request, obj)
