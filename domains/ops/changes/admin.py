from django.contrib import admin

from .models import RepeatFaultRule


@admin.register(RepeatFaultRule)
class RepeatFaultRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "min_count", "window_days", "active"]
