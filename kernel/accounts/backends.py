from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from kernel.core.cache import versioned


class RoleBackend(ModelBackend):
    """Permissions come from the user's enabled roles (roles are data, editable in the admin)."""

    def _get_group_permissions(self, user_obj):
        return Permission.objects.filter(role__users=user_obj, role__enabled=True)

    def get_all_permissions(self, user_obj, obj=None):
        """Django's permission set, kept in the shared cache until roles or grants change."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            from kernel.org.scope import AUTHZ_TABLES

            user_obj._perm_cache = versioned(
                f"authz:perms:{user_obj.pk}:{int(user_obj.is_superuser)}", AUTHZ_TABLES,
                lambda: frozenset(super(RoleBackend, self).get_all_permissions(user_obj)))
        return user_obj._perm_cache

    def get_user(self, user_id):
        from django.contrib.auth import get_user_model

        model = get_user_model()
        try:
            user = model._default_manager.select_related("organisation__region").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
