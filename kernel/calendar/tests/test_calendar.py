import datetime

import pytest
from django.utils import timezone

from kernel.calendar import services as cal
from kernel.calendar.models import CalendarDay

D = datetime.date.fromisoformat
TZ = timezone.get_default_timezone()


def at(text):
    return datetime.datetime.fromisoformat(text).replace(tzinfo=TZ)


@pytest.mark.django_db
class TestWorkingDays:
    def test_2025_national_day_and_its_make_up_saturday(self):
        assert not cal.is_working_day(D("2025-10-01"))
        assert not cal.is_working_day(D("2025-10-08"))  # Wednesday, part of the 8-day holiday
        assert cal.is_working_day(D("2025-09-28"))  # Sunday worked (调休)
        assert cal.is_working_day(D("2025-10-11"))  # Saturday worked (调休)
        assert not cal.is_working_day(D("2025-10-12"))  # ordinary Sunday

    def test_five_working_days_across_national_day(self):
        # Complaint received Tuesday 30 September 2025: working days after it are
        # Thu 9 Oct, Fri 10 Oct, Sat 11 Oct (make-up), Mon 13 Oct, Tue 14 Oct.
        assert cal.add_working_days(D("2025-09-30"), 1) == D("2025-10-09")
        assert cal.add_working_days(D("2025-09-30"), 3) == D("2025-10-11")
        assert cal.add_working_days(D("2025-09-30"), 5) == D("2025-10-14")
        assert cal.working_days_between(D("2025-09-30"), D("2025-10-14")) == 5

    def test_sixty_and_thirty_working_days(self):
        filed = D("2025-09-01")
        limit = cal.add_working_days(filed, 60)
        assert cal.working_days_between(filed, limit) == 60
        assert limit == D("2025-11-28")
        extended = cal.add_working_days(limit, 30)
        assert cal.working_days_between(filed, extended) == 90

    def test_spring_festival_2026(self):
        assert cal.is_working_day(D("2026-02-14"))  # Saturday worked
        assert all(not cal.is_working_day(D("2026-02-15") + datetime.timedelta(days=i)) for i in range(9))
        assert cal.add_working_days(D("2026-02-13"), 1) == D("2026-02-14")
        assert cal.add_working_days(D("2026-02-14"), 1) == D("2026-02-24")

    def test_zero_and_negative(self):
        assert cal.add_working_days(D("2025-10-01"), 0) == D("2025-10-09")
        assert cal.add_working_days(D("2025-10-10"), 0) == D("2025-10-10")
        with pytest.raises(ValueError):
            cal.add_working_days(D("2025-10-10"), -1)

    def test_operators_edit_the_calendar_and_it_applies_at_once(self):
        day = D("2025-12-31")
        assert cal.is_working_day(day)
        CalendarDay.objects.create(date=day, kind="holiday", name="临时休假")
        assert not cal.is_working_day(day)

    def test_make_up_day_must_be_a_weekend(self):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            CalendarDay(date=D("2025-12-30"), kind="workday", name="x").full_clean()

    def test_2027_is_provisional(self):
        assert CalendarDay.objects.filter(date__year=2027, provisional=True).exists()
        assert not CalendarDay.objects.filter(date__year=2026, provisional=True).exists()


