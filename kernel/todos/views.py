from django.views.generic import TemplateView

from kernel.ui.generic import EntranceMixin

from . import services


class TodoListView(EntranceMixin, TemplateView):
    template_name = "todos/list.html"
    title = "我的待办"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["todos"] = list(services.open_for(self.request.user)[:200])
        return ctx
