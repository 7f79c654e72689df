"""Online appointments (线上预约, seed 002 §2.4.1).

* /gov/gs/slots/ (centre admin): open a window's slots for a range of working days and periods, see each
  day's slots with booked/capacity, change a slot's capacity (never below what is booked).
* /gov/gs/appointments/ (window clerk, centre admin): the day's appointments per window of the user's
  region, ID number and phone masked; 已到窗口.
* /m/gs/appointments/new/?matter=<code> (a signed-in citizen): choose a day of the next 14 and a free slot
  of a window taking the matter's category, give name, ID number and phone, and get the number.
* /m/gs/appointments/ and /m/gs/appointments/<pk>/: my appointments, cancel, reschedule (own only).

Every queryset goes through visible_to(user) (citizens: their own); every change goes through services."""
import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView

from kernel.ui.generic import EntranceMixin

from .. import services
from ..models import Appointment, Matter, Slot, Window

SECTION = ("一窗受理", None)
STATUS_COLOURS = {"booked": "primary", "cancelled": "secondary", "arrived": "success", "missed": "warning"}
WEEKDAYS = "一二三四五六日"


def _errors(exc):
    """(field errors dict, non-field messages) of a service ValidationError."""
    if hasattr(exc, "error_dict"):
        d = {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        return d, d.pop("__all__", [])
    return {}, exc.messages


def _parse_date(value, default=None):
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _day_label(day):
    return f"{day:%m-%d} 周{WEEKDAYS[day.weekday()]}"


# -- gov: slots -----------------------------------------------------------------------------------------

class OpenSlotsForm(forms.Form):
    window = forms.ModelChoiceField(label="窗口", queryset=Window.objects.none(),
                                    error_messages={"required": "请选择窗口", "invalid_choice": "请选择窗口"})
    date_from = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"required": "请选择开始日期", "invalid": "日期格式错误"})
    date_to = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"required": "请选择结束日期", "invalid": "日期格式错误"})
    periods = forms.MultipleChoiceField(
        label="时段", widget=forms.CheckboxSelectMultiple,
        choices=[(f"{s}-{e}", f"{s}-{e}") for s, e in services.APPOINTMENT_PERIODS],
        error_messages={"required": "请至少选择一个时段"})
    capacity = forms.IntegerField(label="每时段可预约人数", min_value=1, max_value=500, initial=5,
                                  error_messages={"required": "请填写可预约人数", "min_value": "可预约人数应为1至500",
                                                  "max_value": "可预约人数应为1至500", "invalid": "请输入整数"})

    def __init__(self, *args, windows=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["window"].queryset = windows
        self.fields["periods"].initial = [c for c, _ in self.fields["periods"].choices]


class SlotsView(EntranceMixin, TemplateView):
    """预约时段管理."""

    permission_required = ("gs_window.view_slot", "gs_window.add_slot")
    template_name = "gs_window/appointments/slots.html"
    title = "预约时段"
    breadcrumbs = [SECTION]

    def windows(self):
        return Window.objects.visible_to(self.request.user).filter(active=True).select_related("centre", "region") \
            .order_by("region__path", "centre__name", "number")

    def get_context_data(self, form=None, capacity_errors=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        windows = self.windows()
        window = windows.filter(pk=self.request.GET.get("window") or 0).first() or windows.first()
        today = timezone.localdate()
        start = _parse_date(self.request.GET.get("from"), today)
        days = [start + datetime.timedelta(days=i) for i in range(14)]
        slots = list(Slot.objects.filter(window=window, date__range=(days[0], days[-1])).order_by("date", "start")) \
            if window else []
        by_day = {}
        for s in slots:
            by_day.setdefault(s.date, []).append(s)
        form = form or OpenSlotsForm(windows=windows, initial={
            "window": window, "date_from": today + datetime.timedelta(days=1), "date_to": today + datetime.timedelta(days=14)})
        ctx.update(form=form, windows=windows, window=window, capacity_errors=capacity_errors or {},
                   rows=[(d, _day_label(d), by_day.get(d, [])) for d in days if by_day.get(d)],
                   prev=(start - datetime.timedelta(days=14)).isoformat(), next=(start + datetime.timedelta(days=14)).isoformat(),
                   start=start, can_change=self.request.user.has_perm("gs_window.change_slot"))
        return ctx

    def post(self, request):
        windows = self.windows()
        if request.POST.get("action") == "capacity":
            if not request.user.has_perm("gs_window.change_slot"):
                raise PermissionDenied("您没有修改预约时段的权限")
            slot = Slot.objects.filter(pk=request.POST.get("slot") or 0, window__in=windows).first()
            if slot is None:
                raise Http404("时段不存在或不在您的管辖范围内")
            try:
                services.set_slot_capacity(slot, request.POST.get("capacity"), request.user)
            except ValidationError as exc:
                fields, other = _errors(exc)
                msgs = fields.get("capacity", []) + other
                return self.render_to_response(self.get_context_data(capacity_errors={slot.pk: "；".join(msgs)}),
                                               status=400)
            messages.success(request, f"已将{slot}的可预约人数改为{slot.capacity}人")
            return redirect(f"{request.path}?window={slot.window_id}&from={slot.date.isoformat()}")
        form = OpenSlotsForm(request.POST, windows=windows)
        if form.is_valid():
            d = form.cleaned_data
            periods = [p.split("-") for p in d["periods"]]
            try:
                n = services.open_slots(d["window"], d["date_from"], d["date_to"], periods, d["capacity"], request.user)
            except ValidationError as exc:
                fields, other = _errors(exc)
                for name, msgs in fields.items():
                    form.add_error(name if name in form.fields else None, msgs)
                for m in other:
                    form.add_error(None, m)
            else:
                messages.success(request, f"已为{d['window']}开放{n}个预约时段（已有的时段不重复开放）")
                return redirect(f"{request.path}?window={d['window'].pk}&from={d['date_from'].isoformat()}")
        return self.render_to_response(self.get_context_data(form=form), status=400)


# -- gov: the day's appointments ----------------------------------------------------------------------------

class StaffAppointmentsView(EntranceMixin, TemplateView):
    """当日预约: the appointments of a day per window, for the window clerks."""

    permission_required = "gs_window.view_appointment"
    template_name = "gs_window/appointments/staff_list.html"
    title = "预约到窗"
    breadcrumbs = [SECTION]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        day = _parse_date(self.request.GET.get("date"), today)
        q = (self.request.GET.get("q") or "").strip().upper()
        qs = (Appointment.objects.visible_to(self.request.user).filter(slot__date=day)
              .select_related("matter", "slot", "slot__window", "slot__window__centre")
              .order_by("slot__window__number", "slot__start", "id"))
        if q:
            qs = qs.filter(no__icontains=q)
        groups = {}
        for a in qs:
            groups.setdefault(a.slot.window, []).append(a)
        ctx.update(day=day, today=today, q=q, groups=list(groups.items()), colours=STATUS_COLOURS,
                   total=sum(len(v) for v in groups.values()),
                   prev=(day - datetime.timedelta(days=1)).isoformat(), next=(day + datetime.timedelta(days=1)).isoformat(),
                   can_change=self.request.user.has_perm("gs_window.change_appointment"))
        return ctx

    def post(self, request):
        if not request.user.has_perm("gs_window.change_appointment"):
            raise PermissionDenied("您没有确认到窗的权限")
        appt = Appointment.objects.visible_to(request.user).filter(pk=request.POST.get("appointment") or 0).first()
        if appt is None:
            raise Http404("记录不存在或不在您的管辖范围内")
        try:
            services.mark_arrived(appt, request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"预约{appt.no}（{appt.name}）已确认到窗")
        return redirect(f"{request.path}?date={appt.slot.date.isoformat()}")


# -- m: booking and my appointments --------------------------------------------------------------------------

class BookingForm(forms.Form):
    slot = forms.IntegerField(label="预约时段", widget=forms.HiddenInput, required=False)
    name = forms.CharField(label="姓名", max_length=50, required=False)
    id_number = forms.CharField(label="身份证号码", max_length=18, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(label="手机号码", max_length=11, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "numeric"}))


class MobileMixin(EntranceMixin):
    entrance = "m"

    def my_appointments(self):
        return (Appointment.objects.visible_to(self.request.user).filter(applicant=self.request.user)
                .select_related("matter", "slot", "slot__window", "slot__window__centre"))

    def get_appointment(self, pk):
        appt = self.my_appointments().filter(pk=pk).first()
        if appt is None:
            raise Http404("记录不存在")
        return appt


def _day_choices(selected):
    return [{"date": d, "iso": d.isoformat(), "label": _day_label(d), "active": d == selected}
            for d in services.booking_days()]


class BookView(MobileMixin, TemplateView):
    template_name = "gs_window/appointments/m_book.html"
    title = "预约办事"

    def get_matter(self):
        code = (self.request.GET.get("matter") or "").strip()
        matter = Matter.objects.filter(code=code, status=Matter.Status.PUBLISHED, bookable=True) \
            .select_related("department", "region").first()
        if matter is None:
            raise Http404("事项不存在、未发布或不接受预约")
        return matter

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        matter = self.get_matter()
        days = _day_choices(None)
        day = _parse_date(self.request.GET.get("date"))
        if day not in [d["date"] for d in days]:
            day = next((d["date"] for d in days if services.free_slots(matter, d["date"])), days[0]["date"] if days else None)
        for d in days:
            d["active"] = d["date"] == day
        user = self.request.user
        form = form or BookingForm(initial={"name": user.real_name, "phone": user.phone,
                                            "id_number": user.id_number if user.kind == "citizen" else ""})
        chosen = str(form["slot"].value() or "")
        ctx.update(matter=matter, days=days, day=day, slots=services.free_slots(matter, day) if day else [],
                   form=form, chosen=chosen, back_url="/m/gs/appointments/")
        return ctx

    def post(self, request):
        matter = self.get_matter()
        form = BookingForm(request.POST)
        form.is_valid()
        d = form.cleaned_data
        slot = Slot.objects.select_related("window", "window__region", "window__centre") \
            .filter(pk=d.get("slot") or 0).first()
        try:
            appt = services.book(matter, slot, request.user, d.get("name"), d.get("id_number"), d.get("phone"))
        except ValidationError as exc:
            fields, other = _errors(exc)
            for name, msgs in fields.items():
                form.add_error(name if name in form.fields else None, msgs)
            for m in other:
                form.add_error(None, m)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, f"预约成功，预约编号{appt.no}")
        return redirect("m:gs_m_appointment", pk=appt.pk)


