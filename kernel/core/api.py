"""Base viewsets: every API queryset goes through visible_to(request.user)."""
from rest_framework import viewsets


class ScopedModelViewSet(viewsets.ModelViewSet):
    queryset_base = None  # a manager or queryset of the model, before scoping
    select_related: tuple = ()

    def get_queryset(self):
        qs = self.queryset_base.all().visible_to(self.request.user)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return qs

    def perform_destroy(self, instance):
        instance.delete()  # soft for BusinessModel


class ScopedReadOnlyViewSet(ScopedModelViewSet):
    http_method_names = ["get", "head", "options"]
