"""Mobile disposition (移动执法, H5 at /m/labor/): an inspector or grid owner sees the labour warnings
assigned to them and records the disposition on site, with a transcript and photos taken by the
phone's camera. Same service as the desktop page (kernel.alerts.services.handle)."""
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import TemplateView

from kernel.alerts import services as alert_services
from kernel.alerts.models import LEVEL_COLOURS, Warning
from kernel.alerts.views import HandleForm
from kernel.ui.generic import EntranceMixin, ScopedObjectMixin
from kernel.workflow.engine import TransitionError

from ..reference import LABOUR_VIEW, WARNING_CATEGORY


def labour_warnings(user):
    return (Warning.objects.visible_to(user).filter(rule__category=WARNING_CATEGORY)
            .select_related("rule", "region", "organisation"))


class MobileWarningList(EntranceMixin, TemplateView):
    entrance = "m"
    permission_required = LABOUR_VIEW
    template_name = "labor_inspection/mobile/warning_list.html"
    title = "我的预警处置"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        tab = self.request.GET.get("tab", "todo")
        mine = labour_warnings(self.request.user).filter(assignee=self.request.user)
        todo = mine.filter(status="assigned").order_by("-level_changed_at", "-first_seen")
        done = mine.exclude(status="assigned").order_by("-updated_at")[:50]
        ctx.update(tab=tab, warnings=todo if tab == "todo" else done, todo_count=todo.count(),
                   colours=LEVEL_COLOURS, back_url="/m/")
        return ctx


class MobileWarningDetail(ScopedObjectMixin, EntranceMixin, TemplateView):
    entrance = "m"
    permission_required = LABOUR_VIEW
    template_name = "labor_inspection/mobile/warning_detail.html"
    model = Warning

    def object_queryset(self):
        return labour_warnings(self.request.user)

    def get_title(self):
        return "预警处置"

    def can_handle(self, w):
        return w.status == "assigned" and w.assignee_id == self.request.user.pk

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        w = self.get_object()
        ctx.update(warning=w, colour=LEVEL_COLOURS.get(w.level), back_url="/m/labor/warnings/",
                   form=form or (HandleForm() if self.can_handle(w) else None), history=w.workflow_history())
        if ctx["form"] is not None:
            ctx["form"].fields["photo"].widget.attrs["capture"] = "environment"
        return ctx

    def post(self, request, pk):
        w = self.get_object()
        if not self.can_handle(w):
            messages.error(request, "该预警不是派发给您的待处置预警")
            return redirect(request.path)
        form = HandleForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                alert_services.handle(w, request.user, disposition_type=form.cleaned_data["disposition_type"],
                                      result=form.cleaned_data["result"], files=form.files_to_store())
            except (TransitionError, ValidationError) as exc:
                form.add_error(None, "；".join(getattr(exc, "messages", [str(exc)])))
            else:
                messages.success(request, "处置结果已提交，等待审核解除")
                return redirect("/m/labor/warnings/")
        return self.render_to_response(self.get_context_data(form=form), status=400)
