from django.contrib import admin

from .models import CalendarDay, Schedule


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "provisional", "note"]
    list_filter = ["kind", "provisional"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "working_days_only", "periods"]
