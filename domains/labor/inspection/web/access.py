"""Who may see and export the labour warnings (欠薪预警) on the labour pages: the alert kernel's generic
permission (alerts.view_warning / export_warning, held by every agency's warning handlers) AND the labour one
(labor_inspection.view_labour_warning / export_labour_warning, held by the labour roles only)."""
from django.core.exceptions import PermissionDenied

from ..reference import LABOUR_EXPORT, LABOUR_VIEW

VIEW, EXPORT = LABOUR_VIEW, LABOUR_EXPORT


def can_view(user):
    return user.has_perms(VIEW)


def can_export(user):
    return user.has_perms(EXPORT)


class LabourExportMixin:
    """On a ScopedListView (before it in the bases): the Excel export and its button need both export
    permissions (ScopedListView.export_permission names one)."""

    export_permission = EXPORT[-1]

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx" and not can_export(request.user):
            raise PermissionDenied("您没有导出权限")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_export"] = bool(ctx.get("can_export")) and can_export(self.request.user)
        return ctx
