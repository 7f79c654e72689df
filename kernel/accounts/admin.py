from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Role, User


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "data_scope", "enabled"]
    list_filter = ["data_scope", "enabled"]
    search_fields = ["code", "name"]
    filter_horizontal = ["permissions", "custom_regions"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "real_name", "kind", "organisation", "is_active", "last_login"]
    list_filter = ["kind", "is_active", "roles"]
    search_fields = ["username", "real_name", "phone"]
    raw_id_fields = ["organisation"]
    filter_horizontal = ["roles", "user_permissions", "groups"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("real_name", "kind", "organisation", "phone", "id_type", "id_number", "email")}),
        ("角色与权限", {"fields": ("is_active", "is_staff", "is_superuser", "roles", "user_permissions")}),
        ("登录策略", {"fields": ("must_change_password", "failed_logins", "locked_until", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "kind", "organisation", "real_name", "password1", "password2")}),
    )
