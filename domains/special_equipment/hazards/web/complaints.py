"""Agency entrance (/gov/se/complaints/...): the local regulator's side of public complaints
(众投诉举报受理, 4.3.4 / 4.3.8).

* 投诉举报: the complaints of the jurisdiction (a county regulator sees its county, a city bureau its
  counties), with status tabs, filters and an Excel export (the complainant's phone masked).
* The complaint's page: the citizen's photos (read-only), the workflow history and its decisions,
  受理核查 / 不予受理 / 办结并答复, through the kernel workflow (workflows.COMPLAINT): the reply is the
  complaint's result and goes to the complainant by SMS (services.complaint_result). While a
  complaint is being verified, the regulator may register the hazard found as a major hazard
  whose source is the complaint (services.report_major_hazard with complaint=...).

Every queryset goes through visible_to(user); every change goes through services / the workflow."""
import django_filters
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import format_html

from domains.special_equipment.equipment.models import CATEGORIES
from kernel.files.services import attachments_of
from kernel.org.models import Region
from kernel.ui.filters import DateInput, StyledFilterSet
from kernel.ui.forms import apply_errors
from kernel.ui.generic import ScopedDetailView, ScopedListView
from kernel.ui.tables import Column
from kernel.workflow.engine import TransitionError
from kernel.workflow.views import panel_context

from .. import services
from ..models import Complaint, MajorHazard
from ..workflows import COMPLAINT
from . import forms_gov as f
from .gov import HazardCreateView
from .menus_public import COMPLAINT_PHOTO

VIEW, CHANGE = "se_hazards.view_complaint", "se_hazards.change_complaint"
REPORT = "se_hazards.report_majorhazard"
SECTION = ("特种设备", None)
BREAD = [SECTION, ("投诉举报", "/gov/se/complaints/")]
STATE_COLOURS = {s.code: s.colour for s in COMPLAINT.states}
OPEN_STATES = ("submitted", "verifying")


def _short(value, n=30):
    return value if len(value) <= n else value[:n] + "…"


class ComplaintStateColumn(Column):
    def __init__(self):
        super().__init__("status", "状态", choices=True, width=10)

    def html(self, obj, user=None, link=True):
        return format_html('<span class="badge text-bg-{}">{}</span>', STATE_COLOURS.get(obj.status, "secondary"),
                           obj.get_status_display())


class PhotoCountColumn(Column):
    """现场照片: how many photos came with the complaint (annotated by the list's queryset)."""

    def __init__(self):
        super().__init__("photos", "照片", sortable=False, width=8)

    def raw(self, obj):
        return getattr(obj, "photo_count", 0)

    def html(self, obj, user=None, link=True):
        n = self.raw(obj)
        return format_html('<span class="text-muted"><i class="bi bi-image me-1"></i>{}</span>', n) if n else ""


COMPLAINT_COLUMNS = [
    Column("no", "受理编号", link="gov:se_complaint_detail", width=20),
    Column("created_at", "举报时间", width=18),
    Column("region", "所在区县", accessor="region.name", order_by="region__path", width=12),
    Column("location", "设备所在地点", width=30, fmt=_short),
    Column("equipment_category", "设备种类", dict_type="equipment_category", width=14),
    Column("unit_name", "使用单位", default=False, width=28),
    Column("description", "隐患情况描述", sortable=False, width=40, fmt=_short),
    PhotoCountColumn(),
    Column("name", "举报人", default=False, width=10),
    Column("phone", "联系电话", mask="phone", sortable=False, width=14),
    ComplaintStateColumn(),
    Column("result", "核查结果", sortable=False, default=False, width=40),
]