class MyAppointmentsView(MobileMixin, TemplateView):
    template_name = "gs_window/appointments/m_list.html"
    title = "我的预约"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(appointments=self.my_appointments().order_by("-id")[:100], colours=STATUS_COLOURS, back_url="/m/")
        return ctx


class MyAppointmentView(MobileMixin, TemplateView):
    template_name = "gs_window/appointments/m_detail.html"
    title = "预约详情"

    def get_context_data(self, error=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        appt = self.get_appointment(self.kwargs["pk"])
        live = appt.status == Appointment.Status.BOOKED and services.slot_start(appt.slot) > timezone.now()
        ctx.update(appt=appt, colours=STATUS_COLOURS, live=live, error=error, back_url="/m/gs/appointments/")
        if live and self.request.GET.get("reschedule"):
            days = _day_choices(None)
            day = _parse_date(self.request.GET.get("date"), days[0]["date"] if days else None)
            for d in days:
                d["active"] = d["date"] == day
            ctx.update(reschedule=True, days=days, day=day,
                       slots=[s for s in services.free_slots(appt.matter, day) if s.pk != appt.slot_id] if day else [])
        return ctx

    def post(self, request, pk):
        appt = self.get_appointment(pk)
        action = request.POST.get("action")
        try:
            if action == "cancel":
                services.cancel_appointment(appt, request.user)
                messages.success(request, f"预约{appt.no}已取消")
            elif action == "reschedule":
                slot = Slot.objects.select_related("window", "window__region").filter(
                    pk=request.POST.get("slot") or 0).first()
                appt = services.reschedule_appointment(appt, slot, request.user)
                messages.success(request, f"已改约到{appt.slot.date:%Y-%m-%d} {appt.slot.start:%H:%M}，预约编号不变")
            else:
                raise ValidationError("未知操作")
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(error="；".join(exc.messages)), status=400)
        return redirect("m:gs_m_appointment", pk=appt.pk)
