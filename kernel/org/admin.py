from django.contrib import admin

from .models import Organisation, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "uscc", "region", "industry", "is_deleted"]
    list_filter = ["kind", "is_deleted"]
    search_fields = ["name", "uscc"]
    raw_id_fields = ["region", "parent"]

    def get_queryset(self, request):
        return Organisation.all_objects.select_related("region")