def _photo_count():
    """A subquery count of the live photos of each complaint (one query for the page, no N+1)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from kernel.files.models import Attachment

    ct = ContentType.objects.get_for_model(Complaint)
    photos = (Attachment.objects.filter(content_type=ct, object_id=OuterRef("pk"), purpose=COMPLAINT_PHOTO.key)
              .order_by().values("object_id").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(photos, output_field=IntegerField()), 0)


# == list ====================================================================================================
class ComplaintFilter(StyledFilterSet):
    no = django_filters.CharFilter(label="受理编号", method="by_no")
    status = django_filters.ChoiceFilter(label="状态", choices=COMPLAINT.choices(), empty_label="全部")
    region = django_filters.ChoiceFilter(label="所在区划（含下级）", choices=[], method="in_region", empty_label="全部")
    equipment_category = django_filters.ChoiceFilter(label="设备种类", choices=list(CATEGORIES.items()),
                                                     empty_label="全部")
    keyword = django_filters.CharFilter(label="地点/描述/使用单位", method="search")
    created_from = django_filters.DateFilter(label="举报日期起", field_name="created_at", lookup_expr="date__gte",
                                             widget=DateInput)
    created_to = django_filters.DateFilter(label="举报日期止", field_name="created_at", lookup_expr="date__lte",
                                           widget=DateInput)

    class Meta:
        model = Complaint
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        from kernel.org.scope import region_choices

        self.form.fields["region"].choices = [("", "全部")] + region_choices(getattr(request, "user", None),
                                                                           Region.Level.COUNTY)

    def by_no(self, qs, name, value):
        return qs.filter(no__iexact=value.strip())

    def in_region(self, qs, name, value):
        from kernel.org.scope import in_region_subtree

        return in_region_subtree(qs, value)

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(location__icontains=value) | Q(description__icontains=value)
                         | Q(unit_name__icontains=value))


class ComplaintListView(ScopedListView):
    model = Complaint
    title = "投诉举报"
    list_key = "se_complaints"
    permission_required = VIEW
    # The export holds what the page shows (the phone masked), so viewing is enough, as for the user list.
    export_permission = VIEW
    filterset_class = ComplaintFilter
    columns = COMPLAINT_COLUMNS
    select_related = ("region",)
    template_name = "se_hazards/gov/complaint_list.html"
    breadcrumbs = [SECTION]

    def get_queryset(self):
        return super().get_queryset().annotate(photo_count=_photo_count())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        counts = dict(self.base_queryset().values_list("status").annotate(n=Count("pk")).order_by())
        current = self.request.GET.get("status", "")
        params = self.request.GET.copy()
        for key in ("status", "page", "export"):
            params.pop(key, None)
        base = params.urlencode()
        ctx["tabs"] = [{"key": "", "label": "全部", "count": sum(counts.values()), "active": not current,
                        "query": base}] + [
            {"key": s.code, "label": s.label, "count": counts.get(s.code, 0), "active": s.code == current,
             "colour": s.colour, "query": f"{base}&status={s.code}" if base else f"status={s.code}"}
            for s in COMPLAINT.states]
        return ctx


# == detail and the decisions =================================================================================
COMPLAINT_FIELDS = [
    Column("no", "受理编号"),
    Column("created_at", "举报时间"),
    Column("region", "所在区县", accessor="region.name"),
    Column("location", "设备所在地点"),
    Column("equipment_category", "设备种类", dict_type="equipment_category"),
    Column("unit_name", "使用单位（举报人填写）"),
    Column("description", "隐患情况描述"),
    Column("name", "举报人姓名"),
    Column("phone", "联系电话"),
    Column("result", "核查结果（已短信告知）"),
]

ACTIONS = {
    # transition: (label of its comment field, required)
    "accept": ("受理意见", False),
    "reject": ("不予受理理由", True),
    "conclude": ("核查结果", True),
}


def allowed(complaint, user):
    """What the user may do on the complaint now (the workflow re-checks everything on submit)."""
    def has(perm):
        return user.is_superuser or user.has_perm(perm)

    state = complaint.status
    return {
        "can_accept": state == "submitted" and has(CHANGE),
        "can_reject": state == "submitted" and has(CHANGE),
        "can_conclude": state == "verifying" and has(CHANGE),
        "can_report_hazard": state == "verifying" and has(CHANGE) and has(REPORT),
    }


def comment_form(action, data=None):
    label, required = ACTIONS[action]
    return f.CommentForm(data, label=label, required=required, prefix=action)


class ComplaintDetailView(ScopedDetailView):
    model = Complaint
    permission_required = VIEW
    select_related = ("region", "region__parent")
    template_name = "se_hazards/gov/complaint_detail.html"
    fields = COMPLAINT_FIELDS
    breadcrumbs = BREAD

    def get_title(self):
        return f"投诉举报 {self.get_object().no}"

    def get_context_data(self, forms=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        complaint, user = self.get_object(), self.request.user
        forms = forms or {}
        can = allowed(complaint, user)
        ctx.update(can)
        ctx.update(panel_context(complaint, user))
        ctx["wf_actions"] = []  # the decisions have their own forms on this page
        ctx["state_colour"] = STATE_COLOURS.get(complaint.status, "secondary")
        ctx["photos"] = list(attachments_of(complaint, user, COMPLAINT_PHOTO.key))
        ctx["hazards"] = list(MajorHazard.objects.visible_to(user).filter(complaint=complaint)
                              .select_related("user_unit").order_by("id"))
        ctx["sms_chars"] = services.COMPLAINT_SMS_CHARS
        ctx["sms"] = self.sms_messages(complaint)
        ctx["due"] = self.due(complaint)
        for action in ACTIONS:
            if can[f"can_{action}"]:
                ctx[f"{action}_form"] = forms.get(action) or comment_form(action)
        return ctx

    def sms_messages(self, complaint):
        from kernel.notify.models import SmsMessage

        return list(SmsMessage.objects.filter(related=f"se_hazards.complaint:{complaint.pk}").order_by("id"))

    def due(self, complaint):
        """The open to-do of the complaint's state: its deadline (5 working days to review, 15 to verify)."""
        from kernel.todos.models import Todo

        if complaint.status not in OPEN_STATES:
            return None
        todo = (Todo.objects.filter(key=f"workflow:{complaint.status}", object_id=str(complaint.pk), status="open",
                                    content_type__app_label="se_hazards", content_type__model="complaint")
                .exclude(due_at=None).order_by("-id").first())
        if todo is None:
            return None
        late = todo.due_at < timezone.now()
        return {"at": todo.due_at, "late": late}

    # -- actions (POST, one form each) -------------------------------------------------------------------
    def post(self, request, pk):
        complaint = self.get_object()
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise Http404("没有该操作")
        if not allowed(complaint, request.user)[f"can_{action}"]:
            messages.error(request, f"当前状态为“{complaint.get_status_display()}”，您不能办理该事项")
            return redirect("gov:se_complaint_detail", pk=complaint.pk)
        form = comment_form(action, request.POST)
        if form.is_valid():
            try:
                log = COMPLAINT.apply(complaint, action, request.user, comment=form.cleaned_data["comment"])
            except TransitionError as exc:
                apply_errors(form, exc)
            else:
                done = {"accept": "已受理，请安排核查", "reject": "已不予受理，理由已短信告知举报人",
                        "conclude": "已办结，核查结果已短信告知举报人"}[action]
                messages.success(request, f"{done}（{log.transition_label}）")
                return redirect("gov:se_complaint_detail", pk=complaint.pk)
        self._object = (Complaint.objects.visible_to(request.user).select_related(*self.select_related)
                        .get(pk=complaint.pk))  # the state as stored: a refused action changed nothing
        return self.render_to_response(self.get_context_data(forms={action: form}), status=400)


