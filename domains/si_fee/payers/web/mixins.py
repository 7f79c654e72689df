"""Views of a payer's own business: the signed-in account's payer, and nobody else's (seed 003 §2.2.3:
a session handles only its natural person's business; another person means logging out first)."""
from django.shortcuts import redirect
from django.urls import reverse

from kernel.ui.generic import EntranceMixin


def payer_of(user):
    """The payer of a signed-in account, or None."""
    from ..models import Payer

    if not getattr(user, "is_authenticated", False):
        return None
    return Payer.objects.filter(user=user).select_related("region", "prefecture", "tax_authority").first()


class PayerMixin(EntranceMixin):
    """H5 pages (entrance "m") of the signed-in payer: `self.payer`; an account without a payer
    profile is sent to complete one. Querysets of the payer's records filter on `payer=self.payer`
    (and go through visible_to(user) as everywhere)."""

    entrance = "m"

    def get_login_url(self):
        return reverse("m:si_login")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.payer = payer_of(request.user)
            if self.payer is None:
                return redirect(f"{reverse('m:si_payer_complete')}?next={request.get_full_path()}")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["payer"] = self.payer
        ctx.setdefault("back_url", reverse("m:si_home"))
        return ctx