@pytest.mark.django_db
class TestWorkingTime:
    def test_office_hours_across_a_weekend(self):
        office = cal.schedule("office")
        # Friday 16:30 + 3 office hours: 1 h on Friday (to 17:30), 2 h on Monday from 08:00.
        assert cal.add_working_time(at("2025-11-14 16:30"), 3 * 3600, office) == at("2025-11-17 10:00")
        assert cal.working_seconds_between(at("2025-11-14 16:30"), at("2025-11-17 10:00"), office) == 3 * 3600

    def test_lunch_break_does_not_count(self):
        office = cal.schedule("office")
        assert cal.add_working_time(at("2025-11-17 11:00"), 2 * 3600, office) == at("2025-11-17 15:30")

    def test_seven_by_twenty_four_ignores_holidays(self):
        always = cal.schedule("always")
        assert cal.add_working_time(at("2025-09-30 20:00"), 12 * 3600, always) == at("2025-10-01 08:00")

    def test_workday_clock_skips_the_holiday(self):
        workday = cal.schedule("workday_24h")
        # 24 h of working-day time from Tuesday 30 Sep 20:00: 4 h to midnight, then 20 h on Thu 9 Oct.
        assert cal.add_working_time(at("2025-09-30 20:00"), 24 * 3600, workday) == at("2025-10-09 20:00")

    def test_pauses_stop_the_clock(self):
        office = cal.schedule("office")
        start = at("2025-11-17 08:00")
        pause = cal.Pause(at("2025-11-17 09:00"), at("2025-11-17 11:00"))  # waiting on the requester
        assert cal.elapsed(start, at("2025-11-17 12:00"), office, [pause]) == 2 * 3600
        assert cal.deadline(start, 4 * 3600, office, [pause]) == at("2025-11-17 16:30")
        assert cal.deadline(start, 4 * 3600, office, [cal.Pause(at("2025-11-17 09:00"))]) is None

    def test_cutoff_rule(self):
        # seed 004: before 15:00 same working day, after 15:00 the next working day
        assert cal.due_by_cutoff(at("2025-11-14 14:59"), datetime.time(15)) == D("2025-11-14")
        assert cal.due_by_cutoff(at("2025-11-14 15:00"), datetime.time(15)) == D("2025-11-17")
        assert cal.due_by_cutoff(at("2025-10-11 10:00"), datetime.time(15)) == D("2025-10-11")  # make-up Saturday
        assert cal.due_by_cutoff(at("2025-10-03 10:00"), datetime.time(15)) == D("2025-10-09")

    def test_bad_schedule_periods(self):
        from django.core.exceptions import ValidationError

        from kernel.calendar.models import Schedule

        for periods in ([["12:00", "08:00"]], [["08:00", "12:00"], ["11:00", "13:00"]], [["8点", "12点"]]):
            with pytest.raises(ValidationError):
                Schedule(code="x", name="x", periods=periods).full_clean()


@pytest.mark.django_db
class TestCalendarPage:
    def test_year_page_and_editing(self, client):
        from kernel.audit.services import history_for
        from kernel.core.testing import make_staff

        perms = ["bizcalendar.view_calendarday", "bizcalendar.add_calendarday", "bizcalendar.change_calendarday",
                 "bizcalendar.delete_calendarday"]
        client.force_login(make_staff("450000", perms))
        page = client.get("/gov/system/calendar/?year=2025")
        assert page.status_code == 200 and "国庆节、中秋节" in page.content.decode()
        # 2025: 261 weekdays - 18 weekday holidays + 5 make-up days = 248 working days
        assert page.context["working_days"] == 248
        response = client.post("/gov/system/calendar/?year=2025", {"date": "2025-12-31", "kind": "holiday", "name": "测试"})
        assert response.status_code == 302
        day = CalendarDay.objects.get(date=D("2025-12-31"))
        assert history_for(day).filter(action="create").exists()
        bad = client.post("/gov/system/calendar/", {"date": "2025-12-30", "kind": "workday", "name": "错误"})
        assert bad.status_code == 400 and "调休上班日应为周六或周日" in bad.content.decode()
        assert client.post("/gov/system/calendar/", {"delete": day.pk}).status_code == 302
        assert not CalendarDay.objects.filter(pk=day.pk).exists()

    def test_viewers_cannot_edit(self, client):
        from kernel.core.testing import make_staff

        client.force_login(make_staff("450100", ["bizcalendar.view_calendarday"]))
        assert client.post("/gov/system/calendar/", {"date": "2025-12-31", "kind": "holiday", "name": "x"}).status_code == 403