# == a major hazard found by verifying a complaint ===============================================================
class ComplaintHazardView(HazardCreateView):
    """录入重大事故隐患 from a complaint under verification: the hazard entry page of gov.py, filled from
    the complaint, with the source fixed to 投诉举报 and the hazard linked to the complaint."""

    permission_required = (VIEW, CHANGE, REPORT, "se_hazards.view_majorhazard")
    template_name = "se_hazards/gov/complaint_hazard.html"
    success_message = "已由投诉举报录入重大事故隐患，已告知使用单位并生成提醒单"

    def complaint(self):
        """The complaint (after the entrance's login and permission checks): 404 outside the jurisdiction,
        403 unless it is being verified."""
        if not hasattr(self, "_complaint"):
            complaint = (Complaint.objects.visible_to(self.request.user).select_related("region")
                         .filter(pk=self.kwargs["pk"]).first())
            if complaint is None:
                raise Http404("记录不存在或不在您的管辖范围内")
            if not allowed(complaint, self.request.user)["can_report_hazard"]:
                raise PermissionDenied("投诉举报受理核查期间才能录入重大事故隐患")
            self._complaint = complaint
        return self._complaint

    def get_title(self):
        return f"由投诉举报 {self.complaint().no} 录入重大事故隐患"

    def get_breadcrumbs(self):
        complaint = self.complaint()
        return BREAD + [(complaint.no, complaint.get_absolute_url()), ("录入重大事故隐患", None)]

    def get_form(self, data=None):
        complaint = self.complaint()
        initial = {"source": MajorHazard.Source.COMPLAINT, "equipment_category": complaint.equipment_category,
                   "description": f"{complaint.location}：{complaint.description}"[:2000],
                   "found_on": timezone.localtime(complaint.created_at).date()}
        form = f.HazardEntryForm(data=data, user=self.request.user, initial=initial)
        form.fields["source"].disabled = True  # whatever is posted, the source is the complaint
        form.fields["source"].choices = [(MajorHazard.Source.COMPLAINT, MajorHazard.Source.COMPLAINT.label)]
        return form

    def post(self, request, *args, **kwargs):
        from .gov import _call

        complaint = self.complaint()
        form = self.get_form(request.POST)
        if form.is_valid():
            ok, hazard = _call(form, services.report_major_hazard, request.user, complaint=complaint,
                               **form.service_fields())
            if ok:
                messages.success(request, f"{self.success_message}（{hazard.no}）")
                return redirect("gov:se_complaint_detail", pk=complaint.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["complaint"] = self.complaint()
        return ctx

