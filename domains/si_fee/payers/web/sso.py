"""单点集成 (/public/si/sso/<channel>/): a channel (e-tax bureau, government-service network, bank) sends
its user here with a token in an auto-submitted POST (never a link); the token is verified on every entry, so a
user switching function is verified again. A refused token shows why, in Chinese."""
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import services


def _target_url(target):
    if target and target.startswith("m:si_"):
        try:
            return reverse(target)
        except NoReverseMatch:
            pass
    return reverse("m:si_home")


@csrf_exempt  # the channel's page posts here; the token itself is the authenticated, single-use credential
@require_POST  # never by a link: a GET would let anyone sign a victim into the sender's own session
def sso_view(request, channel):
    token = request.POST.get("token") or ""
    try:
        _user, target = services.sso_login(request, channel, token)
    except ValidationError as exc:
        return render(request, "si_payers/sso_refused.html", {"title": "单点登录", "reasons": exc.messages},
                      status=403)
    return redirect(_target_url(target))
