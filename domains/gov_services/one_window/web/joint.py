"""Joint approval projects (/gov/gs/joint/<group>/) and the review of submitted cases (/gov/gs/joint/review/<pk>/).

Every queryset goes through visible_to(user); every change goes through joint.py."""
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F as models_F
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from kernel.ui.generic import EntranceMixin, ScopedObjectMixin

from .. import joint
from ..models import Case
from ..workflows import CASE

VIEW, ACCEPT = "gs_window.view_case", "gs_window.accept_case"
SECTION = ("一窗受理", None)
CASE_BREAD = [SECTION, ("办件管理", "/gov/gs/cases/")]
STATE_COLOURS = {s.code: s.colour for s in CASE.states}


class JointListView(EntranceMixin, TemplateView):
    """联合审批项目列表: one row per project (双告知 of one enterprise) with its progress, newest first;
    search by enterprise name, USCC or project number, and filter by progress."""

    template_name = "gs_window/joint/list.html"
    permission_required = VIEW
    title = "联合审批"
    breadcrumbs = [SECTION]
    paginate_by = 20

    def get_title(self):
        return self.title

    def projects(self):
        from django.db.models import Count, Max, Min, Q

        qs = Case.objects.visible_to(self.request.user).exclude(joint_group="")
        q = (self.request.GET.get("q") or "").strip()
        if q:
            qs = qs.filter(Q(joint_group__icontains=q) | Q(applicant_name__icontains=q)
                           | Q(applicant_org__uscc__iexact=q))
        rows = (qs.values("joint_group")
                .annotate(total=Count("pk"), done=Count("pk", filter=Q(status="completed")),
                          waiting=Count("pk", filter=Q(status="submitted")),
                          enterprise=Max("applicant_name"), uscc=Max("applicant_org__uscc"),
                          started=Min("created_at"), last=Max("pk"))
                .order_by("-last"))
        progress = self.request.GET.get("progress")
        if progress == "done":
            rows = rows.filter(done=models_F("total"))
        elif progress == "open":
            rows = rows.exclude(done=models_F("total"))
        return rows

    def get_context_data(self, **kwargs):
        from django.core.paginator import Paginator

        ctx = super().get_context_data(**kwargs)
        page = Paginator(self.projects(), self.paginate_by).get_page(self.request.GET.get("page"))
        for row in page.object_list:
            row["percent"] = int(row["done"] * 100 / row["total"]) if row["total"] else 0
        ctx.update(title=self.title, breadcrumbs=self.get_breadcrumbs(), entrance="gov", page_obj=page,
                   q=self.request.GET.get("q", ""), progress=self.request.GET.get("progress", ""),
                   progress_choices=[("", "全部"), ("open", "办理中"), ("done", "已全部办结")])
        return ctx


class JointProjectView(EntranceMixin, TemplateView):
    """联合审批项目: the cases of one group and their states."""

    template_name = "gs_window/joint/project.html"
    permission_required = VIEW
    breadcrumbs = [SECTION, ("联合审批", "/gov/gs/joint/")]

    def get_title(self):
        return f"联合审批项目 {self.kwargs['group']}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        cases = list(Case.objects.visible_to(self.request.user).filter(joint_group=self.kwargs["group"])
                     .select_related("matter", "matter__department", "region").order_by("pk"))
        if not cases:
            raise Http404("联合审批项目不存在或不在您的管辖范围内")
        info = cases[0].form_data.get("joint", {})
        enterprise = cases[0].form_data.get("enterprise", {})
        done = sum(1 for c in cases if c.status == "completed")
        rows = [{"case": c, "state": CASE.state(c.status).label, "colour": STATE_COLOURS.get(c.status, "secondary")}
                for c in cases]
        ctx.update(title=self.get_title(), breadcrumbs=self.get_breadcrumbs(), entrance="gov", group=self.kwargs["group"],
                   info=info, enterprise=enterprise, rows=rows, done=done, total=len(cases),
                   percent=int(done * 100 / len(cases)))
        return ctx


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="审核结论", choices=[("accept", "受理"), ("reject", "不予受理")],
                                 widget=forms.RadioSelect(attrs={"class": "form-check-input"}), error_messages={"required": "请选择受理或不予受理"})
    reason = forms.CharField(label="理由", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class ReviewView(ScopedObjectMixin, EntranceMixin, TemplateView):
    """审核 of a case waiting in 待受理 (pre-accepted or joint approval): accept or reject with a reason."""

    model = Case
    template_name = "gs_window/joint/review.html"
    permission_required = (VIEW, ACCEPT)
    select_related = ("matter", "matter__department", "region", "applicant_org")
    breadcrumbs = CASE_BREAD

    def get_title(self):
        return f"审核办件 {self.get_object().no}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = self.get_object()
        ctx.update(title=self.get_title(), breadcrumbs=self.get_breadcrumbs(), entrance="gov", object=case,
                   form=kwargs.get("form") or ReviewForm(), materials=list(case.materials.select_related("attachment")),
                   fields=(case.form_data or {}).get("fields", {}), joint_info=(case.form_data or {}).get("joint"),
                   state=CASE.state(case.status).label, colour=STATE_COLOURS.get(case.status, "secondary"))
        return ctx

    def post(self, request, pk):
        case = self.get_object()
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                joint.review_case(case, request.user, form.cleaned_data["decision"], form.cleaned_data["reason"])
            except ValidationError as exc:
                for field, msgs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, msgs)
            else:
                messages.success(request, "已受理" if form.cleaned_data["decision"] == "accept" else "已不予受理")
                return redirect(case.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)
