"""Enterprise entrance: a company or institution sees and keeps its own registration."""
from kernel.ui.generic import ScopedDetailView

from .views import ORG_COLUMNS, Organisation


class MyOrganisationView(ScopedDetailView):
    entrance = "ent"
    model = Organisation
    template_name = "org/organisation_detail.html"
    select_related = ("region",)
    fields = [c for c in ORG_COLUMNS if c.name not in ("agency_type",)]
    title = "本单位信息"

    def get_title(self):
        return self.title

    def get_object(self):
        self.kwargs["pk"] = self.request.user.organisation_id
        return super().get_object()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["members"] = self.get_object().users.filter(is_active=True).order_by("username")
        return ctx
