from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from kernel.accounts.models import User

from .generic import EntranceMixin
from .home import cards_for


def root_redirect(request):
    if request.user.is_authenticated:
        kind = request.user.kind
        if kind in (User.Kind.ENTERPRISE, User.Kind.INSTITUTION):
            return redirect("ent:home")
        if kind == User.Kind.CITIZEN:
            return redirect("m:home")
        return redirect("gov:home")
    return redirect("public:home")


class HomeView(EntranceMixin, TemplateView):
    template_name = "ui/home.html"
    title = "首页"
    breadcrumbs = []

    def get_breadcrumbs(self):
        return []

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cards"] = cards_for(self.request.user, self.entrance)
        ctx["recent_logins"] = self._recent_logins()
        from kernel.todos.services import open_for

        ctx["todos"] = list(open_for(self.request.user)[:8])
        return ctx

    def _recent_logins(self):
        from kernel.audit.models import OperationLog

        return OperationLog.objects.filter(actor=self.request.user, action__in=["login", "login_failed"])[:5]


class MobileHomeView(HomeView):
    entrance = "m"
    template_name = "mobile/home.html"


@login_required
@require_POST
def save_columns(request, entrance):
    """Remember which columns a user wants on a list page."""
    list_key = request.POST.get("list_key", "")[:64]
    columns = [c[:64] for c in request.POST.getlist("columns")][:50]
    if list_key:
        prefs = dict(request.user.preferences or {})
        prefs.setdefault("columns", {})[list_key] = columns
        User.objects.filter(pk=request.user.pk).update(preferences=prefs)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)


def public_home(request):
    return render(request, "public/home.html", {"title": "公众服务"})


def _error(request, code, heading, message):
    return render(request, "ui/error.html", {"code": code, "heading": heading, "message": message}, status=code)


def error_403(request, exception=None):
    return _error(request, 403, "无权访问", "您没有访问该页面或执行该操作的权限。如需开通，请联系本单位系统管理员。")


def error_404(request, exception=None):
    return _error(request, 404, "页面不存在", "您访问的页面或记录不存在，或不在您的管辖范围内。")


def error_500(request):
    return _error(request, 500, "系统繁忙", "服务器处理请求时出错，请稍后重试。如问题持续，请联系运维人员并提供发生时间。")
