"""The calendar page: a year at a glance, holidays and make-up days editable by operators."""
import calendar as pycal
import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.views.generic import TemplateView

from kernel.ui.generic import EntranceMixin

from . import services
from .models import CalendarDay


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name", "provisional", "note"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-check-input" if name == "provisional" else "form-control form-control-sm")


class CalendarView(EntranceMixin, TemplateView):
    template_name = "calendar/year.html"
    title = "工作日历"
    permission_required = "bizcalendar.view_calendarday"
    breadcrumbs = [("系统管理", None)]

    def year(self):
        try:
            return max(2000, min(2100, int(self.request.GET.get("year", datetime.date.today().year))))
        except ValueError:
            return datetime.date.today().year

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        year = self.year()
        days = {d.date: d for d in CalendarDay.objects.filter(date__year=year)}
        months = []
        for month in range(1, 13):
            weeks = []
            for week in pycal.Calendar(firstweekday=0).monthdatescalendar(year, month):
                weeks.append([
                    {"date": d, "in_month": d.month == month, "working": services.is_working_day(d),
                     "entry": days.get(d)} for d in week])
            months.append({"month": month, "weeks": weeks})
        ctx.update(year=year, months=months, entries=sorted(days.values(), key=lambda d: d.date),
                   form=form or CalendarDayForm(initial={"date": datetime.date(year, 1, 1)}),
                   can_edit=self.request.user.has_perm("bizcalendar.change_calendarday"),
                   working_days=sum(1 for m in months for w in m["weeks"] for d in w if d["in_month"] and d["working"]))
        return ctx

    def post(self, request):
        if not request.user.has_perms(["bizcalendar.add_calendarday", "bizcalendar.change_calendarday",
                                       "bizcalendar.delete_calendarday"]):
            raise PermissionDenied("您没有维护工作日历的权限")
        if "delete" in request.POST:
            with transaction.atomic():
                CalendarDay.objects.filter(pk=request.POST["delete"]).delete()
            messages.success(request, "已删除")
            return redirect(f"{request.path}?year={self.year()}")
        instance = CalendarDay.objects.filter(date=request.POST.get("date") or None).first()
        form = CalendarDayForm(request.POST, instance=instance)
        if form.is_valid():
            with transaction.atomic():
                day = form.save()
            messages.success(request, f"已保存 {day}")
            return redirect(f"{request.path}?year={day.date.year}")
        return self.render_to_response(self.get_context_data(form=form), status=400)
